"""Duplicate JSON keys are refused wherever configuration text is read (issue 19, item 6), and
JSON numbers read back exactly (item 4)."""

import json
import random

import pytest
import servscore as ss
import servscore.text
from servscore import _json
from servscore.needs import load_rules
from servscore.text import resolve_lexicon


def test_core_parsers_refuse_duplicate_keys_naming_key_and_object():
    with pytest.raises(ss.ConfigError, match=r"encounter config: duplicate key 'scale_max' in the top-level object"):
        ss.EncounterConfig.from_json('{"scale_max": 7, "scale_max": 5}')
    with pytest.raises(ss.ConfigError, match=r"duplicate key 'weight' in indicators\[0\] \(line 1"):
        ss.EncounterConfig.from_json('{"indicators": [{"name": "a", "side": "personal", "weight": 1, "weight": 2}]}')
    with pytest.raises(ss.ConfigError, match="lexicon: duplicate key 'cues'"):
        ss.text.Lexicon.from_json('{"cues": [], "cues": []}')


def test_python_side_readers_refuse_duplicate_keys():
    # A bare list of rules is wrapped by Python before the core reads it.
    rules = '[{"id": "r", "need": "respect", "when": {"column": "wait", "gt": 1, "gt": 5}}]'
    with pytest.raises(ss.ConfigError, match="rules: duplicate key 'gt'"):
        load_rules(rules)
    # A lexicon with "extend" is read by Python first.
    with pytest.raises(ss.ConfigError, match="lexicon: duplicate key 'extend'"):
        resolve_lexicon('{"extend": true, "cues": [], "extend": false}')
    with pytest.raises(ss.ConfigError, match="x: duplicate key 'a'"):
        _json.loads('[{"b": {"a": 1, "a": 1}}]', "x")
    assert _json.loads('{"a": {"a": 1}, "b": [{"a": 2}]}', "x") == {"a": {"a": 1}, "b": [{"a": 2}]}
    with pytest.raises(json.JSONDecodeError):
        _json.loads("{", "x")


def test_random_double_weights_survive_to_json_and_back():
    rng = random.Random(19)
    names = [f"i{j}" for j in range(6)]
    for _ in range(500):
        weights = [rng.uniform(0, 1) * 10.0 ** rng.randint(-12, 12) or 1.0 for _ in names]
        cfg = ss.EncounterConfig(
            indicators=[
                ss.Indicator(n, "personal" if j % 2 else "procedural", w)
                for j, (n, w) in enumerate(zip(names, weights))
            ]
        )
        back = ss.EncounterConfig.from_json(cfg.to_json())
        assert back == cfg
        # Python's float() is an independent, correctly rounded reader of the same text.
        assert [ind["weight"] for ind in json.loads(cfg.to_json())["indicators"]] == weights
