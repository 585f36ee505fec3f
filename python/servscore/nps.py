"""Net Promoter Score and other transactional survey metrics: CSAT, CES and mean scores.

Every metric is computed by the compiled core from a small, exactly mergeable
state: per group, the number of answers at each scale point, the missing answers
and (with survey weights) the sums of weights and squared weights
(:class:`ResponseCounts`). :class:`ResponseAccumulator` builds that state chunk by
chunk (``update``), merges partial states (``merge`` / ``+``) and serialises them
(``to_bytes`` / ``from_bytes``, pickling).

NPS (Reichheld 2003): on the 0-10 likelihood-to-recommend scale, promoters answer
9-10, passives 7-8 and detractors 0-6; NPS = 100 (P - D) / n. Intervals (Rocks 2016):
``wald`` (NPS +- z SE, SE from the per-respondent variance pP + pD - (pP - pD)^2),
``adjusted_wald`` (the default: add 3/4 promoter and 3/4 detractor to n + 3) and
``mover`` (Zou & Donner 2008: Wilson limits of both shares recombined with their
multinomial correlation). CSAT, CES and other ratings: top- and bottom-box shares with
Wilson intervals and the mean with a t interval. Survey weights enter through the
effective sample size (sum w)^2 / sum w^2 (Kish). Every number is an overridable
default of :class:`NpsConfig` or :class:`BoxConfig`.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import Mergeable
from ._core import BoxConfig, ConfigError, GroupedResponses, GroupKeys, InputError, NpsConfig, ResponseCounts
from ._input import factorize, factorize_columns, is_frame_like, is_label, label_list, relabel_rows, to_array, to_frame
from ._result import Result

__all__ = [
    "BoxConfig",
    "BoxResult",
    "NpsConfig",
    "NpsDiff",
    "NpsResult",
    "ResponseAccumulator",
    "ResponseCounts",
    "ces",
    "csat",
    "mean_score",
    "nps",
    "box_cutoffs",
    "nps_diff",
    "nps_paired",
    "nps_sample_size",
]

#: Default configuration per metric (every number overridable).
DEFAULTS: dict[str, dict[str, Any]] = {
    "nps": {},
    "csat": {"scale_min": 1, "scale_max": 5, "top_min": 4, "bottom_max": 2},
    "ces": {"scale_min": 1, "scale_max": 7, "top_min": 5, "bottom_max": 3},
    "mean": {"scale_min": 1, "scale_max": 5, "top_min": 4, "bottom_max": 2},
}
#: Column read from a DataFrame when ``column`` is not given.
DEFAULT_COLUMNS = {"nps": "nps", "csat": "csat", "ces": "ces", "mean": "score"}
_METHOD_LABELS = {"wald": "Wald", "adjusted_wald": "adjusted Wald", "mover": "MOVER (Wilson)"}
_EMPTY = ("error", "nan")


# ------------------------------------------------------------------ configuration


def _config(metric: str, config: Any, overrides: dict[str, Any]) -> Any:
    """The metric's configuration: its defaults, then ``config`` (object, dict, JSON text or file), then keywords."""
    cls = NpsConfig if metric == "nps" else BoxConfig
    base: dict[str, Any] = dict(DEFAULTS[metric])
    explicit: set[str] = set()  # keys the caller set (a config object sets them all)
    if config is not None:
        if isinstance(config, (NpsConfig, BoxConfig)):
            if not isinstance(config, cls):
                raise ConfigError(f"config: expected {cls.__name__} for {metric}, got {type(config).__name__}")
            base = config.to_dict()
            explicit.update(base)
        elif isinstance(config, dict):
            base.update(config)
            explicit.update(config)
        elif isinstance(config, str):
            text = config
            if not config.lstrip().startswith("{"):
                try:
                    with open(config, encoding="utf-8") as fh:
                        text = fh.read()
                except OSError as e:
                    raise ConfigError(f"config: {config!r} is neither a JSON object nor a readable file ({e})") from e
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as e:
                raise ConfigError(f"config: invalid JSON ({e})") from e
            if not isinstance(loaded, dict):
                raise ConfigError(f"config: expected a JSON object, got {type(loaded).__name__}")
            base.update(loaded)
            explicit.update(loaded)
        else:
            raise ConfigError(
                f"config: expected {cls.__name__}, a dict, JSON text or a file path; got {type(config).__name__}"
            )
    for k, v in overrides.items():
        if v is None:
            continue
        if k == "scale":
            try:
                lo, hi = v
            except (TypeError, ValueError) as e:
                raise ConfigError(f"scale: expected (scale_min, scale_max), got {v!r}") from e
            base["scale_min"], base["scale_max"] = int(lo), int(hi)
        else:
            base[k] = v
        explicit.add(k)
    _cutoffs_for_scale(metric, base, explicit)
    return cls.from_dict(base)


def _cutoffs_for_scale(metric: str, base: dict[str, Any], explicit: set[str]) -> None:
    """Cut-offs that follow the scale: a box metric on another scale than its default gets the
    points above / below the scale's midpoint (:func:`box_cutoffs`) for the cut-offs not given;
    an NPS on another scale than 0-10 needs both of its cut-offs."""
    default = DEFAULTS[metric] if metric != "nps" else {"scale_min": 0, "scale_max": 10}
    try:
        lo, hi = int(base.get("scale_min", default["scale_min"])), int(base.get("scale_max", default["scale_max"]))
    except (TypeError, ValueError):
        return  # the configuration reports the bad value
    if (lo, hi) == (default["scale_min"], default["scale_max"]):
        return
    if metric == "nps":
        missing = [k for k in ("promoter_min", "detractor_max") if k not in explicit]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)}: required for an NPS on the scale {lo}-{hi} (the defaults 9 and 6 are "
                "the cut-offs of the 0-10 scale); pass promoter_min= and detractor_max="
            )
        return
    bottom, top = box_cutoffs(lo, hi)
    if "top_min" not in explicit:
        base["top_min"] = top if "bottom_max" not in explicit else max(top, int(base["bottom_max"]) + 1)
    if "bottom_max" not in explicit:
        base["bottom_max"] = min(bottom, int(base["top_min"]) - 1)


def box_cutoffs(scale_min: int, scale_max: int) -> tuple[int, int]:
    """Default box cut-offs of a rating scale: ``(bottom_max, top_min)``.

    The points above the scale's midpoint form the top box and the points below it the bottom
    box: 1-5 gives top 4-5 and bottom 1-2 (the CSAT top-2-box), 1-7 gives 5-7 and 1-3 (CES),
    1-10 gives 6-10 and 1-5, 0-10 gives 6-10 and 0-4. :func:`csat`, :func:`ces` and
    :func:`mean_score` use them for a ``scale`` other than their default when ``top_min`` /
    ``bottom_max`` are not given.

    Examples
    --------
    >>> import servscore as ss
    >>> ss.box_cutoffs(1, 10), ss.box_cutoffs(1, 5)
    ((5, 6), (2, 4))
    """
    bottom, top = _core.box_cutoffs(int(scale_min), int(scale_max))
    return int(bottom), int(top)


# ------------------------------------------------------------------ input


@dataclasses.dataclass
class _Prepared:
    scores: np.ndarray
    codes: np.ndarray | None
    keys: pd.Index | None
    group_keys: Any  # GroupKeys of the codes (None without groups)
    weights: np.ndarray | None
    index: pd.Index
    what: str


