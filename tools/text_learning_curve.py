"""How the lost-sale F1 of a text-only model grows with the number of labelled texts.

5-fold cross-validation (seed 42) on the corpus's train + dev splits (the test split is never
loaded); in each fold the model is fitted on a random share (``--fractions``) of the training
folds: scikit-learn TF-IDF ``char_wb`` 1-4-grams (sublinear tf, ``min_df=2``) and one balanced
LogisticRegression (C=10) per lost-sale reason, the peer of docs/text_model.md's comparison. It
prints the out-of-fold lost-sale micro-F1 at the best global threshold for each share: the slope
says what more labelled texts would buy the shipped model.

    PYTHONPATH=build/dev/python .venv/bin/python tools/text_learning_curve.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_text import load_records, select  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import MultiLabelBinarizer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fractions", default="0.35,0.5,0.7,1.0")
    args = ap.parse_args(argv)
    rec = load_records(False)
    g = pd.concat([select(rec, "train"), select(rec, "dev")], ignore_index=True)
    y = MultiLabelBinarizer().fit_transform(g["lost_sale"].apply(lambda v: list(v if v is not None else [])))
    x = g["text"].tolist()
    rng = np.random.default_rng(0)
    for frac in (float(f) for f in args.fractions.split(",")):
        p = np.zeros(y.shape, dtype=float)
        for fold_tr, te in KFold(5, shuffle=True, random_state=42).split(x):
            tr = rng.permutation(fold_tr)[: int(len(fold_tr) * frac)]
            v = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2)
            xtr = v.fit_transform([x[i] for i in tr])
            xte = v.transform([x[i] for i in te])
            for j in range(y.shape[1]):
                if y[tr, j].sum() == 0:
                    continue
                m = LogisticRegression(C=10, class_weight="balanced", max_iter=2000).fit(xtr, y[tr, j])
                p[te, j] = m.predict_proba(xte)[:, 1]
        f1, t = max((f1_score(y, p >= t, average="micro"), t) for t in np.arange(0.2, 0.9, 0.05))
        print(f"share {frac:.2f} (~{int(len(x) * 0.8 * frac)} training texts): micro-F1 {f1:.3f} at {t:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
