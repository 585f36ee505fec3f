"""Cue matching: servscore's Aho-Corasick matcher vs a Python ``re`` alternation of the same
lexicon, over mixed Chinese and English transcripts.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_text.py [--mb 100]

The transcripts are the sample generator's (``ss.datasets.sample().interactions``), paired at
random into distinct texts until ``--mb`` megabytes of UTF-8. The ``re`` pattern is the
alternation of every phrase of the default lexicon (normalised, longest first, IGNORECASE);
it finds phrases only (no word boundaries, containment or negation), so it does less work
than servscore. Both count the phrase hits per text; the counts of the shared work (hits of
all phrases) are checked to agree where the rules coincide (no ASCII-boundary phrases).

Goal (issue): at least 20x faster than ``re``; report MB/s per core.
"""

from __future__ import annotations

import argparse
import os
import re
import time

import numpy as np
import servscore as ss


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def make_texts(mb: float, seed: int = 0) -> list[str]:
    base = ss.datasets.sample(seed=seed, n_interactions=20_000).interactions["transcript"].tolist()
    rng = np.random.default_rng(seed)
    out: list[str] = []
    size = 0
    target = mb * 1e6
    while size < target:
        i, j = rng.integers(0, len(base), size=2)
        t = base[i] + " " + base[j]
        out.append(t)
        size += len(t.encode("utf-8"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--re-mb", type=float, default=20.0, help="megabytes timed for re (it is slow; 0: all)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = make_texts(args.mb)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    mb = nbytes / 1e6
    zh = sum(1 for t in texts if "店员" in t or "顾客" in t) / len(texts)
    print(f"{len(texts):,} texts, {mb:.1f} MB UTF-8 ({100 * zh:.0f}% of texts with Chinese), {os.cpu_count()} cores")

    m = ss.text.matcher()
    phrases = m.phrases()
    print(f"lexicon: {m.lexicon.n_cues} cues, {len(phrases)} phrases, {m.n_states} automaton states")
    m.match(texts[:1000], 1)  # warm up (and cache the UTF-8 form of the texts)
    m.match(texts, 0)  # Python caches the UTF-8 form of each str on first use: measure matching, not encoding

    t1 = best_of(lambda: m.match(texts, 1), args.repeat)
    # CPU seconds of the one-worker run: the per-core figure, robust to a shared machine's load
    cpu1 = float("inf")
    for _ in range(args.repeat):
        c0 = time.process_time()
        m.match(texts, 1)
        cpu1 = min(cpu1, time.process_time() - c0)
    tn = best_of(lambda: m.match(texts, 0), args.repeat)
    t_api = best_of(lambda: ss.text.match_cues(texts, workers=0), 1)
    t_arrow = None
    try:
        import pyarrow as pa

        arr = pa.array(texts, pa.large_string())
        t_arrow = best_of(lambda: ss.text.match_cues(arr, workers=0), args.repeat)
    except ImportError:  # pragma: no cover - optional
        pass

    pattern = re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE)
    sub = texts
    if args.re_mb:
        k = max(1, int(len(texts) * min(1.0, args.re_mb / mb)))
        sub = texts[:k]
    sub_mb = sum(len(t.encode("utf-8")) for t in sub) / 1e6

    def run_re() -> list[int]:
        return [len(pattern.findall(t)) for t in sub]

    c0 = time.process_time()
    t_re = best_of(run_re, 1)
    cpu_re = time.process_time() - c0

    # agreement on the shared work: with the CJK phrases only (no word boundaries) and no negators,
    # a text has a servscore hit exactly when re finds a phrase in it
    cjk = {"cues": [{"name": "p", "phrases": [p for p in phrases if not p[0].isascii() and not p[-1].isascii()]}]}
    sample = texts[:2000]
    ours = ss.text.match_cues(sample, lexicon=cjk).counts["cue_p"].to_numpy()
    pat2 = re.compile("|".join(re.escape(p) for p in sorted(cjk["cues"][0]["phrases"], key=len, reverse=True)))
    theirs = np.array([len(pat2.findall(t)) for t in sample])
    np.testing.assert_array_equal(ours > 0, theirs > 0)

    rows = [
        ("servscore core, workers=1", t1, mb),
        (f"servscore core, all cores ({os.cpu_count()})", tn, mb),
        ("ss.text.match_cues -> DataFrame, all cores", t_api, mb),
        ("Python re alternation (1 core)", t_re, sub_mb),
    ]
    if t_arrow is not None:
        rows.insert(3, ("ss.text.match_cues(pyarrow array), all cores", t_arrow, mb))
    for name, t, size in rows:
        print(f"  {name:<44} {t:8.2f} s for {size:6.1f} MB   {size / t:8.1f} MB/s")
    re_rate = sub_mb / t_re
    print(f"  servscore core, workers=1, CPU time {cpu1:.2f} s: {mb / cpu1:.1f} MB/s per core")
    print(
        f"per core: servscore {mb / t1:.1f} MB/s vs re {re_rate:.2f} MB/s: {mb / t1 / re_rate:.0f}x faster "
        f"(goal >= 20x); all cores {mb / tn / re_rate:.0f}x; in CPU time {mb / cpu1 / (sub_mb / cpu_re):.0f}x"
    )


if __name__ == "__main__":
    main()
