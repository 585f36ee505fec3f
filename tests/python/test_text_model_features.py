"""ss.text.Classifier with dense (rule) features, per-label thresholds tuned on out-of-fold
data, ``decide`` and the byte format v2: checked against a numpy/scipy reference and
hand-computed decisions."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from scipy.optimize import minimize
from servscore import InputError
from test_text_model import EN, ZH, ref_features, ref_fnv1a32, ref_fnv1a64, ref_shuffle

TEXTS = [t for t, _ in EN + ZH]
LABELS = [lab for _, lab in EN + ZH]


def dense_of(texts: list[str]) -> pd.DataFrame:
    """Two made-up dense features: a length and an exclamation flag."""
    return pd.DataFrame(
        {"len": [float(len(t)) for t in texts], "bang": [float("!" in t or "骂" in t) for t in texts]},
    )


# ---------------------------------------------------------------- reference of the tuned thresholds


def ref_train(X, y, rows, n_w, epochs, lr, l2, seed, fold, balanced=True):
    """AdaGrad logistic regression on `rows` (the documented algorithm, in plain Python)."""
    w = np.zeros(n_w)
    G = np.zeros(n_w)
    b = gb = 0.0
    n = len(rows)
    npos = int(sum(y[i] for i in rows))
    cwp = cwn = 1.0
    if balanced and 0 < npos < n:
        cwp, cwn = n / (2.0 * npos), n / (2.0 * (n - npos))
    for e in range(epochs):
        for i in ref_shuffle(rows, seed ^ ((fold + 1) << 32) ^ (e + 1)):
            cols, vals = X[i]
            s = b + sum(v * w[j] for j, v in zip(cols, vals))
            p = 1 / (1 + np.exp(-s)) if s >= 0 else np.exp(s) / (1 + np.exp(s))
            g = (cwp if y[i] else cwn) * (p - y[i])
            for j, v in zip(cols, vals):
                grad = g * v + l2 * w[j]
                G[j] += grad * grad
                w[j] -= lr * grad / (np.sqrt(G[j]) + 1e-10)
            gb += g * g
            b -= lr * g / (np.sqrt(gb) + 1e-10)
    return w, b


def ref_platt(s, y):
    """Platt (1999): minimise the log loss of 1 / (1 + exp(A s + B)) against the smoothed targets."""
    npos, nneg = int(y.sum()), int(len(y) - y.sum())
    t = np.where(y == 1, (npos + 1) / (npos + 2), 1 / (nneg + 2))

    def nll(ab):
        z = ab[0] * s + ab[1]
        return float(np.sum(t * np.logaddexp(0, z) + (1 - t) * np.logaddexp(0, -z)))

    r = minimize(nll, np.array([0.0, np.log((nneg + 1) / (npos + 1))]), method="BFGS", options={"gtol": 1e-10})
    return r.x


def ref_threshold(p, y):
    """The grid 0.95, 0.90, ..., 0.05 value with the best F1 (ties: the higher)."""
    best_t, best_f = 0.95, -1.0
    for g in range(19, 0, -1):
        t = g / 20
        flag = p >= t
        tp = int((flag & (y == 1)).sum())
        fp = int((flag & (y == 0)).sum())
        fn = int((~flag & (y == 1)).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f:
            best_t, best_f = t, f
    return best_t


def ref_group_threshold(P, Y):
    """One threshold for an exclusive group: the best micro-F1 of "the most probable label if it
    reaches t" over the grid 0.95 ... 0.05 (ties: the higher)."""
    best = P.argmax(axis=1)  # the first of equals, as decide
    pb = P[np.arange(len(P)), best]
    best_t, best_f = 0.95, -1.0
    for g in range(19, 0, -1):
        t = g / 20
        D = np.zeros_like(Y)
        on = pb >= t
        D[np.flatnonzero(on), best[on]] = 1
        tp, fp, fn = int((D & Y).sum()), int((D & (1 - Y)).sum()), int(((1 - D) & Y).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f:
            best_t, best_f = t, f
    return best_t


@pytest.mark.parametrize("group", [False, True])
def test_tuned_thresholds_equal_reference_on_out_of_fold_scores(group):
    texts = TEXTS
    labels = [[f"x:{lab}" for lab in labs] for labs in LABELS] if group else LABELS
    dense = dense_of(texts)
    kw = dict(buckets=2048, epochs=3, learning_rate=0.4, l2=1e-4, seed=9, calibration_folds=3, tune_thresholds=True)
    clf = ss.text.Classifier(**kw, exclusive_groups=["x:"] if group else []).fit(texts, labels, features=dense)
    assert clf.labels == (["x:rude", "x:slow"] if group else ["rude", "slow"]) and clf.feature_names == ["len", "bang"]
    n = len(texts)
    # features: used buckets (all present: min_count 1), then the standardised dense columns
    tb = [sorted({ref_fnv1a32(f.encode()) % 2048 for f in ref_features(t)}) for t in texts]
    used = sorted({b for v in tb for b in v})
    assert list(clf._model.used_buckets) == used
    row = {b: r for r, b in enumerate(used)}
    D = dense.to_numpy()
    mean, sd = D.mean(axis=0), D.std(axis=0)
    np.testing.assert_allclose(clf._model.dense_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(clf._model.dense_sd, sd, rtol=1e-12)
    X = []
    for i, v in enumerate(tb):
        cols = [row[b] for b in v]
        vals = [1 / np.sqrt(len(cols))] * len(cols)
        X.append((cols + [len(used), len(used) + 1], vals + list((D[i] - mean) / sd)))
    n_w = len(used) + 2
    # the seeded folds: a Fisher-Yates permutation, text perm[i] in fold i % K
    perm = ref_shuffle(list(range(n)), 9 ^ 0x5EED0F0DDBA11)
    fold = np.zeros(n, dtype=int)
    for i, p in enumerate(perm):
        fold[p] = i % 3
    Y = np.array([[("rude" in " ".join(lab)), ("slow" in " ".join(lab))] for lab in labels], dtype=int)
    P = np.zeros((n, 2))
    for lab in range(2):
        oof = np.zeros(n)
        for f in range(3):
            rows = [i for i in range(n) if fold[i] != f]
            w, b = ref_train(X, Y[:, lab], rows, n_w, 3, 0.4, 1e-4, 9, f)
            for i in np.flatnonzero(fold == f):
                cols, vals = X[i]
                oof[i] = b + sum(v * w[j] for j, v in zip(cols, vals))
        A, B = ref_platt(oof, Y[:, lab])
        assert clf._model.platt_a[lab] == pytest.approx(A, rel=1e-4, abs=1e-6)
        assert clf._model.platt_b[lab] == pytest.approx(B, rel=1e-4, abs=1e-6)
        P[:, lab] = 1 / (1 + np.exp(A * oof + B))
        if not group:
            assert clf.thresholds.iloc[lab] == ref_threshold(P[:, lab], Y[:, lab])
    if group:
        t = ref_group_threshold(P, Y)
        assert clf.thresholds.tolist() == [t, t]


def test_tune_thresholds_needs_calibration_folds():
    with pytest.raises(ss.ConfigError, match="tune_thresholds"):
        ss.text.Classifier(tune_thresholds=True, calibration_folds=0)
    assert ss.text.TextClassifierConfig().tune_thresholds is False
    clf = ss.text.Classifier(calibration_folds=0, epochs=2).fit(TEXTS, LABELS)
    assert clf.thresholds.tolist() == [0.5, 0.5]  # untuned: 0.5 each


# ---------------------------------------------------------------- reproducibility


def test_same_seed_same_bytes_any_workers_with_features():
    dense = dense_of(TEXTS)
    kw = dict(epochs=5, tune_thresholds=True, exclusive_groups=["s"])
    a = ss.text.Classifier(**kw, workers=1).fit(TEXTS, LABELS, features=dense)
    b = ss.text.Classifier(**kw, workers=2).fit(TEXTS, LABELS, features=dense)
    c = ss.text.Classifier(**kw, workers=1).fit(TEXTS, LABELS, features=dense)
    assert a.to_bytes() == b.to_bytes() == c.to_bytes()
    d = ss.text.Classifier(**kw, seed=1).fit(TEXTS, LABELS, features=dense)
    assert d.to_bytes() != a.to_bytes()
    b.workers = 2
    pd.testing.assert_frame_equal(a.predict_proba(TEXTS, features=dense), b.predict_proba(TEXTS, features=dense))


# ---------------------------------------------------------------- persistence with features


def test_round_trip_keeps_feature_names_scaling_and_thresholds(tmp_path):
    dense = dense_of(TEXTS)
    clf = ss.text.Classifier(epochs=5, tune_thresholds=True).fit(TEXTS, LABELS, features=dense)
    path = tmp_path / "m.ssm"
    clf.save(path)
    back = ss.text.Classifier.load(path)
    assert back.feature_names == ["len", "bang"] and back.n_features == 2
    assert back._model.dense_mean == clf._model.dense_mean and back._model.dense_sd == clf._model.dense_sd
    pd.testing.assert_series_equal(back.thresholds, clf.thresholds)
    assert back.to_bytes() == clf.to_bytes()
    p = clf.predict_proba(TEXTS, features=dense)
    pd.testing.assert_frame_equal(back.predict_proba(TEXTS, features=dense), p, check_exact=True)
    # columns by name in any order, or an array in the model's order: the same probabilities
    pd.testing.assert_frame_equal(back.predict_proba(TEXTS, features=dense[["bang", "len"]]), p, check_exact=True)
    pd.testing.assert_frame_equal(back.predict_proba(TEXTS, features=dense.to_numpy()), p, check_exact=True)
    body = path.read_bytes()
    assert body[:8] == b"SSTMODEL" and struct.unpack_from("<I", body, 8)[0] == 2


def test_feature_validation_errors():
    dense = dense_of(TEXTS)
    clf = ss.text.Classifier(epochs=2).fit(TEXTS, LABELS, features=dense)
    with pytest.raises(InputError, match="missing: bang"):
        clf.predict_proba(TEXTS, features=dense[["len"]])
    with pytest.raises(InputError, match="unknown: extra"):
        clf.predict_proba(TEXTS, features=dense.assign(extra=1.0))
    with pytest.raises(InputError, match="1 columns; the model was trained with 2"):
        clf.predict_proba(TEXTS, features=dense[["len"]].to_numpy())
    with pytest.raises(InputError, match="features: 3 rows; expected one per text"):
        clf.predict_proba(TEXTS, features=dense.iloc[:3])
    with pytest.raises(InputError, match="row 2, column bang: nan is not finite"):
        clf.predict_proba(TEXTS, features=dense.assign(bang=[0.0, 0.0, np.nan] + [0.0] * (len(TEXTS) - 3)))
    with pytest.raises(InputError, match="row 0, column len: inf is not finite"):
        clf.predict_proba(TEXTS[:1], features=[[np.inf, 0.0]])
    with pytest.raises(InputError, match="2-D"):
        clf.predict_proba(TEXTS, features=np.zeros((len(TEXTS), 2, 1)))
    with pytest.raises(InputError, match="numbers"):
        clf.predict_proba(TEXTS[:1], features=pd.DataFrame({"len": ["x"], "bang": [1.0]}))
    with pytest.raises(InputError, match="features"):
        clf.predict(TEXTS)  # trained with features: they are required
    dup = pd.DataFrame(np.zeros((len(TEXTS), 2)), columns=["a", "a"])
    with pytest.raises(InputError, match="'a' appears twice"):
        ss.text.Classifier(epochs=1).fit(TEXTS, LABELS, features=dup)
    # an unnamed (array) fit has no names and takes arrays only by position
    arr = ss.text.Classifier(epochs=2).fit(TEXTS, LABELS, features=dense.to_numpy())
    assert arr.feature_names == [] and arr.n_features == 2


# ---------------------------------------------------------------- decide, by hand


def test_decide_thresholds_and_groups_by_hand():
    data = [("aa", ["a"]), ("bb", ["b"]), ("xx", ["style:x"]), ("yy", ["style:y"])] * 2
    clf = ss.text.Classifier(epochs=1, exclusive_groups=["style:"]).fit([t for t, _ in data], [lab for _, lab in data])
    assert clf.labels == ["a", "b", "style:x", "style:y"]
    clf.thresholds = {"a": 0.3, "b": 0.6, "style:x": 0.5, "style:y": 0.2}
    proba = pd.DataFrame(
        [
            [0.30, 0.59, 0.40, 0.45],  # a at its threshold; style: y is the most probable, >= 0.2
            [0.29, 0.60, 0.70, 0.10],  # b at its threshold; style: x, 0.7 >= 0.5
            [0.00, 1.00, 0.45, 0.30],  # the most probable style (x) misses 0.5: no style, y not taken
            [0.50, 0.50, 0.50, 0.50],  # a tie in the group: the first label (x), 0.5 >= 0.5
        ],
        columns=clf.labels,
        index=["r1", "r2", "r3", "r4"],
    )
    expected = [[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0]]
    d = clf.decide(proba)
    assert list(d.index) == ["r1", "r2", "r3", "r4"] and list(d.columns) == clf.labels
    assert d.to_numpy().tolist() == expected
    # any column order; arrays in label order; lists of labels
    assert clf.decide(proba[proba.columns[::-1]]).to_numpy().tolist() == expected
    assert clf.decide(proba.to_numpy()).to_numpy().tolist() == expected
    assert clf.decide(proba, as_frame=False) == [["a", "style:y"], ["b", "style:x"], ["b"], ["a", "style:x"]]
    with pytest.raises(InputError, match="missing: b"):
        clf.decide(proba.drop(columns="b"))
    with pytest.raises(InputError, match=r"row 0, label 'a': 1.5; expected a probability"):
        clf.decide(proba.assign(a=[1.5, 0, 0, 0]))
    with pytest.raises(InputError, match="expected texts x 4 labels"):
        clf.decide(np.zeros((2, 3)))


# ---------------------------------------------------------------- hostile bytes


def _with_checksum(body: bytes) -> bytes:
    return body + struct.pack("<Q", ref_fnv1a64(body))


@pytest.fixture(scope="module")
def model_bytes() -> bytes:
    clf = ss.text.Classifier(epochs=2, buckets=512, tune_thresholds=True).fit(TEXTS, LABELS, features=dense_of(TEXTS))
    return clf.to_bytes()


def test_every_truncation_raises_input_error(model_bytes):
    body = model_bytes[:-8]
    # every cut through the header, labels, scaling and names; then every 37th byte
    for cut in [*range(min(len(body), 900)), *range(900, len(body), 37)]:
        with pytest.raises(InputError):
            ss.text.Classifier.from_bytes(_with_checksum(body[:cut]))
        with pytest.raises(InputError):
            ss.text.Classifier.from_bytes(model_bytes[: cut + 8])  # checksum not fixed up


def test_random_mutations_raise_input_error_or_load(model_bytes):
    body = bytearray(model_bytes[:-8])
    rng = np.random.default_rng(12)
    loaded = 0
    for _ in range(300):
        m = bytearray(body)
        for _ in range(int(rng.integers(1, 4))):
            m[int(rng.integers(8, len(m)))] = int(rng.integers(0, 256))
        try:
            clf = ss.text.Classifier.from_bytes(_with_checksum(bytes(m)))
        except InputError:
            continue
        loaded += 1  # a mutated weight is still a model: it must load whole and predict
        p = clf.predict_proba(TEXTS[:2], features=dense_of(TEXTS[:2]).to_numpy()[:, : clf.n_features])
        assert p.shape == (2, len(clf.labels))
    assert loaded > 0  # most mutations land in the weights


def test_hostile_sizes_fail_before_allocating(model_bytes):
    body = model_bytes[:-8]
    clen = struct.unpack_from("<I", body, 12)[0]
    at_labels = 16 + clen
    # a label count, a label length and (after the labels) the dense count set to 2^32 - 1
    for off in (at_labels, at_labels + 4):
        bad = body[:off] + struct.pack("<I", 0xFFFFFFFF) + body[off + 4 :]
        with pytest.raises(InputError, match="exceeds the bytes left|truncated"):
            ss.text.Classifier.from_bytes(_with_checksum(bad))
    with pytest.raises(InputError, match="version 4"):
        ss.text.Classifier.from_bytes(_with_checksum(body[:8] + struct.pack("<I", 4) + body[12:]))
