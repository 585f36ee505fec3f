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
from ._accumulator import ConfigKey, StateAccumulator, by_list
from ._checks import check_finite
from ._core import ConfigError, InputError, NeedRuleSet
from ._input import names_of, numeric_column, relabel_rows, text_labels, to_frame
from ._result import Result
from .model import HumanNeed

__all__ = [
    "Accumulator",
    "NeedRuleSet",
    "NeedsResult",
    "NeedsSummary",
    "default_rules",
    "default_rules_path",
    "evaluate",
    "load_rules",
]

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


def _fields_matrix(frame: pd.DataFrame, rs: NeedRuleSet) -> tuple[np.ndarray, list[str]]:
    """The fields the rules read (required, then the optional ones present) as float64 columns."""
    text = text_labels(frame)  # fields are text; labels may be ints, tuples, ...
    cols = list(rs.fields) + [f for f in rs.optional_fields if f in text]
    x = np.empty((len(frame), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        x[:, j] = numeric_column(frame, text.get(c, c), name="data")
    check_finite(x, cols, frame.index, name="data")  # inf >= 10 would flag a need without a word
    return x, cols


def _rules_table(rs: NeedRuleSet, counts: np.ndarray, n: float) -> pd.DataFrame:
    info = json.loads(rs.to_json())["rules"]
    return pd.DataFrame(
        {
            "description": [d.get("description", "") for d in info],
            "needs": ["; ".join(d.get("needs", [])) for d in info],
            "actions": ["; ".join(d.get("actions", [])) for d in info],
            "n_fired": counts,
            "share": counts / n,
        },
        index=pd.Index(list(rs.ids), name="rule"),
    )


def _need_counts(counts: np.ndarray, n: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"label": [h.label() for h in HumanNeed], "n": counts, "share": counts / n},
        index=pd.Index(HumanNeed.names(), name="need"),
    )


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
    x, cols = _fields_matrix(frame, rs)
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
    rules_table = _rules_table(rs, r["rule_counts"], n)
    need_counts = _need_counts(r["need_counts"], n)
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


@dataclasses.dataclass(frozen=True, repr=False)
class NeedsSummary(Result):
    """Anticipated needs counted over many batches (the result of :class:`Accumulator`).

    The aggregates of :class:`NeedsResult` without the per-interaction flags.

    Attributes
    ----------
    table
        One row per group (``all`` without groups), groups in key order: ``n``
        (interactions), ``n_any`` (with at least one rule fired), and per need the share of
        interactions where it was triggered (as :meth:`NeedsResult.shares`).
    rules
        One row per rule: ``description``, ``needs``, ``actions``, ``n_fired``, ``share``
        (over all groups, as :attr:`NeedsResult.rules`).
    need_counts
        One row per need: ``label``, ``n``, ``share`` (over all groups).
    n_missing
        Missing values per field the rules read (optional fields: those some batch had).
    rule_set
        The :class:`NeedRuleSet` evaluated.
    """

    table: pd.DataFrame
    rules: pd.DataFrame
    need_counts: pd.DataFrame
    n_missing: pd.Series
    rule_set: NeedRuleSet

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars: share of interactions with each need triggered; returns the Axes."""
        from ._needs_plots import needs_bars

        return needs_bars(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        n = int(self.table["n"].sum())
        anyfired = int(self.table["n_any"].sum())
        lines = [
            f"{n} interactions in {len(self.table)} group(s), {anyfired} with at least one rule fired "
            f"({len(self.rules)} rules)"
        ]
        top = self.need_counts.sort_values("n", ascending=False)
        top = top[top["n"] > 0]
        if len(top):
            lines.append(
                "most anticipated needs: " + ", ".join(f"{i} {100 * s:.0f}%" for i, s in top["share"].iloc[:3].items())
            )
        if int(self.n_missing.sum()):
            lines.append(f"{int(self.n_missing.sum())} missing values in the fields the rules read")
        return lines


class Accumulator(StateAccumulator):
    """Mergeable anticipated needs, built batch by batch (partitions, files, days).

    The state lives in C++ (:class:`servscore._core.NeedsState`): per group key the
    interactions, those with a rule fired, the interactions each rule fired on and each need
    and action was triggered on, and per field its missing values. Integer counts: partitions
    merged in any order give exactly the counts of :func:`evaluate` on all the data (its
    ``rules``, ``need_counts`` and ``n_missing``, and :meth:`NeedsResult.shares` per group).
    The per-interaction flags are rows and are not kept: call :func:`evaluate` on a batch for
    them.

    ``update(data, by=...)`` evaluates the rules on a batch (an empty batch is a no-op);
    ``merge`` / ``+`` / ``sum``; ``result()`` gives the :class:`NeedsSummary` (groups in key
    order); ``to_bytes()`` / ``from_bytes()`` (format ``SSNEEDS1``, little-endian, validated on
    load) and pickling. Only states of the same rules merge. Needs count interactions:
    ``weights=`` is refused.

    Parameters
    ----------
    rules, extra_rules
        As :func:`evaluate` (default: the source's table).
    by
        Key column(s) of the groups.
    workers
        Threads evaluating each batch (``<= 0``: all cores); results do not depend on it.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> rules = [{"id": "long_wait", "when": {"field": "wait", "op": ">=", "value": 10},
    ...           "needs": ["timely_service"]}]
    >>> a = ss.needs.Accumulator(rules, by="branch").update(pd.DataFrame({"wait": [12, 3], "branch": ["n", "s"]}))
    >>> b = ss.needs.Accumulator(rules, by="branch").update(pd.DataFrame({"wait": [15], "branch": ["s"]}))
    >>> (a + b).result().table[["n", "timely_service"]].to_dict("index")
    {'n': {'n': 1, 'timely_service': 1.0}, 's': {'n': 2, 'timely_service': 0.5}}
    """

    __slots__ = ("_workers",)
    _kind = "needs.Accumulator"
    _state_type = _core.NeedsState

    def __init__(
        self,
        rules: Any = None,
        *,
        extra_rules: Any = None,
        by: str | Sequence[str] | None = None,
        workers: int = 1,
    ) -> None:
        rs = load_rules(rules)
        if extra_rules is not None:
            rs = rs.extend(load_rules(extra_rules))
        self._by = by_list(by)
        self._workers = int(workers)
        self._state = _core.NeedsState(rs, names_of(self._by or []))

    @classmethod
    def _wrap(cls, state: Any) -> Accumulator:
        acc = super()._wrap(state)
        acc._workers = 1
        return acc

    @property
    def rule_set(self) -> NeedRuleSet:
        """The :class:`NeedRuleSet` of the state."""
        out: NeedRuleSet = self._state.rules
        return out

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> Accumulator:
        """Evaluate the rules on one batch of interactions and count it; returns self (an empty
        batch is a no-op). A field the rules require and the batch lacks is a ConfigError."""
        if weights is not None:
            raise InputError("weights: anticipated needs count interactions; weights are not supported")
        frame = to_frame(data)
        if len(frame) == 0:
            return self
        rs = self.rule_set
        rs.check_schema([str(c) for c in frame.columns])
        x, cols = _fields_matrix(frame, rs)
        keys_by = self._batch_by(by)
        gcodes, keys = self._batch_groups(frame, keys_by)
        try:
            self._state.update(x, cols, groups=gcodes, keys=keys, workers=self._workers)
        except InputError as e:
            raise relabel_rows(e, frame.index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        rs = self.rule_set
        text = ", ".join(rs.ids)
        return ConfigKey(f"{len(rs)} rules ({text[:100]})", rs.to_json())

    def result(self) -> NeedsSummary:
        """The :class:`NeedsSummary` of everything counted (groups in key order)."""
        rs = self.rule_set
        r = self._state.result(key_order=True)
        gkeys, label = self._group_keys()
        if gkeys is None:
            index = pd.Index(["all"], name="group")
        elif label is None:
            index = pd.MultiIndex.from_tuples(gkeys, names=self._key_values()[1])
        else:
            index = pd.Index(gkeys, name=label, tupleize_cols=False)
        n_g = np.asarray(r["n"], dtype=float)
        needs = np.asarray(r["needs"], dtype=float)
        if len(n_g) == 0 and gkeys is None:  # ungrouped and nothing counted: one row of zeros
            n_g, needs = np.zeros(1), np.zeros((1, needs.shape[1]))
            r = {**r, "n_any": np.zeros(1), "rules": np.zeros((1, len(rs))), "missing": np.zeros((1, len(r["fields"])))}
            r["present"] = r["missing"]
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = needs / n_g[:, None]
        table = pd.DataFrame({"n": n_g.astype(np.int64), "n_any": np.asarray(r["n_any"]).astype(np.int64)}, index=index)
        for j, name in enumerate(HumanNeed.names()):
            table[name] = shares[:, j]
        n = float(n_g.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            rules_table = _rules_table(rs, np.asarray(r["rules"]).sum(axis=0).astype(np.int64), n)
            need_counts = _need_counts(needs.sum(axis=0).astype(np.int64), n)
        missing = dict(zip(r["fields"], np.asarray(r["missing"]).sum(axis=0)))
        present = dict(zip(r["fields"], np.asarray(r["present"]).sum(axis=0)))
        cols = list(rs.fields) + [f for f in rs.optional_fields if present.get(f, 0) > 0]
        n_missing = pd.Series([int(missing.get(c, 0)) for c in cols], index=cols, name="n_missing", dtype=np.int64)
        return NeedsSummary(table=table, rules=rules_table, need_counts=need_counts, n_missing=n_missing, rule_set=rs)

    def __repr__(self) -> str:
        return f"needs.Accumulator({self.rows} interactions, {self.groups} group(s))"
