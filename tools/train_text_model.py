"""Train the shipped default text model (python/servscore/data/text/model/default.ssm).

Reads the evaluation corpus (tests/data/text/corpus/*.jsonl) and its fixed split
(tests/data/text/splits.tsv); trains on the train split only, with the rule features of the
bundled lexicon (``Classifier.rule_features``) beside the hashed n-grams. Each label's decision
threshold is tuned inside ``fit`` on out-of-fold calibrated probabilities of the train split
(``tune_thresholds``); only epochs and learning rate are chosen on the dev split (the test split
is never read). Writes the model with a JSON sidecar (training data id, date, config, dev
figures).

Deterministic: the seed is fixed (42) and results do not depend on ``--workers``, so the same
corpus gives the same bytes.

    PYTHONPATH=build/dev-model/python .venv/bin/python tools/train_text_model.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "text"
OUT = ROOT / "python" / "servscore" / "data" / "text" / "model"
GROUPS = ["style:", "sentiment:", "procedural:", "personal:", "severity:"]


def labels_of(rec: dict) -> list[str]:
    """The model's label strings for one corpus record."""
    out = [f"lost_sale:{r}" for r in rec.get("lost_sale") or []]
    out += [f"need:{n}" for n in rec.get("needs") or []]
    if rec.get("style"):
        out.append(f"style:{rec['style']}")
    for side in ("procedural", "personal"):
        if rec.get(side) in ("good", "bad"):
            out.append(f"{side}:{rec[side]}")
    if rec.get("sentiment"):
        out.append(f"sentiment:{rec['sentiment']}")
    if rec.get("severity") is not None:
        out.append(f"severity:{int(rec['severity'])}")
    return out


def load(split_names: set[str]) -> tuple[dict[str, list[dict]], str]:
    splits = {}
    for line in (CORPUS / "splits.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            i, s = line.split("\t")[:2]
            splits[i] = s.strip()
    h = hashlib.sha256()
    out: dict[str, list[dict]] = {s: [] for s in split_names}
    for f in sorted((CORPUS / "corpus").glob("*.jsonl")):
        h.update(f.read_bytes())
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                s = splits.get(rec["id"])
                if s in out:  # the test split is skipped here, never loaded
                    out[s].append(rec)
    h.update((CORPUS / "splits.tsv").read_bytes())
    return out, h.hexdigest()[:16]


def micro_f1(gold: list[set[str]], pred: list[set[str]], prefix: str = "") -> dict[str, float]:
    tp = fp = fn = 0
    for gs, ps in zip(gold, pred):
        g = {x for x in gs if x.startswith(prefix)}
        p = {x for x in ps if x.startswith(prefix)}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": tp + fn}


def evaluate(clf, recs: list[dict], features=None) -> dict[str, dict[str, float]]:
    pred = [set(p) for p in clf.predict([r["text"] for r in recs], features=features)]
    gold = [set(labels_of(r)) for r in recs]
    prefixes = ["", "lost_sale:", "need:", "style:", "procedural:", "personal:", "sentiment:", "severity:"]
    return {(p.rstrip(":") or "all"): micro_f1(gold, pred, p) for p in prefixes}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-rule-features", action="store_true", help="hashed n-grams only")
    args = ap.parse_args()
    import servscore as ss

    data, data_id = load({"train", "dev"})
    train, dev = data["train"], data["dev"]
    print(f"train {len(train)} texts, dev {len(dev)} texts (data id {data_id})")
    texts = [r["text"] for r in train]
    labels = [labels_of(r) for r in train]
    dev_texts = [r["text"] for r in dev]
    if args.no_rule_features:
        f_train = f_dev = None
    else:
        f_train = ss.text.Classifier.rule_features(texts, workers=args.workers)
        f_dev = ss.text.Classifier.rule_features(dev_texts, workers=args.workers)
    base = dict(buckets=1 << 18, min_count=2, exclusive_groups=GROUPS, seed=42, tune_thresholds=True)
    best = None
    grid = []
    for epochs in (10, 20, 40):
        for lr in (0.2, 0.5, 1.0):
            t0 = time.perf_counter()
            clf = ss.text.Classifier(**base, epochs=epochs, learning_rate=lr, workers=args.workers)
            clf.fit(texts, labels, features=f_train)
            figs = evaluate(clf, dev, f_dev)
            # the selection figure: the mean of the lost-sale and needs micro-F1 on dev
            score = (figs["lost_sale"]["f1"] + figs["need"]["f1"]) / 2
            grid.append({"epochs": epochs, "learning_rate": lr, "dev_score": round(score, 4)})
            print(
                f"epochs {epochs:3d} lr {lr:4.2f}: dev lost_sale F1 {figs['lost_sale']['f1']:.3f} "
                f"need F1 {figs['need']['f1']:.3f} all {figs['all']['f1']:.3f} ({time.perf_counter() - t0:.1f} s)"
            )
            if best is None or score > best[0]:
                best = (score, clf, figs)
    _, clf, figs = best
    args.out.mkdir(parents=True, exist_ok=True)
    clf.save(args.out / "default.ssm")
    info = {
        "model": "default.ssm",
        "format_version": 2,
        "training_data": {
            "corpus": "tests/data/text/corpus/*.jsonl",
            "split": "train",
            "id": data_id,
            "texts": len(train),
        },
        "features": "hashed n-grams" + ("" if args.no_rule_features else " + rule features (Classifier.rule_features)"),
        "n_rule_features": len(clf.feature_names),
        "selected_on": "thresholds: per label, F1 on out-of-fold calibrated probabilities of the train split "
        "(tune_thresholds); epochs and learning rate: the dev split, by the mean of lost_sale and need micro-F1; "
        "the test split was not read",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "config": clf.config.to_dict(),
        "labels": clf.labels,
        "thresholds": {k: round(float(v), 4) for k, v in clf.thresholds.items()},
        "dev": figs,
        "grid": grid,
        "bytes": (args.out / "default.ssm").stat().st_size,
    }
    (args.out / "default.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(figs, indent=1))
    print(f"wrote {args.out / 'default.ssm'} ({info['bytes']} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
