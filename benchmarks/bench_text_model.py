"""The trainable text classifier side by side with fastText on the evaluation corpus.

Both train on the train split of tests/data/text (splits.tsv) with the same label strings, word
n-grams 1-2, character n-grams 2-4 and 2^18 hash buckets, one thread each; fastText with
``loss="ova"`` (one-vs-all, as servscore). fastText splits on whitespace, so its input has a
space between the characters of CJK runs (prepared before timing); servscore reads the raw text.
Figures: training time, prediction throughput (texts/s and MB/s of the raw UTF-8 text, dev texts
repeated to ``--rows``, one thread: per core), and micro-F1 on the dev split (threshold 0.5 for
both; servscore also with the per-label thresholds it tunes on out-of-fold train data, and with
the rule features, whose matching time is counted in its predict figure).

    PYTHONPATH=build/dev-model/python .venv/bin/python benchmarks/bench_text_model.py
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from train_text_model import labels_of, load, micro_f1  # noqa: E402

CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff])")


def ft_text(t: str) -> str:
    return " ".join(CJK.sub(r" \1 ", t.lower()).split())


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import fasttext
    import servscore as ss

    data, data_id = load({"train", "dev"})
    train, dev = data["train"], data["dev"]
    tr_texts = [r["text"] for r in train]
    tr_labels = [labels_of(r) for r in train]
    dev_texts = [r["text"] for r in dev]
    gold = [set(labels_of(r)) for r in dev]
    big = (dev_texts * (args.rows // len(dev_texts) + 1))[: args.rows]
    mb = sum(len(t.encode()) for t in big) / 1e6
    print(f"corpus {data_id}: train {len(train)}, dev {len(dev)}; throughput on {len(big)} texts, {mb:.2f} MB")

    # servscore
    kw = dict(word_ngrams=2, char_min=2, char_max=4, cjk_max=3, buckets=1 << 18, epochs=args.epochs, workers=1)
    t_fit = best_of(lambda: ss.text.Classifier(**kw).fit(tr_texts, tr_labels), args.repeat)
    clf = ss.text.Classifier(**kw).fit(tr_texts, tr_labels)
    t_pred = best_of(lambda: clf.predict_proba(big), args.repeat)
    pred = [set(p) for p in clf.predict(dev_texts)]
    ss_f1 = micro_f1(gold, pred)
    t_fit0 = best_of(lambda: ss.text.Classifier(**kw, calibration_folds=0).fit(tr_texts, tr_labels), args.repeat)
    tuned = ss.text.Classifier(**kw, tune_thresholds=True).fit(tr_texts, tr_labels)
    tuned_f1 = micro_f1(gold, [set(p) for p in tuned.predict(dev_texts)])
    rf = ss.text.Classifier.rule_features
    f_tr = rf(tr_texts)
    t_fit_rf = best_of(
        lambda: ss.text.Classifier(**kw, tune_thresholds=True).fit(tr_texts, tr_labels, features=f_tr), 1
    )
    with_rf = ss.text.Classifier(**kw, tune_thresholds=True).fit(tr_texts, tr_labels, features=f_tr)
    t_pred_rf = best_of(lambda: with_rf.predict_proba(big, features=rf(big)), args.repeat)
    rf_f1 = micro_f1(gold, [set(p) for p in with_rf.predict(dev_texts, features=rf(dev_texts))])

    # fastText
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            for t, labs in zip(tr_texts, tr_labels):
                f.write(" ".join("__label__" + lab for lab in labs) + " " + ft_text(t).replace("\n", " ") + "\n")
        ftkw = dict(
            input=path,
            loss="ova",
            wordNgrams=2,
            minn=2,
            maxn=4,
            bucket=1 << 18,
            epoch=args.epochs,
            lr=0.5,
            thread=1,
            dim=50,
            verbose=0,
            seed=42,
        )
        t_ft_fit = best_of(lambda: fasttext.train_supervised(**ftkw), args.repeat)
        ft = fasttext.train_supervised(**ftkw)
    ft_big = [ft_text(t).replace("\n", " ") for t in big]
    t_ft_pred = best_of(lambda: ft.predict(ft_big, k=-1, threshold=0.0), args.repeat)
    ft_pred_labels, _ = ft.predict([ft_text(t).replace("\n", " ") for t in dev_texts], k=-1, threshold=0.5)
    ft_pred = [{lab.replace("__label__", "") for lab in p} for p in ft_pred_labels]
    ft_f1 = micro_f1(gold, ft_pred)

    rows = [
        ("servscore (3-fold Platt)", t_fit, t_pred, ss_f1),
        ("servscore (no calibration) fit", t_fit0, float("nan"), None),
        ("servscore, tuned thresholds", float("nan"), float("nan"), tuned_f1),
        ("servscore + rule features, tuned thresholds", t_fit_rf, t_pred_rf, rf_f1),
        ("fastText ova (dim 50)", t_ft_fit, t_ft_pred, ft_f1),
    ]
    print("| model | train s | predict texts/s | predict MB/s | dev micro-F1 (P / R) |")
    print("|---|---:|---:|---:|---:|")
    for name, tf, tp, f1 in rows:
        pr = f"{len(big) / tp:,.0f} | {mb / tp:.1f}" if tp == tp else "- | -"
        fs = f"{f1['f1']:.3f} ({f1['precision']:.2f} / {f1['recall']:.2f})" if f1 else "-"
        ts = f"{tf:.2f}" if tf == tf else "-"
        print(f"| {name} | {ts} | {pr} | {fs} |")
    print(f"{len(clf.labels)} labels; predict speed ratio servscore / fastText: {t_ft_pred / t_pred:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
