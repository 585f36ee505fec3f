"""McDonald's omega (psych's ``omega``), Guttman's lambdas and split-half reliabilities
(psych's ``splitHalf``), computed in C++.

- :func:`omega`: a minres factor analysis of the item correlations with ``nfactors`` factors, a
  varimax then oblimin rotation, a one-factor minres of the factor correlations and the
  Schmid-Leiman loadings, as ``psych::omega`` (fm = "minres", rotate = "oblimin"):
  omega_h = (sum g)^2 / 1'R1 (hierarchical), omega_total = (1'R1 - sum u2) / 1'R1,
  u2 = 1 - h2 of the factor model. ``nfactors=1`` gives McDonald's omega of a one-factor
  model, (sum l)^2 / 1'R1, as ``omega_h``. ``loadings=`` and ``phi=`` give omega of a given
  oblique solution (``psych::omega(loadings, Phi = phi)``).
- :func:`split_half`: every split of the items into halves (or ``n_sample`` random ones), the
  split-half reliability 4 r_AB / 1'R1 of each, and Guttman's lambda 1-6.

Both take answers (a DataFrame or array: the item correlations are computed with the
``missing`` policy; psych uses pairwise-complete correlations), a :class:`~servscore.Moments`
state, or ``correlation=`` a correlation matrix.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ConfigError, InputError
from ._input import check_seed
from ._result import Result, _plain
from .moments import Moments, check_policy
from .reliability import ReliabilityWarning, parse_keys

__all__ = ["OmegaResult", "SplitHalfResult", "omega", "split_half"]


def _correlation(
    items: Any, correlation: Any, missing: str, weights: Any, columns: list[Any] | None, workers: int
) -> tuple[np.ndarray, list[Any], int | None]:
    """The correlation matrix, the item labels and n (None for a given matrix)."""
    if correlation is not None:
        if items is not None:
            raise ConfigError("items and correlation: pass one of them")
        if isinstance(correlation, pd.DataFrame):
            labels: list[Any] = list(correlation.columns)
            r = correlation.to_numpy(dtype=np.float64)
        else:
            r = np.asarray(correlation, dtype=np.float64)
            labels = list(range(r.shape[1])) if r.ndim == 2 else []
        if r.ndim != 2 or r.shape[0] != r.shape[1]:
            raise InputError(f"correlation: expected a square matrix, got shape {r.shape}")
        return np.ascontiguousarray(r), labels, None
    if items is None:
        raise ConfigError("items: pass the answers, a Moments state or correlation=")
    if isinstance(items, Moments):
        m = items
    else:
        check_policy(missing)
        m = Moments(items, weights=weights, columns=columns, missing=missing, workers=workers)
    labels = list(m.columns)
    cov = m.cov().to_numpy()
    var = np.diag(cov)
    bad = [labels[i] for i in range(len(labels)) if not var[i] > 0]
    if bad:
        raise InputError(
            f"items: {', '.join(repr(b) for b in bad)} has zero variance (a constant item); "
            "its correlations are undefined: leave it out"
        )
    return np.ascontiguousarray(m.corr().to_numpy(dtype=np.float64)), labels, int(m.n)


@dataclasses.dataclass(frozen=True, repr=False)
class OmegaResult(Result):
    """McDonald's omega and the Schmid-Leiman solution.

    Attributes
    ----------
    omega_h, omega_total, omega_limit
        Hierarchical omega (sum g)^2 / 1'R1, omega total (1'R1 - sum u2) / 1'R1 and the
        asymptotic omega_h / omega_total.
    alpha, lambda6
        Standardised alpha and Guttman's lambda 6 of the keyed correlations.
    ecv
        Explained common variance of the general factor.
    loadings
        Per item: ``g`` and the group loadings ``F1*`` ..., ``h2``, ``u2``, ``p2`` (g^2 / h2), ``key``.
    groups
        Per factor (``g`` first, all items): ``total``, ``general``, ``group`` omegas of the items
        whose largest group loading is on it (psych's ``omega.group``).
    oblique, phi
        The oblimin pattern and the factor correlations.
    keys
        +1 / -1 per item (given, or reversed because their general loading was negative).
    nfactors, k, n, converged
        Factors, items, rows (None for a given matrix), both iterations converged.
    """

    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    lambda6: float
    ecv: float
    nfactors: int
    k: int
    n: int | None
    converged: bool
    keys: tuple[int, ...]
    loadings: pd.DataFrame
    groups: pd.DataFrame
    oblique: pd.DataFrame
    phi: pd.DataFrame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The reliability coefficients (omega_h, omega_total, omega_limit, alpha, lambda 6, ECV); returns the Axes."""
        from .plotting import estimate_bars

        v = pd.Series(
            {k: getattr(self, k) for k in ("omega_h", "omega_total", "omega_limit", "alpha", "lambda6", "ecv")}
        )
        return estimate_bars(v, ax=ax, title="McDonald's omega", **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """The Schmid-Leiman loadings per item."""
        return self.loadings

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def __float__(self) -> float:
        return float(self.omega_h)

    def _summary_lines(self) -> list[str]:
        lines = [
            f"omega_h {self.omega_h:.4f}, omega_total {self.omega_total:.4f}, alpha {self.alpha:.4f},"
            f" lambda6 {self.lambda6:.4f}, ECV {self.ecv:.4f}",
            f"{self.k} items, {self.nfactors} group factors (minres, oblimin, Schmid-Leiman)"
            + (f", n = {self.n}" if self.n is not None else ""),
        ]
        rev = [str(i) for i, k in zip(self.loadings.index, self.keys) if k < 0]
        if rev:
            lines.append("reversed: " + ", ".join(rev))
        if not self.converged:
            lines.append("not converged")
        return lines


def _omega_result(d: dict[str, Any], labels: list[Any], n: int | None) -> OmegaResult:
    m = int(d["nfactors"])
    names = [f"F{j + 1}*" for j in range(m)]
    idx = pd.Index(labels, name="item", tupleize_cols=False)
    sl = pd.DataFrame(d["sl"], index=idx, columns=["g", *names])
    sl["h2"] = d["h2"]
    sl["u2"] = d["u2"]
    sl["p2"] = d["p2"]
    sl["key"] = d["keys"].astype(np.int64)
    groups = pd.DataFrame(
        {"total": d["group_total"], "general": d["group_general"], "group": d["group_group"]},
        index=pd.Index(["g", *names], name="factor"),
    )
    fnames = [f"F{j + 1}" for j in range(m)]
    res = OmegaResult(
        omega_h=float(d["omega_h"]),
        omega_total=float(d["omega_total"]),
        omega_limit=float(d["omega_limit"]),
        alpha=float(d["alpha"]),
        lambda6=float(d["lambda6"]),
        ecv=float(d["ecv"]),
        nfactors=m,
        k=int(d["k"]),
        n=n,
        converged=bool(d["converged"]),
        keys=tuple(int(v) for v in d["keys"]),
        loadings=sl,
        groups=groups,
        oblique=pd.DataFrame(d["oblique"], index=idx, columns=fnames),
        phi=pd.DataFrame(d["phi"], index=fnames, columns=fnames),
    )
    if not res.converged:
        warnings.warn("omega: the factoring or the rotation did not converge", ReliabilityWarning, stacklevel=3)
    return res


def omega(
    items: Any = None,
    *,
    nfactors: int = 3,
    keys: Any = None,
    flip: bool = True,
    missing: str = "listwise",
    weights: Any = None,
    columns: list[Any] | None = None,
    correlation: Any = None,
    loadings: Any = None,
    phi: Any = None,
    gamma: float = 0.0,
    rotation_eps: float = 1e-5,
    rotation_max_iterations: int = 1000,
    varimax_eps: float = 1e-5,
    minres_tolerance: float = 1e-12,
    minres_max_iterations: int = 200,
    workers: int = 1,
) -> OmegaResult:
    """McDonald's omega hierarchical and total via Schmid-Leiman, as ``psych::omega``.

    Parameters
    ----------
    items
        Answers (DataFrame or 2-D array, one column per item) or a :class:`~servscore.Moments`
        state; or pass ``correlation=`` or ``loadings=`` / ``phi=`` instead.
    nfactors
        Group factors (psych's default 3); 1 gives the one-factor omega (sum l)^2 / 1'R1.
    keys
        Reverse-keyed items as in :func:`~servscore.cronbach_alpha` (then ``flip`` is off).
    flip
        Reverse the items whose general loading is negative (psych's default).
    missing, weights, columns, workers
        How the correlations are computed from answers (psych: pairwise).
    correlation
        A correlation (or covariance) matrix instead of answers.
    loadings, phi
        A given k x m oblique pattern and m x m factor correlations (``psych::omega(L, Phi = phi)``).
    gamma, rotation_eps, rotation_max_iterations, varimax_eps
        Oblimin's gamma and the convergence settings of GPArotation (1e-5, 1000) and stats::varimax.
    minres_tolerance, minres_max_iterations
        Newton's method of the minres uniquenesses (converged to 1e-12; psych's optimiser
        stops about 1e-6 from the fixed point).

    Returns
    -------
    OmegaResult

    Raises
    ------
    InputError
        A constant item (named), a correlation matrix that is not square, symmetric and finite.
    ConfigError
        ``nfactors`` outside [1, k - 1], keys naming no item.

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> rng = np.random.default_rng(1)
    >>> g, f = rng.normal(size=(500, 1)), np.repeat(rng.normal(size=(500, 3)), 3, axis=1)
    >>> x = 0.6 * g + 0.5 * f + rng.normal(size=(500, 9))
    >>> r = ss.omega(x)
    >>> bool(0 < r.omega_h < r.omega_total < 1), r.nfactors
    (True, 3)
    """
    if loadings is not None or phi is not None:
        if loadings is None or phi is None:
            raise ConfigError("loadings and phi: pass both (an oblique pattern and its factor correlations)")
        labels = list(loadings.index) if isinstance(loadings, pd.DataFrame) else None
        lm = np.ascontiguousarray(np.asarray(loadings, dtype=np.float64))
        pm = np.ascontiguousarray(np.asarray(phi, dtype=np.float64))
        if lm.ndim != 2:
            raise InputError(f"loadings: expected a k x m matrix, got shape {lm.shape}")
        d = _core.omega_from_loadings(lm, pm, int(minres_max_iterations), float(minres_tolerance))
        return _omega_result(d, labels if labels is not None else list(range(lm.shape[0])), None)
    r, labels, n = _correlation(items, correlation, missing, weights, columns, workers)
    kv = parse_keys(keys, labels)
    d = _core.omega(
        r,
        int(nfactors),
        float(gamma),
        float(rotation_eps),
        int(rotation_max_iterations),
        float(varimax_eps),
        bool(flip) and kv is None,
        int(minres_max_iterations),
        float(minres_tolerance),
        np.empty(0) if kv is None else kv,
    )
    return _omega_result(d, labels, n)


@dataclasses.dataclass(frozen=True, repr=False)
class SplitHalfResult(Result):
    """Split-half reliabilities and Guttman's lambdas (psych's ``splitHalf`` / ``guttman``).

    Attributes
    ----------
    max, min, mean
        Largest (lambda 4), smallest (beta) and mean split-half reliability 4 r_AB / 1'R1.
    lambda1 ... lambda6, lambda5p
        Guttman's lower bounds (lambda3 = standardised alpha; lambda6 from the SMCs).
    alpha, mean_r, median_r
        Standardised alpha and the mean and median inter-item correlation.
    exhaustive, n_splits
        Every split evaluated (else ``n_splits`` random ones, seeded).
    best_split, worst_split
        The items of the two halves of the best and of the worst split.
    keys
        +1 / -1 per item.
    """

    max: float
    min: float
    mean: float
    lambda1: float
    lambda2: float
    lambda3: float
    lambda4: float
    lambda5: float
    lambda5p: float
    lambda6: float
    alpha: float
    mean_r: float
    median_r: float
    exhaustive: bool
    n_splits: int
    k: int
    n: int | None
    keys: tuple[int, ...]
    best_split: tuple[tuple[Any, ...], tuple[Any, ...]]
    worst_split: tuple[tuple[Any, ...], tuple[Any, ...]]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Split-half reliabilities and Guttman's lambdas; returns the Axes."""
        from .plotting import estimate_bars

        return estimate_bars(self.to_frame().iloc[:, 0], ax=ax, title="Split-half reliability", **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """The reliabilities as one column (``value``) indexed by name."""
        names = ["max", "min", "mean", "lambda1", "lambda2", "lambda3", "lambda4", "lambda5", "lambda5p", "lambda6"]
        return pd.DataFrame({"value": [getattr(self, n) for n in names]}, index=pd.Index(names, name="statistic"))

    def _summary_lines(self) -> list[str]:
        how = "all" if self.exhaustive else "random"
        return [
            f"split half: max {self.max:.4f}, min {self.min:.4f}, mean {self.mean:.4f}"
            f" ({self.n_splits} {how} splits of {self.k} items)",
            f"lambda1 {self.lambda1:.4f}, lambda2 {self.lambda2:.4f}, lambda3 (alpha) {self.lambda3:.4f},"
            f" lambda4 {self.lambda4:.4f}, lambda5 {self.lambda5:.4f}, lambda6 {self.lambda6:.4f}",
        ]


def split_half(
    items: Any = None,
    *,
    keys: Any = None,
    check_keys: bool = True,
    n_sample: int = 10000,
    seed: int = 0,
    missing: str = "listwise",
    weights: Any = None,
    columns: list[Any] | None = None,
    correlation: Any = None,
    workers: int = 1,
) -> SplitHalfResult:
    """Split-half reliabilities (max, min, mean) and Guttman's lambda 1-6, as ``psych::splitHalf``.

    Parameters
    ----------
    items
        Answers, a :class:`~servscore.Moments` state, or pass ``correlation=``.
    keys
        Reverse-keyed items as in :func:`~servscore.cronbach_alpha`.
    check_keys
        Without ``keys``: reverse the items that load negatively on the first principal component,
        with a :class:`~servscore.ReliabilityWarning` naming them (psych's default).
    n_sample, seed
        Every distinct split is evaluated when there are at most ``n_sample`` of them (16 items or
        fewer with the default); otherwise ``n_sample`` random splits (seeded; workers do not
        change the result). With an odd number of items every split is evaluated, where psych
        evaluates the first half in lexicographic order.
    missing, weights, columns, workers
        How the correlations are computed from answers.

    Returns
    -------
    SplitHalfResult

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> r = np.full((4, 4), 0.5) + 0.5 * np.eye(4)
    >>> s = ss.split_half(correlation=r)
    >>> round(s.max, 4), round(s.mean, 4), s.n_splits, s.exhaustive
    (0.8, 0.8, 3, True)
    """
    n_sample = int(n_sample)
    seed = check_seed(seed)
    r, labels, n = _correlation(items, correlation, missing, weights, columns, workers)
    kv = parse_keys(keys, labels)
    if kv is None and check_keys:
        pc1 = np.asarray(_core.first_component_loadings(r))
        if (pc1 < 0).any():
            kv = np.where(pc1 < 0, -1.0, 1.0)
            warnings.warn(
                "split_half: items "
                + ", ".join(repr(labels[i]) for i in np.flatnonzero(pc1 < 0))
                + " correlate negatively with the first component and were reversed (check_keys=True)",
                ReliabilityWarning,
                stacklevel=2,
            )
    d = _core.split_half(r, np.empty(0) if kv is None else kv, n_sample, seed, int(workers))

    def halves(mask: list[int]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return tuple(labels[i] for i, v in enumerate(mask) if v), tuple(labels[i] for i, v in enumerate(mask) if not v)

    return SplitHalfResult(
        max=float(d["max"]),
        min=float(d["min"]),
        mean=float(d["mean"]),
        lambda1=float(d["lambda1"]),
        lambda2=float(d["lambda2"]),
        lambda3=float(d["lambda3"]),
        lambda4=float(d["lambda4"]),
        lambda5=float(d["lambda5"]),
        lambda5p=float(d["lambda5p"]),
        lambda6=float(d["lambda6"]),
        alpha=float(d["lambda3"]),
        mean_r=float(d["mean_r"]),
        median_r=float(d["median_r"]),
        exhaustive=bool(d["exhaustive"]),
        n_splits=int(d["n_splits"]),
        k=int(d["k"]),
        n=n,
        keys=tuple(int(v) for v in d["keys"]),
        best_split=halves(d["max_split"]),
        worst_split=halves(d["min_split"]),
    )