def _scores_array(s: Any, what: str) -> np.ndarray:
    if isinstance(s, np.ndarray) and s.ndim == 1 and s.dtype == np.int8:
        return np.ascontiguousarray(s)
    if isinstance(s, pd.Series) and s.dtype == np.int8:
        return np.ascontiguousarray(s.to_numpy())
    dtype = getattr(s, "dtype", None)
    if dtype is not None and (pd.api.types.is_bool_dtype(dtype) or str(dtype) in ("bool", "boolean", "Boolean")):
        raise InputError(f"{what} holds booleans ({dtype}); expected scores on the rating scale")
    try:
        return to_array(s, name=what)
    except InputError as e:  # to_array names its input as a column: name it once, as every other error here
        raise InputError(str(e).replace(f"column {what!r}", what, 1)) from None


def _is_names(by: Any, frame: pd.DataFrame | None = None) -> bool:
    """True when ``by`` names columns: a str or any label of ``frame``, or a list / tuple of them."""
    if is_label(frame, by):
        return True
    if not (isinstance(by, (list, tuple)) and len(by) > 0 and all(is_label(frame, b) for b in by)):
        return False
    # non-text labels as many as the rows are more likely one group value per row
    return all(isinstance(b, str) for b in by) or frame is None or len(by) != len(frame)


def _n_rows(data: Any) -> int | None:
    """Rows of a batch (arrays, Series, lists, pandas / polars / Arrow tables), None if unknown."""
    if isinstance(data, np.ndarray):
        return int(data.shape[0]) if data.ndim else None
    try:
        return len(data)
    except TypeError:
        return None


def _prepare(data: Any, *, column: Any, by: Any, weights: Any, metric: str, workers: int = 1) -> _Prepared:
    frame: pd.DataFrame | None = None
    if is_frame_like(data):
        frame = to_frame(data)
        col = DEFAULT_COLUMNS[metric] if column is None else column
        if not is_label(frame, col) or col not in frame.columns:
            available = ", ".join(map(str, frame.columns[:30]))
            raise InputError(f"data: no column {col!r}; columns present: {available} (pass column=...)")
        series: Any = frame[col]
        what = f"column {col!r}"
        index = frame.index
    else:
        series = data
        name = getattr(data, "name", None)
        what = f"column {name!r}" if isinstance(data, pd.Series) and name is not None else "scores"
        index = (
            data.index if isinstance(data, pd.Series) else pd.RangeIndex(len(data) if hasattr(data, "__len__") else 0)
        )
    arr = _scores_array(series, what)
    n = len(arr)
    if n == 0:
        raise InputError(f"{what}: the input is empty (0 rows)")
    if len(index) != n:
        index = pd.RangeIndex(n)
    codes: np.ndarray | None = None
    keys: pd.Index | None = None
    gkeys: Any = None
    if by is not None:
        if isinstance(by, str) and frame is None:
            raise InputError(f"by: column name {by!r} needs a DataFrame as data; pass the group values instead")
        if frame is not None and _is_names(by, frame):
            codes, gkeys, keys = factorize(frame, label_list(frame, by), workers=workers)
        else:
            parts = (
                list(by)
                if isinstance(by, (list, tuple))
                and len(by) > 0
                and hasattr(by[0], "__len__")
                and not isinstance(by[0], str)
                else [by]
            )
            cols: dict[str, Any] = {}
            for i, p in enumerate(parts):
                values = p if _is_column(p) else np.asarray(p, dtype=object)
                if getattr(values, "ndim", 1) != 1 or len(values) != n:
                    shape = len(values) if getattr(values, "ndim", 1) == 1 else values.shape
                    raise InputError(f"by: {shape} values for {n} scores")
                pname = getattr(p, "name", None)  # pandas and polars Series carry a name
                label = pname if isinstance(pname, str) and pname else f"group{i}" if len(parts) > 1 else "group"
                if isinstance(pname, str) and pname in cols:
                    label = f"{pname}{i}"
                cols[str(label)] = values
            codes, gkeys, keys = factorize_columns(list(cols.values()), list(cols), workers=workers)
    w: np.ndarray | None = None
    if weights is not None:
        if isinstance(weights, str) or is_label(frame, weights):
            if frame is None:
                raise InputError(f"weights: column name {weights!r} needs a DataFrame as data")
            if weights not in frame.columns:
                raise InputError(f"weights: no column {weights!r}")
            w = to_array(frame[weights], name=f"weights column {weights!r}")
        else:
            w = to_array(weights, name="weights")
        if len(w) != n:
            raise InputError(f"weights: {len(w)} values for {n} scores")
    return _Prepared(arr, codes, keys, gkeys, w, index, what)


def _is_column(p: Any) -> bool:
    """A column of group values the key factorisation reads in place (numpy, pandas, polars, Arrow)."""
    if isinstance(p, (pd.Series, np.ndarray)):
        return True
    mod = type(p).__module__
    return (mod.startswith("polars") and type(p).__name__ == "Series") or (
        mod.startswith("pyarrow") and hasattr(p, "type")
    )


def _count(p: _Prepared, scale_min: int, scale_max: int, workers: int) -> ResponseCounts:
    n_groups = 1 if p.keys is None else len(p.keys)
    try:
        return _core.count_responses(p.scores, scale_min, scale_max, p.codes, n_groups, p.weights, int(workers), p.what)
    except InputError as e:
        raise relabel_rows(e, p.index) from None


def _check_empty(table: pd.DataFrame, empty: str, what: str) -> None:
    if empty not in _EMPTY:
        raise ConfigError(f"empty: {empty!r}; expected one of {list(_EMPTY)}")
    if empty == "nan":
        return
    bad = table.index[~(table["n_eff"] > 0)]
    if len(bad):
        g = bad[0]
        miss = int(table.loc[g, "n_missing"])
        where = f"{what}: group {g!r}" if not (len(table) == 1 and g == "all") else what
        raise InputError(
            f"{where} has no valid answers ({int(table.loc[g, 'n'])} answered, {miss} missing); "
            f"{len(bad)} such group(s); pass empty='nan' to keep them as NaN"
        )


def _group_index(keys: pd.Index | None) -> pd.Index:
    return keys if keys is not None else pd.Index(["all"], name="group")


# ------------------------------------------------------------------ sample designs


