"""ss.text.evaluate and ss.text.read_labels: figures computed by hand, cross-checked with scikit-learn."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import servscore as ss

# Five texts; lost-sale sets and languages chosen so that precision, recall and F1 differ.
LOST_GOLD = [["arguing", "wasting_time"], [], ["arguing"], [], ["wasting_time"]]
LOST_PRED = [["arguing"], ["being_hurried"], ["arguing", "lack_of_courtesy"], [], ["wasting_time", "arguing"]]
LANGS = ["zh", "zh", "en", "en", "en"]


def frames(gold_sets=LOST_GOLD, pred_sets=LOST_PRED, langs=LANGS):
    ids = [f"t{i}" for i in range(1, len(gold_sets) + 1)]
    gold = pd.DataFrame({"id": ids, "lang": langs, "lost_sale": gold_sets})
    pred = pd.DataFrame({"id": ids, "lost_sale": pred_sets})
    return gold, pred


def test_multi_label_hand_computed():
    gold, pred = frames()
    e = ss.text.evaluate(gold, pred)
    v = e.value
    # arguing: gold in t1, t3 (support 2); predicted in t1, t3, t5 (3); tp 2
    #   P = 2/3, R = 2/2 = 1, F1 = 2*2 / (2 + 3) = 0.8
    assert v("lost_sale", "precision", label="arguing") == pytest.approx(2 / 3)
    assert v("lost_sale", "recall", label="arguing") == 1.0
    assert v("lost_sale", "f1", label="arguing") == pytest.approx(0.8)
    assert v("lost_sale", "support", label="arguing") == 2 and v("lost_sale", "predicted", label="arguing") == 3
    # wasting_time: gold t1, t5 (2); predicted t5 (1); tp 1: P = 1, R = 1/2, F1 = 2/3
    assert v("lost_sale", "precision", label="wasting_time") == 1.0
    assert v("lost_sale", "recall", label="wasting_time") == 0.5
    assert v("lost_sale", "f1", label="wasting_time") == pytest.approx(2 / 3)
    # being_hurried: never in gold, predicted once: P = 0/1 = 0, R undefined, F1 = 0 / (0 + 1) = 0
    assert v("lost_sale", "precision", label="being_hurried") == 0.0
    assert math.isnan(v("lost_sale", "recall", label="being_hurried"))
    assert v("lost_sale", "f1", label="being_hurried") == 0.0
    # a label on neither side: every ratio undefined
    assert math.isnan(v("lost_sale", "f1", label="arguing".replace("arguing", "getting_too_personal")))
    # micro: tp 2 + 1 = 3, predicted 3 + 1 + 1 + 1 = 6, support 2 + 2 = 4
    #   P = 3/6 = 0.5, R = 3/4 = 0.75, F1 = 2*3 / (4 + 6) = 0.6
    m = e.metrics
    assert m["lost_sale.micro_precision"] == 0.5
    assert m["lost_sale.micro_recall"] == 0.75
    assert m["lost_sale.micro_f1"] == pytest.approx(0.6)
    # macro over the 4 labels present (arguing, wasting_time, being_hurried, lack_of_courtesy), undefined -> 0:
    #   P = (2/3 + 1 + 0 + 0) / 4 = 5/12, R = (1 + 1/2 + 0 + 0) / 4 = 3/8, F1 = (0.8 + 2/3 + 0 + 0) / 4 = 11/30
    assert m["lost_sale.macro_precision"] == pytest.approx(5 / 12)
    assert m["lost_sale.macro_recall"] == pytest.approx(3 / 8)
    assert m["lost_sale.macro_f1"] == pytest.approx(11 / 30)
    # texts with no gold reason: t2 (flagged: being_hurried) and t4 (not flagged): 1/2
    assert m["lost_sale.n_no_gold"] == 2 and m["lost_sale.flag_rate_no_gold"] == 0.5
    # exact match: only t4 (empty = empty): 1/5
    assert m["lost_sale.exact_match"] == pytest.approx(0.2)
    # zh (t1, t2): tp 1 (arguing), predicted 2, support 2: P = R = F1 = 0.5; no-gold t2 flagged: 1/1
    assert m["zh:lost_sale.micro_precision"] == 0.5 and m["zh:lost_sale.micro_recall"] == 0.5
    assert m["zh:lost_sale.flag_rate_no_gold"] == 1.0
    # en (t3, t4, t5): tp 2 (arguing t3, wasting_time t5), predicted 4, support 2:
    #   P = 2/4, R = 2/2, F1 = 4/6; no-gold t4 not flagged: 0
    assert m["en:lost_sale.micro_precision"] == 0.5 and m["en:lost_sale.micro_recall"] == 1.0
    assert m["en:lost_sale.micro_f1"] == pytest.approx(2 / 3)
    assert m["en:lost_sale.flag_rate_no_gold"] == 0.0
    assert e.groups == ["all", "en", "zh"] and e.by == "lang" and e.n == 5


def test_multi_label_input_forms_give_the_same_figures():
    gold, pred = frames()
    base = ss.text.evaluate(gold, pred).table
    # "; "- and ","-joined strings, tuples and sets, and the risk_<reason> columns of classify
    pred2 = pred.assign(lost_sale=["arguing", "being_hurried", "arguing,lack_of_courtesy", "", "wasting_time; arguing"])
    gold2 = gold.assign(lost_sale=[("arguing", "wasting_time"), set(), {"arguing"}, None, "wasting_time"])
    risk = pd.DataFrame({"id": pred["id"]})
    for r in ss.LostSaleReason.names():
        risk[f"risk_{r}"] = [r in s for s in LOST_PRED]
    risk["n_risks"] = [len(s) for s in LOST_PRED]
    for g, p in [(gold2, pred), (gold, pred2), (gold, risk)]:
        pd.testing.assert_frame_equal(ss.text.evaluate(g, p).table, base)
    # list-of-dict inputs; predictions in another order, with an extra row not in the gold set
    recs = pred.to_dict(orient="records")[::-1] + [{"id": "extra", "lost_sale": ["arguing"]}]
    e = ss.text.evaluate(gold.to_dict(orient="records"), recs)
    pd.testing.assert_frame_equal(e.table, base)
    assert e.n_unmatched_predicted == 1
    # aliases and case of the enums are accepted
    pred3 = pred.assign(
        lost_sale=[["ARGUING"], ["being_hurried"], ["arguing", "lack_of_courtesy"], [], ["wasting_time", "arguing"]]
    )
    pd.testing.assert_frame_equal(ss.text.evaluate(gold, pred3).table, base)


STYLE_GOLD = ["driver", "driver", "amiable", None, "analytical", "unknown"]
STYLE_PRED = ["driver", "amiable", "amiable", "driver", None, np.nan]


def test_single_label_hand_computed_and_confusion():
    gold = pd.DataFrame({"id": range(6), "style": STYLE_GOLD})
    pred = pd.DataFrame({"id": range(6), "style": STYLE_PRED})
    e = ss.text.evaluate(gold, pred)
    m = e.metrics
    # gold shown on ids 0, 1, 2, 4; right on 0 and 2: accuracy 2/4; predicted on 0, 1, 2: coverage 3/4
    assert m["style.n_shown"] == 4
    assert m["style.accuracy"] == 0.5
    assert m["style.coverage"] == 0.75
    assert m["style.accuracy_when_predicted"] == pytest.approx(2 / 3)
    # per class over the shown texts: driver support 2, predicted 1 (id 0), tp 1: P 1, R 1/2, F1 2/3
    # amiable support 1, predicted 2 (ids 1, 2), tp 1: P 1/2, R 1, F1 2/3; analytical support 1, none predicted: F1 0
    assert e.value("style", "f1", label="driver") == pytest.approx(2 / 3)
    assert e.value("style", "precision", label="amiable") == 0.5
    assert e.value("style", "recall", label="analytical") == 0.0
    assert math.isnan(e.value("style", "precision", label="analytical"))
    # macro F1 over the 3 classes present: (2/3 + 2/3 + 0) / 3 = 4/9
    assert m["style.macro_f1"] == pytest.approx(4 / 9)
    # not shown: ids 3 and 5; id 3 given a style anyway: 1/2
    assert m["style.flag_rate_no_gold"] == 0.5
    c = e.confusion("style")
    assert list(c.index) == ["analytical", "amiable", "driver", "expressive", "none"] == list(c.columns)
    assert c.loc["driver", "driver"] == 1 and c.loc["driver", "amiable"] == 1
    assert c.loc["amiable", "amiable"] == 1 and c.loc["analytical", "none"] == 1
    assert c.loc["none", "driver"] == 1 and c.loc["none", "none"] == 1
    assert c.to_numpy().sum() == 6
    assert e.by is None and e.groups == ["all"]  # no lang column: overall only
    with pytest.raises(ss.ConfigError, match="no table for field 'lost_sale'"):
        e.confusion("lost_sale")


def test_quadrant_sides_and_sentiment_not_shown_values():
    gold = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "quadrant": ["freezer", "quality", None, "factory"],
            "procedural": ["bad", "good", "not_shown", "good"],
            "sentiment": ["negative", "positive", "neutral", "negative"],
        }
    )
    pred = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "quadrant": ["freezer", "unknown", "friendly", "freezer"],
            "procedural": ["bad", "not_shown", "good", "bad"],
            "sentiment": ["negative", "neutral", "neutral", "negative"],
        }
    )
    m = ss.text.evaluate(gold, pred).metrics
    # quadrant shown on 1, 2, 4; right on 1: 1/3; "unknown" on 2 is no prediction: coverage 2/3; id 3 flagged: 1/1
    assert m["quadrant.accuracy"] == pytest.approx(1 / 3)
    assert m["quadrant.coverage"] == pytest.approx(2 / 3)
    assert m["quadrant.flag_rate_no_gold"] == 1.0
    # procedural shown on 1, 2, 4; right on 1: 1/3
    assert m["procedural.accuracy"] == pytest.approx(1 / 3)
    # sentiment: every gold shown, right on 1, 3, 4: 3/4
    assert m["sentiment.accuracy"] == 0.75


def test_severity_hand_computed():
    gold = pd.DataFrame({"id": range(6), "severity": [0, 1, 2, 3, None, 2]})
    pred = pd.DataFrame({"id": range(6), "severity": [0, 2, 2, 1, 3, np.nan]})
    m = ss.text.evaluate(gold, pred).metrics
    # gold present on ids 0, 1, 2, 3, 5 (n 5); predicted on 0-3: coverage 4/5
    # exact: ids 0, 2: 2/5; within one: ids 0, 1, 2 (|1-2| = 1): 3/5; MAE over the 4 pairs: (0+1+0+2)/4
    assert m["severity.n"] == 5
    assert m["severity.coverage"] == pytest.approx(0.8)
    assert m["severity.accuracy"] == pytest.approx(0.4)
    assert m["severity.within_one"] == pytest.approx(0.6)
    assert m["severity.mae"] == pytest.approx(0.75)
    # severity >= 2: gold on ids 2, 3, 5 (support 3); predicted on ids 1, 2 (2); tp id 2:
    #   P 1/2, R 1/3, F1 2*1 / (3 + 2) = 0.4
    assert m["severity.>=2.precision"] == 0.5
    assert m["severity.>=2.recall"] == pytest.approx(1 / 3)
    assert m["severity.>=2.f1"] == pytest.approx(0.4)


def test_fields_not_predicted_summary_and_dict():
    gold, pred = frames()
    gold["style"] = ["driver", None, "amiable", None, None]
    gold["severity"] = [2, 0, 1, 0, 1]
    e = ss.text.evaluate(gold, pred)
    assert e.fields == ("lost_sale",) and e.not_predicted == ("style", "severity")
    s = e.summary()
    assert "not predicted: style, severity" in s.text and str(s) == s.text
    assert "micro_f1" in s.text and "0.600" in s.text
    assert "<table" in s._repr_html_() and "Evaluation" in repr(e)
    d = json.loads(json.dumps(e.to_dict()))
    assert d["metrics"]["lost_sale.micro_f1"] == pytest.approx(0.6)
    assert d["metrics"]["zh:lost_sale.flag_rate_no_gold"] == 1.0
    assert set(e.table.columns) == {"field", "by", "label", "metric", "value"}
    h = e.headline()
    assert h.loc["all", "lost_sale.micro_f1"] == pytest.approx(0.6) and list(h.index) == ["all", "en", "zh"]
    with pytest.raises(ss.InputError, match="predicted: no column 'style'"):
        ss.text.evaluate(gold, pred, fields=["lost_sale", "style"])
    with pytest.raises(ss.ConfigError, match="unknown field"):
        ss.text.evaluate(gold, pred, fields=["styles"])
    with pytest.raises(ss.InputError, match="no column 'branch'"):
        ss.text.evaluate(gold, pred, by="branch")


def test_errors_name_field_row_and_value():
    gold, pred = frames()
    bad = pred.assign(lost_sale=[["arguing"], ["rudeness"], [], [], []])
    with pytest.raises(ss.InputError, match=r"predicted: lost_sale: row id 't2': unknown label 'rudeness'"):
        ss.text.evaluate(gold, bad)
    with pytest.raises(ss.InputError, match=r"gold: style: row id 1: unknown label 'bossy'"):
        ss.text.evaluate(pd.DataFrame({"id": [1], "style": ["bossy"]}), pd.DataFrame({"id": [1], "style": ["driver"]}))
    with pytest.raises(ss.InputError, match=r"severity: row id 1: 4 is not an integer 0-3"):
        ss.text.evaluate(pd.DataFrame({"id": [1], "severity": [4]}), pd.DataFrame({"id": [1], "severity": [1]}))
    with pytest.raises(ss.InputError, match=r"2 gold id\(s\) have no prediction: 't4', 't5'"):
        ss.text.evaluate(gold, pred.iloc[:3])
    with pytest.raises(ss.InputError, match="'t1' appears more than once"):
        ss.text.evaluate(pd.concat([gold, gold.iloc[:1]]), pred)
    with pytest.raises(ss.InputError, match="no id column 'key'"):
        ss.text.evaluate(gold, pred, id="key")


def test_read_labels_jsonl_and_csv(tmp_path):
    p = tmp_path / "gold.jsonl"
    rows = [
        {"id": "a", "lang": "zh", "lost_sale": ["arguing"], "style": "driver", "severity": 2, "text": "x"},
        {"id": "b", "lang": "en", "lost_sale": [], "style": None, "severity": 0},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    t = ss.text.read_labels(p)
    assert t["id"].tolist() == ["a", "b"] and t.loc[0, "lost_sale"] == ["arguing"] and t.loc[0, "text"] == "x"
    c = tmp_path / "pred.csv"
    c.write_text("id,lost_sale,style,severity\na,arguing; being_hurried,driver,2\nb,,,\n", encoding="utf-8")
    e = ss.text.evaluate(p, c)
    m = e.metrics
    # a: gold {arguing}, predicted {arguing, being_hurried}: tp 1, predicted 2, support 1
    # severity: a 2 = 2 right, b 0 vs missing wrong: 1/2
    assert m["lost_sale.micro_precision"] == 0.5 and m["lost_sale.micro_recall"] == 1.0
    assert m["style.accuracy"] == 1.0 and m["severity.accuracy"] == 0.5


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "a"}\n{"id": "b", "lost_sale": ["arguing", "shouting"]}\n', r"line 2: key 'lost_sale'.*'shouting'"),
        ('{"id": "a"}\n{"id": "a"}\n', r"line 2: key 'id': 'a' repeats the id of line 1"),
        ('{"id": "a"}\n{"id": ', r"line 2: not valid JSON"),
        ('{"id": "a"}\n[1, 2]\n', r"line 2: expected a JSON object"),
        ('{"lost_sale": []}\n', r"line 1: key 'id': None"),
        ('{"id": "a", "severity": 7}\n', r"line 1: key 'severity': 7 is not an integer 0-3"),
        ('{"id": "a", "style": 3}\n', r"line 1: key 'style': 3 is not a string label"),
        ('{"id": "a", "needs": {"x": 1}}\n', r"line 1: key 'needs'.*not a list"),
        ("[" * 100000 + "]" * 100000 + "\n", r"line 1: (not valid JSON|expected a JSON object)"),
        ("\n\n", "no label records"),
    ],
)
def test_read_labels_rejects_bad_records(tmp_path, content, message):
    p = tmp_path / "bad.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ss.InputError, match=message):
        ss.text.read_labels(p)


def test_read_labels_limits_and_formats(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a"}\n' * 3, encoding="utf-8")
    with pytest.raises(ss.InputError, match="at most 10 bytes"):
        ss.text.read_labels(p, max_bytes=10)
    q = tmp_path / "x.txt"
    q.write_text("id\n", encoding="utf-8")
    with pytest.raises(ss.InputError, match="expected a .jsonl or .csv"):
        ss.text.read_labels(q)
    b = tmp_path / "b.jsonl"
    b.write_bytes(b'{"id": "a"}\n{"id": "\xff"}\n')
    with pytest.raises(ss.InputError, match="line 2: invalid UTF-8"):
        ss.text.read_labels(b)
    c = tmp_path / "c.csv"
    c.write_text("id,style\na,driver,extra\n", encoding="utf-8")
    with pytest.raises(ss.InputError, match="line 2: more cells"):
        ss.text.read_labels(c)
    with pytest.raises(ss.InputError, match="cannot read"):
        ss.text.read_labels(tmp_path / "absent.jsonl")


# ------------------------------------------------------------ cross-check with scikit-learn


def random_sets(rng, n, names, p):
    return [[x for x in names if rng.random() < p] for _ in range(n)]


def test_against_scikit_learn_on_random_labels():
    sk = pytest.importorskip("sklearn.metrics")
    from sklearn.preprocessing import MultiLabelBinarizer

    rng = np.random.default_rng(7)
    names = ss.LostSaleReason.names()
    n = 400
    gold_sets = random_sets(rng, n, names, 0.08)
    pred_sets = [[x for x in names if (x in g and rng.random() < 0.7) or rng.random() < 0.04] for g in gold_sets]
    langs = rng.choice(["zh", "en"], size=n).tolist()
    styles = ss.SocialStyle.names()
    gs = [styles[i] if rng.random() < 0.7 else None for i in rng.integers(0, 4, size=n)]
    ps = [
        s if (s is not None and rng.random() < 0.6) else (styles[rng.integers(0, 4)] if rng.random() < 0.5 else None)
        for s in gs
    ]
    gold = pd.DataFrame({"id": range(n), "lang": langs, "lost_sale": gold_sets, "style": gs})
    pred = pd.DataFrame({"id": range(n), "lost_sale": pred_sets, "style": ps})
    e = ss.text.evaluate(gold, pred)
    for group in ["all", "zh", "en"]:
        keep = [i for i in range(n) if group == "all" or langs[i] == group]
        mlb = MultiLabelBinarizer(classes=names)
        yt = mlb.fit_transform([gold_sets[i] for i in keep])
        yp = mlb.transform([pred_sets[i] for i in keep])
        p, r, f, s = sk.precision_recall_fscore_support(yt, yp, average="micro", zero_division=0)
        assert e.value("lost_sale", "micro_precision", by=group) == pytest.approx(p)
        assert e.value("lost_sale", "micro_recall", by=group) == pytest.approx(r)
        assert e.value("lost_sale", "micro_f1", by=group) == pytest.approx(f)
        present = [j for j in range(len(names)) if yt[:, j].any() or yp[:, j].any()]
        p, r, f, s = sk.precision_recall_fscore_support(yt, yp, average="macro", labels=present, zero_division=0)
        assert e.value("lost_sale", "macro_precision", by=group) == pytest.approx(p)
        assert e.value("lost_sale", "macro_f1", by=group) == pytest.approx(f)
        p, r, f, s = sk.precision_recall_fscore_support(yt, yp, average=None, zero_division=0)
        for j, name in enumerate(names):
            assert e.value("lost_sale", "f1", by=group, label=name) == pytest.approx(f[j]) or s[j] + yp[:, j].sum() == 0
            assert e.value("lost_sale", "support", by=group, label=name) == s[j]
        # style on the texts that show one, no prediction as its own wrong class
        shown = [i for i in keep if gs[i] is not None]
        yt1 = [gs[i] for i in shown]
        yp1 = [ps[i] or "none" for i in shown]
        assert e.value("style", "accuracy", by=group) == pytest.approx(sk.accuracy_score(yt1, yp1))
        labels = [c for c in styles if c in yt1 or c in yp1]
        assert e.value("style", "macro_f1", by=group) == pytest.approx(
            sk.f1_score(yt1, yp1, labels=labels, average="macro", zero_division=0)
        )
        cm = sk.confusion_matrix(
            [g or "none" for g in (gs[i] for i in keep)],
            [p or "none" for p in (ps[i] for i in keep)],
            labels=[*styles, "none"],
        )
        np.testing.assert_array_equal(e.confusion("style", by=None if group == "all" else group).to_numpy(), cm)


def test_predictions_from_classify_maps_the_columns():
    from servscore._text_eval import predictions_from_classify

    df = pd.DataFrame({"id": ["a", "b"], "lang": ["en", "zh"], "transcript": ["Staff: you're wrong.", "顾客：谢谢。"]})
    t = ss.interactions.classify(df).table
    p = predictions_from_classify(t)
    assert p["id"].tolist() == ["a", "b"] and p["lang"].tolist() == ["en", "zh"]
    assert p.loc[0, "lost_sale"] == frozenset(r for r in ss.LostSaleReason.names() if t.loc[0, f"risk_{r}"])
    for field, col in [("needs", "text_needs"), ("procedural", "side_procedural"), ("severity", "severity")]:
        if col in t.columns:
            assert p[field].tolist() == t[col].astype(object).tolist()
    # a table without the text-label columns: only what it has
    bare = pd.DataFrame({"id": [1], "risk_arguing": [True], "style": ["driver"]})
    p = predictions_from_classify(bare)
    assert list(p.columns) == ["id", "lost_sale", "style"] and p.loc[0, "lost_sale"] == frozenset({"arguing"})
    e = ss.text.evaluate(pd.DataFrame({"id": [1], "lost_sale": [["arguing"]], "needs": [["help"]]}), p)
    assert e.not_predicted == ("needs",) and e.metrics["lost_sale.micro_f1"] == 1.0


def test_plot_draws_one_bar_per_label_and_group():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    gold, pred = frames()
    e = ss.text.evaluate(gold, pred)
    ax = e.plot()
    # 14 reasons x 3 groups (all, en, zh); the bar of arguing / all is its F1 0.8
    assert len(ax.patches) == 14 * 3
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [p.get_width() for p in ax.patches[:14]]
    assert widths[labels.index("arguing")] == pytest.approx(0.8)
    with pytest.raises(ss.ConfigError, match="no per-label figures"):
        ss.text.evaluate(pd.DataFrame({"id": [1], "severity": [1]}), pd.DataFrame({"id": [1], "severity": [1]})).plot()
    plt.close("all")
