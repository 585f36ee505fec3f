"""Measure ss.interactions.classify on the evaluation corpus (issue 12's "Done when" figures).

    python tools/eval_text.py [--split dev|train|test|all] [--blind] [--json OUT.json] [--lang zh|en]

Runs the classifier on the chosen split of tests/data/text/corpus (``--split dev`` by default;
``--split test`` only for the final report: the test split is never used for tuning) or on the
blind set (``--blind``), and prints, overall and per language: lost-sale micro-F1 (with micro
precision and recall), needs micro-F1, style accuracy on the texts that show one, quadrant
accuracy on the texts that show one, the lost-sale flag rate on texts with no lost-sale label,
sentiment accuracy and the severity figures. It runs with rules alone and, when
``ss.text.Classifier`` exists and ``classify`` takes a ``model`` argument, with rules and the
default model too. Fields whose columns classify does not produce are reported as not predicted.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
from pathlib import Path

import pandas as pd
import servscore as ss
from servscore._text_eval import predictions_from_classify

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "tests" / "data" / "text"
# (label, field, metric): the figures of the "Done when", with their goals
FIGURES = [
    ("lost-sale micro-F1", "lost_sale", "micro_f1", ">= 0.75 (rules alone >= 0.55)"),
    ("lost-sale micro-P", "lost_sale", "micro_precision", ""),
    ("lost-sale micro-R", "lost_sale", "micro_recall", ""),
    ("lost-sale flags, no gold", "lost_sale", "flag_rate_no_gold", "<= 0.05"),
    ("needs micro-F1", "needs", "micro_f1", ">= 0.65"),
    ("style accuracy (shown)", "style", "accuracy", ">= 0.65"),
    ("style coverage", "style", "coverage", ""),
    ("quadrant accuracy (shown)", "quadrant", "accuracy", ">= 0.55"),
    ("procedural accuracy (shown)", "procedural", "accuracy", ""),
    ("personal accuracy (shown)", "personal", "accuracy", ""),
    ("sentiment accuracy", "sentiment", "accuracy", ""),
    ("severity exact", "severity", "accuracy", ""),
    ("severity within one", "severity", "within_one", ""),
    ("severity MAE", "severity", "mae", ""),
    ("severity >= 2 F1", "severity", ">=2.f1", ""),
]


def load_records(blind: bool) -> pd.DataFrame:
    d = TEXT / ("blind" if blind else "corpus")
    frames = [ss.text.read_labels(p) for p in sorted(d.glob("*.jsonl"))]
    if not frames:
        raise SystemExit(f"{d}: no .jsonl files")
    return pd.concat(frames, ignore_index=True)


def select(records: pd.DataFrame, split: str) -> pd.DataFrame:
    if split == "all":
        return records
    splits = pd.read_csv(TEXT / "splits.tsv", sep="\t")
    ids = set(splits.loc[splits["split"] == split, "id"])
    missing = set(records["id"]) - set(splits["id"])
    if missing:
        print(
            f"warning: {len(missing)} corpus id(s) not in splits.tsv (run tools/make_text_splits.py)", file=sys.stderr
        )
    return records[records["id"].isin(ids)].reset_index(drop=True)


def runs() -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    params = inspect.signature(ss.interactions.classify).parameters
    if "model" in params:
        out.append(("rules", {"model": None}))
        if hasattr(ss.text, "Classifier"):
            out.append(("rules + model", {}))
    else:
        out.append(("rules", {}))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev", "test", "all"])
    ap.add_argument("--blind", action="store_true", help="measure the blind set (every record) instead")
    ap.add_argument("--lang", choices=["zh", "en"], help="one language only")
    ap.add_argument("--json", help="write every figure as JSON here")
    args = ap.parse_args(argv)
    records = load_records(args.blind)
    gold = records if args.blind else select(records, args.split)
    if args.lang:
        gold = gold[gold["lang"] == args.lang].reset_index(drop=True)
    name = "blind set" if args.blind else f"{args.split} split"
    print(f"{name}: {len(gold)} texts ({', '.join(f'{k} {v}' for k, v in gold['lang'].value_counts().items())})")
    data = pd.DataFrame({"id": gold["id"], "lang": gold["lang"], "transcript": gold["text"]})
    report = {}
    for label, kw in runs():
        r = ss.interactions.classify(data, needs=None, **kw)
        e = ss.text.evaluate(gold, predictions_from_classify(r.table), by="lang")
        m = e.metrics
        rows = []
        for title, field, metric, goal in FIGURES:
            row = {"figure": title}
            for g in e.groups:
                key = f"{field}.{metric}" if g == "all" else f"{g}:{field}.{metric}"
                row[g] = m.get(key, math.nan) if field in e.fields else "not predicted"
            row["goal"] = goal
            rows.append(row)
        table = pd.DataFrame(rows).set_index("figure")
        print(f"\n== {label}")
        with pd.option_context("display.width", 160, "display.max_columns", 10):
            print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        if e.not_predicted:
            print("not predicted: " + ", ".join(e.not_predicted))
        report[label] = e.to_dict()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"set": name, "n": len(gold), "runs": report}, fh, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