def _design_column(data: Any, v: Any, n: int, name: str) -> pd.Series:
    """A design variable (column name of the DataFrame, or values as long as the scores) as a Series."""
    if is_frame_like(data) and is_label(to_frame(data) if not isinstance(data, pd.DataFrame) else data, v):
        frame = data if isinstance(data, pd.DataFrame) else to_frame(data)
        if v not in frame.columns:
            raise InputError(f"{name}: no column {v!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
        return pd.Series(frame[v].to_numpy(), name=v)
    if isinstance(v, str):
        raise InputError(f"{name}: column name {v!r} needs a DataFrame as data; pass the values instead")
    values = v.to_numpy() if isinstance(v, pd.Series) else np.asarray(v, dtype=object)
    if values.ndim != 1 or len(values) != n:
        raise InputError(f"{name}: {len(values) if values.ndim == 1 else values.shape} values for {n} scores")
    return pd.Series(values, name=name)


def _codes(s: pd.Series, name: str, index: pd.Index) -> np.ndarray:
    codes, _ = pd.factorize(s, use_na_sentinel=True)
    if (codes < 0).any():
        pos = int(np.flatnonzero(codes < 0)[0])
        raise InputError(f"{name}: row {_row_label(index, pos)!r} has no value; every row needs its {name} label")
    return np.ascontiguousarray(codes, dtype=np.int32)


def _row_label(index: pd.Index, pos: int) -> Any:
    label = index[pos] if pos < len(index) else pos
    return label.item() if isinstance(label, np.generic) else label


@dataclasses.dataclass
class _Design:
    weights: np.ndarray
    strata: np.ndarray | None
    clusters: np.ndarray | None
    fpc: np.ndarray | None
    labels: Any  # stratum labels by code


def _design(data: Any, p: _Prepared, strata: Any, clusters: Any, fpc: Any) -> _Design:
    """The sample design of the rows: strata, clusters (PSUs) and the finite population correction."""
    n = len(p.scores)
    w = np.ones(n) if p.weights is None else np.ascontiguousarray(p.weights, dtype=np.float64)
    h = c = f = None
    labels: Any = np.array(["all"], dtype=object)
    if strata is not None:
        sh = _design_column(data, strata, n, "strata")
        h = _codes(sh, "strata", p.index)
        labels = pd.unique(sh)
    if clusters is not None:
        c = _codes(_design_column(data, clusters, n, "clusters"), "clusters", p.index)
    if fpc is not None:
        sf = _design_column(data, fpc, n, "fpc")
        v = to_array(sf, name="fpc")
        bad = ~(np.isfinite(v) & (v > 0))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"fpc, row {_row_label(p.index, pos)!r}: value {v[pos]!r}; expected a sampling fraction in (0, 1]"
                " or a population count of PSUs"
            )
        codes = h if h is not None else np.zeros(n, dtype=np.int32)
        f = np.zeros(int(codes.max()) + 1)
        for k in range(len(f)):
            vals = np.unique(v[codes == k])
            if len(vals) != 1:
                raise InputError(
                    f"fpc: stratum {labels[k]!r} has {len(vals)} different values ({vals[:3].tolist()}); "
                    "expected one value per stratum"
                )
            f[k] = vals[0]
    if c is not None or h is not None:  # a stratum with a single PSU has no variance estimate
        hh = h if h is not None else np.zeros(n, dtype=np.int32)
        cc = c if c is not None else np.arange(n, dtype=np.int32)
        psus = pd.DataFrame({"h": hh, "c": cc}).drop_duplicates().groupby("h").size()
        lonely = psus.index[psus.to_numpy() < 2]
        if len(lonely):
            raise InputError(
                f"strata: stratum {labels[int(lonely[0])]!r} has a single PSU; its variance cannot be estimated "
                "(as R survey's lonely.psu = 'fail'); merge it with a neighbouring stratum"
            )
    return _Design(w, h, c, f, labels)


def _design_means(y: np.ndarray, p: _Prepared, d: _Design) -> dict[str, Any]:
    n_groups = 1 if p.keys is None else len(p.keys)
    groups = None if p.codes is None else np.ascontiguousarray(p.codes, dtype=np.int32)
    return dict(
        _core.design_means(
            np.ascontiguousarray(y, dtype=np.float64), d.weights, groups, n_groups, d.strata, d.clusters, d.fpc
        )
    )


def _scores_float(p: _Prepared) -> np.ndarray:
    return np.asarray(p.scores, dtype=np.float64)


def _nps_design(table: pd.DataFrame, p: _Prepared, d: _Design, cfg: NpsConfig) -> pd.DataFrame:
    x = _scores_float(p)
    y = np.where(x >= cfg.promoter_min, 100.0, np.where(x <= cfg.detractor_max, -100.0, 0.0))
    y[np.isnan(x)] = np.nan
    r = _design_means(y[:, None], p, d)
    z = float(_core.normal_quantile(0.5 + cfg.level / 2))
    out = table.copy()
    se = r["se"][:, 0]
    out["se_design"] = se
    out["lower_design"] = out["nps"].to_numpy() - z * se
    out["upper_design"] = out["nps"].to_numpy() + z * se
    out["df_design"] = int(r["df"])
    return out


def _box_design(table: pd.DataFrame, p: _Prepared, d: _Design, cfg: BoxConfig) -> pd.DataFrame:
    x = _scores_float(p)
    y = np.column_stack([x, (x >= cfg.top_min).astype(float), (x <= cfg.bottom_max).astype(float)])
    y[np.isnan(x), :] = np.nan
    r = _design_means(y, p, d)
    out = table.copy()
    out["mean_se_design"] = r["se"][:, 0]
    out["top_se_design"] = r["se"][:, 1]
    out["bottom_se_design"] = r["se"][:, 2]
    out["df_design"] = int(r["df"])
    return out


def _wants_design(strata: Any, clusters: Any, fpc: Any, design: bool) -> bool:
    if not isinstance(design, bool):
        raise ConfigError(f"design: expected True or False, got {design!r}")
    return design or strata is not None or clusters is not None or fpc is not None


# ------------------------------------------------------------------ results


def _lang(lang: str | None) -> str:
    from .model import get_language

    return str(lang or get_language())


_TEXT = {
    "en": {
        "detractors": "Detractors",
        "passives": "Passives",
        "promoters": "Promoters",
        "answers": "Answers",
        "score": "Score",
        "nps": "NPS",
        "bottom": "Bottom box",
        "middle": "Middle",
        "top": "Top box",
        "share": "Share (%)",
        "mean": "Mean",
    },
    "zh": {
        "detractors": "贬损者",
        "passives": "被动者",
        "promoters": "推荐者",
        "answers": "回答数",
        "score": "评分",
        "nps": "净推荐值 NPS",
        "bottom": "底部选项",
        "middle": "中间",
        "top": "顶部选项",
        "share": "占比 (%)",
        "mean": "均值",
    },
}
#: Colours of detractors, passives and promoters (Okabe-Ito).
NPS_COLOURS = {"detractors": "#D55E00", "passives": "#999999", "promoters": "#009E73"}


def _forest(ax: Any, labels: list[str], est: np.ndarray, lo: np.ndarray, hi: np.ndarray, xlabel: str) -> Any:
    y = np.arange(len(labels))
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color="#0072B2", ecolor="0.3", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="0.9")
    return ax


def _setup_plot(ax: Any, lang: str | None, size: tuple[float, float]) -> tuple[Any, dict[str, str]]:
    from .plotting import require_matplotlib, use_language_fonts

    plt = require_matplotlib()
    lg = _lang(lang)
    use_language_fonts(lg)
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax, _TEXT.get(lg, _TEXT["en"])


