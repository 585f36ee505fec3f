"""Lexicon compilation time against its size (issue 19: 10^5 cues took 38 s, 10^6 did not finish
in 120 s), beside pyahocorasick building an automaton of the same phrases.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_lexicon_compile.py [--sizes 10000,100000,1000000]

Each cue has one distinct two-word English phrase (``w<i> x<i>``; inflection off, so one
pattern per cue). Timed: ``Lexicon.from_json`` (parse + validate), ``CueMatcher`` (validate,
patterns, automaton; no jieba dictionary or traditional folding, which cost the same at every
size) and, as a check that the result works, matching one text holding the last phrase.
Reported: seconds, microseconds per cue (flat when compilation is linear) and the ratio to
pyahocorasick's ``add_word`` + ``make_automaton`` (a C extension building a plain trie with
failure links, no word boundaries or context).
"""

from __future__ import annotations

import argparse
import json
import time

import servscore as ss


def lexicon_json(n: int) -> str:
    cues = [{"name": f"c{i}", "phrases": [f"w{i} x{i}"]} for i in range(n)]
    return json.dumps({"cues": cues, "inflect": False})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    try:
        import ahocorasick
    except ImportError:  # pragma: no cover - the peer is optional
        ahocorasick = None
    print(f"{'cues':>9} {'from_json s':>12} {'compile s':>10} {'us/cue':>8} {'pyahocorasick s':>16} {'ratio':>6}")
    for n in (int(s) for s in args.sizes.split(",")):
        text = lexicon_json(n)
        t0 = time.perf_counter()
        lex = ss.text.Lexicon.from_json(text)
        t1 = time.perf_counter()
        m = ss.text.CueMatcher(lex, jieba_dict="", ts_characters="", ts_phrases="")
        t2 = time.perf_counter()
        counts = m.match([f"then w{n - 1} x{n - 1} again"])["counts"]
        assert int(counts.sum()) == 1 and int(counts[0, n - 1]) == 1, "the last cue must match"
        peer = float("nan")
        if ahocorasick is not None:
            p0 = time.perf_counter()
            a = ahocorasick.Automaton()
            for i in range(n):
                a.add_word(f"w{i} x{i}", i)
            a.make_automaton()
            peer = time.perf_counter() - p0
        total = t2 - t0
        print(f"{n:>9} {t1 - t0:>12.2f} {t2 - t1:>10.2f} {1e6 * total / n:>8.2f} {peer:>16.2f} {total / peer:>6.1f}")


if __name__ == "__main__":
    main()
