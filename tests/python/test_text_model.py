"""ss.text.Classifier: the hashed n-gram one-vs-rest classifier, checked against a slow
pure-Python/numpy reference of the same features, hashing and AdaGrad SGD."""

from __future__ import annotations

import pickle
import re
import struct

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore import InputError
from servscore._core import fnv1a32, text_model_feature_strings, text_model_tokens

M64 = (1 << 64) - 1


# ---------------------------------------------------------------- the reference


def ref_fnv1a32(b: bytes) -> int:
    h = 2166136261
    for c in b:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def ref_fnv1a64(b: bytes) -> int:
    h = 1469598103934665603
    for c in b:
        h = ((h ^ c) * 1099511628211) & M64
    return h


def ref_features(text: str, word_ngrams=2, char_min=2, char_max=4, cjk_max=3) -> list[str]:
    """Feature strings for lower-case ASCII words and Han runs (what the tests use)."""
    feats, run = [], []
    for t in re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*|[\u4e00-\u9fff]+", text.lower()):
        if "\u4e00" <= t[0] <= "\u9fff":
            run = []
            for n in range(1, cjk_max + 1):
                feats += ["h" + t[b : b + n] for b in range(len(t) - n + 1)]
            continue
        run.append(t)
        feats.append("w" + t)
        for n in range(2, word_ngrams + 1):
            if len(run) >= n:
                feats.append("n" + " ".join(run[-n:]))
        if char_min > 0:
            s = "<" + t + ">"
            for n in range(char_min, char_max + 1):
                feats += ["c" + s[b : b + n] for b in range(len(s) - n + 1)]
    return feats


def splitmix(state: int):
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def ref_shuffle(v: list[int], state: int) -> list[int]:
    v = list(v)
    r = splitmix(state)
    for i in range(len(v), 1, -1):
        j = next(r) % i
        v[i - 1], v[j] = v[j], v[i - 1]
    return v


def ref_fit(texts, Y, buckets, epochs, lr, l2, seed, balanced=True, min_count=1):
    """Weights (used buckets ascending) and biases of the full-data models (no calibration)."""
    n, L = Y.shape
    tb = [sorted({ref_fnv1a32(f.encode()) % buckets for f in ref_features(t)}) for t in texts]
    df = {}
    for v in tb:
        for b in v:
            df[b] = df.get(b, 0) + 1
    used = sorted(b for b, c in df.items() if c >= min_count)
    row = {b: r for r, b in enumerate(used)}
    X = []
    for v in tb:
        cols = [row[b] for b in v if b in row]
        X.append((cols, 1.0 / np.sqrt(len(cols)) if cols else 0.0))
    W = np.zeros((len(used), L))
    B = np.zeros(L)
    for lab in range(L):
        w = np.zeros(len(used))
        G = np.zeros(len(used))
        b = gb = 0.0
        npos = int(Y[:, lab].sum())
        cwp = cwn = 1.0
        if balanced and 0 < npos < n:
            cwp, cwn = n / (2.0 * npos), n / (2.0 * (n - npos))
        for e in range(epochs):
            for i in ref_shuffle(range(n), seed ^ (1 << 32) ^ (e + 1)):
                cols, v = X[i]
                s = b
                for j in cols:
                    s += v * w[j]
                p = 1 / (1 + np.exp(-s)) if s >= 0 else np.exp(s) / (1 + np.exp(s))
                y = Y[i, lab]
                g = (cwp if y else cwn) * (p - y)
                for j in cols:
                    grad = g * v + l2 * w[j]
                    G[j] += grad * grad
                    w[j] -= lr * grad / (np.sqrt(G[j]) + 1e-10)
                gb += g * g
                b -= lr * g / (np.sqrt(gb) + 1e-10)
        W[:, lab], B[lab] = w, b
    return used, W, B


# ---------------------------------------------------------------- the hand-written tasks

