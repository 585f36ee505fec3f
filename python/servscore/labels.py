"""Answer labels: the built-in English and Chinese label sets of survey exports and user maps.

A survey tool exports answers as the text the respondent saw ("Very satisfied", 非常满意,
"I like it", 理应如此, "10 - Extremely likely"); the engines want codes. A column whose
answers are all labels of one built-in set (compared case- and whitespace-insensitively,
full-width characters folded) is mapped to that set's codes; a column that holds mostly
labels of a set and a few other texts is left as it is and its unknown labels are counted
and reported, never dropped. A user map (``labels=``) maps any text to a number (or to
``None``: missing) for all columns or per column.

>>> from servscore.labels import detect_set
>>> detect_set(["Very satisfied", "satisfied ", "Neither satisfied nor dissatisfied"]).name
'satisfaction_en'
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Optional

_SPACE = re.compile(r"\s+")
_TRAIL = re.compile(r"[\s.。!！]+$")


def norm(label: Any) -> str:
    """The key a label is compared by: NFKC (full-width folded), case-folded, spaces collapsed,
    curly apostrophes straightened, trailing full stops dropped."""
    s = unicodedata.normalize("NFKC", str(label)).replace("\u2019", "'").replace("\u2018", "'")
    return _TRAIL.sub("", _SPACE.sub(" ", s.strip()).casefold())


@dataclasses.dataclass(frozen=True)
class LabelSet:
    """A named set of answer labels and the code of each (``scale``: the codes' range)."""

    name: str
    codes: Mapping[str, float]
    scale: tuple[int, int]

    def code(self, label: Any) -> Optional[float]:
        """The numeric code of one answer label (case, width and spacing folded), or None when the set lacks it."""
        return self.codes.get(norm(label))


def _set(name: str, scale: tuple[int, int], groups: Mapping[int, Iterable[str]]) -> LabelSet:
    return LabelSet(name, {norm(t): float(v) for v, texts in groups.items() for t in texts}, scale)


#: Labels that mean "no answer" in every set: mapped to missing (counted as missing by the engines).
MISSING_LABELS = frozenset(
    norm(t)
    for t in (
        "n/a",
        "na",
        "not applicable",
        "don't know",
        "dont know",
        "do not know",
        "no answer",
        "prefer not to say",
        "refused",
        "不适用",
        "不知道",
        "说不清",
        "不清楚",
        "拒绝回答",
        "拒答",
        "无法回答",
    )
)

_NEUTRAL_EN = ("neutral", "neither", "undecided", "not sure")

#: The built-in sets, in the order they are tried: a column takes the first set that holds all
#: its labels, so a five-point set wins over the seven-point one when both fit.
BUILTIN_SETS: tuple[LabelSet, ...] = (
    _set(
        "satisfaction_en",
        (1, 5),
        {
            1: ("very dissatisfied", "extremely dissatisfied", "very unsatisfied", "completely dissatisfied"),
            2: ("dissatisfied", "unsatisfied", "somewhat dissatisfied", "fairly dissatisfied"),
            3: ("neither satisfied nor dissatisfied", "neither satisfied or dissatisfied", *_NEUTRAL_EN),
            4: ("satisfied", "somewhat satisfied", "fairly satisfied"),
            5: ("very satisfied", "extremely satisfied", "completely satisfied"),
        },
    ),
    _set(
        "satisfaction_zh",
        (1, 5),
        {
            1: ("非常不满意", "很不满意", "极不满意", "完全不满意"),
            2: ("不满意", "比较不满意", "不太满意", "较不满意"),
            3: ("一般", "中立", "中等", "说不上满意不满意", "既不满意也不是不满意", "一般般"),
            4: ("满意", "比较满意", "较满意"),
            5: ("非常满意", "很满意", "极满意", "完全满意"),
        },
    ),
    _set(
        "agreement_en",
        (1, 5),
        {
            1: ("strongly disagree", "completely disagree"),
            2: ("disagree", "somewhat disagree", "tend to disagree"),
            3: ("neither agree nor disagree", "neither agree or disagree", *_NEUTRAL_EN),
            4: ("agree", "somewhat agree", "tend to agree"),
            5: ("strongly agree", "completely agree"),
        },
    ),
    _set(
        "agreement_zh",
        (1, 5),
        {
            1: ("非常不同意", "完全不同意", "很不同意", "强烈反对"),
            2: ("不同意", "比较不同意", "不太同意", "反对"),
            3: ("一般", "中立", "不确定", "既不同意也不反对", "说不清同意与否"),
            4: ("同意", "比较同意"),
            5: ("非常同意", "完全同意", "很同意", "强烈同意"),
        },
    ),
    _set(
        "agreement7_en",
        (1, 7),
        {
            1: ("strongly disagree",),
            2: ("disagree",),
            3: ("somewhat disagree", "slightly disagree"),
            4: ("neither agree nor disagree", "neither agree or disagree", *_NEUTRAL_EN),
            5: ("somewhat agree", "slightly agree"),
            6: ("agree",),
            7: ("strongly agree",),
        },
    ),
    _set(
        "satisfaction7_en",
        (1, 7),
        {
            1: ("very dissatisfied", "extremely dissatisfied"),
            2: ("dissatisfied", "moderately dissatisfied"),
            3: ("somewhat dissatisfied", "slightly dissatisfied"),
            4: ("neither satisfied nor dissatisfied", "neither satisfied or dissatisfied", *_NEUTRAL_EN),
            5: ("somewhat satisfied", "slightly satisfied"),
            6: ("satisfied", "moderately satisfied"),
            7: ("very satisfied", "extremely satisfied"),
        },
    ),
    _set(
        "kano_en",
        (1, 5),
        {
            1: ("i like it", "i like it that way", "like", "i would like it", "i enjoy it", "it would please me"),
            2: (
                "it must be that way",
                "it must be",
                "must be",
                "i expect it",
                "i expect it that way",
                "i expect it to be that way",
                "it is basic",
                "it's basic",
                "must-be",
            ),
            3: ("i am neutral", "i'm neutral", "neutral", "i don't care", "i do not care", "i feel neutral"),
            4: (
                "i can live with it",
                "i can live with it that way",
                "live with",
                "i can tolerate it",
                "i can accept it",
            ),
            5: ("i dislike it", "i dislike it that way", "dislike", "i don't like it", "i do not like it"),
        },
    ),
    _set(
        "kano_zh",
        (1, 5),
        {
            1: ("我喜欢", "喜欢", "很喜欢", "我很喜欢", "我会很满意"),
            2: ("理应如此", "理所当然", "必须这样", "应该如此", "应该的", "理应这样", "必备"),
            3: ("无所谓", "我无所谓", "中立", "没感觉", "都可以"),
            4: ("能忍受", "可以忍受", "我能忍受", "我可以忍受", "勉强接受", "能接受", "可以接受"),
            5: ("我不喜欢", "不喜欢", "很不喜欢", "我很不喜欢", "我会很不满意"),
        },
    ),
)

_NPS_ANCHORS = frozenset(
    norm(t)
    for t in (
        "not at all likely",
        "not likely at all",
        "extremely unlikely",
        "very unlikely",
        "unlikely",
        "extremely likely",
        "very likely",
        "likely",
        "neutral",
        "完全不可能",
        "极不可能",
        "非常不可能",
        "不可能",
        "极有可能",
        "极可能",
        "非常可能",
        "非常愿意",
        "非常不愿意",
        "完全不会",
        "一定会",
        "肯定会",
        "中立",
    )
)
_NPS_BARE = {norm("not at all likely"): 0.0, norm("extremely likely"): 10.0, "极不可能": 0.0, "极有可能": 10.0}
_NPS_FORM = re.compile(r"^(\d{1,2})(?:\s*(?:[-=:(（]|分)\s*(.*?)\s*[)）]?)?$")

NPS_SET_NAME = "nps_0_10"


def nps_code(label: Any) -> Optional[float]:
    """The 0-10 score of an NPS answer written as a number with its anchor ("10 - Extremely
    likely", "0（完全不可能）", "9分") or a bare end anchor; None for anything else."""
    key = norm(label)
    if key in _NPS_BARE:
        return _NPS_BARE[key]
    m = _NPS_FORM.match(key)
    if not m:
        return None
    value = int(m.group(1))
    rest = (m.group(2) or "").strip(" -–—:=")
    if value > 10 or (rest and rest not in _NPS_ANCHORS):
        return None
    return float(value)


@dataclasses.dataclass(frozen=True)
class Detection:
    """The set a column's labels belong to (``name``) and its codes, or why none fits."""

    name: str
    mapping: dict[str, Optional[float]]  # distinct label as written -> code (None: missing)
    unknown: dict[str, int]  # label as written -> count (only when the set was not applied)
    applied: bool


def detect_set(values: Iterable[Any], counts: Optional[Mapping[str, int]] = None) -> Optional[Detection]:
    """The built-in set holding every distinct label of ``values`` (strings; missing values
    left out), or the best partial fit (``applied=False``, with the unknown labels), or None
    when fewer than half the answers are labels of any set."""
    distinct = [v for v in dict.fromkeys(str(v) for v in values)]
    if not distinct:
        return None
    counts = counts or {v: 1 for v in distinct}
    answered = [v for v in distinct if norm(v) not in MISSING_LABELS]
    if not answered:
        return None
    best: Optional[tuple[int, str, dict[str, Optional[float]], dict[str, int]]] = None
    collided: Optional[Detection] = None
    candidates: list[tuple[str, Any]] = [(s.name, s.code) for s in BUILTIN_SETS] + [(NPS_SET_NAME, nps_code)]
    for name, code in candidates:
        mapping: dict[str, Optional[float]] = {}
        unknown: dict[str, int] = {}
        for v in distinct:
            c = None if norm(v) in MISSING_LABELS else code(v)
            if c is None and norm(v) not in MISSING_LABELS:
                unknown[v] = int(counts.get(v, 1))
            else:
                mapping[v] = c
        if name == NPS_SET_NAME and not any(not re.fullmatch(r"\d{1,2}", norm(v)) for v in mapping):
            continue  # plain numbers are numbers, not labels
        if not unknown:
            codes = [c for v, c in mapping.items() if c is not None]
            keys = {norm(v) for v, c in mapping.items() if c is not None}
            if len(set(codes)) == len(keys):  # two labels on one code ("Somewhat agree", "Agree"): a longer scale
                return Detection(name, mapping, {}, True)
            collided = collided or Detection(name, mapping, {}, True)
            continue
        known = sum(int(counts.get(v, 1)) for v in mapping)
        if len(mapping) >= 2 and (best is None or known > best[0]):
            best = (known, name, mapping, unknown)
    if collided is not None:
        return collided
    if best is None:
        return None
    total = sum(int(counts.get(v, 1)) for v in distinct)
    if best[0] * 2 < total:
        return None
    return Detection(best[1], best[2], best[3], False)


def builtin_set(name: str) -> LabelSet:
    """A built-in set by name (``satisfaction_en``, ``kano_zh``, ...)."""
    for s in BUILTIN_SETS:
        if s.name == name:
            return s
    raise KeyError(name)
