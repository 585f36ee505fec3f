"""Audit checklists: the course's lists of obstacles, qualities and bad habits as scored instruments.

The course 优质客户服务管理 lists **the ten obstacles to quality service** (优质服务的障碍),
**the qualities of service staff** (服务人员需具备的基本素质 / 应具备的素质, twenty in two
slides) and **their bad habits** (克服坏习惯: 不修边幅 惯性迟到 过分保护自己 过分倚赖别人
注意力不够集中 失忆症). Each is a built-in :class:`Instrument` (``instrument("obstacles")``,
``"staff_qualities"``, ``"staff_habits"``; JSON files in ``servscore/data/checklists/`` with
the source's zh wording and our en translation): items in groups, each with a weight, an
answer scale, an item pass mark and a pass mark for the whole checklist. Every number is a
default: :func:`instrument` overrides any of them, or reads your own JSON.

**Scoring.** An answer ``a`` on the scale ``[lo, hi]`` scores ``s = (a - lo) / (hi - lo)``,
or ``1 - s`` on a *bad* item (an obstacle present, a habit observed), so ``s = 1`` is always
the good end. An item is **met** when ``s >= item_pass``. A record (one audit of one staff
member, one answer sheet) scores ``100 * sum(w s) / sum(w)`` over its valid answers when those
carry at least ``min_coverage`` of the weight (else it is not scored and counted), and
**passes** when that score is at least ``pass_mark``. Item compliance is counted exactly as
the service standards are (:func:`servscore.standards.compliance`: share met among the
answered, Wilson intervals, p-charts with ``period=``); group scores are means of record
scores with a t interval, and the share of records passing has a Wilson interval.

Missing answers (NaN, None, empty text, "n/a", 不适用 ...) and invalid ones (outside the
scale, not a whole number on a whole-number scale, text the instrument's labels do not
know) are counted per item, record and group; ``invalid="error"`` makes an invalid answer an
:class:`~servscore.InputError` naming the column, row and value instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core, standards
from ._core import ConfigError, InputError
from ._input import group_codes, is_label, label_list, to_frame
from ._result import Result, Summary
from .labels import MISSING_LABELS, norm
from .model import get_language

__all__ = [
    "ChecklistItem",
    "ChecklistResult",
    "Instrument",
    "ItemGroup",
    "default_instrument_path",
    "instrument",
    "instruments",
    "mean_interval",
    "score",
]

DATA_DIR = os.path.join(os.path.dirname(__file__), "data", "checklists")
_BUILTIN = ("obstacles", "staff_qualities", "staff_habits")


def _lang(lang: str | None) -> str:
    lg = lang or get_language()
    if lg not in ("en", "zh"):
        raise ConfigError(f"lang: {lg!r} is not supported; expected 'en' or 'zh'")
    return str(lg)


def mean_interval(values: Any, *, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean of the finite values with a t interval: ``(mean, lower, upper, n)``; NaN bounds below 2 values.

    The t quantile is the compiled core's (a Welch interval against a constant has
    ``n - 1`` degrees of freedom: the one-sample t interval).

    Examples
    --------
    >>> import servscore as ss
    >>> m, lo, hi, n = ss.checklists.mean_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 4), round(hi, 4), n
    (2.0, -0.4841, 4.4841, 3)
    """
    if not 0 < level < 1:
        raise ConfigError(f"level: {level!r} is out of range; expected a confidence level in (0, 1)")
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    if sd == 0.0:
        return m, m, m, n
    one = np.ones((1, 1))
    r = _core.welch_differences(one * 0.0, one * sd, one * n, one * m, one * 0.0, one * 2.0, level)
    return m, float(np.asarray(r["lower"]).ravel()[0]), float(np.asarray(r["upper"]).ravel()[0]), n


# ------------------------------------------------------------------ instruments


@dataclasses.dataclass(frozen=True)
class ItemGroup:
    """A group (section) of checklist items: ``id`` and its English / Chinese names."""

    id: str
    en: str
    zh: str

    def label(self, lang: str | None = None) -> str:
        """The group's name in ``lang`` (default: :func:`servscore.get_language`)."""
        return self.zh if _lang(lang) == "zh" else self.en


@dataclasses.dataclass(frozen=True)
class ChecklistItem:
    """One checklist item: ``id`` (the answer column), ``group``, ``weight`` (> 0), the
    wording ``en`` / ``zh`` and ``bad`` (True when a high answer is the bad end: an obstacle
    present, a habit observed)."""

    id: str
    group: str
    weight: float
    en: str
    zh: str
    bad: bool = False

    def label(self, lang: str | None = None) -> str:
        """The item's wording in ``lang`` (default: :func:`servscore.get_language`)."""
        return self.zh if _lang(lang) == "zh" else self.en