@dataclasses.dataclass(frozen=True, repr=False)
class NpsResult(Result):
    """The NPS, per group or overall.

    Attributes
    ----------
    table
        One row per group (a single row ``all`` without groups): ``n`` (valid answers),
        ``n_missing``, ``n_eff`` (effective n; n when unweighted), the counts and
        (weighted) shares of ``promoters``, ``passives`` and ``detractors``, ``nps``
        (points, -100..100), ``se`` (Wald standard error, points), ``lower`` and ``upper``
        (interval by ``config.method`` at ``config.level``).
    distribution
        Groups x scale points: number of answers at each point.
    config
        The :class:`NpsConfig` used.
    """

    table: pd.DataFrame
    distribution: pd.DataFrame
    config: NpsConfig

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def _one(self, col: str) -> Any:
        s = self.table[col]
        return float(s.iloc[0]) if len(s) == 1 and self.table.index[0] == "all" else s

    @property
    def grouped(self) -> bool:
        """Whether the result has one row per group."""
        return not (len(self.table) == 1 and self.table.index[0] == "all" and self.table.index.name == "group")

    @property
    def nps(self) -> Any:
        """The NPS (a float, or a Series per group)."""
        return self._one("nps")

    @property
    def lower(self) -> Any:
        """Lower limit of the interval."""
        return self._one("lower")

    @property
    def upper(self) -> Any:
        """Upper limit of the interval."""
        return self._one("upper")

    @property
    def se(self) -> Any:
        """Wald standard error in points."""
        return self._one("se")

    def _summary_lines(self) -> list[str]:
        c = self.config
        how = f"{_METHOD_LABELS.get(c.method, c.method)} {100 * c.level:g}%"
        t = self.table
        if not self.grouped:
            r = t.iloc[0]
            return [
                f"NPS {r['nps']:.1f} [{r['lower']:.1f}, {r['upper']:.1f}] ({how}), n = {int(r['n'])}"
                + (f" (effective {r['n_eff']:.1f})" if abs(r["n_eff"] - r["n"]) > 1e-9 else "")
                + f", {int(r['n_missing'])} missing",
                f"promoters {100 * r['share_promoters']:.1f}%, passives {100 * r['share_passives']:.1f}%, "
                f"detractors {100 * r['share_detractors']:.1f}% "
                f"(promoters >= {c.promoter_min}, detractors <= {c.detractor_max} on {c.scale_min}-{c.scale_max})",
            ] + self._notes()
        ok = t["nps"].dropna()
        lines = [
            f"{len(t)} groups, {int(t['n'].sum())} answers, {int(t['n_missing'].sum())} missing ({how}); "
            f"promoters >= {c.promoter_min}, detractors <= {c.detractor_max} on {c.scale_min}-{c.scale_max}"
        ]
        if len(ok):
            lines.append(f"NPS from {ok.min():.1f} ({ok.idxmin()}) to {ok.max():.1f} ({ok.idxmax()})")
        return lines + self._notes()

    def _notes(self) -> list[str]:
        t, out = self.table, []
        if "se_design" in t.columns:
            se = t["se_design"]
            first = f"{float(se.iloc[0]):.2f}" if len(t) == 1 else f"{se.min():.2f} to {se.max():.2f}"
            out.append(f"design-based SE {first} (Taylor linearisation, {int(t['df_design'].iloc[0])} df)")
        if "clipped" in t.columns and bool(t["clipped"].any()):
            out.append(f"interval cut at +-100 in {int(t['clipped'].sum())} row(s) (adjusted Wald; column clipped)")
        if "extended" in t.columns and bool(t["extended"].any()):
            out.append(
                f"interval widened to contain the NPS in {int(t['extended'].sum())} row(s) "
                "(few answers at one end; column extended)"
            )
        return out

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """The answer distribution coloured detractor / passive / promoter with the NPS and its
        interval; for a grouped result a forest plot of the NPS per group. Returns the Axes."""
        if self.grouped:
            ax, tx = _setup_plot(ax, lang, (6.5, 0.45 * len(self.table) + 1.5))
            t = self.table
            _forest(
                ax,
                [str(i) for i in t.index],
                t["nps"].to_numpy(),
                t["lower"].to_numpy(),
                t["upper"].to_numpy(),
                tx["nps"],
            )
            ax.axvline(0, color="0.6", lw=0.8)
            return ax
        ax, tx = _setup_plot(ax, lang, (7, 4))
        c = self.config
        points = np.arange(c.scale_min, c.scale_max + 1)
        counts = self.distribution.iloc[0].to_numpy()
        colours = [
            NPS_COLOURS["promoters"]
            if p >= c.promoter_min
            else NPS_COLOURS["detractors"]
            if p <= c.detractor_max
            else NPS_COLOURS["passives"]
            for p in points
        ]
        ax.bar(points, counts, color=colours, **kwargs)
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=NPS_COLOURS[k], label=tx[k]) for k in ("detractors", "passives", "promoters")],
            fontsize="small",
            loc="upper left",
        )
        ax.set_xticks(points)
        ax.set_xlabel(tx["score"])
        ax.set_ylabel(tx["answers"])
        r = self.table.iloc[0]
        ax.set_title(f"{tx['nps']} {r['nps']:.1f} [{r['lower']:.1f}, {r['upper']:.1f}]")
        return ax


@dataclasses.dataclass(frozen=True, repr=False)
class BoxResult(Result):
    """Box shares and mean of a rating (CSAT, CES, any mean score), per group or overall.

    Attributes
    ----------
    metric
        ``"csat"``, ``"ces"`` or ``"mean"``: which figure the summary leads with (the top-box
        share for CSAT, the mean otherwise).
    table
        One row per group: ``n``, ``n_missing``, ``n_eff``, ``top`` (count), ``top_share``
        with Wilson limits ``top_lower`` / ``top_upper``, the same for ``bottom``, ``mean``,
        ``sd`` and the t interval ``mean_lower`` / ``mean_upper``. Shares are fractions.
    distribution
        Groups x scale points: number of answers at each point.
    config
        The :class:`BoxConfig` used.
    """

    metric: str
    table: pd.DataFrame
    distribution: pd.DataFrame
    config: BoxConfig

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    @property
    def grouped(self) -> bool:
        """Whether the result has one row per group."""
        return not (len(self.table) == 1 and self.table.index[0] == "all" and self.table.index.name == "group")

    @property
    def value(self) -> Any:
        """The headline figure: top-box share (CSAT) or mean (CES, mean score); float or Series."""
        s = self.table["top_share" if self.metric == "csat" else "mean"]
        return s if self.grouped else float(s.iloc[0])

    def _summary_lines(self) -> list[str]:
        c = self.config
        t = self.table
        name = {"csat": "CSAT", "ces": "CES", "mean": "mean score"}[self.metric]
        box = f"top box {c.top_min}-{c.scale_max} of {c.scale_min}-{c.scale_max}"
        if self.grouped:
            col = "top_share" if self.metric == "csat" else "mean"
            ok = t[col].dropna()
            lines = [
                f"{name}: {len(t)} groups, {int(t['n'].sum())} answers, {int(t['n_missing'].sum())} missing; "
                f"{box}, bottom box <= {c.bottom_max}"
            ]
            if len(ok):

                def f(v: float) -> str:
                    return f"{100 * v:.1f}%" if self.metric == "csat" else f"{v:.2f}"

                lines.append(f"{col} from {f(ok.min())} ({ok.idxmin()}) to {f(ok.max())} ({ok.idxmax()})")
            return lines + self._design_note()
        r = t.iloc[0]
        top = f"{100 * r['top_share']:.1f}% [{100 * r['top_lower']:.1f}, {100 * r['top_upper']:.1f}]"
        mean = f"{r['mean']:.2f} [{r['mean_lower']:.2f}, {r['mean_upper']:.2f}]"
        lead = f"{name} {top} ({box}, Wilson)" if self.metric == "csat" else f"{name} {mean} (mean, t interval)"
        other = f"mean {mean}" if self.metric == "csat" else f"{box}: {top}"
        return [
            f"{lead}, n = {int(r['n'])}, {int(r['n_missing'])} missing",
            f"{other}; bottom box {c.scale_min}-{c.bottom_max}: {100 * r['bottom_share']:.1f}%",
        ] + self._design_note()

    def _design_note(self) -> list[str]:
        t = self.table
        if "mean_se_design" not in t.columns:
            return []
        r = t.iloc[0]
        what = "" if len(t) == 1 else " (first group)"
        return [
            f"design-based SE{what}: mean {r['mean_se_design']:.4f}, top share {r['top_se_design']:.4f}, "
            f"bottom share {r['bottom_se_design']:.4f} (Taylor linearisation, {int(r['df_design'])} df)"
        ]

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """The answer distribution coloured bottom / middle / top box; grouped: a forest plot of
        the headline figure per group. Returns the Axes."""
        c = self.config
        if self.grouped:
            ax, tx = _setup_plot(ax, lang, (6.5, 0.45 * len(self.table) + 1.5))
            t = self.table
            if self.metric == "csat":
                cols, scale, label = ("top_share", "top_lower", "top_upper"), 100.0, tx["top"] + " (%)"
            else:
                cols, scale, label = ("mean", "mean_lower", "mean_upper"), 1.0, tx["mean"]
            est, lo, hi = (scale * t[k].to_numpy() for k in cols)
            return _forest(ax, [str(i) for i in t.index], est, lo, hi, label)
        ax, tx = _setup_plot(ax, lang, (6, 4))
        points = np.arange(c.scale_min, c.scale_max + 1)
        counts = self.distribution.iloc[0].to_numpy()
        colours = [
            NPS_COLOURS["promoters"]
            if p >= c.top_min
            else NPS_COLOURS["detractors"]
            if p <= c.bottom_max
            else NPS_COLOURS["passives"]
            for p in points
        ]
        ax.bar(points, counts, color=colours, **kwargs)
        ax.set_xticks(points)
        ax.set_xlabel(tx["score"])
        ax.set_ylabel(tx["answers"])
        ax.set_title(self._summary_lines()[0].split(", n =")[0])
        return ax