EN = [
    ("The agent was rude and shouted at me", ["rude"]),
    ("Staff were rude, no manners at all", ["rude"]),
    ("She was so rude to my mother", ["rude"]),
    ("Rude cashier, rolled her eyes and snapped", ["rude"]),
    ("He shouted and swore at the customers", ["rude"]),
    ("I waited forty minutes in the queue", ["slow"]),
    ("Waited two hours for a callback that never came", ["slow"]),
    ("The delivery was late again, a week of waiting", ["slow"]),
    ("So slow, we waited ages for the bill", ["slow"]),
    ("Slow service and a long wait at the counter", ["slow"]),
    ("Rude staff and a long wait", ["rude", "slow"]),
    ("Waited an hour and then the manager was rude", ["rude", "slow"]),
    ("Lovely shop, nice coffee", []),
    ("I bought a blue jacket on Tuesday", []),
]
ZH = [
    ("服务员态度很差，还冲我大吼", ["rude"]),
    ("店员很没礼貌，翻白眼", ["rude"]),
    ("客服说话很冲，态度恶劣", ["rude"]),
    ("那个保安骂人，太没礼貌了", ["rude"]),
    ("收银员态度差，摔东西", ["rude"]),
    ("排队等了四十分钟", ["slow"]),
    ("等了两个小时也没人回电话", ["slow"]),
    ("快递又晚了一周，一直在等", ["slow"]),
    ("上菜太慢了，等了好久", ["slow"]),
    ("办事效率低，等了半天", ["slow"]),
    ("等了一个小时，经理态度还很差", ["rude", "slow"]),
    ("店员没礼貌，排队还等了好久", ["rude", "slow"]),
    ("咖啡不错，环境也好", []),
    ("周二买了一件蓝色外套", []),
]


def fit_easy(data, **kw):
    texts = [t for t, _ in data] * 3
    labels = [lab for _, lab in data] * 3
    return ss.text.Classifier(epochs=15, seed=7, **kw).fit(texts, labels)


# ---------------------------------------------------------------- features and hashing


def test_fnv1a32_published_vectors():
    # FNV-1a 32-bit test vectors (Fowler, Noll, Vo; draft-eastlake-fnv)
    assert fnv1a32(b"") == 0x811C9DC5
    assert fnv1a32(b"a") == 0xE40C292C
    assert fnv1a32(b"foobar") == 0xBF9CF968
    assert ref_fnv1a32(b"foobar") == 0xBF9CF968


def test_tokens_fold_case_width_and_split_cjk_runs():
    assert text_model_tokens("Ｈｅｌｌｏ　WORLD，你好！don't") == ["hello", "world", "你好", "don't"]
    assert text_model_tokens("Ｈｅｌｌｏ", fold_width=False) == []  # full-width letters stay symbols
    assert text_model_tokens("ÉCOLE Straße") == ["école", "straße"]
    assert text_model_tokens("abc我们xyz") == ["abc", "我们", "xyz"]


def test_feature_strings_match_reference():
    cfg = ss.text.TextClassifierConfig()
    for text in ["The agent was rude", "排队等了四十分钟", "ok 好的 fine then", "a"]:
        got = [b.decode() for b in text_model_feature_strings(text, cfg)]
        assert got == ref_features(text)
    cfg3 = ss.text.TextClassifierConfig(word_ngrams=3, char_min=3, char_max=5, cjk_max=2)
    got = [b.decode() for b in text_model_feature_strings("one two three 四五六", cfg3)]
    assert got == ref_features("one two three 四五六", 3, 3, 5, 2)
    # "<ab>" char 2-grams: <a ab b>; tags w, n, c, h
    assert [b.decode() for b in text_model_feature_strings("ab", ss.text.TextClassifierConfig(char_max=2))] == [
        "wab",
        "c<a",
        "cab",
        "cb>",
    ]


# ---------------------------------------------------------------- training against the reference


def test_weights_equal_numpy_reference():
    texts = [t for t, _ in EN[:8]] + [t for t, _ in ZH[:8]]
    labels = [lab for _, lab in EN[:8]] + [lab for _, lab in ZH[:8]]
    kw = dict(buckets=4096, epochs=3, learning_rate=0.3, l2=1e-3, seed=11, calibration_folds=0)
    clf = ss.text.Classifier(**kw).fit(texts, labels)
    assert clf.labels == ["rude", "slow"]
    Y = np.array([[("rude" in lab), ("slow" in lab)] for lab in labels], dtype=float)
    used, W, B = ref_fit(texts, Y, 4096, 3, 0.3, 1e-3, 11)
    assert list(clf._model.used_buckets) == used
    np.testing.assert_allclose(clf.weights, W.astype(np.float32), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(clf._model.bias, B, rtol=1e-9, atol=1e-12)
    # uncalibrated probabilities are the logistic of w.x + b with the float32 weights
    p = clf.predict_proba(texts[:3]).to_numpy()
    W32 = W.astype(np.float32)
    s = np.zeros((3, 2))
    for i, t in enumerate(texts[:3]):
        rows = [used.index(b) for b in sorted({ref_fnv1a32(f.encode()) % 4096 for f in ref_features(t)})]
        s[i] = B + W32[rows].sum(axis=0) / np.sqrt(len(rows))
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-s)), rtol=1e-5)