_KEYS = {
    "id",
    "title",
    "source",
    "question",
    "scale",
    "item_pass",
    "pass_mark",
    "min_coverage",
    "labels",
    "groups",
    "items",
    "description",
}


def _number(d: Mapping[str, Any], key: str, where: str) -> float:
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ConfigError(f"{where}{key}: {v!r} is not a finite number")
    return float(v)


def _texts(d: Mapping[str, Any], key: str) -> tuple[str, str]:
    v = d.get(key, {})
    if isinstance(v, str):
        return v, v
    if not isinstance(v, Mapping) or set(v) - {"en", "zh"}:
        raise ConfigError(f"{key}: expected {{'en': ..., 'zh': ...}}, got {v!r}")
    return str(v.get("en", "")), str(v.get("zh", v.get("en", "")))


@dataclasses.dataclass(frozen=True)
class Instrument:
    """A scored audit checklist (see the module docs for the scoring).

    Attributes
    ----------
    id
        The instrument's name (``"staff_habits"`` ...).
    title_en, title_zh, question_en, question_zh
        Its title and the question each item answers, in English and Chinese.
    source
        Where the wording comes from (and which numbers are ours).
    scale
        ``(lo, hi)``: the answer range; whole-number answers when both are whole numbers.
    item_pass
        An item is met when its score ``s`` (in [0, 1], 1 the good end) is at least this.
    pass_mark
        A record passes when its score (0-100) is at least this.
    min_coverage
        A record (or a group of its items) is scored when its valid answers carry at least
        this share of the weight, in (0, 1].
    labels
        Text answers and their codes (``{"yes": 1, "是": 1, ...}``), compared as the label
        sets of :mod:`servscore.labels` are (case, width and spacing folded).
    groups, items
        The item groups and the items, in order.
    """

    id: str
    title_en: str
    title_zh: str
    question_en: str
    question_zh: str
    source: str
    scale: tuple[float, float]
    item_pass: float
    pass_mark: float
    min_coverage: float
    labels: Mapping[str, float]
    groups: tuple[ItemGroup, ...]
    items: tuple[ChecklistItem, ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Instrument:
        """Read an instrument from a dict (the JSON schema of docs/checklists.md); unknown keys,
        bad ranges, duplicate ids and items of undeclared groups are a ConfigError naming the key."""
        if not isinstance(d, Mapping):
            raise ConfigError(f"instrument: expected a JSON object, got {type(d).__name__}")
        unknown = sorted(set(d) - _KEYS)
        if unknown:
            raise ConfigError(f"instrument: unknown key(s) {unknown}; expected some of {sorted(_KEYS)}")
        for key in ("id", "scale", "items"):
            if key not in d:
                raise ConfigError(f"instrument: missing key {key!r}")
        sc = d["scale"]
        if not isinstance(sc, (list, tuple)) or len(sc) != 2:
            raise ConfigError(f"scale: expected [lo, hi], got {sc!r}")
        lo, hi = _number({"lo": sc[0]}, "lo", "scale."), _number({"hi": sc[1]}, "hi", "scale.")
        if not lo < hi:
            raise ConfigError(f"scale: [{lo:g}, {hi:g}]; expected lo < hi")
        vals = {"item_pass": 1.0, "pass_mark": 80.0, "min_coverage": 0.5}
        for key in vals:
            if key in d:
                vals[key] = _number(d, key, "")
        if not 0 <= vals["item_pass"] <= 1:
            raise ConfigError(f"item_pass: {vals['item_pass']:g} is out of range; expected a score in [0, 1]")
        if not 0 <= vals["pass_mark"] <= 100:
            raise ConfigError(f"pass_mark: {vals['pass_mark']:g} is out of range; expected points in [0, 100]")
        if not 0 < vals["min_coverage"] <= 1:
            raise ConfigError(f"min_coverage: {vals['min_coverage']:g} is out of range; expected (0, 1]")
        groups = []
        for i, g in enumerate(d.get("groups", [])):
            if not isinstance(g, Mapping) or "id" not in g or set(g) - {"id", "en", "zh"}:
                raise ConfigError(f"groups[{i}]: expected {{'id', 'en', 'zh'}}, got {g!r}")
            groups.append(ItemGroup(str(g["id"]), str(g.get("en", g["id"])), str(g.get("zh", g.get("en", g["id"])))))
        gids = [g.id for g in groups]
        if len(set(gids)) != len(gids):
            raise ConfigError(f"groups: duplicate id in {gids}")
        items = []
        if not isinstance(d["items"], (list, tuple)) or not d["items"]:
            raise ConfigError("items: expected a non-empty list of items")
        for i, it in enumerate(d["items"]):
            where = f"items[{i}]."
            if not isinstance(it, Mapping) or "id" not in it:
                raise ConfigError(f"items[{i}]: expected an object with an 'id', got {it!r}")
            extra = sorted(set(it) - {"id", "group", "weight", "en", "zh", "bad"})
            if extra:
                raise ConfigError(f"items[{i}] ({it['id']}): unknown key(s) {extra}")
            w = _number(it, "weight", where) if "weight" in it else 1.0
            if not w > 0:
                raise ConfigError(f"items[{i}].weight ({it['id']}): {w:g}; expected a weight > 0")
            group = str(it.get("group", ""))
            if group == "" and gids:
                raise ConfigError(f"items[{i}].group ({it['id']}): missing; expected one of {gids}")
            if group == "":
                group = "all"
            if gids and group not in gids:
                raise ConfigError(f"items[{i}].group ({it['id']}): {group!r} is not a group; expected one of {gids}")
            bad = it.get("bad", False)
            if not isinstance(bad, bool):
                raise ConfigError(f"items[{i}].bad ({it['id']}): {bad!r}; expected true or false")
            en = str(it.get("en", it["id"]))
            items.append(ChecklistItem(str(it["id"]), group, w, en, str(it.get("zh", en)), bad))
        ids = [it.id for it in items]
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise ConfigError(f"items: duplicate id(s) {dup}")
        if not groups:
            groups = [ItemGroup("all", "All items", "全部项目")]
        used = {it.group for it in items}
        groups = [g for g in groups if g.id in used]
        labels_in = d.get("labels", {})
        if not isinstance(labels_in, Mapping):
            raise ConfigError(f"labels: expected {{text: code}}, got {labels_in!r}")
        labels: dict[str, float] = {}
        for k, v in labels_in.items():
            code = _number({str(k): v}, str(k), "labels.")
            if not lo <= code <= hi:
                raise ConfigError(f"labels.{k}: code {code:g} is outside the scale [{lo:g}, {hi:g}]")
            labels[norm(k)] = code
        title_en, title_zh = _texts(d, "title")
        q_en, q_zh = _texts(d, "question")
        return cls(
            id=str(d["id"]),
            title_en=title_en or str(d["id"]),
            title_zh=title_zh or title_en or str(d["id"]),
            question_en=q_en,
            question_zh=q_zh,
            source=str(d.get("source", "")),
            scale=(lo, hi),
            item_pass=vals["item_pass"],
            pass_mark=vals["pass_mark"],
            min_coverage=vals["min_coverage"],
            labels=labels,
            groups=tuple(groups),
            items=tuple(items),
        )

    @classmethod
    def from_json(cls, text: str) -> Instrument:
        """Read an instrument from JSON text."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"instrument: invalid JSON ({e})") from None
        return cls.from_dict(d)

    def to_dict(self) -> dict[str, Any]:
        """The instrument in its JSON schema (reads back with :meth:`from_dict`)."""
        return {
            "id": self.id,
            "title": {"en": self.title_en, "zh": self.title_zh},
            "source": self.source,
            "question": {"en": self.question_en, "zh": self.question_zh},
            "scale": [self.scale[0], self.scale[1]],
            "item_pass": self.item_pass,
            "pass_mark": self.pass_mark,
            "min_coverage": self.min_coverage,
            "labels": dict(self.labels),
            "groups": [dataclasses.asdict(g) for g in self.groups],
            "items": [dataclasses.asdict(it) for it in self.items],
        }

    def to_json(self) -> str:
        """The instrument as JSON text (UTF-8, Chinese kept as is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def title(self, lang: str | None = None) -> str:
        """The title in ``lang`` (default: :func:`servscore.get_language`)."""
        return self.title_zh if _lang(lang) == "zh" else self.title_en

    def group(self, group_id: str) -> ItemGroup:
        """The :class:`ItemGroup` of an id (ConfigError when there is none)."""
        for g in self.groups:
            if g.id == group_id:
                return g
        raise ConfigError(
            f"group: {group_id!r} is not a group of {self.id}; expected one of {[g.id for g in self.groups]}"
        )

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """The items as a table (index ``item``): ``group``, ``group_label``, ``weight``, ``bad``, ``label``."""
        return pd.DataFrame(
            {
                "group": [it.group for it in self.items],
                "group_label": [self.group(it.group).label(lang) for it in self.items],
                "weight": [it.weight for it in self.items],
                "bad": [it.bad for it in self.items],
                "label": [it.label(lang) for it in self.items],
            },
            index=pd.Index([it.id for it in self.items], name="item"),
        )

    @property
    def whole_numbers(self) -> bool:
        """Whether answers must be whole numbers (both ends of the scale are)."""
        return float(self.scale[0]).is_integer() and float(self.scale[1]).is_integer()


def instruments() -> tuple[str, ...]:
    """The names of the built-in instruments."""
    return _BUILTIN


def default_instrument_path(name: str) -> str:
    """Path of a built-in instrument's JSON file."""
    if name not in _BUILTIN:
        raise ConfigError(f"instrument: {name!r} is not a built-in instrument; expected one of {list(_BUILTIN)}")
    return os.path.join(DATA_DIR, f"{name}.json")


def instrument(
    name: Any = "staff_habits",
    *,
    items: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    item_pass: float | None = None,
    pass_mark: float | None = None,
    min_coverage: float | None = None,
    scale: tuple[float, float] | None = None,
    labels: Mapping[str, float] | None = None,
) -> Instrument:
    """A checklist instrument: a built-in one by name, or your own, with any default overridden.

    Parameters
    ----------
    name
        ``"obstacles"``, ``"staff_qualities"``, ``"staff_habits"`` (:func:`instruments`), an
        :class:`Instrument`, a dict of the JSON schema, JSON text or a JSON file path.
    items
        Keep only these items (in this order), e.g. the part of a checklist you audit.
    weights
        ``{item: weight}`` replacing the weights of the items named (others keep theirs).
    item_pass, pass_mark, min_coverage, scale, labels
        Replace the instrument's values (``labels`` are added to its own).

    Examples
    --------
    >>> import servscore as ss
    >>> inst = ss.checklists.instrument("staff_habits", pass_mark=100, weights={"habitually_late": 2})
    >>> inst.pass_mark, [it.weight for it in inst.items][:2], inst.items[0].zh
    (100.0, [1.0, 2.0], '不修边幅')
    """
    if isinstance(name, Instrument):
        d = name.to_dict()
    elif isinstance(name, Mapping):
        d = dict(name)
    elif isinstance(name, str) and name in _BUILTIN:
        with open(default_instrument_path(name), encoding="utf-8") as fh:
            d = json.load(fh)
    elif isinstance(name, str) and name.lstrip().startswith("{"):
        d = json.loads(name)
    elif isinstance(name, (str, os.PathLike)) and os.path.exists(name):
        with open(name, encoding="utf-8") as fh:
            d = json.load(fh)
    else:
        raise ConfigError(
            f"instrument: {name!r} is neither a built-in instrument ({', '.join(_BUILTIN)}), an Instrument, "
            "a dict, JSON text nor a JSON file"
        )
    d = json.loads(json.dumps(d))  # a deep copy of plain data
    if items is not None:
        by_id = {it["id"]: it for it in d.get("items", [])}
        unknown = [i for i in items if i not in by_id]
        if unknown:
            raise ConfigError(f"items: {unknown} are not items of {d.get('id')}; expected some of {list(by_id)}")
        d["items"] = [by_id[i] for i in items]
    if weights is not None:
        ids = [it["id"] for it in d.get("items", [])]
        unknown = [k for k in weights if k not in ids]
        if unknown:
            raise ConfigError(f"weights: {unknown} are not items of {d.get('id')}; expected some of {ids}")
        for it in d["items"]:
            if it["id"] in weights:
                it["weight"] = weights[it["id"]]
    for key, v in (("item_pass", item_pass), ("pass_mark", pass_mark), ("min_coverage", min_coverage)):
        if v is not None:
            d[key] = v
    if scale is not None:
        d["scale"] = list(scale)
    if labels is not None:
        d["labels"] = {**d.get("labels", {}), **dict(labels)}
    return Instrument.from_dict(d)


_instrument = instrument  # score() takes an ``instrument=`` keyword that hides the function


# ------------------------------------------------------------------ answers


def _answers(
    frame: pd.DataFrame, inst: Instrument, columns: Mapping[str, Any], invalid: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answers (n x k, NaN where missing or invalid), the missing mask and the invalid mask."""
    n, k = len(frame), len(inst.items)
    a = np.full((n, k), np.nan)
    miss = np.zeros((n, k), dtype=bool)
    bad = np.zeros((n, k), dtype=bool)
    lo, hi = inst.scale
    for j, it in enumerate(inst.items):
        col = columns[it.id]
        s = frame[col]
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):  # nullable ones too
            v = np.array(s.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        else:
            v = np.full(n, np.nan)
            for i, x in enumerate(s.tolist()):
                if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
                    continue
                if isinstance(x, (bool, np.bool_, int, float, np.integer, np.floating)):
                    v[i] = float(x)
                else:
                    key = norm(x)
                    if key == "" or key in MISSING_LABELS:
                        continue
                    if key in inst.labels:
                        v[i] = inst.labels[key]
                        continue
                    try:
                        v[i] = float(key)
                    except ValueError:
                        bad[i, j] = True
                        if invalid == "error":
                            raise InputError(
                                f"data: column {col!r}, row {frame.index[i]!r}: value {x!r} is not an answer of "
                                f"{inst.id}; expected a number in [{lo:g}, {hi:g}] or one of its labels "
                                f"{sorted(inst.labels)[:12]}"
                            ) from None
        nan = np.isnan(v)
        out = ~nan & ~((v >= lo) & (v <= hi))
        if inst.whole_numbers:
            out |= ~nan & np.isfinite(v) & (v != np.round(v))
        if invalid == "error" and out.any():
            i = int(np.flatnonzero(out)[0])
            what = "a whole number " if inst.whole_numbers else "a number "
            x = s.iloc[i]
            x = x.item() if isinstance(x, np.generic) else x
            raise InputError(
                f"data: column {col!r}, row {frame.index[i]!r}: value {x!r} is not a valid answer; "
                f"expected {what}in [{lo:g}, {hi:g}]"
            )
        bad[:, j] |= out
        miss[:, j] = nan & ~bad[:, j]
        v[out] = np.nan
        a[:, j] = v
    return a, miss, bad


def _weighted_scores(s: np.ndarray, w: np.ndarray, min_coverage: float) -> np.ndarray:
    """Per record ``100 sum(w s) / sum(w)`` over valid answers; NaN below the coverage."""
    valid = ~np.isnan(s)
    wv = (valid * w).sum(axis=1)
    total = w.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = 100.0 * (np.where(valid, s, 0.0) * w).sum(axis=1) / wv
    # a tolerance of 1e-12 keeps a coverage of exactly min_coverage in despite rounding
    out[wv / total < min_coverage - 1e-12] = np.nan
    return out


# ------------------------------------------------------------------ result

_TEXT = {
    "en": {
        "head": "{title}: {n} records ({used} scored, {unscored} below the coverage), {miss} missing and "
        "{inv} invalid answers",
        "mean": "mean score {score:.1f} [{lo:.1f}, {hi:.1f}] (0-100); {passed} of {used} passed (pass mark {mark:g})",
        "weakest": "weakest item: {item} ({share:.1f}% met)",
        "lowest": "lowest group: {group} ({score:.1f})",
        "score": "Score (0-100)",
        "share": "Items met (%)",
        "flagged": "{k} out-of-control period(s) on the p-charts",
    },
    "zh": {
        "head": "{title}:{n} 份记录({used} 份计分,{unscored} 份作答不足),缺失回答 {miss} 个,无效回答 {inv} 个",
        "mean": "平均得分 {score:.1f} [{lo:.1f}, {hi:.1f}](0-100);{used} 份中 {passed} 份合格(合格线 {mark:g})",
        "weakest": "最弱项目:{item}(达标 {share:.1f}%)",
        "lowest": "得分最低的组:{group}({score:.1f})",
        "score": "得分 (0-100)",
        "share": "项目达标率 (%)",
        "flagged": "控制图上有 {k} 个失控期",
    },
}


@dataclasses.dataclass(frozen=True, repr=False)
class ChecklistResult(Result):
    """A scored audit checklist.

    Attributes
    ----------
    table
        One row per ``by`` group (one row ``all`` without): ``n`` (records), ``n_used``
        (scored), ``n_missing`` (records not scored: valid answers below ``min_coverage``),
        ``missing_answers``, ``invalid_answers`` (answer cells), ``score`` (mean record score,
        0-100) with t ``score_lower`` / ``score_upper`` (cut to [0, 100]), ``n_passed``, ``share_passed`` with
        Wilson ``share_passed_lower`` / ``share_passed_upper``.
    items
        One row per (group,) item, counted as the service standards are: ``item_group``,
        ``label``, ``weight``, ``n``, ``n_used`` (valid answers), ``n_missing``, ``n_invalid``,
        ``mean_answer``, ``score`` (mean item score x 100), ``n_met``, ``share`` (met / used)
        with Wilson ``share_lower`` / ``share_upper``.
    sections
        One row per (group,) item group: ``label``, ``n_used``, ``score``, ``score_lower``,
        ``score_upper`` (record scores over the group's items, same coverage rule).
    records
        One row per record (the input's index): ``score``, ``passed``, ``scored``,
        ``n_answered``, ``n_missing``, ``n_invalid`` and ``score_<item group>``.
    pchart, flagged
        With ``period=``: the items' p-charts and their out-of-control rows
        (:func:`servscore.standards.compliance`).
    instrument
        The :class:`Instrument` used.
    level, lang
        The confidence level and the language of the labels.
    """

    table: pd.DataFrame
    items: pd.DataFrame
    sections: pd.DataFrame
    records: pd.DataFrame
    pchart: pd.DataFrame
    flagged: pd.DataFrame
    instrument: Instrument
    level: float
    lang: str

    def to_frame(self) -> pd.DataFrame:
        """The group table (one row per ``by`` group, or ``all``)."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python data (tables as {row: {column: value}})."""
        d = super().to_dict()
        d["instrument"] = self.instrument.to_dict()
        return d

    @property
    def weakest_item(self) -> str:
        """The item with the lowest share met over all records."""
        t = self.items.groupby(level="item", sort=False)[["n_met", "n_used"]].sum()
        share = t["n_met"] / t["n_used"].where(t["n_used"] > 0)
        return str(share.idxmin()) if share.notna().any() else ""

    def _summary_lines(self) -> list[str]:
        tx = _TEXT[self.lang]
        t = self.table
        lines = [
            tx["head"].format(
                title=self.instrument.title(self.lang),
                n=int(t["n"].sum()),
                used=int(t["n_used"].sum()),
                unscored=int(t["n_missing"].sum()),
                miss=int(t["missing_answers"].sum()),
                inv=int(t["invalid_answers"].sum()),
            )
        ]
        rec = self.records
        m, lo, hi, _ = _score_interval(rec["score"].to_numpy(), self.level)
        if not math.isnan(m):
            lines.append(
                tx["mean"].format(
                    score=m,
                    lo=lo,
                    hi=hi,
                    passed=int(rec["passed"].sum()),
                    used=int(rec["scored"].sum()),
                    mark=self.instrument.pass_mark,
                )
            )
        weakest = self.weakest_item
        if weakest:
            t_items = self.items.groupby(level="item", sort=False)[["n_met", "n_used"]].sum()
            share = 100 * t_items.loc[weakest, "n_met"] / t_items.loc[weakest, "n_used"]
            item = next(it for it in self.instrument.items if it.id == weakest)
            lines.append(tx["weakest"].format(item=item.label(self.lang), share=share))
        if len(t) > 1 and t["score"].notna().any():
            g = t["score"].idxmin()
            lines.append(tx["lowest"].format(group=g, score=t.loc[g, "score"]))
        if len(self.flagged):
            lines.append(tx["flagged"].format(k=len(self.flagged)))
        return lines

    def summary(self) -> Summary:
        """The headline lines, the group table and the item table, in the result's language."""
        return Summary(
            f"ChecklistResult: {self.instrument.title(self.lang)}",
            self._summary_lines(),
            self.table,
            sections=[("items" if self.lang == "en" else "项目", self.items)],
        )

    def plot(self, ax: Any = None, *, what: str | None = None, lang: str | None = None, **kwargs: Any) -> Any:
        """Bars with intervals: the share of records meeting each item (``what="items"``, the
        default without groups) or the score per group (``what="groups"``, the default with
        ``by``); returns the matplotlib Axes."""
        from .plotting import estimate_bars

        lg = _lang(lang or self.lang)
        tx = _TEXT[lg]
        what = what or ("groups" if len(self.table) > 1 else "items")
        if what == "groups":
            t = self.table
            return estimate_bars(
                pd.Series(t["score"].to_numpy(), index=[str(i) for i in t.index]),
                t["score_lower"],
                t["score_upper"],
                ax=ax,
                title=self.instrument.title(lg),
                xlabel=tx["score"],
                reference=self.instrument.pass_mark,
                lang=lg,
            )
        if what != "items":
            raise ConfigError(f"what: {what!r}; expected 'items' or 'groups'")
        t = self.items.groupby(level="item", sort=False)[["n_met", "n_used"]].sum()
        lo, hi = standards.wilson_interval(t["n_met"], t["n_used"], level=self.level)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = 100 * t["n_met"] / t["n_used"]
        labels = {it.id: it.label(lg) for it in self.instrument.items}
        return estimate_bars(
            pd.Series(share.to_numpy(), index=[labels[i] for i in t.index]),
            100 * lo,
            100 * hi,
            ax=ax,
            title=self.instrument.title(lg),
            xlabel=tx["share"],
            lang=lg,
        )


# ------------------------------------------------------------------ scoring


def score(
    data: Any,
    *,
    instrument: Any = "staff_habits",
    by: str | Sequence[str] | None = None,
    period: str | None = None,
    columns: Mapping[str, Any] | None = None,
    invalid: str = "count",
    level: float = 0.95,
    lang: str | None = None,
) -> ChecklistResult:
    """Score audit checklists: per record, per item (as the standards are) and per group.

    Parameters
    ----------
    data
        One row per record (an audit of one staff member, one answer sheet) and one column
        per item, named by the item ids (``columns=`` maps ids to other names). Answers are
        numbers on the instrument's scale, booleans, or texts of its ``labels``.
    instrument
        Anything :func:`instrument` accepts (default ``"staff_habits"``).
    by
        Column(s) to group by (staff member, branch, department ...).
    period
        Column of periods: p-charts of each item's share met (:func:`servscore.standards.compliance`).
    invalid
        ``"count"`` (default: an invalid answer is counted and left out) or ``"error"`` (an
        :class:`~servscore.InputError` naming the column, row and value).
    level
        Confidence level of the intervals (0.95).
    lang
        ``"en"`` or ``"zh"`` for the labels and the summary (default: :func:`servscore.get_language`).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> inst = ss.checklists.instrument("staff_habits", items=["unkempt", "habitually_late"])
    >>> df = pd.DataFrame({"unkempt": [0, 1, "否"], "habitually_late": [0, 0, "maybe"]})
    >>> r = ss.checklists.score(df, instrument=inst)
    >>> r.records["score"].tolist(), int(r.table.loc["all", "invalid_answers"])
    ([100.0, 50.0, 100.0], 1)
    """
    if invalid not in ("count", "error"):
        raise ConfigError(f"invalid: {invalid!r}; expected 'count' or 'error'")
    lg = _lang(lang)
    if not 0 < level < 1:
        raise ConfigError(f"level: {level!r} is out of range; expected a confidence level in (0, 1)")
    inst = _instrument(instrument)
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    cols = {it.id: it.id for it in inst.items}
    if columns is not None:
        unknown = [k for k in columns if k not in cols]
        if unknown:
            raise ConfigError(f"columns: {unknown} are not items of {inst.id}; expected some of {list(cols)}")
        cols.update(columns)
    absent = [f"{c!r}" + (f" (item {i})" if c != i else "") for i, c in cols.items() if c not in frame.columns]
    if absent:
        raise InputError(
            f"data: no column {', '.join(absent)} of the {inst.id} checklist; columns present: "
            f"{', '.join(map(str, frame.columns[:30]))}"
        )
    by_cols = label_list(frame, by) if by is not None else []
    for what, c in [*(("by", c) for c in by_cols), *([("period", period)] if period is not None else [])]:
        if not is_label(frame, c) or c not in frame.columns:
            raise InputError(f"{what}: no column {c!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    a, miss, bad = _answers(frame, inst, cols, invalid)
    lo, hi = inst.scale
    s = (a - lo) / (hi - lo)
    flip = np.array([it.bad for it in inst.items])
    s[:, flip] = 1.0 - s[:, flip]
    w = np.array([it.weight for it in inst.items])
    rec_score = _weighted_scores(s, w, inst.min_coverage)
    scored = ~np.isnan(rec_score)
    passed = scored & (np.nan_to_num(rec_score, nan=-1.0) >= inst.pass_mark - 1e-9)
    records = pd.DataFrame(
        {
            "score": rec_score,
            "passed": passed,
            "scored": scored,
            "n_answered": (~np.isnan(s)).sum(axis=1),
            "n_missing": miss.sum(axis=1),
            "n_invalid": bad.sum(axis=1),
        },
        index=frame.index,
    )
    for g in inst.groups:
        m = np.array([it.group == g.id for it in inst.items])
        records[f"score_{g.id}"] = _weighted_scores(s[:, m], w[m], inst.min_coverage)

    # item compliance: the standards' machinery on the item scores
    fields = [f"_item{j}" for j in range(len(inst.items))]
    sframe = pd.DataFrame(s, columns=fields, index=frame.index)
    for c in dict.fromkeys([*by_cols, *([period] if period is not None else [])]):
        sframe[c] = frame[c].to_numpy()
    std = [
        {
            "id": it.id,
            "dimension": it.group,
            "level": inst.id,
            "description": it.en,
            # 1e-9: an answer exactly at the pass mark meets it despite the scale's rounding
            "met": {"field": f, "op": ">=", "value": inst.item_pass - 1e-9},
        }
        for it, f in zip(inst.items, fields)
    ]
    by_arg = None if not by_cols else (by_cols[0] if len(by_cols) == 1 else by_cols)
    comp = standards.compliance(sframe, standards=std, by=by_arg, period=period, level=level)
    codes, keys = group_codes(frame, by_arg)
    n_groups = 1 if keys is None else len(keys)
    items = _items_table(comp.table, inst, a, s, miss, bad, codes, n_groups, lg)
    table = _group_table(records, codes, keys, by_cols, miss, bad, inst, level)
    sections = _sections_table(records, codes, keys, by_cols, inst, level, lg)
    return ChecklistResult(
        table=table,
        items=items,
        sections=sections,
        records=records,
        pchart=comp.pchart,
        flagged=comp.flagged,
        instrument=inst,
        level=level,
        lang=lg,
    )


def _per_group(x: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``x`` (n x k) per group code: n_groups x k."""
    out = np.zeros((n_groups, x.shape[1]))
    np.add.at(out, codes, x)
    return out


def _items_table(
    comp: pd.DataFrame,
    inst: Instrument,
    a: np.ndarray,
    s: np.ndarray,
    miss: np.ndarray,
    bad: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    lang: str,
) -> pd.DataFrame:
    valid = ~np.isnan(s)
    n_used = _per_group(valid.astype(float), codes, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_a = _per_group(np.where(valid, a, 0.0), codes, n_groups) / n_used
        mean_s = 100 * _per_group(np.where(valid, s, 0.0), codes, n_groups) / n_used
    n_miss = _per_group(miss.astype(float), codes, n_groups)
    n_bad = _per_group(bad.astype(float), codes, n_groups)
    k = len(inst.items)
    # the compliance table's rows: groups in key order, items within (its documented order)
    out = pd.DataFrame(
        index=comp.index.rename("item", level=-1) if comp.index.nlevels > 1 else comp.index.rename("item")
    )
    out["item_group"] = [it.group for it in inst.items] * n_groups
    out["label"] = [it.label(lang) for it in inst.items] * n_groups
    out["weight"] = [it.weight for it in inst.items] * n_groups
    out["n"] = (n_used + n_miss + n_bad).reshape(-1).astype(np.int64)
    out["n_used"] = comp["n_observed"].to_numpy().astype(np.int64)
    out["n_missing"] = n_miss.reshape(-1).astype(np.int64)
    out["n_invalid"] = n_bad.reshape(-1).astype(np.int64)
    out["mean_answer"] = mean_a.reshape(-1)
    out["score"] = mean_s.reshape(-1)
    out["n_met"] = comp["n_met"].to_numpy().astype(np.int64)
    out["share"] = comp["share"].to_numpy()
    out["share_lower"] = comp["low"].to_numpy()
    out["share_upper"] = comp["high"].to_numpy()
    if not np.array_equal(out["n_used"].to_numpy(), n_used.reshape(-1)) or len(out) != n_groups * k:
        raise RuntimeError("checklists: the compliance counts disagree with the answers (please report)")
    return out


def _score_interval(x: np.ndarray, level: float) -> tuple[float, float, float, int]:
    """Mean record score with its t interval cut to the score range [0, 100]."""
    m, lo, hi, n = mean_interval(x, level=level)
    return m, max(lo, 0.0) if not math.isnan(lo) else lo, min(hi, 100.0) if not math.isnan(hi) else hi, n


def _group_index(keys: Any, by_cols: list[Any]) -> pd.Index:
    if keys is None:
        return pd.Index(["all"], name="group")
    idx = pd.Index(keys)
    if isinstance(idx, pd.MultiIndex):
        return idx.set_names(by_cols)
    return idx.rename(by_cols[0])


def _group_table(
    records: pd.DataFrame,
    codes: np.ndarray,
    keys: Any,
    by_cols: list[Any],
    miss: np.ndarray,
    bad: np.ndarray,
    inst: Instrument,
    level: float,
) -> pd.DataFrame:
    n_groups = 1 if keys is None else len(keys)
    rows = []
    sc = records["score"].to_numpy()
    for g in range(n_groups):
        m = codes == g
        mean, lo, hi, used = _score_interval(sc[m], level)
        n_pass = int(records["passed"].to_numpy()[m].sum())
        plo, phi = standards.wilson_interval(n_pass, used, level=level)
        rows.append(
            {
                "n": int(m.sum()),
                "n_used": used,
                "n_missing": int(m.sum()) - used,
                "missing_answers": int(miss[m].sum()),
                "invalid_answers": int(bad[m].sum()),
                "score": mean,
                "score_lower": lo,
                "score_upper": hi,
                "n_passed": n_pass,
                "share_passed": n_pass / used if used else math.nan,
                "share_passed_lower": float(plo),
                "share_passed_upper": float(phi),
            }
        )
    return pd.DataFrame(rows, index=_group_index(keys, by_cols))


def _sections_table(
    records: pd.DataFrame,
    codes: np.ndarray,
    keys: Any,
    by_cols: list[Any],
    inst: Instrument,
    level: float,
    lang: str,
) -> pd.DataFrame:
    n_groups = 1 if keys is None else len(keys)
    gidx = _group_index(keys, by_cols)
    rows, index = [], []
    for g in range(n_groups):
        m = codes == g
        for sec in inst.groups:
            mean, lo, hi, used = _score_interval(records[f"score_{sec.id}"].to_numpy()[m], level)
            key = gidx[g] if isinstance(gidx[g], tuple) else (gidx[g],)
            index.append((*key, sec.id))
            rows.append({"label": sec.label(lang), "n_used": used, "score": mean, "score_lower": lo, "score_upper": hi})
    names = [*gidx.names, "item_group"]
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=names))
