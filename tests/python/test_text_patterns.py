"""Gapped and alternation cue phrases (issue 12): ``A … B`` matches when the parts occur in order
inside one clause with at most ``gap_words`` (or ``…{n}``) words between two parts, each part on
word boundaries; ``(a|b)`` groups are alternatives. The context rules (negation, hypotheticals,
speaker) apply to the whole match as for a plain phrase.

The lexicon is written here from the rule definitions (no phrase of the default lexicon); every
expected count follows from the rules by hand.
"""

from __future__ import annotations

import pytest
import servscore as ss

LEX = {
    "cues": [
        {
            "name": "personal",
            "lost_sale": "getting_too_personal",
            "phrases": {"en": ["ask … (married|salary)", "ask …{1} age"], "zh": ["问 … (结婚|工资)"]},
        },
        {"name": "push", "phrases": {"en": ["(kept|keep) (calling|texting)"], "zh": ["(一直|不停)(打电话|发消息)"]}},
    ],
    "negators": {"en": ["not", "never", "didn't"], "zh": ["没", "不", "从来没"]},
    "clause_breaks": {"en": [",", ".", "?", "but"], "zh": ["，", "。", "？"]},
    "terminators": {"en": ["but"], "zh": ["但是"]},
    "scope_words": 3,
    "double_negation": True,
    "hypotheticals": {"en": ["if only"], "zh": ["如果"]},
    "hypothetical_words": 6,
    "sentence_breaks": {"en": ["."], "zh": ["。"]},
    "self_subjects": {"en": ["i"], "zh": ["我"]},
    "other_subjects": {"en": ["he", "she"], "zh": ["他", "她"]},
    "gap_words": 4,
}


def counts(texts: list[str], cue: str = "personal") -> list[int]:
    r = ss.text.match_cues(texts, lexicon=LEX)
    return [int(x) for x in r.counts[f"cue_{cue}"]]


def test_parts_in_order_within_the_gap_in_both_languages():
    # "asked" is "ask" inflected; 3 words between the parts (me whether i was -> 4 words: gap 4 ok)
    assert counts(["He asked me whether I was married.", "他一直问我结婚没有"]) == [1, 1]
    # the parts out of order, or more words between them than the gap allows
    assert counts(["He was married and asked nothing.", "he asked me so many things about whether i was married"]) == [
        0,
        0,
    ]
    # a part's own gap: "…{1}" allows one word between
    assert counts(["he asked my age", "he asked about my exact age"]) == [1, 0]


def test_no_match_across_a_clause_break_or_sentence_end():
    assert counts(["he asked, are you married", "He asked. Married people get a discount."]) == [0, 0]
    assert counts(["他问我，结婚了吗", "他问了。结婚的有优惠"]) == [0, 0]


def test_parts_match_on_word_boundaries():
    # "task" is not "ask"; 问 inside the jieba word 访问 is no part
    assert counts(["the task was married to the plan", "他访问了结婚网站"]) == [0, 0]


def test_context_applies_to_the_whole_match():
    # negated from before the first part; hypothetical; the customer's own question is not staff behaviour
    assert counts(["He never asked whether I was married.", "他从来没问我结婚的事"]) == [0, 0]
    assert counts(["If only he asked whether I was married", "如果他问我结婚没有"]) == [0, 0]
    assert counts(["I asked him if he was married", "我问他结婚没有"]) == [0, 0]
    r = ss.text.match_cues(["He never asked whether I was married."], lexicon=LEX, hits=True)
    h = r.hits[r.hits["cue"].astype(str) == "personal"].iloc[0]
    assert bool(h["negated"]) and not bool(h["counted"])
    assert h["phrase"] == "ask … (married|salary)"
    assert (h["start"], h["end"]) == (len("He never "), len("He never asked whether I was married"))


def test_alternation_in_plain_phrases():
    assert counts(["she kept texting me", "he keeps calling", "她一直发消息", "不停打电话"], "push") == [1, 1, 1, 1]
    assert counts(["she kept smiling", "一直发呆"], "push") == [0, 0]


def test_one_match_per_span_and_risk_flag():
    r = ss.interactions.classify(
        {"transcript": ["He asked my salary and asked if I was married.", "nothing"]}, lexicon=LEX, needs=None
    )
    assert r.table["cue_personal"].tolist() == [2, 0]  # "asked my salary" (gap 1) and "asked if i was married"
    assert r.table["risk_getting_too_personal"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("phrase", "what"),
    [
        ("ask … ", "part 2"),
        ("… married", "part 1"),
        ("ask …{x} married", "gap '{x}'"),
        ("ask …{99} married", "0-30"),
        ("a … b … c … d … e", "at most 4"),
        ("ask|married", "'|' outside a group"),
        ("ask (married|", "not closed"),
        ("ask (a|(b|c))", "nested"),
        ("ask (a||b)", "empty alternative"),
    ],
)
def test_syntax_errors_name_the_cue_the_phrase_and_the_problem(phrase: str, what: str):
    bad = {"cues": [{"name": "nosy", "phrases": {"en": [phrase]}}]}
    with pytest.raises(ss.ConfigError) as e:
        ss.text.match_cues(["x"], lexicon=bad)
    msg = str(e.value)
    assert "nosy" in msg and phrase in msg and what in msg


def test_gap_words_is_validated_and_round_trips():
    with pytest.raises(ss.ConfigError, match="gap_words"):
        ss.text.match_cues(["x"], lexicon={"cues": [{"name": "a", "phrases": ["a"]}], "gap_words": 31})
    lex = ss.text.Lexicon.from_dict(LEX)
    assert ss.text.Lexicon.from_json(lex.to_json()) == lex


def test_default_lexicon_patterns_on_hand_made_sentences():
    # written from the reason definitions (personal questions, comparing brands down), not from the corpus
    r = ss.interactions.classify(
        {
            "transcript": [
                "The salesman asked me three times whether I was married.",
                "The salesman never asked whether I was married.",
                "导购一直问我结婚了没有",
            ]
        },
        needs=None,
        model=None,
    )
    assert r.table["risk_getting_too_personal"].tolist() == [True, False, True]


def test_gap_words_is_a_lexicon_attribute():
    lex = ss.text.Lexicon.from_dict(LEX)
    assert lex.gap_words == 4
    assert ss.text.default_lexicon().gap_words == 6
