"""Complaint economics: the TARP model of what a problem costs.

Of ``N`` customers who had a problem, a share ``c`` complain; of the complaints a
share ``s`` is resolved, a share ``q`` of those on the spot. Each group returns with
its own probability:

    retained R = N [(1-c) r_silent + c (s q r_quick + s (1-q) r_resolved + (1-s) r_unresolved)]

lost ``L = N - R``; lost customers tell ``k_neg`` people each (negative word of
mouth), satisfied complainants tell ``tell_satisfied``; the value at risk is
``L x CLV`` with ``CLV = sum_t m r^t / (1+d)^t`` (``m (1+d) / (1+d-r)`` for an
infinite horizon), and replacing the lost customers costs ``acquisition_cost_ratio``
times keeping one.

References: TARP (Technical Assistance Research Programs) for the US Office of
Consumer Affairs (1979, 1986); Reichheld & Sasser (1990), "Zero defections: quality
comes to services", HBR 68(5). Defaults are the source deck's figures: 4% complain,
90% of the silent never return (``return_silent`` 0.10), 70% return after a good
resolution, 95% when solved on the spot, a satisfied complainant tells 5 people, an
unhappy one 8-12 and 20% of them 20 (so ``k_neg`` = 0.8 x 10 + 0.2 x 20 = 12),
winning a customer costs 6 times keeping one. Ours (set them from your complaint
log): ``resolution_rate`` 0.5, ``quick_share`` 0.5, ``return_unresolved`` 0.10 (as
the silent), and the CLV defaults ``margin`` 1, ``retention`` 0.9, ``discount`` 0,
infinite horizon, which make a customer worth 10 purchases, as the deck says.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ClvConfig, ComplaintConfig, ConfigError, InputError
from ._input import resolve_config
from ._result import Result

__all__ = [
    "ClvConfig",
    "ComplaintConfig",
    "ComplaintResult",
    "SensitivityResult",
    "clv",
    "complaints",
    "parameters",
    "sensitivity",
]

#: Outcome fields, in table order.
OUTCOME_FIELDS = (
    "customers",
    "complainants",
    "silent",
    "resolved_quick",
    "resolved_later",
    "unresolved",
    "retained",
    "lost",
    "retention_rate",
    "negative_word_of_mouth",
    "positive_word_of_mouth",
    "clv",
    "value_at_risk",
    "replacement_cost",
)


def parameters() -> list[str]:
    """Names of the model parameters (every numeric key; CLV keys as ``clv.margin`` ...)."""
    return list(_core.complaint_parameters())


def _config(config: Any, overrides: Mapping[str, Any]) -> ComplaintConfig:
    """A ComplaintConfig from ``config`` (instance, dict, JSON, path or None) with keyword overrides."""
    cfg: ComplaintConfig = resolve_config(config, ComplaintConfig)
    if not overrides:
        return cfg
    d = cfg.to_dict()
    for k, v in overrides.items():
        if k.startswith("clv.") or k in ("margin", "retention", "discount", "horizon"):
            d["clv"][k.removeprefix("clv.")] = v
        else:
            d[k] = v
    return ComplaintConfig.from_dict(d)


def _customers(customers: Any) -> float:
    try:
        n = float(customers)
    except (TypeError, ValueError) as e:
        raise InputError(f"customers: {customers!r} is not a number") from e
    return n


def clv(margin: float = 1.0, *, retention: float = 0.9, discount: float = 0.0, horizon: int | None = None) -> float:
    """Customer lifetime value ``sum_{t=0}^{H-1} m r^t / (1+d)^t``.

    Parameters
    ----------
    margin
        Margin per period ``m``.
    retention
        Probability ``r`` of staying one more period.
    discount
        Discount rate ``d`` per period.
    horizon
        Number of periods ``H`` (``t = 0 .. H-1``); ``None`` or 0 for an infinite horizon,
        where CLV = ``m (1+d) / (1+d-r)``.

    Examples
    --------
    >>> import servscore as ss
    >>> ss.economics.clv(1.0, retention=0.9)   # a loyal customer is worth 10 purchases
    10.000000000000002
    >>> round(ss.economics.clv(100, retention=0.8, discount=0.1, horizon=3), 4)
    225.6198
    """
    if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool)):
        raise ConfigError(f"horizon: {horizon!r} is not an integer (periods; None for infinite)")
    cfg = ClvConfig(margin=float(margin), retention=float(retention), discount=float(discount), horizon=horizon or 0)
    return float(_core.customer_lifetime_value(cfg))


@dataclasses.dataclass(frozen=True, repr=False)
class ComplaintResult(Result):
    """Outcome of the TARP model, and of a scenario when one was given.

    Attributes
    ----------
    table
        One row per outcome (``baseline`` and, with a scenario, ``scenario``) with the
        columns of :data:`OUTCOME_FIELDS`.
    comparison
        With a scenario: ``extra_retained``, ``value_gained`` (extra retained x CLV),
        ``replacement_saved``, ``programme_cost``, ``net_return`` and ``roi``; else empty.
    config, scenario_config
        The parameters used.
    """

    table: pd.DataFrame
    comparison: dict[str, float]
    config: ComplaintConfig
    scenario_config: ComplaintConfig | None

    def to_frame(self) -> pd.DataFrame:
        """The outcome table."""
        return self.table

    def __getitem__(self, key: str) -> float:
        """A baseline outcome value (``result["lost"]``)."""
        return float(self.table.at["baseline", key])  # type: ignore[arg-type]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bars of retained and lost customers (baseline vs scenario); returns the Axes."""
        from ._lifecycle_plots import complaint_bars

        return complaint_bars(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        b = self.table.loc["baseline"]
        lines = [
            f"{b['customers']:g} customers with a problem: {b['retained']:.1f} retained, {b['lost']:.1f} lost "
            f"({100 * (1 - b['retention_rate']):.1f}%), {b['negative_word_of_mouth']:.0f} told by lost customers, "
            f"value at risk {b['value_at_risk']:.4g}"
        ]
        if self.comparison:
            c = self.comparison
            roi = "n/a" if math.isnan(c["roi"]) else f"{100 * c['roi']:.0f}%"
            lines.append(
                f"scenario: {c['extra_retained']:+.1f} retained, value gained {c['value_gained']:.4g}, "
                f"net return {c['net_return']:.4g}, ROI {roi}"
            )
        return lines


def complaints(
    customers: float,
    *,
    config: Any = None,
    scenario: Mapping[str, Any] | Any = None,
    programme_cost: float = 0.0,
    **params: Any,
) -> ComplaintResult:
    """The TARP complaint model for ``customers`` who had a problem.

    Parameters
    ----------
    customers
        Number of customers who had a problem (N).
    config
        :class:`ComplaintConfig`, dict, JSON text or file; default: the source's figures.
    scenario
        A change to evaluate against the baseline: a dict of parameters that differ
        (e.g. ``{"resolution_rate": 0.8}``) or a full :class:`ComplaintConfig`.
    programme_cost
        Cost of the change, for the net return and ROI.
    **params
        Parameter overrides of the baseline (``complaint_rate=0.1``, ``margin=500``,
        ``retention=0.8`` ...; the CLV keys may be written plain or as ``clv.margin``).

    Returns
    -------
    ComplaintResult

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.economics.complaints(1000)
    >>> round(r["retained"], 2), round(r["lost"], 2), round(r["negative_word_of_mouth"], 1)
    (114.5, 885.5, 10626.0)
    >>> r = ss.economics.complaints(1000, scenario={"resolution_rate": 0.9}, programme_cost=50, margin=20)
    >>> round(r.comparison["extra_retained"], 2), round(r.comparison["value_gained"], 1)
    (11.6, 2320.0)
    """
    n = _customers(customers)
    cfg = _config(config, params)
    rows = {"baseline": _core.complaint_outcome(n, cfg)}
    comparison: dict[str, float] = {}
    scen_cfg: ComplaintConfig | None = None
    if scenario is not None:
        if isinstance(scenario, Mapping):
            scen_cfg = _config(cfg, scenario)
        else:
            scen_cfg = resolve_config(scenario, ComplaintConfig, name="scenario")
        r = _core.complaint_scenario(n, cfg, scen_cfg, float(programme_cost))
        rows["scenario"] = r["scenario"]
        comparison = {
            k: float(r[k])
            for k in ("extra_retained", "value_gained", "replacement_saved", "programme_cost", "net_return", "roi")
        }
    table = pd.DataFrame.from_dict(rows, orient="index")[list(OUTCOME_FIELDS)]
    return ComplaintResult(table=table, comparison=comparison, config=cfg, scenario_config=scen_cfg)


@dataclasses.dataclass(frozen=True, repr=False)
class SensitivityResult(Result):
    """The model over a range of one parameter: one row per value."""

    parameter: str
    table: pd.DataFrame
    config: ComplaintConfig

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter value (indexed by the value)."""
        return self.table

    def plot(self, ax: Any = None, *, y: str = "lost", **kwargs: Any) -> Any:
        """Line of an outcome (``y``, default ``lost``) against the parameter; returns the Axes."""
        from ._lifecycle_plots import sensitivity_line

        return sensitivity_line(self, ax=ax, y=y, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.table
        lo, hi = t.iloc[0], t.iloc[-1]
        return [
            f"{self.parameter} from {t.index[0]:g} to {t.index[-1]:g}: lost {lo['lost']:.1f} -> {hi['lost']:.1f}, "
            f"value at risk {lo['value_at_risk']:.4g} -> {hi['value_at_risk']:.4g}"
        ]


def sensitivity(
    customers: float, parameter: str, values: Sequence[float] | np.ndarray, *, config: Any = None, **params: Any
) -> SensitivityResult:
    """Evaluate the model at each value of one parameter (the others as in ``config`` / ``params``).

    Examples
    --------
    >>> import servscore as ss
    >>> s = ss.economics.sensitivity(1000, "resolution_rate", [0.0, 0.5, 1.0])
    >>> s.table["retained"].round(2).tolist()
    [100.0, 114.5, 129.0]
    """
    n = _customers(customers)
    cfg = _config(config, params)
    vals = [float(v) for v in values]
    if not vals:
        raise InputError("values: expected at least one value of the parameter")
    rows = _core.complaint_sensitivity(n, cfg, str(parameter), vals)
    table = pd.DataFrame(rows, index=pd.Index(vals, name=str(parameter)))[list(OUTCOME_FIELDS)]
    return SensitivityResult(parameter=str(parameter), table=table, config=cfg)
