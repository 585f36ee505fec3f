"""The evaluation corpus of tests/data/text: every record valid, ids unique, the split complete."""

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
import servscore as ss

ROOT = Path(__file__).resolve().parents[2]
TEXT = ROOT / "tests" / "data" / "text"
REQUIRED = {
    "id",
    "lang",
    "form",
    "text",
    "lost_sale",
    "needs",
    "style",
    "procedural",
    "personal",
    "quadrant",
    "sentiment",
    "severity",
}
OPTIONAL = {"variant", "phenomena", "note"}
FORMS = {"complaint", "review", "verbatim", "dialogue", "call_note", "ticket"}
PHENOMENA = {
    "negation", "double_negation", "sarcasm", "reported_speech", "quoted_speech", "hypothetical", "contrast",
    "colloquial", "no_signal", "traditional", "mixed_language", "customer_says_cue",
}  # fmt: skip
SIDES = {"good", "bad", "not_shown"}
QUADRANT_OF = {
    ("bad", "bad"): "freezer",
    ("good", "bad"): "factory",
    ("bad", "good"): "friendly",
    ("good", "good"): "quality",
}


def load(directory):
    out = []
    for path in sorted(directory.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                out.append((f"{path.name}:{n}", json.loads(line)))
    return out


def check(where, r):
    keys = set(r)
    assert keys >= REQUIRED, f"{where}: missing {sorted(REQUIRED - keys)}"
    assert keys <= REQUIRED | OPTIONAL, f"{where}: unknown keys {sorted(keys - REQUIRED - OPTIONAL)}"
    assert isinstance(r["id"], str) and r["id"], where
    assert r["lang"] in ("zh", "en"), where
    assert r.get("variant") in (None, "zh-TW", "zh-HK"), where
    assert r["form"] in FORMS, f"{where}: form {r['form']!r}"
    assert isinstance(r["text"], str) and r["text"].strip(), where
    for key, names in (("lost_sale", ss.LostSaleReason.names()), ("needs", ss.HumanNeed.names())):
        v = r[key]
        assert isinstance(v, list) and all(x in names for x in v), f"{where}: {key} {v!r}"
        assert len(set(v)) == len(v), f"{where}: {key} repeats a label"
    assert r["style"] is None or r["style"] in ss.SocialStyle.names(), f"{where}: style {r['style']!r}"
    assert r["procedural"] in SIDES and r["personal"] in SIDES, where
    both = r["procedural"] != "not_shown" and r["personal"] != "not_shown"
    expected = QUADRANT_OF[(r["procedural"], r["personal"])] if both else None
    assert r["quadrant"] == expected, (
        f"{where}: quadrant {r['quadrant']!r} with sides {r['procedural']}/{r['personal']}"
    )
    assert r["sentiment"] in ("positive", "neutral", "negative"), where
    assert isinstance(r["severity"], int) and not isinstance(r["severity"], bool) and 0 <= r["severity"] <= 3, where
    ph = r.get("phenomena", [])
    assert isinstance(ph, list) and set(ph) <= PHENOMENA, f"{where}: phenomena {ph!r}"


@pytest.fixture(scope="module")
def corpus():
    return load(TEXT / "corpus")


def test_every_corpus_record_is_valid(corpus):
    for where, r in corpus:
        check(where, r)


def test_ids_unique_languages_balanced_and_size(corpus):
    ids = Counter(r["id"] for _, r in corpus)
    assert [k for k, c in ids.items() if c > 1] == []
    assert len(corpus) >= 600
    zh = sum(r["lang"] == "zh" for _, r in corpus) / len(corpus)
    assert 0.45 <= zh <= 0.55, zh
    # the evaluation labels are read by ss.text.read_labels without error
    for path in sorted((TEXT / "corpus").glob("*.jsonl")):
        assert len(ss.text.read_labels(path)) == sum(w.startswith(path.name + ":") for w, _ in corpus)


def test_every_id_in_the_split_exactly_once(corpus):
    lines = (TEXT / "splits.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id\tsplit"
    rows = [line.split("\t") for line in lines[1:] if line]
    assert all(len(x) == 2 and x[1] in ("train", "dev", "test") for x in rows)
    split_ids = Counter(x[0] for x in rows)
    assert [k for k, c in split_ids.items() if c > 1] == []
    assert set(split_ids) == {r["id"] for _, r in corpus}
    # the split is the hash rule of tools/make_text_splits.py, so adding records never moves one
    spec = importlib.util.spec_from_file_location("make_text_splits", ROOT / "tools" / "make_text_splits.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert all(mod.split_of(i) == s for i, s in rows)
    share = Counter(s for _, s in rows)
    assert 0.5 < share["train"] / len(rows) < 0.7 and 0.1 < share["test"] / len(rows) < 0.3


def test_blind_records_are_valid_and_apart(corpus):
    blind = load(TEXT / "blind") if (TEXT / "blind").is_dir() else []
    if not blind:
        pytest.skip("tests/data/text/blind/ is empty")
    for where, r in blind:
        check(where, r)
    ids = Counter(r["id"] for _, r in blind)
    assert [k for k, c in ids.items() if c > 1] == []
    assert not set(ids) & {r["id"] for _, r in corpus}
