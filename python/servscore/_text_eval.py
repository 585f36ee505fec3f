"""Evaluation of interaction labels: a classifier's predictions against gold labels.

:func:`evaluate` compares two tables aligned by an id column, field by field, overall and
per language (or any ``by`` column of the gold table):

- multi-label sets, ``lost_sale`` (the fourteen :class:`~servscore.LostSaleReason`) and
  ``needs`` (the ten :class:`~servscore.HumanNeed`): per label precision, recall, F1,
  support (gold count) and predicted count; micro and macro averages; the *flag rate on
  texts with no gold label* (the share of texts whose gold set is empty that get any
  predicted label) and the exact-match share;
- single labels, ``style`` (:class:`~servscore.SocialStyle`), ``quadrant``
  (:class:`~servscore.Quadrant`), ``sentiment`` (positive / neutral / negative),
  ``procedural`` and ``personal`` (good / bad): accuracy on the texts whose gold label is
  shown, coverage (the share of those given any prediction), per class precision, recall,
  F1 and support, macro F1, the flag rate on texts whose gold label is not shown, and a
  confusion table;
- the ordinal ``severity`` (0-3): exact accuracy, within-one accuracy, mean absolute error,
  coverage, and "severity >= 2" as a binary label (precision, recall, F1).

Conventions, all documented in :func:`evaluate`:

- *not shown*: None, NaN, pandas.NA, ``""``, ``"unknown"``, ``"not_shown"`` and ``"none"``
  in a single-label field; an empty list / string or a missing value in a multi-label field
  is the empty set;
- precision of a label never predicted (recall of a label never in the gold set) is
  undefined: NaN in the per-label rows, 0 in the macro averages, which are taken over the
  labels present in the gold set or the predictions (as scikit-learn's
  ``precision_recall_fscore_support(average="macro", labels=present, zero_division=0)``);
- F1 is ``2 tp / (support + predicted)`` (NaN when both are 0);
- every gold id must have a prediction (an InputError names the missing ones); predicted
  rows without a gold record are not scored and are counted in ``n_unmatched_predicted``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._core import ConfigError, InputError
from ._result import Result, Summary, _plain
from .model import HumanNeed, LostSaleReason, Quadrant, SocialStyle

__all__ = [
    "MULTI_FIELDS",
    "ORDINAL_FIELDS",
    "SINGLE_FIELDS",
    "Evaluation",
    "EvaluationSummary",
    "evaluate",
    "predictions_from_classify",
    "read_labels",
]

#: Multi-label fields and their label names.
MULTI_FIELDS: dict[str, list[str]] = {"lost_sale": LostSaleReason.names(), "needs": HumanNeed.names()}
#: Single-label fields and their class names (not-shown values excluded).
SINGLE_FIELDS: dict[str, list[str]] = {
    "style": SocialStyle.names(),
    "quadrant": [q for q in Quadrant.names() if q != "unknown"],
    "sentiment": ["positive", "neutral", "negative"],
    "procedural": ["good", "bad"],
    "personal": ["good", "bad"],
}
#: Ordinal fields and their (lowest, highest) value.
ORDINAL_FIELDS: dict[str, tuple[int, int]] = {"severity": (0, 3)}
FIELDS = [*MULTI_FIELDS, *SINGLE_FIELDS, *ORDINAL_FIELDS]

#: Values of a single-label field that mean "not shown".
NOT_SHOWN = frozenset({"", "unknown", "not_shown", "none"})
_ENUMS = {"lost_sale": LostSaleReason, "needs": HumanNeed, "style": SocialStyle, "quadrant": Quadrant}
#: The severity from which a complaint counts as serious in the binary figures.
SEVERE = 2

# limits of read_labels (untrusted files)
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_RECORDS = 2_000_000
MAX_LINE_BYTES = 1024 * 1024
MAX_LIST_ITEMS = 64


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    return False


def _where(side: str, field: str, rid: Any) -> str:
    return f"{side}: {field}: row id {rid!r}"


def _canon(field: str, value: str, where: str) -> str:
    """The canonical name of one label, or an InputError naming field, row and value."""
    v = value.strip().lower()
    names = MULTI_FIELDS.get(field) or SINGLE_FIELDS[field]
    if v in names:
        return v
    enum = _ENUMS.get(field)
    if enum is not None:
        try:
            name = str(enum(value.strip()).value)
        except (ConfigError, ValueError):
            name = ""
        if name in names:
            return name
    raise InputError(f"{where}: unknown label {value!r}; expected one of: {', '.join(names)}")


def _split(s: str) -> list[str]:
    return [p for p in (x.strip() for x in s.replace(",", ";").split(";")) if p]


def parse_multi(field: str, value: Any, where: str) -> frozenset[str]:
    """A multi-label value (list / tuple / set / array, "; "- or ","-joined string, missing) as a set."""
    if isinstance(value, str):
        items: Iterable[Any] = _split(value)
    elif isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = list(value)
    elif _is_missing(value):
        return frozenset()
    else:
        raise InputError(f"{where}: {value!r} is not a list of labels or a '; '-joined string")
    out = set()
    for x in items:
        if not isinstance(x, str):
            raise InputError(f"{where}: label {x!r} is not a string")
        if x.strip():
            out.add(_canon(field, x, where))
    return frozenset(out)


def parse_single(field: str, value: Any, where: str) -> str | None:
    """A single-label value, or None when not shown."""
    if _is_missing(value):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: {value!r} is not a string label")
    if value.strip().lower() in NOT_SHOWN:
        return None
    return _canon(field, value, where)


def parse_ordinal(field: str, value: Any, where: str) -> int | None:
    """An ordinal value (an integer in range, or an integral float / digit string), or None when missing."""
    lo, hi = ORDINAL_FIELDS[field]
    if _is_missing(value):
        return None
    v: Any = value
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in NOT_SHOWN:
            return None
        v = int(s) if s.lstrip("-").isdigit() else s
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{where}: {value!r} is not an integer {lo}-{hi}")
    if not float(v).is_integer() or not lo <= v <= hi:
        raise InputError(f"{where}: {value!r} is not an integer {lo}-{hi}")
    return int(v)


# ------------------------------------------------------------------ reading label files


def _check_record(rec: Any, where: str) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(rec).__name__}")
    for key, v in rec.items():
        w = f"{where}: key {key!r}"
        if key in MULTI_FIELDS:
            if isinstance(v, list) and len(v) > MAX_LIST_ITEMS:
                raise InputError(f"{w}: {len(v)} labels; at most {MAX_LIST_ITEMS} expected")
            rec[key] = sorted(parse_multi(key, v, w))
        elif key in SINGLE_FIELDS:
            parse_single(key, v, w)
        elif key in ORDINAL_FIELDS:
            parse_ordinal(key, v, w)
    return rec


def read_labels(path: str | os.PathLike[str], *, id: str = "id", max_bytes: int = MAX_FILE_BYTES) -> pd.DataFrame:
    """Read a label file (``.jsonl`` or ``.csv``), validating every record.

    The file is untrusted: it must be at most ``max_bytes`` long, hold at most
    2,000,000 records of at most 1 MiB each, every record must have a non-empty,
    unique ``id`` (a string or an integer), and every label key present (``lost_sale``,
    ``needs``, ``style``, ``quadrant``, ``sentiment``, ``procedural``, ``personal``,
    ``severity``) must hold known names; other keys (``text``, ``lang`` ...) are kept
    as they are. Errors are InputErrors naming the file, line, key and value.

    In a CSV file, the multi-label fields are "; "- or ","-joined names and an empty cell
    is missing. The multi-label columns of the result hold sorted lists of names.

    Examples
    --------
    >>> import servscore as ss, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "gold.jsonl")
    >>> _ = open(p, "w").write('{"id": "a", "lost_sale": ["arguing"], "style": "driver"}\\n')
    >>> ss.text.read_labels(p).loc[0, "lost_sale"]
    ['arguing']
    """
    p = os.fspath(path)
    ext = os.path.splitext(p)[1].lower()
    if ext not in (".jsonl", ".ndjson", ".csv"):
        raise InputError(f"{p}: expected a .jsonl or .csv label file, got {ext or 'no extension'!r}")
    try:
        size = os.path.getsize(p)
    except OSError as e:
        raise InputError(f"{p}: cannot read the labels ({e.strerror or e})") from e
    if size > max_bytes:
        raise InputError(f"{p}: {size} bytes; label files of at most {max_bytes} bytes are read (max_bytes)")
    with open(p, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    try:
        data = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(f"{p}: line {line}: invalid UTF-8 at byte {e.start}") from None
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    if ext == ".csv":
        csv.field_size_limit(MAX_LINE_BYTES)
        reader = csv.DictReader(io.StringIO(data, newline=""))
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise InputError(f"{p}: line {line}: more cells than the header has columns")
                rec = {k: (None if v == "" else v) for k, v in row.items()}
                if len(records) >= MAX_RECORDS:
                    raise InputError(f"{p}: more than {MAX_RECORDS} records")
                records.append(_check_record(rec, f"{p}: line {line}"))
                lines.append(line)
        except csv.Error as e:
            raise InputError(f"{p}: line {reader.line_num}: {e}") from None
    else:
        for n, text in enumerate(data.split("\n"), start=1):
            if not text.strip():
                continue
            if len(text) > MAX_LINE_BYTES:
                raise InputError(f"{p}: line {n}: longer than {MAX_LINE_BYTES} characters")
            try:
                rec = json.loads(text)
            except (json.JSONDecodeError, RecursionError, ValueError) as e:
                raise InputError(f"{p}: line {n}: not valid JSON ({str(e).splitlines()[0][:120]})") from None
            if len(records) >= MAX_RECORDS:
                raise InputError(f"{p}: more than {MAX_RECORDS} records")
            records.append(_check_record(rec, f"{p}: line {n}"))
            lines.append(n)
    seen: dict[Any, int] = {}
    for rec, n in zip(records, lines):
        rid = rec.get(id)
        if isinstance(rid, bool) or not isinstance(rid, (str, int)) or (isinstance(rid, str) and not rid.strip()):
            raise InputError(f"{p}: line {n}: key {id!r}: {rid!r}; expected a non-empty string or integer id")
        if ext == ".csv":
            rid = str(rid)
        if rid in seen:
            raise InputError(f"{p}: line {n}: key {id!r}: {rid!r} repeats the id of line {seen[rid]}")
        seen[rid] = n
    if not records:
        raise InputError(f"{p}: no label records")
    return pd.DataFrame.from_records(records)


# ------------------------------------------------------------------ metrics

#: One figure: (field, by, label, metric, value)
_Row = tuple[str, str, str, str, float]


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _f1(tp: float, support: float, predicted: float) -> float:
    return _ratio(2.0 * tp, support + predicted)


def _z(x: float) -> float:
    return 0.0 if math.isnan(x) else x


def _multi_rows(field: str, group: str, gold: list[frozenset[str]], pred: list[frozenset[str]]) -> list[_Row]:
    rows: list[_Row] = []
    names = MULTI_FIELDS[field]
    tps = dict.fromkeys(names, 0)
    sup = dict.fromkeys(names, 0)
    prd = dict.fromkeys(names, 0)
    exact = 0
    no_gold = flagged = 0
    for g, p in zip(gold, pred):
        for x in g:
            sup[x] += 1
        for x in p:
            prd[x] += 1
        for x in g & p:
            tps[x] += 1
        exact += g == p
        if not g:
            no_gold += 1
            flagged += bool(p)
    n = len(gold)
    present = []
    for x in names:
        prec, rec = _ratio(tps[x], prd[x]), _ratio(tps[x], sup[x])
        f1 = _f1(tps[x], sup[x], prd[x])
        rows += [
            (field, group, x, "precision", prec),
            (field, group, x, "recall", rec),
            (field, group, x, "f1", f1),
            (field, group, x, "support", float(sup[x])),
            (field, group, x, "predicted", float(prd[x])),
            (field, group, x, "tp", float(tps[x])),
        ]
        if sup[x] or prd[x]:
            present.append((_z(prec), _z(rec), _z(f1)))
    tp, s, pr = sum(tps.values()), sum(sup.values()), sum(prd.values())
    macro = np.mean(np.array(present), axis=0) if present else np.full(3, math.nan)
    rows += [
        (field, group, "", "n", float(n)),
        (field, group, "", "micro_precision", _ratio(tp, pr)),
        (field, group, "", "micro_recall", _ratio(tp, s)),
        (field, group, "", "micro_f1", _f1(tp, s, pr)),
        (field, group, "", "macro_precision", float(macro[0])),
        (field, group, "", "macro_recall", float(macro[1])),
        (field, group, "", "macro_f1", float(macro[2])),
        (field, group, "", "exact_match", _ratio(exact, n)),
        (field, group, "", "n_no_gold", float(no_gold)),
        (field, group, "", "flag_rate_no_gold", _ratio(flagged, no_gold)),
    ]
    return rows


def _single_rows(field: str, group: str, gold: list[str | None], pred: list[str | None]) -> list[_Row]:
    rows: list[_Row] = []
    names = SINGLE_FIELDS[field]
    shown = [(g, p) for g, p in zip(gold, pred) if g is not None]
    n_shown = len(shown)
    correct = sum(g == p for g, p in shown)
    covered = sum(p is not None for _, p in shown)
    not_shown = len(gold) - n_shown
    flagged = sum(p is not None for g, p in zip(gold, pred) if g is None)
    present = []
    for c in names:
        tp = sum(g == c and p == c for g, p in shown)
        s = sum(g == c for g, _ in shown)
        pr = sum(p == c for _, p in shown)
        prec, rec, f1 = _ratio(tp, pr), _ratio(tp, s), _f1(tp, s, pr)
        rows += [
            (field, group, c, "precision", prec),
            (field, group, c, "recall", rec),
            (field, group, c, "f1", f1),
            (field, group, c, "support", float(s)),
            (field, group, c, "predicted", float(pr)),
        ]
        if s or pr:
            present.append(_z(f1))
    rows += [
        (field, group, "", "n", float(len(gold))),
        (field, group, "", "n_shown", float(n_shown)),
        (field, group, "", "accuracy", _ratio(correct, n_shown)),
        (field, group, "", "coverage", _ratio(covered, n_shown)),
        (field, group, "", "accuracy_when_predicted", _ratio(correct, covered)),
        (field, group, "", "macro_f1", float(np.mean(present)) if present else math.nan),
        (field, group, "", "n_not_shown", float(not_shown)),
        (field, group, "", "flag_rate_no_gold", _ratio(flagged, not_shown)),
    ]
    return rows


def _ordinal_rows(field: str, group: str, gold: list[int | None], pred: list[int | None]) -> list[_Row]:
    pairs = [(g, p) for g, p in zip(gold, pred) if g is not None]
    n = len(pairs)
    both = [(g, p) for g, p in pairs if p is not None]
    exact = sum(g == p for g, p in both)
    within = sum(abs(g - p) <= 1 for g, p in both)
    mae = _ratio(sum(abs(g - p) for g, p in both), len(both))
    tp = sum(g >= SEVERE and p >= SEVERE for g, p in both)
    s = sum(g >= SEVERE for g, _ in pairs)
    pr = sum(p >= SEVERE for _, p in both)
    return [
        (field, group, "", "n", float(n)),
        (field, group, "", "coverage", _ratio(len(both), n)),
        (field, group, "", "accuracy", _ratio(exact, n)),
        (field, group, "", "within_one", _ratio(within, n)),
        (field, group, "", "mae", mae),
        (field, group, f">={SEVERE}", "precision", _ratio(tp, pr)),
        (field, group, f">={SEVERE}", "recall", _ratio(tp, s)),
        (field, group, f">={SEVERE}", "f1", _f1(tp, s, pr)),
        (field, group, f">={SEVERE}", "support", float(s)),
        (field, group, f">={SEVERE}", "predicted", float(pr)),
    ]


def _confusion(field: str, gold: list[str | None], pred: list[str | None]) -> pd.DataFrame:
    names = [*SINGLE_FIELDS[field], "none"]
    m = pd.DataFrame(0, index=pd.Index(names, name="gold"), columns=pd.Index(names, name="predicted"))
    for g, p in zip(gold, pred):
        m.loc[g or "none", p or "none"] += 1
    return m


# ------------------------------------------------------------------ results


class EvaluationSummary(Summary):
    """A printable evaluation report: ``.text`` (plain text), ``.html`` / ``_repr_html_`` (Jupyter), ``str()``."""

    def __init__(self, title: str, lines: list[str], table: pd.DataFrame) -> None:
        super().__init__(title, lines, table, float_format=".3f")
        self.table = table


# headline metrics per kind of field, in report order
_HEADLINE = {
    "multi": ["micro_precision", "micro_recall", "micro_f1", "macro_f1", "flag_rate_no_gold"],
    "single": ["accuracy", "coverage", "macro_f1", "flag_rate_no_gold"],
    "ordinal": ["accuracy", "within_one", "mae", f">={SEVERE}.f1"],
}


def _kind(field: str) -> str:
    return "multi" if field in MULTI_FIELDS else "single" if field in SINGLE_FIELDS else "ordinal"


@dataclasses.dataclass(frozen=True, repr=False)
class Evaluation(Result):
    """Predicted labels measured against gold labels (see :func:`evaluate`).

    Attributes
    ----------
    table
        Tidy long table ``field, by, label, metric, value``: ``by`` is ``"all"`` for the
        whole set or a value of the ``by`` column; ``label`` is a label / class name for
        per-label rows, ``""`` for the field's summary figures (``micro_f1``, ``accuracy``,
        ``flag_rate_no_gold`` ...) and ``">=2"`` for the binary severity figures.
    fields
        The fields evaluated.
    not_predicted
        Fields in the gold table that the predictions do not carry (not evaluated).
    n
        Texts evaluated (the gold records).
    n_unmatched_predicted
        Predicted rows whose id is not in the gold table (not scored).
    by
        The grouping column, or None.
    confusions
        ``{(field, group): DataFrame}``: gold x predicted counts of the single-label fields,
        with a ``none`` row and column for "not shown".
    """

    table: pd.DataFrame
    fields: tuple[str, ...]
    not_predicted: tuple[str, ...]
    n: int
    n_unmatched_predicted: int
    by: str | None
    confusions: dict[tuple[str, str], pd.DataFrame]

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table of every figure."""
        return self.table

    def value(self, field: str, metric: str, *, by: str = "all", label: str = "") -> float:
        """One figure of the table, e.g. ``value("style", "accuracy", by="zh")``."""
        t = self.table
        hit = t[(t["field"] == field) & (t["by"] == by) & (t["label"] == label) & (t["metric"] == metric)]
        if len(hit) != 1:
            raise ConfigError(f"evaluation: no figure field={field!r} metric={metric!r} by={by!r} label={label!r}")
        return float(hit["value"].iloc[0])

    def confusion(self, field: str, by: str | None = None) -> pd.DataFrame:
        """Gold x predicted counts of a single-label field (``none``: not shown), overall or for one group."""
        key = (field, "all" if by is None else str(by))
        if key not in self.confusions:
            have = sorted({f for f, _ in self.confusions})
            raise ConfigError(f"confusion: no table for field {field!r}, by {by!r}; fields with one: {have}")
        return self.confusions[key].copy()

    @property
    def groups(self) -> list[str]:
        """``"all"`` and the values of the ``by`` column, in table order."""
        return list(dict.fromkeys(self.table["by"]))

    @property
    def metrics(self) -> dict[str, float]:
        """The headline figures as a flat dict: ``"lost_sale.micro_f1"``, ``"style.accuracy"``,
        ``"severity.>=2.f1"`` ...; per group as ``"zh:lost_sale.micro_f1"``."""
        out: dict[str, float] = {}
        t = self.table[self.table["label"].isin(["", f">={SEVERE}"])]
        for field, group, label, metric, value in t.itertuples(index=False):
            name = f"{field}.{label + '.' if label else ''}{metric}"
            out[name if group == "all" else f"{group}:{name}"] = float(value)
        return out

    def headline(self) -> pd.DataFrame:
        """Groups x the headline figures of each field (``field.metric`` columns)."""
        m = self.metrics
        cols = [f"{f}.{k}" for f in self.fields for k in _HEADLINE[_kind(f)]]
        rows = {}
        for g in self.groups:
            prefix = "" if g == "all" else f"{g}:"
            rows[g] = {c: m.get(prefix + c, math.nan) for c in cols}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis(self.by or "group")

    def _summary_lines(self) -> list[str]:
        lines = [f"{self.n} texts; fields: {', '.join(self.fields) or 'none'}"]
        if self.not_predicted:
            lines.append("not predicted: " + ", ".join(self.not_predicted))
        if self.n_unmatched_predicted:
            lines.append(f"{self.n_unmatched_predicted} predicted row(s) without a gold record (not scored)")
        return lines

    def summary(self) -> EvaluationSummary:
        """A report: one line per field and group with its headline figures."""
        rows = []
        m = self.metrics
        for f in self.fields:
            for g in self.groups:
                prefix = "" if g == "all" else f"{g}:"
                row: dict[str, Any] = {"field": f, self.by or "group": g}
                kind = _kind(f)
                row["n"] = m.get(f"{prefix}{f}.n", math.nan)
                if kind == "single":
                    row["n_shown"] = m.get(f"{prefix}{f}.n_shown", math.nan)
                for k in _HEADLINE[kind]:
                    row[k] = m.get(f"{prefix}{f}.{k}", math.nan)
                rows.append(row)
        table = pd.DataFrame(rows)
        if len(table):
            table = table.set_index(["field", self.by or "group"])
        return EvaluationSummary("Evaluation", self._summary_lines(), table)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the headline ``metrics``, the fields, counts and every figure of ``table``."""
        return {
            "n": self.n,
            "n_unmatched_predicted": self.n_unmatched_predicted,
            "by": self.by,
            "fields": list(self.fields),
            "not_predicted": list(self.not_predicted),
            "metrics": _plain(self.metrics),
            "table": [_plain(r) for r in self.table.to_dict(orient="records")],
            "confusion": {
                f"{f}/{g}": {str(k): _plain(v) for k, v in c.to_dict(orient="index").items()}
                for (f, g), c in self.confusions.items()
            },
        }

    def __repr__(self) -> str:
        return self.summary().text

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax: Any = None, *, field: str | None = None, metric: str = "f1", **kwargs: Any) -> Any:
        """Horizontal bars: per label ``metric`` (F1 by default) of one field (default: the first
        multi- or single-label field), one bar per group; returns the matplotlib Axes."""
        from .plotting import require_matplotlib

        plt = require_matplotlib()
        field = field or next((f for f in self.fields if f not in ORDINAL_FIELDS), None)
        if field is None or field not in self.fields or field in ORDINAL_FIELDS:
            raise ConfigError(f"plot: field {field!r} has no per-label figures; fields: {', '.join(self.fields)}")
        t = self.table[(self.table["field"] == field) & (self.table["metric"] == metric) & (self.table["label"] != "")]
        wide = t.pivot(index="label", columns="by", values="value").reindex(columns=self.groups)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, max(3, 0.3 * len(wide) * max(1, len(self.groups) / 2))))
        h = 0.8 / max(len(self.groups), 1)
        y = np.arange(len(wide))
        for k, g in enumerate(self.groups):
            ax.barh(y + k * h, wide[g].fillna(0.0).to_numpy(), height=h, label=g, **kwargs)
        ax.set_yticks(y + 0.4 - h / 2)
        ax.set_yticklabels(list(wide.index))
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{field} {metric}")
        ax.legend(loc="lower right")
        return ax


# ------------------------------------------------------------------ classify's table as predictions

#: Where each evaluation field is read from in the table of :func:`servscore.interactions.classify`
#: (``lost_sale`` from the ``risk_<reason>`` columns; ``needs`` from the text needs, not the
#: anticipated-needs rules' ``needs`` column).
CLASSIFY_COLUMNS: dict[str, str] = {
    "needs": "text_needs",
    "style": "style",
    "quadrant": "quadrant",
    "procedural": "side_procedural",
    "personal": "side_personal",
    "sentiment": "sentiment",
    "severity": "severity",
}


def predictions_from_classify(table: pd.DataFrame, *, id: str = "id", by: str | None = "lang") -> pd.DataFrame:
    """The evaluation fields of a :func:`servscore.interactions.classify` table.

    Returns a table with ``id`` (and ``by`` when present), ``lost_sale`` (sets from the
    ``risk_<reason>`` columns) and each field of :data:`CLASSIFY_COLUMNS` whose column the
    table has; fields whose column is absent are left out (reported as not predicted by
    :func:`evaluate`).
    """
    if id not in table.columns:
        raise InputError(f"predicted: no id column {id!r}; columns present: {', '.join(map(str, table.columns[:30]))}")
    out = pd.DataFrame({id: table[id].to_numpy()})
    if by is not None and by in table.columns and by != id:
        out[by] = table[by].to_numpy()
    sets = _risk_sets(table)
    if sets is not None:
        out["lost_sale"] = sets
    for field, col in CLASSIFY_COLUMNS.items():
        if col in table.columns:
            v = table[col]
            out[field] = v.astype(object).to_numpy() if not pd.api.types.is_numeric_dtype(v) else v.to_numpy()
    return out


# ------------------------------------------------------------------ evaluate


def _as_table(data: Any, name: str, id: str) -> pd.DataFrame:
    if isinstance(data, (str, os.PathLike)):
        return read_labels(data, id=id)
    if isinstance(data, (list, tuple)):
        if not all(isinstance(r, dict) for r in data):
            raise InputError(f"{name}: expected a DataFrame, a list of dicts or a .jsonl / .csv path")
        return pd.DataFrame.from_records(list(data))
    from ._input import to_frame

    return to_frame(data, name=name)


def _ids(frame: pd.DataFrame, name: str, id: str) -> list[Any]:
    if id not in frame.columns:
        raise InputError(f"{name}: no id column {id!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    ids: list[Any] = list(frame[id].tolist())
    seen: set[Any] = set()
    for v in ids:
        if _is_missing(v):
            raise InputError(f"{name}: {id}: a missing id; every row needs one")
        if v in seen:
            raise InputError(f"{name}: {id}: {v!r} appears more than once; ids must be unique")
        seen.add(v)
    return ids


def _risk_sets(frame: pd.DataFrame) -> list[frozenset[str]] | None:
    cols = {r: f"risk_{r}" for r in LostSaleReason.names() if f"risk_{r}" in frame.columns}
    if not cols:
        return None
    flags = {r: frame[c].fillna(False).astype(bool).to_numpy() for r, c in cols.items()}
    return [frozenset(r for r, f in flags.items() if f[i]) for i in range(len(frame))]


def _column(frame: pd.DataFrame, field: str, side: str, ids: Sequence[Any]) -> list[Any]:
    if field == "lost_sale" and field not in frame.columns:
        sets = _risk_sets(frame)
        assert sets is not None
        return sets
    values = frame[field].tolist()
    if field in MULTI_FIELDS:
        return [parse_multi(field, v, _where(side, field, i)) for v, i in zip(values, ids)]
    if field in SINGLE_FIELDS:
        return [parse_single(field, v, _where(side, field, i)) for v, i in zip(values, ids)]
    return [parse_ordinal(field, v, _where(side, field, i)) for v, i in zip(values, ids)]


def _has(frame: pd.DataFrame, field: str) -> bool:
    return field in frame.columns or (field == "lost_sale" and _risk_sets(frame.head(0)) is not None)


def evaluate(
    gold: Any,
    predicted: Any,
    *,
    fields: Sequence[str] | None = None,
    by: str | None = "lang",
    id: str = "id",
) -> Evaluation:
    """Measure predicted interaction labels against gold labels.

    Parameters
    ----------
    gold, predicted
        DataFrames (pandas, polars, Arrow), lists of dicts, or paths of ``.jsonl`` / ``.csv``
        label files (read by :func:`read_labels`), aligned by the ``id`` column; ``predicted``
        may also be the result of :func:`servscore.interactions.classify` on a table with that
        column (read through :func:`predictions_from_classify`). Ids must be
        unique on each side; every gold id needs a prediction (an InputError names the
        missing ids); predicted rows without a gold record are left out and counted
        (``n_unmatched_predicted``), so a table classified in full can be measured on a labelled
        subset.
    fields
        The fields to measure: ``lost_sale``, ``needs`` (sets of names: a list / tuple / set,
        a "; "- or ","-joined string, or for ``lost_sale`` the ``risk_<reason>`` boolean
        columns of :func:`servscore.interactions.classify`), ``style``, ``quadrant``,
        ``sentiment``, ``procedural``, ``personal`` (one name; None, NaN, ``""``,
        ``"unknown"``, ``"not_shown"`` and ``"none"`` mean not shown) and ``severity``
        (an integer 0-3; missing in the gold table: the text is not scored for it).
        Default: every field in the gold table; those the predictions lack are listed in
        ``not_predicted``. A field named here that either side lacks is an InputError.
    by
        A gold column (default ``"lang"``) whose values give per-group figures besides the
        overall ones (``by == "all"``); None, or the default column absent: overall only.
    id
        The id column of both tables.

    Returns
    -------
    Evaluation
        ``.table`` (every figure, long), ``.metrics`` (headline figures), ``.confusion(field)``,
        ``.summary()``.

    Notes
    -----
    Labels are checked against the known names (:class:`~servscore.LostSaleReason`,
    :class:`~servscore.HumanNeed`, :class:`~servscore.SocialStyle`,
    :class:`~servscore.Quadrant`, positive / neutral / negative, good / bad): an unknown one
    is an InputError naming the side, field, row id and value. Precision of a label that is
    never predicted (recall of one never in the gold set) is NaN in the per-label rows and 0
    in the macro averages, which run over the labels present on either side. Single-label
    accuracy is the share of texts *whose gold label is shown* given the right label (no
    prediction counts as wrong); ``coverage`` is the share of those given any label; per class
    figures are over the same texts; ``flag_rate_no_gold`` is the share of the other texts
    (multi-label: texts whose gold set is empty) that get a prediction anyway.

    Examples
    --------
    >>> import servscore as ss
    >>> gold = [{"id": 1, "lost_sale": ["arguing"], "style": "driver"}, {"id": 2, "lost_sale": [], "style": None}]
    >>> pred = [{"id": 1, "lost_sale": "arguing; being_hurried", "style": "driver"}, {"id": 2, "lost_sale": "", "style": "amiable"}]
    >>> e = ss.text.evaluate(gold, pred)
    >>> e.metrics["lost_sale.micro_precision"], e.metrics["lost_sale.micro_recall"], e.metrics["style.accuracy"]
    (0.5, 1.0, 1.0)
    """
    if hasattr(predicted, "table") and hasattr(predicted, "lexicon"):  # an InteractionResult
        predicted = predictions_from_classify(predicted.table, id=id)
    g = _as_table(gold, "gold", id)
    p = _as_table(predicted, "predicted", id)
    gids = _ids(g, "gold", id)
    pids = _ids(p, "predicted", id)
    pos = {v: i for i, v in enumerate(pids)}
    missing = [v for v in gids if v not in pos]
    if missing:
        shown = ", ".join(repr(v) for v in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise InputError(f"predicted: {len(missing)} gold id(s) have no prediction: {shown}")
    p = p.iloc[[pos[v] for v in gids]].reset_index(drop=True)
    g = g.reset_index(drop=True)
    n_unmatched = len(pids) - len(gids)
    if fields is None:
        in_gold = [f for f in FIELDS if f in g.columns]
        chosen = [f for f in in_gold if _has(p, f)]
        not_pred = tuple(f for f in in_gold if f not in chosen)
    else:
        if isinstance(fields, str):
            fields = [fields]
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise ConfigError(f"fields: unknown field(s) {unknown}; expected some of: {', '.join(FIELDS)}")
        for f in fields:
            if f not in g.columns:
                raise InputError(f"gold: no column {f!r} for the field asked for")
            if not _has(p, f):
                what = f"{f!r} (or risk_<reason> columns)" if f == "lost_sale" else repr(f)
                raise InputError(f"predicted: no column {what} for the field asked for")
        chosen, not_pred = list(dict.fromkeys(fields)), ()
    groups: list[tuple[str, np.ndarray]] = [("all", np.arange(len(g)))]
    by_used: str | None = None
    if by is not None:
        if by in g.columns:
            col = g[by]
        elif by in p.columns:
            col = p[by]
        elif by == "lang":
            col = None
        else:
            raise InputError(f"by: no column {by!r} in the gold or predicted table")
        if col is not None:
            by_used = by
            keys = col.astype(object).where(col.notna(), "missing").astype(str).to_numpy()
            for k in sorted(set(keys)):
                groups.append((k, np.flatnonzero(keys == k)))
    rows: list[_Row] = []
    confusions: dict[tuple[str, str], pd.DataFrame] = {}
    for f in chosen:
        gv = _column(g, f, "gold", gids)
        pv = _column(p, f, "predicted", gids)
        for name, idx in groups:
            gs = [gv[i] for i in idx]
            ps = [pv[i] for i in idx]
            if f in MULTI_FIELDS:
                rows += _multi_rows(f, name, gs, ps)
            elif f in SINGLE_FIELDS:
                rows += _single_rows(f, name, gs, ps)
                confusions[(f, name)] = _confusion(f, gs, ps)
            else:
                rows += _ordinal_rows(f, name, gs, ps)
    table = pd.DataFrame(rows, columns=["field", "by", "label", "metric", "value"])
    table["value"] = table["value"].astype(np.float64)
    return Evaluation(
        table=table,
        fields=tuple(chosen),
        not_predicted=not_pred,
        n=len(g),
        n_unmatched_predicted=n_unmatched,
        by=by_used,
        confusions=confusions,
    )
