"""Write tests/data/text/splits.tsv: the fixed train / dev / test split of the text corpus by id.

Each record's split comes from a hash of its id alone (SHA-256 of the UTF-8 id, the first
8 bytes as a fraction of 2**64: below 0.6 train, below 0.8 dev, else test), so a record keeps
its split when records are added or files reordered, and every corpus file is split in the
same 60 / 20 / 20 proportions in expectation (stratified by file: the tool reports each file's
counts). The test split is never used for tuning.

    python tools/make_text_splits.py [--corpus tests/data/text/corpus] [--out tests/data/text/splits.tsv]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: (split, upper bound of the hash fraction), in order
SPLITS = [("train", 0.6), ("dev", 0.8), ("test", 1.0)]


def split_of(record_id: str) -> str:
    """The split of one id (deterministic, independent of every other record)."""
    u = int.from_bytes(hashlib.sha256(record_id.encode("utf-8")).digest()[:8], "big") / 2**64
    for name, upper in SPLITS:
        if u < upper:
            return name
    return SPLITS[-1][0]  # pragma: no cover


def read_ids(path: Path) -> list[str]:
    ids = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            rid = json.loads(line).get("id")
            if not isinstance(rid, str) or not rid:
                raise SystemExit(f"{path}: line {n}: no string id")
            ids.append(rid)
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "tests/data/text/corpus"))
    ap.add_argument("--out", default=str(ROOT / "tests/data/text/splits.tsv"))
    args = ap.parse_args(argv)
    rows: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(args.corpus).glob("*.jsonl")):
        counts: Counter[str] = Counter()
        for rid in read_ids(path):
            if rid in seen:
                raise SystemExit(f"{path}: id {rid!r} already in {seen[rid]}")
            seen[rid] = path.name
            s = split_of(rid)
            counts[s] += 1
            rows.append((rid, s))
        total = sum(counts.values())
        shares = ", ".join(f"{k} {counts[k]} ({100 * counts[k] / max(total, 1):.0f}%)" for k, _ in SPLITS)
        print(f"{path.name}: {total} records: {shares}", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("id\tsplit\n")
        for rid, s in rows:
            fh.write(f"{rid}\t{s}\n")
    c = Counter(s for _, s in rows)
    print(f"{args.out}: {len(rows)} ids: " + ", ".join(f"{k} {c[k]}" for k, _ in SPLITS), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
