"""Cue matching side by side: servscore's matcher (Aho-Corasick + jieba word boundaries on the
hits + traditional folding), pyahocorasick and Hyperscan (PyPI ``hyperscan``, its Python API
over the C library: a lower bound on the C API's speed) on the same dictionary and texts.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_text.py [--mb 100] [--kind zh|en|mixed|all]

The dictionary is every normalised phrase of the default lexicon (with its English inflections,
as servscore compiles it); the texts are the sample generator's transcripts (zh, en or both),
paired at random into distinct texts until ``--mb`` megabytes of UTF-8, normalised once in
advance so that every matcher sees the same bytes. servscore does more work than the peers
(word boundaries, containment, negation, speaker turns); the peers only report phrase
matches. One worker each; MB/s per core.

Goal (issue 12): >= 200 MB/s per core with word boundaries and context, within 3x of
Hyperscan's C API.
"""

from __future__ import annotations

import argparse
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


def make_texts(mb: float, kind: str, seed: int = 0) -> list[str]:
    base = ss.datasets.sample(seed=seed, n_interactions=20_000).interactions["transcript"].tolist()
    if kind != "mixed":
        zh = [t for t in base if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
        base = zh if kind == "zh" else [t for t in base if t not in set(zh)]
    rng = np.random.default_rng(seed)
    out: list[str] = []
    size = 0
    while size < mb * 1e6:
        i, j = rng.integers(0, len(base), size=2)
        t = base[i] + " " + base[j]
        out.append(t)
        size += len(t.encode("utf-8"))
    return out


def run(kind: str, mb_target: float, repeat: int, m: ss.text.CueMatcher, phrases: list[bytes]) -> list[tuple]:
    texts = make_texts(mb_target, kind)
    norm = [m.normalize(t) for t in texts]  # the same bytes for every matcher
    mb = sum(len(t) for t in norm) / 1e6
    rows = []
    t_ss = best_of(lambda: m.match(norm, 1), repeat)
    rows.append(("servscore CueMatcher.match (word boundaries, negation, turns), 1 worker", mb / t_ss))
    try:
        import ahocorasick

        # bytes as latin-1 characters: the same byte-level automaton over the same bytes
        a = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for p in phrases:
            a.add_word(p.decode("latin-1"))
        a.make_automaton()
        latin = [t.decode("latin-1") for t in norm]
        t_ac = best_of(lambda: [sum(1 for _ in a.iter(t)) for t in latin], 1)
        rows.append(("pyahocorasick (bytes, no boundaries)", mb / t_ac))
    except ImportError:
        pass
    try:
        import hyperscan

        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        exprs = [hyperscan_literal(p) for p in phrases]
        db.compile(expressions=exprs, ids=list(range(len(exprs))))
        scratch = hyperscan.Scratch(db)
        n = [0]

        def on(*_):
            n[0] += 1
            return None

        t_hs = best_of(lambda: [db.scan(t, match_event_handler=on, scratch=scratch) for t in norm], repeat)
        rows.append(("Hyperscan (Python API over the C library)", mb / t_hs))
    except ImportError:
        pass
    print(f"\n{kind}: {len(norm):,} texts, {mb:.1f} MB")
    for name, rate in rows:
        print(f"  {name:60s} {rate:8.1f} MB/s")
    if len(rows) == 3:
        print(
            f"  servscore / Hyperscan: {rows[0][1] / rows[2][1]:.2f}; servscore / pyahocorasick: {rows[0][1] / rows[1][1]:.2f}"
        )
    return rows


def hyperscan_literal(p: bytes) -> bytes:
    return b"".join(b"\\x%02x" % c for c in p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--kind", default="all", choices=["zh", "en", "mixed", "all"])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    m = ss.text.matcher()
    phrases = sorted({p for p in (x.encode() if isinstance(x, str) else x for x in m.phrases()) if p})
    print(f"dictionary: {len(phrases):,} phrases, {m.n_states:,} automaton states")
    for kind in ["zh", "en", "mixed"] if args.kind == "all" else [args.kind]:
        run(kind, args.mb, args.repeat, m, phrases)


if __name__ == "__main__":
    main()