def test_min_count_drops_rare_buckets_like_reference():
    texts = [t for t, _ in EN]
    labels = [lab for _, lab in EN]
    clf = ss.text.Classifier(buckets=8192, epochs=2, min_count=2, calibration_folds=0, seed=3).fit(texts, labels)
    Y = np.array([[("rude" in lab), ("slow" in lab)] for lab in labels], dtype=float)
    used, W, B = ref_fit(texts, Y, 8192, 2, 0.5, 1e-5, 3, min_count=2)
    assert list(clf._model.used_buckets) == used
    np.testing.assert_allclose(clf.weights, W.astype(np.float32), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- reproducibility


def test_workers_and_seed():
    texts = [t for t, _ in EN + ZH]
    labels = [lab for _, lab in EN + ZH]
    a = ss.text.Classifier(workers=1).fit(texts, labels)
    b = ss.text.Classifier(workers=2).fit(texts, labels)
    c = ss.text.Classifier(workers=1).fit(texts, labels)
    d = ss.text.Classifier(workers=1, seed=43).fit(texts, labels)
    assert a.to_bytes() == b.to_bytes() == c.to_bytes()
    assert np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, d.weights)
    pa = a.predict_proba(texts)
    b.workers = 2
    pd.testing.assert_frame_equal(pa, b.predict_proba(texts))


# ---------------------------------------------------------------- persistence


def test_save_load_bytes_pickle_round_trip(tmp_path):
    clf = fit_easy(EN + ZH, exclusive_groups=["x:"])
    clf.thresholds = {"rude": 0.4}
    texts = [t for t, _ in EN + ZH]
    p = clf.predict_proba(texts)
    path = tmp_path / "m.ssm"
    clf.save(path)
    for other in (
        ss.text.Classifier.load(path),
        ss.text.Classifier.from_bytes(clf.to_bytes()),
        pickle.loads(pickle.dumps(clf)),
    ):
        pd.testing.assert_frame_equal(other.predict_proba(texts), p, check_exact=True)
        assert other.thresholds["rude"] == 0.4 and other.thresholds["slow"] == 0.5
        assert other.exclusive_groups == ["x:"]
        assert other.to_bytes() == clf.to_bytes()
    assert path.read_bytes()[:8] == b"SSTMODEL"
    unfitted = pickle.loads(pickle.dumps(ss.text.Classifier(epochs=3)))
    assert unfitted.config.epochs == 3


def _with_checksum(body: bytes) -> bytes:
    return body + struct.pack("<Q", ref_fnv1a64(body))


def test_hostile_bytes_raise_input_error():
    good = fit_easy(EN).to_bytes()
    body = good[:-8]
    assert _with_checksum(body) == good  # the documented checksum
    rng = np.random.default_rng(0)
    cases = [b"", b"SSTMODEL", good[:-1], good[:20], good + b"\0", rng.bytes(5000), b"SSTMODEL" + rng.bytes(100)]
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x40
    cases.append(bytes(flipped))
    # valid checksums around hostile contents: version, huge label count, huge bucket count
    clen = struct.unpack_from("<I", body, 12)[0]
    at_labels = 16 + clen
    cases.append(_with_checksum(body[:8] + struct.pack("<I", 4) + body[12:]))
    cases.append(_with_checksum(body[:at_labels] + struct.pack("<I", 0xFFFFFFFF) + body[at_labels + 4 :]))
    cases.append(_with_checksum(body[:16] + b"[" + body[17:]))  # broken config JSON
    cases.append(_with_checksum(body[: len(body) - 4]))  # one field short
    for _ in range(40):  # truncations at every few bytes, checksum fixed up
        cut = int(rng.integers(9, len(body)))
        cases.append(_with_checksum(body[:cut]))
    for c in cases:
        with pytest.raises(InputError):
            ss.text.Classifier.from_bytes(c)
    with pytest.raises(InputError):
        ss.text.Classifier.from_bytes("not bytes")  # type: ignore[arg-type]


# ---------------------------------------------------------------- learning