@dataclasses.dataclass(frozen=True, repr=False)
class NpsDiff(Result):
    """Signed difference ``a - b`` of two NPS with its interval and a two-sided p-value.

    ``difference``, ``se``, ``lower`` and ``upper`` are in NPS points; ``z`` is the Wald
    statistic and ``p_value`` its two-sided normal p-value; ``a`` and ``b`` are the two
    :class:`NpsResult` s.
    """

    difference: float
    se: float
    lower: float
    upper: float
    z: float
    p_value: float
    a: NpsResult
    b: NpsResult
    config: NpsConfig
    clipped: bool = False
    extended: bool = False
    paired: bool = False

    def to_frame(self) -> pd.DataFrame:
        """One row: both NPS, the difference, its interval, z and p."""
        ra, rb = self.a.table.iloc[0], self.b.table.iloc[0]
        return pd.DataFrame(
            {
                "nps_a": [ra["nps"]],
                "nps_b": [rb["nps"]],
                "n_a": [int(ra["n"])],
                "n_b": [int(rb["n"])],
                "difference": [self.difference],
                "se": [self.se],
                "lower": [self.lower],
                "upper": [self.upper],
                "z": [self.z],
                "p_value": [self.p_value],
            },
            index=pd.Index(["a - b"], name="comparison"),
        )

    def _summary_lines(self) -> list[str]:
        c = self.config
        how = f"{_METHOD_LABELS.get(c.method, c.method)} {100 * c.level:g}%"
        if self.paired:
            how = f"paired, Wald {100 * c.level:g}%, SE of the score differences"
        lines = [
            f"NPS a - b = {self.difference:+.1f} [{self.lower:+.1f}, {self.upper:+.1f}] ({how}), "
            f"z = {self.z:.2f}, p = {self.p_value:.3g}",
            f"promoters >= {c.promoter_min}, detractors <= {c.detractor_max} on {c.scale_min}-{c.scale_max}",
        ]
        if self.clipped:
            lines.append("interval cut at +-200 (adjusted Wald)")
        if self.extended:
            lines.append("interval widened to contain the difference")
        return lines

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """Forest plot of the two NPS and their difference; returns the Axes."""
        ax, tx = _setup_plot(ax, lang, (6.5, 2.4))
        ra, rb = self.a.table.iloc[0], self.b.table.iloc[0]
        est = np.array([ra["nps"], rb["nps"], self.difference])
        lo = np.array([ra["lower"], rb["lower"], self.lower])
        hi = np.array([ra["upper"], rb["upper"], self.upper])
        _forest(ax, ["a", "b", "a - b"], est, lo, hi, tx["nps"])
        ax.axvline(0, color="0.6", lw=0.8)
        return ax


def _nps_result(counts: ResponseCounts, keys: pd.Index | None, cfg: NpsConfig, empty: str, what: str) -> NpsResult:
    est = _core.nps_estimates(counts, cfg)
    index = _group_index(keys)
    table = pd.DataFrame(est, index=index)
    _check_empty(table, empty, what)
    dist = pd.DataFrame(counts.counts, index=index, columns=list(range(cfg.scale_min, cfg.scale_max + 1)))
    return NpsResult(table=table, distribution=dist, config=cfg)


def _box_result(
    metric: str, counts: ResponseCounts, keys: pd.Index | None, cfg: BoxConfig, empty: str, what: str
) -> BoxResult:
    est = _core.box_estimates(counts, cfg)
    index = _group_index(keys)
    table = pd.DataFrame(est, index=index)
    _check_empty(table, empty, what)
    dist = pd.DataFrame(counts.counts, index=index, columns=list(range(cfg.scale_min, cfg.scale_max + 1)))
    return BoxResult(metric=metric, table=table, distribution=dist, config=cfg)


# ------------------------------------------------------------------ functions


def nps(
    scores: Any,
    *,
    method: str | None = None,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    promoter_min: int | None = None,
    detractor_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    design: bool = False,
    workers: int = 1,
) -> NpsResult:
    """Net Promoter Score with an interval, overall or per group.

    Parameters
    ----------
    scores
        Answers (0-10 by default): a numpy array (``int8`` takes the fastest path), list,
        pandas / polars Series or Arrow array; or a DataFrame, read from ``column``
        (default ``"nps"``). Missing answers (NaN, None, ``pd.NA``) are counted in
        ``n_missing``, never used.
    method
        ``"adjusted_wald"`` (default), ``"wald"`` or ``"mover"``.
    level
        Confidence level (default 0.95).
    weights
        Survey weights (array, or a column name with a DataFrame); finite and >= 0.
        Shares are weighted; intervals use the effective n = (sum w)^2 / sum w^2.
    by
        Group by: column name(s) of the DataFrame, or one array (or a list of arrays) of
        group values as long as ``scores``. Missing keys form their own group.
    column
        The score column of a DataFrame.
    config
        :class:`NpsConfig`, a dict of its keys, JSON text or a JSON file; the keywords
        ``method``, ``level``, ``promoter_min``, ``detractor_max`` and ``scale``
        (``(min, max)``) override it.
    empty
        A group without valid answers: ``"error"`` (default, an :class:`InputError` naming
        it) or ``"nan"`` (kept with NaN estimates).
    strata, clusters, fpc
        The sample design (column names of the DataFrame, or values per row): strata, the
        primary sampling units (clusters, nested in the strata) and the finite population
        correction (per row, one value per stratum: a sampling fraction in (0, 1] or the
        population count of PSUs), as ``survey::svydesign(id=~clusters, strata=~strata,
        weights=~w, fpc=~fpc)``. Any of them adds the design-based (Taylor-linearised)
        standard error of the NPS, the mean of the +100 / 0 / -100 scores, as
        ``survey::svymean`` (``svyby`` per group): columns ``se_design``, ``lower_design``,
        ``upper_design`` (normal, NPS +- z SE) and ``df_design`` (PSUs - strata).
    design
        ``True`` adds the design columns for a design of ``weights`` alone (every respondent
        its own PSU, ``svydesign(id=~1, weights=~w)``).
    workers
        Threads for counting (``<= 0``: all cores); results do not depend on it.

    Returns
    -------
    NpsResult

    Raises
    ------
    InputError
        An answer outside the scale or not a whole number (naming the column, row and
        value), a negative weight, lengths that differ, an empty input or group.
    ConfigError
        An invalid configuration (e.g. ``detractor_max >= promoter_min``).

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> answers = np.repeat([10, 8, 3], [250, 675, 75]).astype(np.int8)
    >>> r = ss.nps(answers, method="wald")
    >>> round(r.nps, 2), round(r.lower, 2), round(r.upper, 2)
    (17.5, 14.14, 20.86)
    """
    cfg = _config(
        "nps",
        config,
        {
            "method": method,
            "level": level,
            "promoter_min": promoter_min,
            "detractor_max": detractor_max,
            "scale": scale,
        },
    )
    p = _prepare(scores, column=column, by=by, weights=weights, metric="nps", workers=workers)
    counts = _count(p, cfg.scale_min, cfg.scale_max, workers)
    r = _nps_result(counts, p.keys, cfg, empty, p.what)
    if not _wants_design(strata, clusters, fpc, design):
        return r
    table = _nps_design(r.table, p, _design(scores, p, strata, clusters, fpc), cfg)
    return dataclasses.replace(r, table=table)


