"""Context of cue hits (issue 12, items 4 and 5): post-negation, word scopes, double negation,
hypotheticals, quoted and reported speech, speaker attribution, the hits table's context
columns and the counted hits behind interactions evidence.

The lexicon is written here from the rule definitions (no phrase of the default lexicon);
every expected value follows from the rules by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest
import servscore as ss

LEX = {
    "cues": [
        {"name": "rude", "phrases": {"en": ["rude"], "zh": ["态度差"]}, "lost_sale": "lack_of_courtesy"},
        {"name": "helpful", "phrases": {"en": ["helpful"], "zh": ["热情"]}},
        {"name": "unhelpful", "phrases": {"en": ["unhelpful"], "zh": ["不满意", "不理人"]}},
        {"name": "ignore", "phrases": {"zh": ["爱理不理", "不理不睬"]}},
        {"name": "hurry", "phrases": {"en": ["hurry up", "in a hurry"], "zh": ["快点", "随便看看"]}},
        {"name": "rush", "actor": "customer", "phrases": {"en": ["in a rush"], "zh": ["赶时间"]}},
        {"name": "greet", "phrases": {"en": ["greeted me"], "zh": ["打招呼"]}},
        {"name": "wait", "phrases": {"en": ["waited two hours"], "zh": ["等了两个小时"]}},
    ],
    "negators": {"en": ["not", "never", "no"], "zh": ["不", "没", "没有", "不是"]},
    "clause_breaks": {"en": [",", ".", "?", "!", ":", "but"], "zh": ["，", "。", "？", "！", "："]},
    "terminators": {"en": ["but"], "zh": ["但是"]},
    "post_negators": {"en": ["not at all"], "zh": ["没有的事"]},
    "scope_words": 2,
    "double_negation": True,
    "hypotheticals": {"en": ["if", "i hope"], "zh": ["如果", "希望"]},
    "hypothetical_words": 4,
    "sentence_breaks": {"en": [".", "!"], "zh": ["。", "！"]},
    "quote_marks": ["“”", '""'],
    "reporting_verbs": {"en": ["said", "told me"], "zh": ["说"]},
    "staff_subjects": {"en": ["the agent"], "zh": ["店员"]},
    "customer_subjects": {"en": ["the customer"], "zh": ["顾客"]},
    "self_subjects": {"en": ["i"], "zh": ["我"]},
    "other_subjects": {"en": ["he", "she", "you"], "zh": ["他", "你们"]},
    "non_subjects": {"zh": ["对我", "让我"]},
    "staff_roles": {"en": ["agent"], "zh": ["坐席", "客服"]},
    "customer_roles": {"en": ["caller"], "zh": ["业主"]},
    "experience_cues": ["wait"],
}


def first_hit(text: str, cue: str) -> dict:
    """The first hit of ``cue`` in ``text`` (a dict of the hits table's row) and the cue's count."""
    r = ss.text.match_cues([text], lexicon=LEX, hits=True)
    h = r.hits[r.hits["cue"].astype(str) == cue]
    assert len(h), f"no hit of {cue} in {text!r}"
    row = h.iloc[0].to_dict()
    row["count"] = int(r.counts.loc[0, f"cue_{cue}"])
    return row


def test_hits_table_has_the_context_columns():
    r = ss.text.match_cues(["rude? not at all", "nothing here"], lexicon=LEX, hits=True)
    assert list(r.hits.columns) == ss.text.HIT_COLUMNS
    assert r.hits["counted"].dtype.kind == "b" and r.hits["hypothetical"].dtype.kind == "b"
    assert list(r.hits["speaker"].cat.categories) == ["unknown", "staff", "customer"]
    empty = ss.text.match_cues(["x"], lexicon=LEX)
    assert list(empty.hits.columns) == ss.text.HIT_COLUMNS


@pytest.mark.parametrize(
    ("text", "cue", "negated"),
    [
        ("rude? not at all", "rude", True),  # post-negation
        ("态度差？没有的事", "rude", True),
        ("rude. not at all", "rude", False),  # a sentence break ends the post scope
        ("rude x y z not at all", "rude", False),  # 3 words > scope 2
        ("not very helpful", "helpful", True),  # 1 word between
        ("not at all helpful", "helpful", True),  # 2 words
        ("not really very much helpful", "helpful", False),  # 4 words
        ("not, helpful", "helpful", False),  # a clause break ends the scope
        ("服务不热情", "helpful", True),
        ("不是很热情", "helpful", True),  # jieba: 不是 / 很 / 热情: one word between
        ("不是不热情", "helpful", False),  # double negation: an affirmation
        ("not never helpful", "helpful", False),
        ("not no never helpful", "helpful", True),  # three negators
        ("not unhelpful", "unhelpful", True),  # a negative cue negated once
        ("没有不满意", "unhelpful", True),
        ("不是不理人", "unhelpful", True),
        ("爱理不理", "ignore", False),  # the negator inside a kept idiom negates nothing
        ("不理不睬", "ignore", False),
    ],
)
def test_negation_rules(text, cue, negated):
    h = first_hit(text, cue)
    assert h["negated"] is negated
    assert h["counted"] is (not negated)
    assert h["count"] == (0 if negated else 1)


def test_negated_counts_and_frequencies():
    r = ss.text.match_cues(["没有不满意", "不满意"], lexicon=LEX)
    assert r.counts["cue_unhelpful"].tolist() == [0, 1]
    assert r.negated["cue_unhelpful"].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("text", "cue", "hypothetical"),
    [
        ("if the agent had greeted me I would stay", "greet", True),
        ("I hope they will be helpful", "helpful", True),
        ("如果店员热情", "helpful", True),
        ("希望下次热情", "helpful", True),
        ("如果下雨。店员热情", "helpful", False),  # a sentence break ends the scope
        ("if it rains but helpful", "helpful", False),  # so does a terminator
        ("if one two three four five helpful", "helpful", False),  # 5 words > 4
        ("the agent greeted me", "greet", False),
    ],
)
def test_hypothetical_rules(text, cue, hypothetical):
    h = first_hit(text, cue)
    assert h["hypothetical"] is hypothetical
    assert h["count"] == (0 if hypothetical else 1)


@pytest.mark.parametrize(
    ("text", "cue", "quoted", "speaker", "count"),
    [
        ("他说“快点”", "hurry", True, "staff", 1),  # staff words reported by the customer
        ('the agent said "hurry up"', "hurry", True, "staff", 1),
        ("店员说我随便看看", "hurry", True, "staff", 1),  # after a reporting verb
        ("我说“随便看看”", "hurry", True, "customer", 0),  # the customer quoting themselves
        ("“好的” 他很热情", "helpful", False, "staff", 1),  # the quote is closed
        ("我随便看看", "hurry", False, "customer", 0),  # narrative: the customer's own words
        ("I was in a hurry", "hurry", False, "customer", 0),
        ("店员让我快点", "hurry", False, "staff", 1),  # 让我: 我 is an object
        ("he told me to hurry up", "hurry", True, "staff", 1),
        ("我进门，店员态度差", "rude", False, "staff", 1),  # nearest subject of the sentence
        ("他对我态度差", "rude", False, "staff", 1),
        ("the customer was in a hurry", "hurry", False, "customer", 0),
        ("rude and in a hurry", "hurry", False, "unknown", 1),  # no subject: a staff cue counts
        ("I came in. rude", "rude", False, "unknown", 1),  # the subject's sentence is over
        ("我赶时间", "rush", False, "unknown", 1),  # customer cues count in narrative text
        ("我等了两个小时", "wait", False, "unknown", 1),  # an experience cue: 我 is ignored
        ("I waited two hours", "wait", False, "unknown", 1),
        ("the agent waited two hours", "wait", False, "staff", 1),
    ],
)
def test_quotes_and_narrative_speakers(text, cue, quoted, speaker, count):
    h = first_hit(text, cue)
    assert h["quoted"] is quoted
    assert h["speaker"] == speaker
    assert h["count"] == count
    assert h["counted"] is bool(count)


@pytest.mark.parametrize(
    ("text", "cue", "speaker", "count"),
    [
        ("[09:14] 坐席：您好 [09:15] 业主：我随便看看", "hurry", "customer", 0),
        ("10:02 Agent: hurry up", "hurry", "staff", 1),
        ("Caller (Ann): I'm in a rush", "rush", "customer", 1),
        ("Agent (Mia): in a rush", "rush", "staff", 0),  # a customer cue in a staff turn
        ("客服（小王）：快点", "hurry", "staff", 1),  # full-width parentheses and colon
        ("Caller - hurry up", "hurry", "customer", 0),
        ("我问客服：快点", "hurry", "customer", 0),  # a role word inside a sentence is no marker
        ("Caller: the agent told me hurry up", "hurry", "staff", 1),  # reported by the caller
        ("Agent: I said hurry up", "hurry", "staff", 1),  # first person in a staff turn
        ("Agent: the customer said hurry up", "hurry", "staff", 1),  # a staff turn is the staff's
        ("Caller: you were rude", "rude", "staff", 1),  # the addressee of the caller is staff
        ("业主：你们等了两个小时", "wait", "staff", 1),
        ("业主：我等了两个小时", "wait", "unknown", 1),  # an experience cue told by the customer
        ("业主：态度差", "rude", "customer", 0),  # no subject: the turn's speaker
    ],
)
def test_dialogue_markers(text, cue, speaker, count):
    h = first_hit(text, cue)
    assert h["speaker"] == speaker
    assert h["count"] == count


def test_context_keys_validate_and_round_trip():
    lex = ss.text.Lexicon.from_dict(LEX)
    assert lex.scope_words == 2 and lex.double_negation and lex.hypothetical_words == 4
    assert ss.text.Lexicon.from_json(lex.to_json()).to_dict() == lex.to_dict()
    with pytest.raises(ss.ConfigError, match=r"quote_marks\[0\]"):
        ss.text.Lexicon.from_dict({"quote_marks": ["'"]})
    with pytest.raises(ss.ConfigError, match="scope_words"):
        ss.text.Lexicon.from_dict({"scope_words": -1})


def test_interactions_evidence_uses_counted_hits_only():
    df = pd.DataFrame(
        {
            "transcript": [
                "店员态度差",  # counted: a risk with evidence
                "如果店员态度差，我就走了",  # hypothetical: no risk
                "态度差？没有的事",  # post-negated
                "Agent: fine. Caller: rude",  # a staff cue in the caller's turn
            ]
        }
    )
    r = ss.interactions.classify(df, lexicon=LEX, model=None)
    assert r.table["risk_lack_of_courtesy"].tolist() == [True, False, False, False]
    assert r.table["risk_evidence"].tolist() == ["lack_of_courtesy: 态度差", "", "", ""]
    assert r.table["cue_rude"].tolist() == [1, 0, 0, 0]
    assert r.hits["counted"].tolist() == [True, False, False, False]


def test_default_lexicon_context_in_both_languages():
    # the default lexicon's triggers (lexicon.json): a few plain sentences per rule
    r = ss.text.match_cues(
        ["店员说“你错了”", "我随便看看", "I have no complaints", "The agent never told me to hurry up"], hits=True
    )
    h = r.hits
    arguing = h[(h["row"] == 0) & (h["cue"].astype(str) == "arguing")]
    assert len(arguing) and arguing["quoted"].all() and (arguing["speaker"] == "staff").all()
    assert arguing["counted"].all()
    assert r.counts.loc[1, "cue_disinterest"] == 0
    assert r.counts.loc[3, "cue_hurrying"] == 0


@pytest.mark.parametrize(
    ("text", "cue", "hypothetical", "negated", "count"),
    [
        # a staff member's own conditional is staff behaviour: pressure, not a customer's wish
        ("agent: if you hurry up I can do it", "hurry", False, False, 1),
        ("坐席：如果你们快点，今天能办", "hurry", False, False, 1),
        # its negation inside the conditional ("if you don't ...") is part of the condition
        ("agent: if you do not hurry up it is gone", "hurry", False, False, 1),
        ("客服：如果不快点就没了", "hurry", False, False, 1),
        # the customer's conditional and narrative text keep the rule
        ("caller: if the agent had greeted me", "greet", True, False, 0),
        ("业主：如果客服热情", "helpful", True, False, 0),
        ("if he was rude I would leave", "rude", True, False, 0),
        ("如果店员态度差我就走", "rude", True, False, 0),
        # a negator before the conditional still negates
        ("agent: not if you hurry up", "hurry", False, True, 0),
        # a quote inside a staff turn is someone else's words
        ('agent: you said "if they greeted me"', "greet", True, False, 0),
    ],
)
def test_staff_conditional_rule(text, cue, hypothetical, negated, count):
    h = first_hit(text, cue)
    assert h["hypothetical"] is hypothetical
    assert h["negated"] is negated
    assert h["count"] == count


@pytest.mark.parametrize(
    ("text", "cue", "hypothetical", "count"),
    [
        # inverted conditionals and counterfactual expectations are not events
        ("Had the agent argued with me I'd have cancelled on the spot", "arguing", True, 0),
        ("had anyone ignored me I would have left", "disinterest", True, 0),
        ("我还以为又要白跑一趟", "wasting_time", True, 0),
        ("本以为会被推来推去", "wasting_time", True, 0),
        # without the trigger they count
        ("the agent argued with me", "arguing", False, 1),
        ("又白跑一趟", "wasting_time", False, 1),
    ],
)
def test_default_lexicon_counterfactuals(text, cue, hypothetical, count):
    r = ss.text.match_cues([text], hits=True)
    h = r.hits[r.hits["cue"].astype(str) == cue]
    assert len(h), f"no hit of {cue} in {text!r}"
    assert bool(h.iloc[0]["hypothetical"]) is hypothetical
    assert int(r.counts.loc[0, f"cue_{cue}"]) == count


@pytest.mark.parametrize(
    ("text", "cue", "negated", "speaker", "count"),
    [
        # negators that jieba cuts as one word (不用, 不会, 从来没) negate as words of their own
        ("今天一次就办好了，不用转来转去", "wasting_time", True, "unknown", 0),
        ("基本不会缩水", "misrepresenting", True, "unknown", 0),
        ("the agent hasn't been rude", "discourtesy", True, "staff", 0),
        # the customer's companions are the customer's side, not staff
        ("my husband laughed at me", "embarrassing", False, "customer", 0),
        ("我老公对我态度差", "discourtesy", False, "customer", 0),
        # and staff behaviour still counts
        ("the agent laughed at me", "embarrassing", False, "staff", 1),
        ("店员态度差", "discourtesy", False, "staff", 1),
        # an unquoted reporting verb does not report a later clause with a staff or third-person
        # subject of its own: the shrug is the staff's
        ("when I asked whether it came with installation he shrugged", "disinterest", False, "staff", 1),
        ("When I said something the security guy just shrugged", "disinterest", False, "staff", 1),
        ("我问了三遍他还是不理我", "disinterest", False, "staff", 1),
        # a customer's quoted account of what they went through is the staff's failure
        ("客户原话：“我打了四次电话”", "wasting_time", False, "unknown", 1),
        ('the caller said "they gave me the runaround"', "wasting_time", False, "unknown", 1),
    ],
)
def test_default_lexicon_negators_and_companions(text, cue, negated, speaker, count):
    r = ss.text.match_cues([text], hits=True)
    h = r.hits[r.hits["cue"].astype(str) == cue]
    assert len(h), f"no hit of {cue} in {text!r}"
    assert bool(h.iloc[0]["negated"]) is negated
    assert str(h.iloc[0]["speaker"]) == speaker
    assert int(r.counts.loc[0, f"cue_{cue}"]) == count