def test_calibration_on_separable_problem():
    rng = np.random.default_rng(1)
    pos = ["alpha" + " alpha" * int(k) + " common" for k in rng.integers(0, 3, 60)]
    neg = ["beta" + " beta" * int(k) + " common" for k in rng.integers(0, 3, 140)]
    texts = pos + neg
    labels = [["a"]] * 60 + [[]] * 140
    clf = ss.text.Classifier(seed=5).fit(texts, labels)
    p = clf.predict_proba(texts)["a"].to_numpy()
    assert p[:60].min() > 0.8 and p[60:].max() < 0.2
    # Platt targets (n+ + 1) / (n+ + 2) and 1 / (n- + 2) bound the calibrated probabilities
    assert p[:60].max() < 1.0 and p[60:].min() > 0.0
    assert clf._model.platt_a[0] < 0  # higher score, higher probability
    assert abs(p.mean() - 0.3) < 0.05


@pytest.mark.parametrize(
    "data,probes",
    [
        (
            EN,
            [("that man was really rude", ["rude"]), ("we waited so long in the queue", ["slow"]), ("nice jacket", [])],
        ),
        (ZH, [("保安态度很差", ["rude"]), ("排队等了好久", ["slow"]), ("环境不错", [])]),
    ],
)
def test_learns_easy_task(data, probes):
    clf = fit_easy(data)
    got = clf.predict([t for t, _ in probes])
    assert got == [lab for _, lab in probes]
    frame = clf.predict([t for t, _ in probes], as_frame=True)
    assert list(frame.columns) == ["rude", "slow"]
    assert frame.to_numpy().tolist() == [[int("rude" in lab), int("slow" in lab)] for _, lab in probes]


def test_features_drive_predictions():
    # identical texts: only the dense feature tells the labels apart
    texts = ["same words here"] * 40
    f = np.array([[1.0]] * 20 + [[0.0]] * 20)
    labels = [["flag"]] * 20 + [["other"]] * 20
    clf = ss.text.Classifier(seed=1).fit(texts, labels, features=f)
    assert clf.predict(["same words here"] * 2, features=[[1.0], [0.0]]) == [["flag"], ["other"]]
    frame = pd.DataFrame({"rule": [1.0, 0.0]}, index=["a", "b"])
    p = clf.predict_proba(pd.Series(["x", "y"], index=["a", "b"]), features=frame)
    assert list(p.index) == ["a", "b"] and p.loc["a", "flag"] > 0.9 and p.loc["b", "flag"] < 0.1
    with pytest.raises(InputError, match="features"):
        clf.predict(["x"])  # trained with 1 feature column
    with pytest.raises(InputError, match="features"):
        clf.predict(["x"], features=[[1.0, 2.0]])
    with pytest.raises(InputError, match="not finite"):
        ss.text.Classifier().fit(["a", "b"], [["x"], []], features=[[np.nan], [1.0]])


def test_exclusive_groups_and_thresholds():
    data = [
        ("warm friendly chat about my family", ["style:amiable", "sentiment:positive"]),
        ("give me the numbers and the spec sheet", ["style:analytical"]),
        ("hurry up, now, I want it done", ["style:driver", "sentiment:negative"]),
        ("wow amazing I loved it so much", ["style:expressive", "sentiment:positive"]),
    ] * 4
    texts = [t for t, _ in data]
    labels = [lab for _, lab in data]
    clf = ss.text.Classifier(exclusive_groups=["style:", "sentiment:"], calibration_folds=0, epochs=20).fit(
        texts, labels
    )
    pred = clf.predict(texts)
    for labs in pred:
        assert sum(lab.startswith("style:") for lab in labs) <= 1
        assert sum(lab.startswith("sentiment:") for lab in labs) <= 1
    assert pred[0] == ["sentiment:positive", "style:amiable"]
    clf.thresholds = 1.0  # nothing reaches a threshold of 1 (calibrated scores stay below 1)
    assert clf.predict(texts[:4]) == [[], [], [], []]
    clf.thresholds = [0.0] * len(clf.labels)
    assert all(len(labs) == 2 for labs in clf.predict(texts[:4]))  # one per group
    clf.exclusive_groups = []
    assert all(len(labs) == len(clf.labels) for labs in clf.predict(texts[:4]))
    with pytest.raises(InputError, match="threshold"):
        clf.thresholds = [2.0] * len(clf.labels)
    with pytest.raises(InputError, match="unknown label"):
        clf.thresholds = {"nope": 0.1}