def _box(
    metric: str,
    scores: Any,
    *,
    level: float | None,
    weights: Any,
    by: Any,
    column: Any,
    config: Any,
    top_min: int | None,
    bottom_max: int | None,
    scale: tuple[int, int] | None,
    empty: str,
    workers: int,
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    design: bool = False,
) -> BoxResult:
    cfg = _config(metric, config, {"level": level, "top_min": top_min, "bottom_max": bottom_max, "scale": scale})
    p = _prepare(scores, column=column, by=by, weights=weights, metric=metric, workers=workers)
    counts = _count(p, cfg.scale_min, cfg.scale_max, workers)
    r = _box_result(metric, counts, p.keys, cfg, empty, p.what)
    if not _wants_design(strata, clusters, fpc, design):
        return r
    table = _box_design(r.table, p, _design(scores, p, strata, clusters, fpc), cfg)
    return dataclasses.replace(r, table=table)


def csat(
    scores: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    design: bool = False,
    workers: int = 1,
) -> BoxResult:
    """Customer satisfaction (CSAT): the top-box share with a Wilson interval, and the mean.

    Defaults: a 1-5 scale, top box 4-5 (top-2-box), bottom box 1-2; every number can be
    changed (``top_min``, ``bottom_max``, ``scale``, ``level`` or ``config``). On another
    ``scale`` the cut-offs not given follow it (:func:`box_cutoffs`: the points above and below
    the midpoint; ``scale=(1, 10)`` gives top 6-10, bottom 1-5); the summary prints them. The
    other parameters are those of :func:`nps` (DataFrame column default ``"csat"``); with a
    sample design (``strata``, ``clusters``, ``fpc`` or ``design=True``) the table adds the
    linearised standard errors ``mean_se_design``, ``top_se_design``, ``bottom_se_design``
    (as ``survey::svymean`` of the answer and of the 0/1 box indicators) and ``df_design``.

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.csat([5, 4, 4, 3, 2, 5, None])
    >>> round(r.value, 4), int(r.table["n_missing"].iloc[0])
    (0.6667, 1)
    """
    return _box(
        "csat",
        scores,
        level=level,
        weights=weights,
        by=by,
        column=column,
        config=config,
        top_min=top_min,
        bottom_max=bottom_max,
        scale=scale,
        empty=empty,
        workers=workers,
        strata=strata,
        clusters=clusters,
        fpc=fpc,
        design=design,
    )


def ces(
    scores: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    design: bool = False,
    workers: int = 1,
) -> BoxResult:
    """Customer effort score (CES): the mean with a t interval, and the "easy" top-box share.

    Defaults: the CES 2.0 agreement scale 1-7 ("the company made it easy to handle my
    issue"), top box 5-7, bottom box 1-3. Parameters as :func:`csat` (column ``"ces"``).

    Examples
    --------
    >>> import servscore as ss
    >>> round(ss.ces([7, 6, 5, 2]).value, 2)
    5.0
    """
    return _box(
        "ces",
        scores,
        level=level,
        weights=weights,
        by=by,
        column=column,
        config=config,
        top_min=top_min,
        bottom_max=bottom_max,
        scale=scale,
        empty=empty,
        workers=workers,
        strata=strata,
        clusters=clusters,
        fpc=fpc,
        design=design,
    )


def mean_score(
    scores: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    design: bool = False,
    workers: int = 1,
) -> BoxResult:
    """Mean of any whole-number rating with a t interval, plus box shares (default scale 1-5).

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.mean_score([1, 2, 3, 4, 5, 6, 7], scale=(1, 7))
    >>> r.value
    4.0
    """
    return _box(
        "mean",
        scores,
        level=level,
        weights=weights,
        by=by,
        column=column,
        config=config,
        top_min=top_min,
        bottom_max=bottom_max,
        scale=scale,
        empty=empty,
        workers=workers,
        strata=strata,
        clusters=clusters,
        fpc=fpc,
        design=design,
    )


def nps_diff(
    a: Any,
    b: Any,
    *,
    method: str | None = None,
    level: float | None = None,
    weights_a: Any = None,
    weights_b: Any = None,
    column: Any = None,
    config: Any = None,
    promoter_min: int | None = None,
    detractor_max: int | None = None,
    scale: tuple[int, int] | None = None,
    workers: int = 1,
) -> NpsDiff:
    """Signed difference of two independent NPS, ``a - b``, with an interval and p-value.

    ``a`` and ``b`` are answers (as for :func:`nps`) or ungrouped :class:`NpsResult` s.
    SE = 100 sqrt(v_a / n_a + v_b / n_b) with the per-respondent variances and the
    effective sample sizes; the p-value is two-sided from z = difference / SE (normal).
    The interval follows ``method``: Wald, adjusted Wald (each sample adjusted as for one
    NPS) or MOVER (the single-sample MOVER limits recombined).

    Examples
    --------
    >>> import servscore as ss
    >>> d = ss.nps_diff([10] * 60 + [5] * 40, [10] * 40 + [5] * 60, method="wald")
    >>> round(d.difference, 1), round(d.p_value, 4)
    (40.0, 0.0039)
    """
    cfg = _config(
        "nps",
        config,
        {
            "method": method,
            "level": level,
            "promoter_min": promoter_min,
            "detractor_max": detractor_max,
            "scale": scale,
        },
    )

    def one(x: Any, w: Any, name: str) -> NpsResult:
        if isinstance(x, NpsResult):
            if x.grouped:
                raise InputError(f"{name}: expected an ungrouped NpsResult, got {len(x.table)} groups")
            if (x.config.scale_min, x.config.scale_max, x.config.promoter_min, x.config.detractor_max) != (
                cfg.scale_min,
                cfg.scale_max,
                cfg.promoter_min,
                cfg.detractor_max,
            ):
                raise ConfigError(f"{name}: the NpsResult was made with other cut-offs or scale than this comparison")
            return x
        return nps(x, weights=w, column=column, config=cfg, workers=workers)

    ra, rb = one(a, weights_a, "a"), one(b, weights_b, "b")
    d = _core.nps_difference(_row(ra), _row(rb), cfg)
    return NpsDiff(
        difference=float(d["difference"]),
        se=float(d["se"]),
        lower=float(d["lower"]),
        upper=float(d["upper"]),
        z=float(d["z"]),
        p_value=float(d["p_value"]),
        a=ra,
        b=rb,
        config=cfg,
        clipped=bool(d["clipped"]),
        extended=bool(d["extended"]),
    )


