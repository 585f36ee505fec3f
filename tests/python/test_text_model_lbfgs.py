"""ss.text.Classifier with solver="lbfgs" and weighting="tfidf": the tf-idf vector of a tiny
text by hand, the L-BFGS minimum against scipy's L-BFGS-B on the same objective, and
reproducibility / persistence of the new settings."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
import servscore as ss
from scipy.optimize import minimize
from servscore import InputError
from servscore._core import fnv1a32
from test_text_model import EN, ZH, ref_features, ref_fnv1a32

WORDS = dict(word_ngrams=1, char_min=0, cjk_max=1, calibration_folds=0, solver="lbfgs", weighting="tfidf")


def test_tfidf_vector_of_a_tiny_text_by_hand():
    # words only; "rude" is in 1 of the 2 texts, "staff" in both:
    # idf(rude) = ln(3/2) + 1 = 1.405465, idf(staff) = ln(3/3) + 1 = 1
    # "rude rude staff": rude (1 + ln 2) x 1.405465 = 2.379663, staff 1; norm 2.581242
    clf = ss.text.Classifier(**WORDS, l2=0.1).fit(["rude rude staff", "staff"], [["rude"], []])
    b_rude, b_staff = fnv1a32(b"wrude") % 262144, fnv1a32(b"wstaff") % 262144
    used = list(clf._model.used_buckets)
    assert sorted([b_rude, b_staff]) == used
    idf = dict(zip(used, clf._model.idf))
    assert idf[b_rude] == pytest.approx(1.405465108, abs=1e-6)
    assert idf[b_staff] == pytest.approx(1.0, abs=1e-7)
    w = dict(zip(used, clf.weights[:, 0].astype(float)))
    x_rude, x_staff = 2.379662700 / 2.581242290, 1 / 2.581242290  # 0.921907, 0.387414
    got = clf.decision_function(["rude rude staff", "staff staff", "nothing known"]).to_numpy()[:, 0]
    b = clf._model.bias[0]
    assert got[0] == pytest.approx(b + w[b_rude] * x_rude + w[b_staff] * x_staff, rel=1e-6)
    assert got[1] == pytest.approx(b + w[b_staff] * 1.0, rel=1e-6)  # one bucket: unit value
    assert got[2] == pytest.approx(b, rel=1e-12)  # no used bucket: the bias alone
    assert w[b_rude] > 0 > w[b_staff]


def _design(texts, buckets):
    """Binary unit-norm rows of the hashed features (the default weighting), from the reference."""
    tb = [sorted({ref_fnv1a32(f.encode()) % buckets for f in ref_features(t)}) for t in texts]
    used = sorted({b for v in tb for b in v})
    col = {b: j for j, b in enumerate(used)}
    X = np.zeros((len(texts), len(used)))
    for i, v in enumerate(tb):
        X[i, [col[b] for b in v]] = 1 / math.sqrt(len(v))
    return X, used


def test_lbfgs_minimum_equals_scipy():
    texts = [t for t, _ in EN] + [t for t, _ in ZH]
    labels = [lab for _, lab in EN] + [lab for _, lab in ZH]
    dense = np.array([[len(t) % 5, t.count("a")] for t in texts], dtype=float)
    l2, scale = 0.01, 2.0
    clf = ss.text.Classifier(
        buckets=4096, calibration_folds=0, solver="lbfgs", l2=l2, tol=1e-10, max_iter=5000, dense_scale=scale
    ).fit(texts, labels, features=dense)
    X, used = _design(texts, 4096)
    assert list(clf._model.used_buckets) == used
    z = (dense - dense.mean(0)) / dense.std(0)
    Xf = np.hstack([X, scale * z])
    n = len(texts)
    for j, lab in enumerate(clf.labels):
        y = np.array([lab in ls for ls in labels], dtype=float)
        c = np.where(y == 1, n / (2 * y.sum()), n / (2 * (n - y.sum()))) / n  # balanced, mean loss

        def f(theta, y=y, c=c):
            s = Xf @ theta[:-1] + theta[-1]
            loss = np.sum(c * (np.logaddexp(0, s) - y * s)) + 0.5 * l2 * theta[:-1] @ theta[:-1]
            r = c * (1 / (1 + np.exp(-s)) - y)
            return loss, np.append(Xf.T @ r + l2 * theta[:-1], r.sum())

        ref = minimize(f, np.zeros(Xf.shape[1] + 1), jac=True, method="L-BFGS-B", options=dict(gtol=1e-12, ftol=0))
        np.testing.assert_allclose(clf.weights[:, j], ref.x[:-1], atol=2e-5)
        assert clf._model.bias[j] == pytest.approx(ref.x[-1], abs=2e-5)


def test_lbfgs_tfidf_same_bytes_any_workers_and_round_trip(tmp_path):
    texts = [t for t, _ in EN + ZH] * 2
    labels = [lab for _, lab in EN + ZH] * 2
    X = np.array([[t.count("e"), len(t)] for t in texts], dtype=float)
    kw = dict(solver="lbfgs", weighting="tfidf", l2=1e-3, tune_thresholds=True, seed=5, dense_scale=0.5)
    a = ss.text.Classifier(**kw).fit(texts, labels, features=X)
    b = ss.text.Classifier(**kw, workers=2).fit(texts, labels, features=X)
    assert a.to_bytes() == b.to_bytes()
    body = a.to_bytes()
    assert struct.unpack_from("<I", body, 8)[0] == 3  # the version with the idf block
    path = tmp_path / "m.ssm"
    a.save(path)
    c = ss.text.Classifier.load(path)
    assert c.config.weighting == "tfidf" and c.config.solver == "lbfgs" and c.config.dense_scale == 0.5
    np.testing.assert_array_equal(np.asarray(c._model.idf), np.asarray(a._model.idf))
    np.testing.assert_array_equal(c.predict_proba(texts, features=X), a.predict_proba(texts, features=X))
    probe = ["rude staff", "等了好久", "lovely coffee"]
    pp = a.predict_proba(probe, features=np.zeros((3, 2)))
    assert pp.loc[0, "rude"] > 0.5 > pp.loc[2, "rude"] and pp.loc[1, "slow"] > 0.5
    # a tf-idf config in version 2 bytes (no idf block) is refused
    v2 = body[:8] + struct.pack("<I", 2) + body[12:-8]
    from test_text_model import _with_checksum

    with pytest.raises(InputError, match="version 3"):
        ss.text.Classifier.from_bytes(_with_checksum(v2))


def test_new_config_keys_validate():
    with pytest.raises(ss.ConfigError, match="solver"):
        ss.text.TextClassifierConfig.from_dict({"solver": "sgd"})
    with pytest.raises(ss.ConfigError, match="weighting"):
        ss.text.TextClassifierConfig.from_dict({"weighting": "bm25"})
    with pytest.raises(ss.ConfigError, match="dense_scale"):
        ss.text.TextClassifierConfig.from_dict({"dense_scale": -1})
    with pytest.raises(ss.ConfigError, match="tol"):
        ss.text.TextClassifierConfig.from_dict({"tol": 0})
