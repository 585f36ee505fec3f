"""Anticipated needs: situations -> the ten human needs -> recommended actions.

A rules engine maps conditions on interaction fields (waited longer than T, looked at
the watch, accompanied by children, a queue before opening, peak hour, a repeat contact
within N days, an open complaint ...) to the ten human needs of the source (to be
welcomed, timely service, comfort, orderly service, to be understood, help, to feel
important, to be appreciated, to be recognised, to be respected) and to recommended
actions. The default rule set is the source's table of situations and anticipated needs
(情景 -> 预计的需求), completed with rules of ours; it ships as data,
``servscore/data/needs/rules.json`` (see :func:`default_rules_path`), which users copy,
edit, replace or extend.

Condition language (JSON; every node is an object):

- ``{"field": F, "op": OP, "value": V}``: OP is ``>``, ``>=``, ``<``, ``<=``, ``==``,
  ``!=`` (or ``gt ge lt le eq ne``), ``in`` (V a list), ``between`` (V = [lo, hi],
  inclusive), or the unary ``is_true`` (non-zero), ``is_false`` (zero), ``missing``;
  a missing value fails every test except ``missing``;
- ``{"all": [...]}`` (and), ``{"any": [...]}`` (or), ``{"not": c}``;
- ``{"present": F}``: the column exists and the value is not missing. Columns named only
  by ``present``, or by a comparison with ``"optional": true`` (the transcript cue
  columns ``cue_<name>``), may be absent from the data.

An unknown operator, key, need, or a field the data do not have, is a
:class:`~servscore.ConfigError` when the rules are loaded against the data's columns,
before anything is evaluated.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _json
from ._checks import check_finite
from ._core import ConfigError, InputError, NeedRuleSet
from ._input import numeric_column, relabel_rows, text_labels, to_frame
from ._result import Result
from .model import HumanNeed

__all__ = ["NeedRuleSet", "NeedsResult", "default_rules", "default_rules_path", "evaluate", "load_rules"]

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "needs")


def default_rules_path() -> str:
    """Path of the default rule set (``rules.json``), the file to copy and edit."""
    return os.path.join(DATA_DIR, "rules.json")


def _read_json_arg(spec: Any, what: str) -> str:
    """JSON text from a dict, a list of rules, JSON text or a file path."""
    if isinstance(spec, dict):
        return json.dumps(spec)
    if isinstance(spec, (list, tuple)):
        return json.dumps({"rules": list(spec)})
    if isinstance(spec, (str, os.PathLike)):
        text = os.fspath(spec)
        if not text.lstrip().startswith(("{", "[")):
            try:
                with open(text, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError as e:
                raise ConfigError(f"{what}: {text!r} is neither JSON text nor a readable file ({e})") from e
        if text.lstrip().startswith("["):  # a bare list of rules / standards
            key = "standards" if what == "standards" else "rules"
            try:
                return json.dumps({key: _json.loads(text, what)})
            except ValueError as e:
                raise ConfigError(f"{what}: invalid JSON ({e})") from e
        return text
    raise ConfigError(
        f"{what}: expected a rule set, dict, list of rules, JSON text or a file path; got {type(spec).__name__}"
    )


def load_rules(rules: Any = None, *, schema: Sequence[str] | None = None) -> NeedRuleSet:
    """Load and compile a rule set.

    Parameters
    ----------
    rules
        None (the default rules), a :class:`NeedRuleSet`, a dict ``{"rules": [...]}``, a list
        of rule dicts, JSON text or a path to a JSON file.
    schema
        Column names of the data: a rule naming a field not among them (and not optional)
        raises :class:`~servscore.ConfigError` now.

    Examples
    --------
    >>> import servscore as ss
    >>> rs = ss.needs.load_rules([{"id": "wait", "when": {"field": "wait", "op": ">", "value": 5},
    ...                            "needs": ["timely_service"]}])
    >>> rs.ids, rs.fields
    (['wait'], ['wait'])
    """
    cols = None if schema is None else [str(c) for c in schema]
    if isinstance(rules, NeedRuleSet):
        if cols is not None:
            rules.check_schema(cols)
        return rules
    text = _read_json_arg(default_rules_path() if rules is None else rules, "rules")
    return NeedRuleSet.from_json(text, cols)


def default_rules() -> NeedRuleSet:
    """The default rule set (the source's table of situations and anticipated needs)."""
    return load_rules(None)


def join_flags(mask: np.ndarray, names: Sequence[str], sep: str = "; ") -> np.ndarray:
    """Per row, the names whose flag is set, joined by ``sep`` (vectorised over distinct patterns)."""
    n, k = mask.shape
    if n == 0:
        return np.empty(0, dtype=object)
    if k == 0:
        return np.full(n, "", dtype=object)
    packed = np.packbits(mask.astype(bool), axis=1)
    uniq, inv = np.unique(packed, axis=0, return_inverse=True)
    labels = []
    for u in uniq:
        bits = np.unpackbits(u)[:k]
        labels.append(sep.join(names[int(j)] for j in np.flatnonzero(bits)))
    return np.asarray(labels, dtype=object)[np.asarray(inv).reshape(-1)]


@dataclasses.dataclass(frozen=True, repr=False)
class NeedsResult(Result):
    """Anticipated needs per interaction.

    Attributes
    ----------
    fired
        Boolean DataFrame (the input's index x rule ids): the rules that fired.
    needs
        Boolean DataFrame (index x the ten :class:`~servscore.HumanNeed` names).
    actions
        Boolean DataFrame (index x recommended actions, in the order of the rules).
    rules
        One row per rule: ``description``, ``needs``, ``actions``, ``n_fired``, ``share``.
    need_counts
        One row per need: ``label``, ``n`` (interactions where it was triggered), ``share``.
    n_missing
        Missing values per field the rules read (counted, never dropped: a missing value
        fails every comparison except ``missing``).
    rule_set
        The :class:`NeedRuleSet` evaluated.
    """

    fired: pd.DataFrame
    needs: pd.DataFrame
    actions: pd.DataFrame
    rules: pd.DataFrame
    need_counts: pd.DataFrame
    n_missing: pd.Series
    rule_set: NeedRuleSet

    def to_frame(self) -> pd.DataFrame:
        """Per interaction: ``needs``, ``actions`` and ``rules`` (names joined by "; "), ``n_needs``."""
        return pd.DataFrame(
            {
                "needs": join_flags(self.needs.to_numpy(), list(self.needs.columns)),
                "actions": join_flags(self.actions.to_numpy(), list(self.actions.columns)),
                "rules": join_flags(self.fired.to_numpy(), list(self.fired.columns)),
                "n_needs": self.needs.to_numpy().sum(axis=1),
            },
            index=self.fired.index,
        )

    def shares(self, by: Any) -> pd.DataFrame:
        """Share of interactions with each need triggered, per group.

        ``by`` is a Series / array aligned with the interactions (e.g. ``df["branch"]``).
        """
        keys = pd.Series(np.asarray(by), index=self.needs.index, name=getattr(by, "name", None) or "group")
        return self.needs.astype(float).groupby(keys, dropna=False).mean()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars: share of interactions with each need triggered; returns the Axes."""
        from ._needs_plots import needs_bars

        return needs_bars(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        n = len(self.fired)
        anyfired = int(self.fired.to_numpy().any(axis=1).sum())
        lines = [f"{n} interactions, {anyfired} with at least one rule fired ({len(self.rules)} rules)"]
        top = self.need_counts.sort_values("n", ascending=False)
        top = top[top["n"] > 0]
        if len(top):
            lines.append(
                "most anticipated needs: " + ", ".join(f"{i} {100 * s:.0f}%" for i, s in top["share"].iloc[:3].items())
            )
        if int(self.n_missing.sum()):
            lines.append(f"{int(self.n_missing.sum())} missing values in the fields the rules read")
        return lines

    def summary_frame(self) -> pd.DataFrame:
        """The per-rule table."""
        return self.rules


def evaluate(data: Any, *, rules: Any = None, extra_rules: Any = None, workers: int = 1) -> NeedsResult:
    """Evaluate anticipated-needs rules on a batch of interactions.

    Parameters
    ----------
    data
        A DataFrame (pandas, polars, Arrow) of interactions; the fields the rules read must
        be numeric or boolean (booleans as 0/1; NaN / None missing). With the default rules:
        ``wait_minutes, looked_at_watch, with_children, queue_before_opening, peak_hour,
        days_since_last_contact, complaint_open, first_visit, elderly``, and optionally the
        cue columns ``cue_time_pressure, cue_children, cue_complaint``.
    rules
        The rule set (see :func:`load_rules`); default: the source's table.
    extra_rules
        Rules appended to ``rules`` (a rule set, dict, list of rule dicts, JSON or path).
    workers
        Threads (``<= 0``: all cores); results do not depend on it.

    Returns
    -------
    NeedsResult

    Raises
    ------
    ConfigError
        A rule names an unknown operator, need or a field the data lack (before evaluating).
    InputError
        A field holds a non-numeric value (naming the column, row and value), or no rows.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"wait": [12, 3], "kids": [False, True]})
    >>> rules = [{"id": "long_wait", "when": {"field": "wait", "op": ">=", "value": 10},
    ...           "needs": ["timely_service"], "actions": ["thank them for waiting"]},
    ...          {"id": "kids", "when": {"field": "kids", "op": "is_true"}, "needs": ["comfort"]}]
    >>> ss.needs.evaluate(df, rules=rules).to_frame()["needs"].tolist()
    ['timely_service', 'comfort']
    """
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    schema = [str(c) for c in frame.columns]
    rs = load_rules(rules, schema=schema)
    if extra_rules is not None:
        rs = rs.extend(load_rules(extra_rules, schema=schema))
    text = text_labels(frame)  # fields are text; labels may be ints, tuples, ...
    cols = list(rs.fields) + [f for f in rs.optional_fields if f in text]
    x = np.empty((len(frame), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        x[:, j] = numeric_column(frame, text.get(c, c), name="data")
    check_finite(x, cols, frame.index, name="data")  # inf >= 10 would flag a need without a word
    try:
        r = _core.evaluate_needs(rs, x, cols, int(workers))
    except InputError as e:
        raise relabel_rows(e, frame.index) from None
    index = frame.index
    ids = list(rs.ids)
    fired = pd.DataFrame(r["fired"].view(np.bool_), copy=False, index=index, columns=ids)
    needs = pd.DataFrame(r["needs"].view(np.bool_), copy=False, index=index, columns=HumanNeed.names())
    actions = pd.DataFrame(r["actions"].view(np.bool_), copy=False, index=index, columns=list(rs.actions))
    n = len(frame)
    info = json.loads(rs.to_json())["rules"]
    rules_table = pd.DataFrame(
        {
            "description": [d.get("description", "") for d in info],
            "needs": ["; ".join(d.get("needs", [])) for d in info],
            "actions": ["; ".join(d.get("actions", [])) for d in info],
            "n_fired": r["rule_counts"],
            "share": r["rule_counts"] / n,
        },
        index=pd.Index(ids, name="rule"),
    )
    need_counts = pd.DataFrame(
        {"label": [h.label() for h in HumanNeed], "n": r["need_counts"], "share": r["need_counts"] / n},
        index=pd.Index(HumanNeed.names(), name="need"),
    )
    missing = r["field_missing"]  # counted by the core while it reads the columns
    n_missing = pd.Series([missing.get(c, 0) for c in cols], index=cols, name="n_missing", dtype=np.int64)
    return NeedsResult(
        fired=fired,
        needs=needs,
        actions=actions,
        rules=rules_table,
        need_counts=need_counts,
        n_missing=n_missing,
        rule_set=rs,
    )