def nps_paired(
    a: Any,
    b: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
    config: Any = None,
    promoter_min: int | None = None,
    detractor_max: int | None = None,
    scale: tuple[int, int] | None = None,
) -> NpsDiff:
    """Difference of the NPS of the same respondents in two waves, ``a - b``, paired.

    Each respondent's answers score +100 / 0 / -100 in both waves; the difference of the two
    NPS is the (weighted) mean of the per-respondent score differences d = s_a - s_b, and its
    standard error is that of a mean of d: sqrt(sum (d - mean)^2 / (n (n - 1))) unweighted, the
    Taylor-linearised SE of ``survey::svymean(~d, design)`` with ``weights`` / ``strata`` /
    ``clusters`` / ``fpc``. The interval is Wald (difference +- z SE; the paired scores make the
    adjusted-Wald and MOVER forms of independent samples inapplicable) and the p-value two-sided
    normal. Only respondents with both answers enter (the others are counted in the ``a`` and
    ``b`` results' ``n_missing``). Pandas inputs are paired by their index (an ``InputError``
    when the indexes differ); other inputs by position.

    Examples
    --------
    >>> import servscore as ss
    >>> d = ss.nps_paired([10, 9, 6, 8, 3], [8, 9, 3, 8, 6])
    >>> d.difference, round(d.se, 4)
    (20.0, 20.0)
    """
    cfg = _config(
        "nps",
        config,
        {
            "method": "wald",
            "level": level,
            "promoter_min": promoter_min,
            "detractor_max": detractor_max,
            "scale": scale,
        },
    )
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and not a.index.equals(b.index):
        if a.index.has_duplicates or b.index.has_duplicates or set(a.index) != set(b.index):
            extra = [x for x in a.index if x not in set(b.index)][:3] or [x for x in b.index if x not in set(a.index)][
                :3
            ]
            raise InputError(
                f"b: the index differs from a's (labels such as {extra!r} are in one only, or labels repeat); "
                "pair the waves by respondent first"
            )
        b = b.reindex(a.index)
    xa = _scores_array(a, "a")
    xb = _scores_array(b, "b")
    if len(xa) != len(xb):
        raise InputError(f"b: {len(xb)} answers for {len(xa)} in a; expected one answer per respondent in each wave")
    index = a.index if isinstance(a, pd.Series) else pd.RangeIndex(len(xa))
    both = ~(np.isnan(np.asarray(xa, dtype=float)) | np.isnan(np.asarray(xb, dtype=float)))
    if not both.any():
        raise InputError("a, b: no respondent answered in both waves")
    for x in (xa, xb):  # the scale and the weights, checked as for one NPS
        nps(x, weights=weights, config=cfg, empty="nan")
    fa, fb = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)

    def score(x: np.ndarray) -> np.ndarray:
        return np.where(x >= cfg.promoter_min, 100.0, np.where(x <= cfg.detractor_max, -100.0, 0.0))

    dif = (score(fa) - score(fb))[both]  # the respondents of both waves form the sample

    def sub(v: Any) -> Any:
        return None if v is None else np.asarray(v.to_numpy() if isinstance(v, pd.Series) else v, dtype=object)[both]

    w = None if weights is None else _weights_array(weights, len(fa))[both]
    p = _Prepared(dif, None, None, None, w, index[both], "a - b")
    dsg = _design(None, p, sub(strata), sub(clusters), sub(fpc))
    m = _design_means(dif[:, None], p, dsg)
    est, se = float(m["mean"][0, 0]), float(m["se"][0, 0])
    z = float(_core.normal_quantile(0.5 + cfg.level / 2))
    zstat = est / se if se > 0 else (0.0 if est == 0 else float(np.copysign(np.inf, est)))
    pval = _p_two_sided(zstat)
    return NpsDiff(
        difference=est,
        se=se,
        lower=est - z * se,
        upper=est + z * se,
        z=zstat,
        p_value=pval,
        a=nps(np.where(both, fa, np.nan), weights=weights, config=cfg),
        b=nps(np.where(both, fb, np.nan), weights=weights, config=cfg),
        config=cfg,
        paired=True,
    )


def _weights_array(weights: Any, n: int) -> np.ndarray:
    """Weights per respondent as float64 (the length checked)."""
    w = to_array(weights, name="weights")
    if len(w) != n:
        raise InputError(f"weights: {len(w)} values for {n} respondents")
    return w


def _p_two_sided(z: float) -> float:
    import math

    return 0.0 if math.isinf(z) else math.erfc(abs(z) / math.sqrt(2.0))


def _row(r: NpsResult) -> dict[str, Any]:
    t = r.table.iloc[0]
    return {
        "n": int(t["n"]),
        "n_eff": float(t["n_eff"]),
        "share_promoters": float(t["share_promoters"]),
        "share_detractors": float(t["share_detractors"]),
    }


def nps_sample_size(
    margin: float,
    *,
    nps: float | None = None,
    promoters: float | None = None,
    detractors: float | None = None,
    method: str | None = None,
    level: float | None = None,
    design_effect: float = 1.0,
    config: Any = None,
) -> int:
    """Answers needed for an NPS interval of half-width ``margin`` points.

    n = design_effect z^2 v / (margin / 100)^2 with v = pP + pD - (pP - pD)^2, rounded up;
    the adjusted Wald method (default) needs ``adjusted_total`` (3) fewer real answers.
    Give the expected shares ``promoters`` and ``detractors`` (fractions); or the expected
    ``nps`` alone (then the worst case for it, no passives: v = 1 - (nps/100)^2); or
    nothing for the overall worst case v = 1. ``design_effect`` is n / n_eff of a weighted
    survey.

    Examples
    --------
    >>> import servscore as ss
    >>> ss.nps_sample_size(5, method="wald")
    1537
    """
    cfg = _config("nps", config, {"method": method, "level": level})
    if promoters is not None or detractors is not None:
        if promoters is None or detractors is None:
            raise ConfigError("nps_sample_size: give both promoters and detractors (expected shares), or nps")
        pp, pd_ = float(promoters), float(detractors)
    elif nps is not None:
        d = float(nps) / 100.0
        if not -1.0 <= d <= 1.0:
            raise ConfigError(f"nps: {nps!r} is out of range; expected -100..100")
        pp, pd_ = (1 + d) / 2, (1 - d) / 2
    else:
        pp, pd_ = 0.5, 0.5
    return int(_core.nps_sample_size(float(margin), pp, pd_, cfg, float(design_effect)))


# ------------------------------------------------------------------ accumulator

_MAGIC_V1 = b"SSACC01\n"  # JSON header with the keys + ResponseCounts (read only)
_MAGIC = b"SSACC02\n"  # JSON header (metric, configuration, column, by labels) + GroupedResponses image


def _old_key(k: Any) -> Any:
    """A key of the SSACC01 header as a GroupKeys tuple (tuples were {"t": [...]})."""
    if isinstance(k, dict):
        return tuple(_old_key(v) for v in k["t"])
    return k


def _keys_to_index(keys: Any, labels: Any) -> pd.Index:
    """The index of a state's (sorted) GroupKeys, missing keys as NaN, named by the ``by`` labels."""
    width = int(keys.width)
    cols = [[np.nan if v is None else v for v in keys.column(j)] for j in range(width)]
    if width == 1:
        name = labels[0] if isinstance(labels, list) and len(labels) == 1 else labels
        return pd.Index(cols[0], name=name, tupleize_cols=False)
    names = list(labels) if isinstance(labels, (list, tuple)) and len(labels) == width else list(keys.names)
    return pd.MultiIndex.from_arrays([pd.Index(c, tupleize_cols=False) for c in cols], names=names)