# ---------------------------------------------------------------- the boundary


def test_label_forms_and_errors():
    texts = ["rude", "slow", "rude slow", "fine"]
    a = ss.text.Classifier(seed=2).fit(texts, [["r"], {"s"}, ("r", "s"), []])
    frame = pd.DataFrame({"r": [1, 0, 1, 0], "s": [0, 1, 1, 0]})
    b = ss.text.Classifier(seed=2).fit(texts, frame)
    assert a.to_bytes() == b.to_bytes()
    with pytest.raises(InputError, match="rows"):
        ss.text.Classifier().fit(texts, [["r"]])
    with pytest.raises(InputError, match="expected 0 or 1"):
        ss.text.Classifier().fit(texts, pd.DataFrame({"r": [2, 0, 1, 0]}))
    with pytest.raises(InputError, match="not a string"):
        ss.text.Classifier().fit(texts, [[1], [], [], []])
    with pytest.raises(InputError, match="not fitted"):
        ss.text.Classifier().predict(["x"])
    with pytest.raises(ss.ConfigError, match="buckets"):
        ss.text.Classifier(buckets=0)
    with pytest.raises(ss.ConfigError):
        ss.text.Classifier(nonsense=1)
    # missing texts are empty texts
    p = a.predict_proba(["rude", None, np.nan])
    assert np.allclose(p.iloc[1], p.iloc[2])


def test_default_model_loads():
    import importlib.resources as r

    ref = r.files("servscore") / "data" / "text" / "model" / "default.ssm"
    if not ref.is_file():
        pytest.skip("default model not built yet")
    clf = ss.text.Classifier.default()
    info = ss.text.Classifier.default_info()
    assert info["labels"] == clf.labels
    assert any(lab.startswith("lost_sale:") for lab in clf.labels)
    assert set(clf.exclusive_groups) >= {"style:", "sentiment:"}
    texts = ["等了两个小时也没人理我", "The agent was rude to me"]
    assert clf.config.tune_thresholds and info["format_version"] == (3 if clf.config.weighting == "tfidf" else 2)
    # the shipped model reads the text alone (its flags add what the rules miss); a model trained
    # with rule features reads them by name (test_interactions)
    if clf.feature_names:
        assert all(f.startswith("rule:") for f in clf.feature_names)
        with pytest.raises(InputError, match="features"):
            clf.predict_proba(texts)
        p = clf.predict_proba(texts, features=ss.text.Classifier.rule_features(texts))
    else:
        assert clf.n_features == 0 and info["features"] == "hashed n-grams"
        p = clf.predict_proba(texts)
    assert p.shape == (2, len(clf.labels)) and ((p >= 0) & (p <= 1)).all().all()


def test_union_thresholds_of_the_training_tool():
    """tools/train_text_model.py: the per-label threshold at which classify ORs the model's flag
    with the rules', by hand. Label 0: the rules find text 0, the model alone text 1 (p 0.7) and
    a false text 2 (p 0.6): the best union is at 0.70 (the highest threshold that adds text 1).
    Label 1: no gold labels, every model flag is false: 1.0 (never added). Floor 0.5."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    try:
        from train_text_model import micro, reason_feature_names, union_thresholds
    finally:
        sys.path.pop(0)
    gold = np.array([[1, 0], [1, 0], [0, 0], [0, 0]], dtype=bool)
    rule = np.array([[1, 0], [0, 0], [0, 0], [0, 0]], dtype=bool)
    p = np.array([[0.9, 0.8], [0.7, 0.6], [0.6, 0.55], [0.1, 0.2]])
    t = union_thresholds(p, rule, gold, 0.5)
    assert t.tolist() == [0.7, 1.0]
    assert micro(gold, rule | (p >= t)) == 1.0
    assert micro(gold, rule) == pytest.approx(2 * 1 / (2 + 1))  # tp 1, 2 gold, 1 flag
    # the rule features left out of the default model: the reasons' and needs' hits and cue counts
    cols = ["rule:cue:arguing", "rule:cue:need_help_met", "rule:cue:complaint", "rule:lost_sale:arguing"]
    cols += ["rule:need:help", "rule:style:driver", "rule:assertiveness"]
    assert reason_feature_names(cols) == cols[:2] + ["rule:lost_sale:arguing", "rule:need:help"]
    # a floor above every useful value: the model is never added
    assert union_thresholds(p, rule, gold, 0.75).tolist() == [1.0, 1.0]