class ResponseAccumulator(Mergeable):
    """Mergeable partial result of :func:`nps`, :func:`csat`, :func:`ces` or :func:`mean_score`.

    Feed chunks with :meth:`update` (same data forms as the functions; an empty chunk is a
    no-op), fold partial accumulators in with :meth:`merge` (in place) or make a new one with
    ``+`` / ``sum([...])`` (groups are aligned by their keys, in C++), store them with
    :meth:`to_bytes` / :meth:`from_bytes` or pickle, and get the result with :meth:`result`.
    Any chunking and merge order gives the one-pass counts (exactly; weight sums up to
    floating-point rounding). Merging an accumulator of another metric or configuration is an
    :class:`InputError` naming both.

    The state is the compiled ``GroupedResponses``: the group keys (``GroupKeys``) and the
    counts per key. Byte format ``SSACC02``: the magic, a u32 length and a JSON header
    (metric, configuration, column, the ``by`` labels), then the ``GroupedResponses`` image
    (``SSGRESP1``: the keys image and the ``ResponseCounts`` image). Images of the previous
    format ``SSACC01`` (keys in the JSON header) still load.

    Parameters
    ----------
    metric
        ``"nps"`` (default), ``"csat"``, ``"ces"`` or ``"mean"``.
    config
        The metric's configuration (as for the functions); keywords override it.
    column
        Score column read from DataFrame chunks (default: the metric's).

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> acc = ss.ResponseAccumulator("nps")
    >>> for chunk in np.array_split(np.repeat([10, 8, 3], [250, 675, 75]), 7):
    ...     _ = acc.update(chunk)
    >>> round(acc.result().nps, 1)
    17.5
    >>> a = ss.ResponseAccumulator().update([10, 9, 2], by=["x", "y", "x"])
    >>> b = ss.ResponseAccumulator().update([7, 10], by=["z", "x"])
    >>> (a + b).result().table["n"].to_dict()
    {'x': 3, 'y': 1, 'z': 1}
    """

    __slots__ = ("metric", "config", "column", "_state", "_by_name")
    _kind = "ResponseAccumulator"

    def __init__(self, metric: str = "nps", config: Any = None, *, column: Any = None, **overrides: Any) -> None:
        if metric not in DEFAULTS:
            raise ConfigError(f"metric: {metric!r}; expected one of {list(DEFAULTS)}")
        self.metric = metric
        self.config = _config(metric, config, overrides)
        self.column = column
        self._state: Any = None  # GroupedResponses, None before the first non-empty update
        self._by_name: Any = None

    # -- building
    def update(self, scores: Any, *, by: Any = None, weights: Any = None, workers: int = 1) -> ResponseAccumulator:
        """Count one chunk (in place); returns self. An empty chunk (0 rows, e.g. a partition left
        empty by a filter) is a no-op."""
        if _n_rows(scores) == 0:
            return self
        p = _prepare(scores, column=self.column, by=by, weights=weights, metric=self.metric, workers=workers)
        c = _count(p, self.config.scale_min, self.config.scale_max, workers)
        if p.group_keys is None:
            keys = GroupKeys([])
            keys.insert(())
        else:
            keys = p.group_keys
            self._by_name = (
                list(p.keys.names)
                if p.keys is not None and len(p.keys.names) > 1
                else (p.keys.name if p.keys is not None else None)
            )
        self._absorb(keys, c)
        return self

    def _absorb(self, keys: Any, counts: ResponseCounts) -> None:
        if self._state is None:
            self._state = GroupedResponses(keys, counts)
            return
        if (keys.width == 0) != (self._state.keys.width == 0):
            raise InputError("update: mixing grouped and ungrouped chunks; pass by= for every chunk or for none")
        if counts.weighted != self._state.counts.weighted:
            raise InputError("update: mixing weighted and unweighted chunks; pass weights= for every chunk or for none")
        self._state.absorb(keys, counts)

    # -- the protocol (see servscore._accumulator)
    def _merge_key(self) -> Any:
        return (self.metric, self.config.to_dict())

    def _merge_into(self, other: Any) -> None:
        if other._state is None:
            return
        if self._state is None:
            self._state = GroupedResponses.from_bytes(other._state.to_bytes())
        else:
            self._absorb(other._state.keys, other._state.counts)
        if self._by_name is None:
            self._by_name = other._by_name

    # -- results
    @property
    def counts(self) -> ResponseCounts | None:
        """The compiled counts, one row per group key in first-seen order (None before the first update)."""
        return None if self._state is None else self._state.counts

    @property
    def keys(self) -> Any:
        """The compiled group keys (``GroupKeys``; None before the first update)."""
        return None if self._state is None else self._state.keys

    def result(self, *, empty: str = "error") -> NpsResult | BoxResult:
        """The metric's result for everything counted so far (groups sorted by key)."""
        if self._state is None:
            raise InputError("result: nothing counted yet (call update first)")
        state = self._state.sorted()
        keys = None if state.keys.width == 0 else _keys_to_index(state.keys, self._by_name)
        what = "accumulator"
        if self.metric == "nps":
            return _nps_result(state.counts, keys, self.config, empty, what)
        return _box_result(self.metric, state.counts, keys, self.config, empty, what)

    # -- serialisation
    def _header(self) -> bytes:
        by = list(self._by_name) if isinstance(self._by_name, (list, tuple)) else self._by_name
        if by is not None and not isinstance(by, (str, int, float, list)):
            by = str(by)
        column = self.column if self.column is None or isinstance(self.column, (str, int, float)) else str(self.column)
        head = {"metric": self.metric, "config": self.config.to_dict(), "column": column, "by": by}
        return json.dumps(head).encode("utf-8")

    def to_bytes(self) -> bytes:
        """The ``SSACC02`` image: a JSON header (metric, configuration, column, by labels) and the
        compiled state (group keys and counts)."""
        h = self._header()
        body = b"" if self._state is None else self._state.to_bytes()
        return _MAGIC + struct.pack("<I", len(h)) + h + body

    @classmethod
    def from_bytes(cls, data: bytes) -> ResponseAccumulator:
        """Read a :meth:`to_bytes` image (``SSACC02``, or the older ``SSACC01``).

        The bytes are untrusted: a malformed or mutated image raises :class:`InputError`
        (never another exception), and every declared size is checked against the image's
        length before anything is allocated."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"from_bytes: expected bytes, got {type(data).__name__}")
        data = bytes(data)
        try:
            return cls._from_bytes(data)
        except InputError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, struct.error, RecursionError) as e:
            raise InputError(f"from_bytes: corrupt ResponseAccumulator image ({type(e).__name__}: {e})") from e

    @classmethod
    def _from_bytes(cls, data: bytes) -> ResponseAccumulator:
        magic = data[: len(_MAGIC)]
        if magic not in (_MAGIC, _MAGIC_V1) or len(data) < len(_MAGIC) + 4:
            raise InputError("from_bytes: not a servscore ResponseAccumulator image")
        (hl,) = struct.unpack("<I", data[len(_MAGIC) : len(_MAGIC) + 4])
        start = len(_MAGIC) + 4
        if hl > len(data) - start:
            raise InputError(f"from_bytes: the header declares {hl} bytes but {len(data) - start} follow")
        try:
            head = json.loads(data[start : start + hl].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"from_bytes: corrupt header ({e})") from e
        if not isinstance(head, dict):
            raise InputError("from_bytes: corrupt header (not an object)")
        acc = cls(head["metric"], head["config"], column=head["column"])
        by = head.get("by")
        acc._by_name = list(by) if isinstance(by, list) else by
        body = data[start + hl :]
        if not body:
            return acc
        if magic == _MAGIC:
            acc._state = GroupedResponses.from_bytes(body)
            return acc
        # SSACC01: the keys in the header, the counts after it
        counts = ResponseCounts.from_bytes(body)
        old = head["keys"]
        if old is None:
            keys = GroupKeys([])
            keys.insert(())
        else:
            if not isinstance(old, list) or len(old) != counts.n_groups:
                n = len(old) if isinstance(old, list) else "no list of"
                raise InputError(f"from_bytes: {n} group keys for {counts.n_groups} groups of counts")
            decoded = [_old_key(k) for k in old]
            width = len(decoded[0]) if decoded and isinstance(decoded[0], tuple) else 1
            labels = acc._by_name if isinstance(acc._by_name, list) else [acc._by_name]
            names = [str(x) for x in labels] if len(labels) == width else [f"key{j}" for j in range(width)]
            keys = GroupKeys(names)
            for i, k in enumerate(decoded):
                if keys.insert(k if isinstance(k, tuple) else (k,)) != i:
                    raise InputError(f"from_bytes: group key {k!r} appears twice")
        acc._state = GroupedResponses(keys, counts)
        return acc

    def __repr__(self) -> str:
        if self._state is None:
            return f"ResponseAccumulator({self.metric!r}, empty)"
        c = self._state.counts
        n = int(c.counts.sum())
        miss = int(c.missing.sum())
        groups = "ungrouped" if self._state.keys.width == 0 else f"{len(self._state.keys)} groups"
        return f"ResponseAccumulator({self.metric!r}, {n} answers, {miss} missing, {groups})"
