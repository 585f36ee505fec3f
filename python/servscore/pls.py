"""Customer-satisfaction indices (ACSI / ECSI / CCSI) by PLS path modelling.

A :class:`PathModel` names measurement blocks (a latent variable, its indicator
columns and its mode: A reflective, B formative) and structural paths between the
latents. :meth:`PathModel.fit` estimates it with Lohmöller's PLS algorithm as R
plspm does (Tenenhaus et al. 2005) and returns a :class:`PLSResult`: outer weights,
loadings, cross-loadings, communalities, redundancies, path coefficients with R2,
direct / indirect / total effects, GoF, block reliability (raw and standardised
Cronbach alpha, Dillon-Goldstein rho, rho_c, rho_A, AVE, eigenvalues), discriminant
validity (HTMT, HTMT2, Fornell-Larcker), collinearity (VIF) and effect sizes (f2),
latent scores, the 0-100 index of every block (Fornell et al. 1996) with an
importance-performance map (IPMA, Ringle & Sarstedt 2016), consistent PLS (PLSc,
Dijkstra & Henseler 2015) and an optional seeded, parallel bootstrap.

Model syntax (lavaan-like, one statement per line or separated by ``;``; ``#``
starts a comment)::

    IMAG =~ imag1 + imag2 + imag3     # block IMAG, Mode A (reflective)
    VAL  <~ val1 + val2               # block VAL, Mode B (formative)
    SAT  ~ IMAG + VAL                 # paths IMAG -> SAT and VAL -> SAT

Defaults (every one an option of :meth:`PathModel.fit` / :class:`PlsConfig`):
centroid scheme, scaled data (population sd), tolerance 1e-10 on
max |(|w_old| - |w_new|)| (``convergence="plspm"`` with ``tolerance=1e-6`` is R plspm's
rule), at most 300 iterations, missing values replaced by the column mean, a 1-10
rating scale for the indices, a VIF warning above 5, no PLSc, no bootstrap.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import MAX_BOOTSTRAP, check_count
from ._compat import renamed
from ._core import ConfigError, InputError, PlsConfig
from ._input import float_columns, is_frame_like, names_of, numeric_matrix, relabel_rows, resolve_config, to_frame
from ._result import Result, Summary

__all__ = ["PLSResult", "PathModel", "PlsConfig", "PlsWarning", "parse_syntax"]


class PlsWarning(UserWarning):
    """A PLS fit did something the user should know about (non-positive index weights, no convergence ...)."""


_STATEMENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(=~|<~|~)\s*(.+?)\s*$")
_NAME = re.compile(r"^[^\s+~=<#;]+$")
_LATENT = re.compile(r"^[A-Za-z_][\w.]*$")


def parse_syntax(text: str) -> dict[str, Any]:
    """Parse the model syntax into ``{"blocks": [...], "paths": [...]}`` (the JSON form).

    ``LV =~ a + b`` declares a Mode A block, ``LV <~ a + b`` a Mode B block and
    ``Y ~ X1 + X2`` the paths X1 -> Y and X2 -> Y. Blocks keep their order of
    declaration. Raises :class:`ConfigError` naming the line for anything else.

    Examples
    --------
    >>> parse_syntax("A =~ a1 + a2; B <~ b1\\nB ~ A")["paths"]
    [{'from': 'A', 'to': 'B'}]
    """
    blocks: list[dict[str, Any]] = []
    paths: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        for stmt in raw.split("#", 1)[0].split(";"):
            if not stmt.strip():
                continue
            m = _STATEMENT.match(stmt)
            if not m:
                raise ConfigError(
                    f"model syntax, line {lineno}: cannot read {stmt.strip()!r}; expected 'LV =~ a + b' (Mode A block),"
                    " 'LV <~ a + b' (Mode B block) or 'Y ~ X1 + X2' (paths)"
                )
            lhs, op, rhs = m.groups()
            terms = [t.strip() for t in rhs.split("+")]
            for t in terms:
                if not t or not _NAME.match(t):
                    raise ConfigError(f"model syntax, line {lineno}: invalid name {t!r} in {stmt.strip()!r}")
            if op == "~":
                paths.extend({"from": t, "to": lhs} for t in terms)
            else:
                if lhs in seen:
                    raise ConfigError(f"model syntax, line {lineno}: block {lhs!r} is declared twice")
                seen[lhs] = len(blocks)
                blocks.append({"name": lhs, "indicators": terms, "mode": "A" if op == "=~" else "B"})
    return {"blocks": blocks, "paths": paths}


def _as_paths(paths: Any) -> list[dict[str, str]]:
    if paths is None:
        return []
    if isinstance(paths, Mapping):  # {to: [from, ...]}
        out = []
        for to, froms in paths.items():
            for f in [froms] if isinstance(froms, str) else list(froms):
                out.append({"from": str(f), "to": str(to)})
        return out
    out = []
    for i, p in enumerate(paths):
        if isinstance(p, Mapping):
            out.append({"from": str(p["from"]), "to": str(p["to"])})
        elif isinstance(p, str) and "->" in p:
            f, t = (s.strip() for s in p.split("->", 1))
            out.append({"from": f, "to": t})
        else:
            try:
                f, t = p
            except (TypeError, ValueError):
                raise ConfigError(f"paths[{i}]: expected (from, to), 'from -> to' or a dict, got {p!r}") from None
            out.append({"from": str(f), "to": str(t)})
    return out


class PathModel:
    """A PLS path model: measurement blocks, their modes and structural paths.

    Parameters
    ----------
    blocks
        Model syntax text (see the module docstring), or a mapping latent -> indicator
        columns (in order), or a list of ``{"name", "indicators", "mode"}`` dicts.
    paths
        Structural paths: ``(from, to)`` pairs, ``"from -> to"`` strings, or a mapping
        ``to -> [from, ...]``. Ignored when ``blocks`` is syntax text (paths are in it).
    modes
        Mapping latent -> ``"A"`` or ``"B"`` (default A for every block).
    consistent
        Estimate with consistent PLS (PLSc) by default: the Mode A blocks of two or more
        indicators are common factors, corrected with rho_A (see :meth:`fit`).
    composites
        Mode A blocks that are composites rather than common factors: PLSc leaves them
        uncorrected, as Mode B blocks (seminr's ``composite(..., mode_A)``).

    Raises
    ------
    ConfigError
        An empty block, a duplicate latent or indicator, a path naming an unknown latent,
        a latent without paths, or paths that are not a DAG.

    Examples
    --------
    >>> m = PathModel("X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X")
    >>> m.latents, m.paths
    (['X', 'Y'], [('X', 'Y')])
    """

    def __init__(
        self,
        blocks: Any,
        paths: Any = None,
        *,
        modes: Mapping[str, str] | None = None,
        consistent: bool = False,
        composites: Sequence[str] = (),
    ) -> None:
        self.consistent = bool(consistent)
        self.composites: tuple[str, ...] = tuple(
            str(c) for c in ([composites] if isinstance(composites, str) else composites)
        )
        if isinstance(blocks, str):
            spec = parse_syntax(blocks)
            if paths is not None:
                spec["paths"] += _as_paths(paths)
        else:
            if isinstance(blocks, Mapping):
                bl = [{"name": str(k), "indicators": [str(c) for c in v], "mode": "A"} for k, v in blocks.items()]
            else:
                bl = [dict(b) for b in blocks]
            for b in bl:
                b.setdefault("mode", "A")
            spec = {"blocks": bl, "paths": _as_paths(paths)}
        if modes:
            names = {b["name"] for b in spec["blocks"]}
            for k in modes:
                if k not in names:
                    raise ConfigError(f"modes: unknown latent {k!r}; latents are {sorted(names)}")
            for b in spec["blocks"]:
                if b["name"] in modes:
                    b["mode"] = str(modes[b["name"]])
        self._json: str = _core.pls_model_normalize(json.dumps(spec))
        self._spec: dict[str, Any] = json.loads(self._json)
        unknown = [c for c in self.composites if c not in self.latents]
        if unknown:
            raise ConfigError(f"composites: unknown latent(s) {unknown}; latents are {self.latents}")

    # -- construction and serialisation
    @classmethod
    def from_json(cls, text: str) -> PathModel:
        """A model from its JSON text (``{"blocks": [...], "paths": [...]}``) or a path to such a file."""
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"model: invalid JSON ({e})") from e
        return cls.from_dict(d)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PathModel:
        """A model from a dict with ``blocks`` and ``paths`` (as in JSON)."""
        unknown = set(data) - {"blocks", "paths"}
        if unknown:
            raise ConfigError(f"model: unknown key(s) {sorted(unknown)}; expected 'blocks' and 'paths'")
        if "blocks" not in data:
            raise ConfigError("model.blocks: required")
        return cls(data["blocks"], data.get("paths"))

    def to_json(self) -> str:
        """The canonical JSON form."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict form (``blocks`` and ``paths``)."""
        return json.loads(self._json)  # type: ignore[no-any-return]

    def to_syntax(self) -> str:
        """The model as syntax text (round-trips through :class:`PathModel`).

        Raises :class:`ConfigError` naming the first latent or indicator that the syntax cannot
        spell (a latent must be an identifier; an indicator may not hold spaces, ``+ ~ = < # ;``):
        its text would re-parse into a different model. :meth:`to_json` keeps every name.
        """
        for b in self._spec["blocks"]:
            if not _LATENT.match(b["name"]):
                raise ConfigError(
                    f"to_syntax: latent {b['name']!r} is not an identifier (letters, digits, _ and ., not"
                    " starting with a digit); the syntax cannot spell it: use to_json()"
                )
            for c in b["indicators"]:
                if not _NAME.match(c):
                    raise ConfigError(
                        f"to_syntax: indicator {c!r} (block {b['name']!r}) holds a space or one of + ~ = < # ;"
                        " that the syntax reads as an operator; use to_json()"
                    )
        lines = [
            f"{b['name']} {'=~' if b['mode'] == 'A' else '<~'} {' + '.join(b['indicators'])}"
            for b in self._spec["blocks"]
        ]
        for to in self.latents:
            froms = [f for f, t in self.paths if t == to]
            if froms:
                lines.append(f"{to} ~ {' + '.join(froms)}")
        return "\n".join(lines)

    # -- accessors
    @property
    def latents(self) -> list[str]:
        """Latent names in block order."""
        return [b["name"] for b in self._spec["blocks"]]

    @property
    def blocks(self) -> dict[str, list[str]]:
        """Latent -> indicator columns."""
        return {b["name"]: list(b["indicators"]) for b in self._spec["blocks"]}

    @property
    def modes(self) -> dict[str, str]:
        """Latent -> mode ("A" or "B")."""
        return {b["name"]: b["mode"] for b in self._spec["blocks"]}

    @property
    def paths(self) -> list[tuple[str, str]]:
        """Structural paths as (from, to) pairs."""
        return [(p["from"], p["to"]) for p in self._spec["paths"]]

    @property
    def indicators(self) -> list[str]:
        """Every indicator column, block by block."""
        return [c for b in self._spec["blocks"] for c in b["indicators"]]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PathModel)
            and self._json == other._json
            and self.consistent == other.consistent
            and self.composites == other.composites
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        extra = (", consistent=True" if self.consistent else "") + (
            f", composites={list(self.composites)!r}" if self.composites else ""
        )
        try:
            return f"PathModel({self.to_syntax()!r}{extra})"
        except ConfigError:  # names the syntax cannot spell
            return f"PathModel.from_json({self._json!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        if self.consistent or self.composites:
            return (_model_with, (self._json, self.consistent, self.composites))
        return (PathModel.from_json, (self._json,))

    def _composites(self, composites: Sequence[str] | None) -> list[str] | None:
        """The composites to pass on: the keyword, else the model's (None: keep the configuration's)."""
        if composites is not None:
            return [str(c) for c in ([composites] if isinstance(composites, str) else composites)]
        return list(self.composites) if self.composites else None

    # -- estimation
    @renamed(bootstrap="n_bootstrap", confidence="level")
    def fit(
        self,
        data: Any,
        *,
        config: Any = None,
        scheme: str | None = None,
        scaled: bool | None = None,
        tolerance: float | None = None,
        convergence: str | None = None,
        max_iter: int | None = None,
        missing: str | None = None,
        indices: bool | None = None,
        scale_min: float | None = None,
        scale_max: float | None = None,
        ipma_target: str | None = None,
        n_bootstrap: int | None = None,
        seed: int | None = None,
        level: float | None = None,
        vif_limit: float | None = None,
        consistent: bool | None = None,
        composites: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
        workers: int = 1,
    ) -> PLSResult:
        """Estimate the model on ``data``.

        Parameters
        ----------
        data
            A DataFrame (pandas, polars, Arrow, dict of columns) holding every indicator
            column; other columns are ignored. Or a 2-D array with ``columns=`` naming its
            columns. Missing values (NaN, None, ``pd.NA``) follow ``missing``.
        config
            :class:`PlsConfig`, a dict of its keys, JSON text or a JSON file; the keyword
            options below override it.
        scheme
            Inner weighting: ``"centroid"`` (default), ``"factorial"`` or ``"path"``.
        scaled
            Standardise the indicators (default True); False centres only (as the
            published ECSI bank example).
        tolerance, convergence, max_iter
            Stop when max |(|w_old| - |w_new|)| < tolerance (``convergence="max_abs"``,
            default 1e-10: converged to about 1e-10), or with R plspm's rule
            sum (|w_old| - |w_new|)^2 < tolerance (``convergence="plspm"``; R plspm's and the
            published figures use tolerance 1e-6); at most max_iter (300) iterations.
            Non-convergence is reported (``converged``) and warned.
        missing
            ``"mean"`` (replace by the column mean, default) or ``"listwise"`` (drop records).
        indices, scale_min, scale_max
            Compute the 0-100 indices and IPMA on the rating scale [scale_min, scale_max]
            (default True, 1, 10). A value outside the scale is an InputError.
        ipma_target
            Target latent of the IPMA (default: the last latent without successors).
        n_bootstrap, seed, level
            Bootstrap resamples (default 0), their seed (0) and the percentile-interval
            coverage (0.95); the configuration keys ``bootstrap`` and ``confidence``. The old
            keyword names ``bootstrap=`` and ``confidence=`` still work, with a DeprecationWarning.
        vif_limit
            A :class:`PlsWarning` names the constructs whose inner-model VIF, or the Mode B
            indicators whose VIF, exceeds this (default 5).
        consistent
            Consistent PLS (PLSc, Dijkstra & Henseler 2015; default: the model's
            ``consistent``). Mode A blocks of two or more indicators are common factors:
            their construct correlations are divided by sqrt(rho_A) and their loadings are
            sqrt(rho_A) w / (w'w); paths, R2, effects, VIF and f2 follow from the corrected
            correlations (OLS). Mode B blocks are left as they are. An inadmissible solution
            (rho_A > 1 or <= 0, a corrected correlation or loading above 1) is flagged
            (``inadmissible``) and warned; a block with rho_A <= 0 is left uncorrected.
        composites
            Mode A blocks PLSc leaves uncorrected (composites, not common factors); default:
            the model's ``composites``. The configuration key ``composites``.
        workers
            Threads (``<= 0``: all cores). Results do not depend on it.

        Returns
        -------
        PLSResult

        Examples
        --------
        >>> import servscore as ss
        >>> survey = ss.datasets.sample(seed=1, n_respondents=300).index_survey
        >>> m = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3; SAT ~ IMAG")
        >>> r = m.fit(survey)
        >>> bool(r.converged and (r.rho_a > 0).all() and r.htmt.loc["IMAG", "SAT"] > 0)
        True
        >>> c = m.fit(survey, consistent=True)
        >>> bool(abs(c.paths.loc["SAT", "IMAG"]) >= abs(r.paths.loc["SAT", "IMAG"]))
        True

        Raises
        ------
        ConfigError
            A block naming a column that is not in the data, or invalid options.
        InputError
            Too few records, a non-numeric or infinite value, a value outside the scale, a
            column without variance, collinear indicators in a Mode B block, or collinear
            predictors of a latent (the message names the column, row, value or block).
        """
        cfg = _resolve(
            config,
            scheme=scheme,
            scaled=scaled,
            tolerance=tolerance,
            convergence=convergence,
            max_iter=max_iter,
            missing=missing,
            indices=indices,
            scale_min=scale_min,
            scale_max=scale_max,
            ipma_target=ipma_target,
            bootstrap=n_bootstrap,
            seed=seed,
            confidence=level,
            vif_limit=vif_limit,
            consistent=self.consistent if consistent is None else consistent,
            composites=self._composites(composites),
        )
        names = self.indicators
        if is_frame_like(data):
            frame = to_frame(data)
            # the model names indicators as text; a frame may label them with ints, tuples, ...
            as_text = {names_of([c])[0]: c for c in frame.columns}
            labels = [c if c in frame.columns else as_text.get(c, c) for c in names]
            absent = [c for c, lab in zip(names, labels) if lab not in frame.columns]
            if absent:
                owner = {c: lv for lv, cols in self.blocks.items() for c in cols}
                what = ", ".join(f"{c!r} (block {owner[c]!r})" for c in absent)
                raise ConfigError(
                    f"model: column(s) {what} not in the data; columns present: {', '.join(map(str, frame.columns[:30]))}"
                )
            cols = float_columns(frame, labels)
            if cols is None:
                x = numeric_matrix(frame, labels, name="data")  # names the first non-numeric value
                cols = [x[:, j] for j in range(len(names))]
            index = frame.index
        else:
            if columns is None:
                raise InputError("data: a 2-D array needs columns= naming its columns")
            arr = np.asarray(data, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != len(columns):
                raise InputError(f"data: expected a 2-D array with {len(columns)} columns, got shape {arr.shape}")
            text = names_of(list(columns))
            missing_cols = [c for c in names if c not in text]
            if missing_cols:
                raise ConfigError(f"model: column(s) {missing_cols} not in columns={list(columns)}")
            cols = [arr[:, text.index(c)] for c in names]  # strided views: read in place
            index = pd.RangeIndex(arr.shape[0])
        if len(index) == 0:
            raise InputError("data: the input is empty (0 rows)")
        try:
            r = _core.pls_fit_columns(cols, names, self._json, cfg, int(workers))
        except InputError as e:
            raise relabel_rows(e, index) from None
        for w in r["warnings"]:
            warnings.warn(w, PlsWarning, stacklevel=3)
        return _build_result(self, cfg, r, index)

    def fit_moments(
        self,
        moments: Any,
        *,
        config: Any = None,
        scheme: str | None = None,
        scaled: bool | None = None,
        tolerance: float | None = None,
        convergence: str | None = None,
        max_iter: int | None = None,
        indices: bool | None = None,
        scale_min: float | None = None,
        scale_max: float | None = None,
        ipma_target: str | None = None,
        vif_limit: float | None = None,
        consistent: bool | None = None,
        composites: Sequence[str] | None = None,
    ) -> PLSResult:
        """Estimate the model from a mergeable co-moment state (:class:`servscore.Moments`).

        Data summarised chunk by chunk, or on several machines and merged, give the same
        weights, paths, reliability, HTMT, indices and IPMA as :meth:`fit` with
        ``missing="listwise"`` on all the records. The state must be listwise and name the
        indicator columns. Latent scores are not available (``scores`` has no rows), values
        are not checked against the scale, and there is no bootstrap.

        Examples
        --------
        >>> import servscore as ss
        >>> survey = ss.datasets.sample(seed=1, n_respondents=400).index_survey
        >>> m = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3; SAT ~ IMAG")
        >>> acc = ss.Moments(columns=m.indicators)
        >>> for start in range(0, 400, 100):
        ...     _ = acc.update(survey.iloc[start:start + 100])
        >>> a = m.fit_moments(acc)
        >>> b = m.fit(survey, missing="listwise")
        >>> bool(abs(a.paths.loc["SAT", "IMAG"] - b.paths.loc["SAT", "IMAG"]) < 1e-10)
        True
        """
        cfg = _resolve(
            config,
            scheme=scheme,
            scaled=scaled,
            tolerance=tolerance,
            convergence=convergence,
            max_iter=max_iter,
            indices=indices,
            scale_min=scale_min,
            scale_max=scale_max,
            ipma_target=ipma_target,
            vif_limit=vif_limit,
            consistent=self.consistent if consistent is None else consistent,
            composites=self._composites(composites),
        )
        state = getattr(moments, "_state", moments)
        if state is None:
            raise InputError("moments: the state is empty; update it with data first")
        r = _core.pls_fit_moments(state, self._json, cfg)
        for w in r["warnings"]:
            warnings.warn(w, PlsWarning, stacklevel=2)
        return _build_result(self, cfg, r, pd.RangeIndex(0))


def _model_with(text: str, consistent: bool, composites: tuple[str, ...]) -> PathModel:
    """Unpickle a model made with ``consistent=`` or ``composites=``."""
    m = PathModel.from_json(text)
    m.consistent = consistent
    m.composites = tuple(composites)
    return m


def _resolve(config: Any, **overrides: Any) -> PlsConfig:
    """The configuration with the keyword options that are not None laid over it."""
    cfg: PlsConfig = resolve_config(config, PlsConfig)
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        cfg = PlsConfig.from_dict({**cfg.to_dict(), **given})
    check_count(cfg.bootstrap, setting="bootstrap", cap=MAX_BOOTSTRAP)  # 10^8 resamples: tens of GB
    return cfg


_FIT_MEASURES = ("srmr", "d_uls", "d_g")


def _percentile(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Type-7 percentile interval per column, as the C++ bootstrap (R's default quantile)."""
    a = (1.0 - confidence) / 2.0
    return np.quantile(x, a, axis=0), np.quantile(x, 1.0 - a, axis=0)


def _chains(adj: np.ndarray) -> list[list[int]]:
    """Every directed path of two or more structural paths (latent indices, from first to last), in
    the order of (from, to) and then depth first along the latent order."""
    J = adj.shape[0]
    out: list[list[int]] = []

    def walk(path: list[int]) -> None:
        for t in range(J):
            if adj[t, path[-1]]:
                nxt = [*path, t]
                if len(nxt) > 2:
                    out.append(nxt)
                walk(nxt)

    for f in range(J):
        walk([f])
    return sorted(out, key=lambda c: (c[0], c[-1]))


def _zhao(indirect_sig: bool, direct_sig: bool, same_sign: bool) -> str:
    """Mediation type of Zhao, Lynch & Chen (2010)."""
    if indirect_sig and direct_sig:
        return "complementary" if same_sign else "competitive"
    if indirect_sig:
        return "indirect-only"
    return "direct-only" if direct_sig else "no-effect"


def _mediation(
    lv: list[str], P: np.ndarray, adj: np.ndarray, b: dict[str, Any] | None, confidence: float
) -> tuple[pd.DataFrame, dict[str, np.ndarray] | None]:
    """Specific indirect effects (products of the path coefficients along each chain), with
    percentile intervals from the bootstrap resamples' paths, and the Zhao et al. (2010) type."""
    chains = _chains(adj)
    J = len(lv)
    est = np.array([np.prod([P[c[k + 1], c[k]] for k in range(len(c) - 1)]) for c in chains], dtype=np.float64)
    nan = np.full(len(chains), np.nan)
    cols: dict[str, Any] = {"mean": nan, "se": nan, "lower": nan, "upper": nan}
    direct = np.array([P[c[-1], c[0]] for c in chains], dtype=np.float64)
    dlo, dhi = nan.copy(), nan.copy()
    types: list[str | None] = [None] * len(chains)
    pair_ci = None
    samples = np.zeros((0, 0)) if b is None else np.asarray(b["samples"], dtype=np.float64)
    if b is not None and samples.shape[0] > 0:  # every resample failed: no interval
        kind = np.asarray(b["kind"], dtype=object)
        Bs = np.zeros((samples.shape[0], J, J))
        for col in np.flatnonzero(kind == "path"):
            Bs[:, int(b["second"][col]), int(b["first"][col])] = samples[:, col]
        spec = np.ones((samples.shape[0], len(chains)))
        for i, c in enumerate(chains):
            for k in range(len(c) - 1):
                spec[:, i] *= Bs[:, c[k + 1], c[k]]
        if chains:
            cols["mean"] = spec.mean(axis=0)
            cols["se"] = spec.std(axis=0, ddof=1) if samples.shape[0] > 1 else nan
            cols["lower"], cols["upper"] = _percentile(spec, confidence)
            dlo, dhi = _percentile(np.stack([Bs[:, c[-1], c[0]] for c in chains], axis=1), confidence)
        for i, c in enumerate(chains):
            isig = not (cols["lower"][i] <= 0.0 <= cols["upper"][i])
            dsig = bool(adj[c[-1], c[0]]) and not (dlo[i] <= 0.0 <= dhi[i])
            types[i] = _zhao(isig, dsig, est[i] * direct[i] > 0)
        # indirect and total effects of every pair, per resample
        ind = np.zeros_like(Bs)
        for i, c in enumerate(chains):
            ind[:, c[-1], c[0]] += spec[:, i]
        lo_i, hi_i = _percentile(ind, confidence)
        lo_t, hi_t = _percentile(ind + Bs, confidence)
        pair_ci = {"indirect_lower": lo_i, "indirect_upper": hi_i, "total_lower": lo_t, "total_upper": hi_t}
    frame = pd.DataFrame(
        {
            "from": pd.Categorical([lv[c[0]] for c in chains], categories=lv),
            "to": pd.Categorical([lv[c[-1]] for c in chains], categories=lv),
            "mediators": pd.Index([" -> ".join(lv[j] for j in c[1:-1]) for c in chains], dtype=object),
            "effect": est,
            **cols,
            "direct": direct,
            "direct_lower": dlo,
            "direct_upper": dhi,
            "type": pd.Categorical(
                types, categories=["complementary", "competitive", "indirect-only", "direct-only", "no-effect"]
            ),
        },
        index=pd.Index([" -> ".join(lv[j] for j in c) for c in chains], dtype=object, name="path"),
    )
    return frame, pair_ci


def _build_result(model: PathModel, cfg: PlsConfig, r: dict[str, Any], index: pd.Index) -> PLSResult:
    lv: list[str] = r["latents"]
    ind: list[str] = r["indicators"]
    block_of = np.asarray(r["block_of"], dtype=np.int64)
    # object-dtype labels: pandas 3 would build an Arrow string array for every index, which costs more
    # than the whole estimation on a survey of a few hundred records
    lv_idx = pd.Index(lv, dtype=object)
    lv_cat = pd.Categorical.from_codes(block_of, categories=lv_idx)
    modes = list(r["modes"])
    adj = np.asarray(r["adjacency"])
    endo = adj.sum(axis=1) > 0
    has_index = bool(cfg.indices)
    outer = pd.DataFrame(
        {
            "latent": lv_cat,
            "mode": pd.Categorical.from_codes(
                np.array([modes[b] == "B" for b in block_of], dtype=np.int64), pd.Index(["A", "B"], dtype=object)
            ),
            "weight": r["weights"],
            "loading": r["loadings"],
            "vif": r["vif_outer"],
            "communality": r["communalities"],
            "redundancy": r["redundancies"],
            "mean": r["means"],
            "sd": r["sds"],
        },
        index=pd.Index(ind, dtype=object, name="indicator"),
    )
    if has_index:
        outer["index_weight"] = r["index_weights"]
    count = np.bincount(block_of, minlength=len(lv))
    cross = pd.DataFrame(r["cross_loadings"], index=outer.index, columns=lv_idx)
    paths = pd.DataFrame(r["paths"], index=lv_idx.rename("to"), columns=lv_idx.rename("from"))
    P = np.asarray(r["paths"])
    SE = np.asarray(r["path_se"])
    fi = np.array([lv.index(f) for f, _ in model.paths], dtype=np.int64)
    ti = np.array([lv.index(t) for _, t in model.paths], dtype=np.int64)
    est, se = P[ti, fi], SE[ti, fi]
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = np.where(se > 0, est / np.where(se > 0, se, 1.0), np.inf)
    inner = pd.DataFrame(
        {
            "from": pd.Categorical.from_codes(fi, categories=lv_idx),
            "to": pd.Categorical.from_codes(ti, categories=lv_idx),
            "estimate": est,
            "se": se,
            "t": tval,
            "p": np.asarray(r["path_p"])[ti, fi],
            "vif": np.asarray(r["vif_inner"])[ti, fi],
            "f2": np.asarray(r["f2"])[ti, fi],
        }
    )
    vif = pd.DataFrame(
        {
            "kind": pd.Categorical(["inner"] * len(fi) + ["outer"] * len(ind), categories=["inner", "outer"]),
            "latent": pd.Categorical.from_codes(np.concatenate([ti, block_of]), categories=lv_idx),
            "variable": pd.Index([lv[f] for f in fi] + ind, dtype=object),
            "vif": np.concatenate([np.asarray(r["vif_inner"])[ti, fi], np.asarray(r["vif_outer"])]),
        }
    )
    total = np.asarray(r["total"])
    # every pair joined by a directed path, ordered by (from, to)
    tt, ff = np.nonzero(((adj != 0) | (np.abs(total) > 0)) & ~np.eye(len(lv), dtype=bool))
    order = np.lexsort((tt, ff))
    ff, tt = ff[order], tt[order]
    effects = pd.DataFrame(
        {
            "from": pd.Categorical.from_codes(ff, categories=lv_idx),
            "to": pd.Categorical.from_codes(tt, categories=lv_idx),
            "direct": P[tt, ff],
            "indirect": np.asarray(r["indirect"])[tt, ff],
            "total": total[tt, ff],
        }
    )
    mediation, pair_ci = _mediation(lv, P, adj, r["bootstrap"], cfg.confidence)
    if pair_ci is not None:
        for k, v in pair_ci.items():
            effects[k] = v[tt, ff]
    fs, fe, us, ue, gs, ge = r["fit"]
    fit = pd.DataFrame(
        {"saturated": [fs, us, gs], "estimated": [fe, ue, ge]},
        index=pd.Index(list(_FIT_MEASURES), dtype=object, name="measure"),
    )
    latents = pd.DataFrame(
        {
            "mode": pd.Categorical(modes, categories=["A", "B"]),
            "indicators": count,
            "type": pd.Categorical.from_codes(
                endo.astype(np.int64), pd.Index(["exogenous", "endogenous"], dtype=object)
            ),
            "r2": r["r2"],
            "r2_adj": r["r2_adj"],
            "alpha": r["alpha"],
            "alpha_std": r["alpha_std"],
            "rho": r["rho"],
            "rho_c": r["rho_c"],
            "rho_a": r["rho_a"],
            "ave": r["ave"],
            "eig1": r["eig1"],
            "eig2": r["eig2"],
            "mean_communality": np.bincount(block_of, r["communalities"], len(lv)) / count,
            "mean_redundancy": np.bincount(block_of, r["redundancies"], len(lv)) / count,
            "aic": r["aic"],
            "bic": r["bic"],
        },
        index=lv_idx.rename("latent"),
    )
    if has_index:
        latents["index"] = r["index"]
    scores = pd.DataFrame(r["scores"], index=index, columns=lv_idx, copy=False)
    index_scores = pd.DataFrame(r["index_scores"], index=index, columns=lv_idx, copy=False) if has_index else None
    ipma = ipma_ind = None
    target = None
    if has_index:
        target = lv[int(r["ipma_target"])]
        imp = np.asarray(r["ipma_importance"])
        keep = [j for j in range(len(lv)) if j != int(r["ipma_target"]) and total[int(r["ipma_target"]), j] != 0]
        ipma = pd.DataFrame(
            {"importance": imp[keep], "performance": np.asarray(r["index"])[keep]},
            index=pd.Index([lv[j] for j in keep], dtype=object, name="latent"),
        )
        rows = [i for i, b in enumerate(r["block_of"]) if b in keep]
        ipma_ind = pd.DataFrame(
            {
                "latent": pd.Categorical.from_codes(block_of[rows], categories=lv_idx),
                "importance": np.asarray(r["ipma_indicator_importance"])[rows],
                "performance": np.asarray(r["ipma_indicator_performance"])[rows],
            },
            index=pd.Index([ind[i] for i in rows], dtype=object, name="indicator"),
        )
    boot = None
    b = r["bootstrap"]
    if b is not None:
        kinds = ["weight", "loading", "path", "total", "r2"]
        first = np.asarray(b["first"], dtype=np.int64)
        second = np.asarray(b["second"], dtype=np.int64)
        is_ind = np.isin(np.asarray(b["kind"], dtype=object), ["weight", "loading"])
        names = np.array(lv + ind, dtype=object)
        labels_a = pd.Categorical(names[np.where(is_ind, first + len(lv), first)], categories=pd.Index(names))
        boot = pd.DataFrame(
            {
                "statistic": pd.Categorical(b["kind"], categories=kinds),
                "from": labels_a,
                "to": pd.Categorical.from_codes(second, categories=lv_idx),
                "original": b["original"],
                "mean": b["mean"],
                "se": b["se"],
                "t": b["t"],
                "lower": b["lower"],
                "upper": b["upper"],
            }
        )
    return PLSResult(
        model=model,
        config=cfg,
        latents=latents,
        outer=outer,
        cross_loadings=cross,
        paths=paths,
        inner=inner,
        effects=effects,
        mediation=mediation,
        fit=fit,
        gof=float(r["gof"]),
        htmt=pd.DataFrame(r["htmt"], index=lv_idx, columns=lv_idx),
        htmt2=pd.DataFrame(r["htmt2"], index=lv_idx, columns=lv_idx),
        fornell_larcker=pd.DataFrame(r["fornell_larcker"], index=lv_idx, columns=lv_idx),
        vif=vif,
        f2=pd.DataFrame(r["f2"], index=lv_idx.rename("to"), columns=lv_idx.rename("from")),
        consistent=bool(r["consistent"]),
        inadmissible=bool(r["inadmissible"]),
        latent_correlations=pd.DataFrame(r["latent_correlations"], index=lv_idx, columns=lv_idx),
        scores=scores,
        index_scores=index_scores,
        ipma_target=target,
        ipma=ipma,
        ipma_indicators=ipma_ind,
        bootstrap=boot,
        bootstrap_samples=None if b is None else np.asarray(b["samples"]),
        bootstrap_requested=0 if b is None else int(b["requested"]),
        bootstrap_failed=0 if b is None else int(b["failed"]),
        iterations=int(r["iterations"]),
        converged=bool(r["converged"]),
        n_records=int(r["n_records"]),
        n_used=int(r["n_used"]),
        n_missing=int(r["n_missing"]),
        n_incomplete=int(r["n_incomplete"]),
        missing=str(r["missing"]),
        warnings=tuple(r["warnings"]),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class PLSResult(Result):
    """A fitted PLS path model.

    Attributes
    ----------
    latents
        One row per latent: mode, indicators, type (exogenous / endogenous), r2, r2_adj,
        alpha (raw Cronbach), alpha_std (standardised), rho (Dillon-Goldstein, from the
        first principal component, as R plspm), rho_c (composite reliability from the
        loadings, as seminr and cSEM), rho_a (Dijkstra & Henseler 2015), ave, eig1, eig2
        (of the block's correlation matrix), mean_communality, mean_redundancy and the
        0-100 ``index``, and aic, bic (per endogenous latent, as seminr: n log(SSE/n) + 2(q+1)
        and n log(SSE/n) + (q+1) log n, SSE = (1 - R2)(n - 1) from the PLS scores' R2 on its
        q predecessors; NaN for exogenous latents). One-indicator blocks have alpha, rho, rho_c, rho_a, eig1 = 1 and
        eig2 = 0. Reliability is computed for every block; it is meaningful for Mode A blocks.
    outer
        One row per indicator: latent, mode, weight (standardised outer weight), loading,
        vif (on the other indicators of the block), communality, redundancy, mean, sd and index_weight (unstandardised weight
        normalised to sum 1 within the block; see ``warnings``).
    cross_loadings
        Indicators x latents correlations.
    paths
        Latents x latents path coefficients, rows = to, columns = from.
    inner
        One row per structural path: from, to, estimate, se (OLS), t, p (two-sided, Student t on
        n - predecessors - 1 degrees of freedom, as R plspm's ``Pr(>|t|)``), vif (of ``from``
        among the predecessors of ``to``) and f2 ((R2 - R2 without ``from``) / (1 - R2), from
        the same construct correlations, as cSEM).
    effects
        from, to, direct, indirect, total for every pair joined by a directed path; with the
        bootstrap also indirect_lower, indirect_upper, total_lower, total_upper (percentile
        intervals from the resamples' paths).
    mediation
        One row per specific indirect effect, indexed by its path (``"IMAG -> EXPE -> SAT"``):
        from, to, mediators, effect (the product of the path coefficients along it), mean, se,
        lower, upper (bootstrap percentile interval at ``config.confidence``; NaN without the
        bootstrap), direct (the path from -> to, 0 when the model has none) with direct_lower,
        direct_upper, and type (Zhao, Lynch & Chen 2010: complementary, competitive,
        indirect-only, direct-only, no-effect; an effect is significant when its interval
        excludes 0, a missing direct path never is; missing without the bootstrap).
    fit
        Overall model fit as cSEM's ``assess()``: rows srmr, d_uls, d_g; columns saturated
        (the construct correlations as estimated) and estimated (those the structural model
        implies). d_G uses ``config.dg_log_base`` (10, as cSEM and ADANCO). Without PLSc every
        block is a composite (its implied within-block correlations are the observed ones);
        with PLSc the corrected blocks are common factors.
    gof
        Goodness of fit: sqrt(mean communality over blocks of > 1 indicator x mean R2).
    htmt, htmt2, latent_correlations
        Latents x latents heterotrait-monotrait ratios of the absolute indicator correlations
        (HTMT: arithmetic means, Henseler et al. 2015; HTMT2: geometric means, Roemer et al.
        2021) and latent score correlations.
    fornell_larcker
        Latents x latents: sqrt(AVE) on the diagonal, construct correlations off it.
    vif
        One row per VIF: kind ``inner`` (latent = the endogenous latent, variable = a
        predecessor) or ``outer`` (latent = the block, variable = an indicator; inf when
        the block is collinear). A :class:`PlsWarning` names the constructs above ``vif_limit``.
    f2
        Latents x latents effect sizes (rows = to, columns = from; NaN where no path).
    consistent, inadmissible
        Whether PLSc was applied, and whether its solution is inadmissible (see :meth:`PathModel.fit`).
        With PLSc, paths, inner, effects, r2, loadings, communalities, redundancies, rho_c,
        ave, fornell_larcker, latent_correlations, vif (inner) and f2 are the corrected
        figures; weights, cross_loadings, scores and indices are those of PLS.
    scores, index_scores
        Records x latents: standardised latent scores and 0-100 latent scores (NaN rows
        for records dropped by listwise deletion).
    ipma_target, ipma, ipma_indicators
        Importance (unstandardised total effect on the target, from the 0-100 scores)
        and performance (0-100) per latent and per indicator.
    bootstrap
        None, or one row per statistic (weight, loading, path, total, r2): original,
        mean, se, t, lower, upper (percentile interval at ``config.confidence``).
    bootstrap_failed
        Resamples skipped (no variance, singular block or regression, no convergence).
    iterations, converged, n_records, n_used, n_missing, n_incomplete, missing, warnings
        How the fit went and what was done about missing values.
    """

    model: PathModel
    config: PlsConfig
    latents: pd.DataFrame
    outer: pd.DataFrame
    cross_loadings: pd.DataFrame
    paths: pd.DataFrame
    inner: pd.DataFrame
    effects: pd.DataFrame
    mediation: pd.DataFrame
    fit: pd.DataFrame
    gof: float
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    fornell_larcker: pd.DataFrame
    vif: pd.DataFrame
    f2: pd.DataFrame
    consistent: bool
    inadmissible: bool
    latent_correlations: pd.DataFrame
    scores: pd.DataFrame
    index_scores: pd.DataFrame | None
    ipma_target: str | None
    ipma: pd.DataFrame | None
    ipma_indicators: pd.DataFrame | None
    bootstrap: pd.DataFrame | None
    bootstrap_samples: np.ndarray | None
    bootstrap_requested: int
    bootstrap_failed: int
    iterations: int
    converged: bool
    n_records: int
    n_used: int
    n_missing: int
    n_incomplete: int
    missing: str
    warnings: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-latent table (R2, reliability, index)."""
        return self.latents

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (scores and bootstrap samples left out; see the attributes)."""
        d = super().to_dict()
        d["model"] = self.model.to_dict()
        d["config"] = self.config.to_dict()
        for k in ("scores", "index_scores", "bootstrap_samples"):
            d.pop(k, None)
        return d

    @property
    def r2(self) -> pd.Series:
        """R2 of the endogenous latents."""
        t = self.latents
        return t.loc[t["type"] == "endogenous", "r2"]

    @property
    def rho_a(self) -> pd.Series:
        """rho_A of every latent (Dijkstra & Henseler 2015)."""
        return self.latents["rho_a"]

    @property
    def rho_c(self) -> pd.Series:
        """Composite reliability rho_c of every latent, from the loadings."""
        return self.latents["rho_c"]

    @property
    def index(self) -> pd.Series | None:
        """The 0-100 index of every latent (None when indices were not computed)."""
        return self.latents["index"] if "index" in self.latents.columns else None

    def _summary_lines(self) -> list[str]:
        lines = [
            f"{len(self.latents)} latents, {len(self.outer)} indicators, {len(self.inner)} paths;"
            f" scheme {self.config.scheme}, {'scaled' if self.config.scaled else 'centred'} data",
            f"{self.n_used} of {self.n_records} records used ({self.missing}: {self.n_missing} missing cell(s) in"
            f" {self.n_incomplete} record(s)); {self.iterations} iteration(s),"
            f" {'converged' if self.converged else 'NOT converged'}; GoF {self.gof:.4f}",
        ]
        if self.consistent:
            lines.append(
                "consistent PLS (PLSc): Mode A blocks corrected with rho_A"
                + ("; INADMISSIBLE solution (see warnings)" if self.inadmissible else "")
            )
        f = self.fit
        lines.append(
            f"fit: SRMR {f.at['srmr', 'saturated']:.4f} saturated, {f.at['srmr', 'estimated']:.4f} estimated;"
            f" d_ULS {f.at['d_uls', 'saturated']:.4f} / {f.at['d_uls', 'estimated']:.4f};"
            f" d_G {f.at['d_g', 'saturated']:.4f} / {f.at['d_g', 'estimated']:.4f}"
        )
        if self.bootstrap is not None:
            lines.append(f"bootstrap: {self.bootstrap_requested} resamples, {self.bootstrap_failed} failed")
        lines += [f"warning: {w}" for w in self.warnings]
        return lines

    def summary(self) -> Summary:
        """A report: fit, latents, paths (with bootstrap when run), effects, mediation, model fit,
        outer model, HTMT, IPMA;
        text (``str()``, ``.text``) and HTML (``.html``, shown by Jupyter)."""
        inner = self.inner
        if self.bootstrap is not None:
            bp = self.bootstrap[self.bootstrap["statistic"] == "path"][["from", "to", "se", "lower", "upper"]]
            inner = inner.merge(bp.rename(columns={"se": "boot_se"}), on=["from", "to"], how="left")
        reliability = self.latents[["mode", "indicators", "alpha", "rho_c", "rho_a", "ave"]]
        sections = [
            ("Latent variables", self.latents),
            ("Paths", inner),
            ("Effects", self.effects),
            *([("Specific indirect effects (mediation)", self.mediation)] if len(self.mediation) else []),
            ("Model fit", self.fit),
            ("Outer model", self.outer),
            ("Reliability", reliability),
            ("Fornell-Larcker (sqrt AVE on the diagonal)", self.fornell_larcker),
            ("HTMT", self.htmt),
            ("HTMT2", self.htmt2),
        ]
        if self.ipma is not None:
            sections.append((f"IPMA (target {self.ipma_target})", self.ipma))
        return Summary("PLS path model", self._summary_lines(), sections=sections, float_format=".4f")

    def plot(self, ax: Any = None, *, kind: str = "paths", **kwargs: Any) -> Any:
        """Draw the path diagram with coefficients (``kind="paths"``), the IPMA map (``kind="ipma"``)
        or the HTMT / HTMT2 heat map (``kind="htmt"`` / ``"htmt2"``; ``limit=0.85`` outlines the
        cells above it).

        Returns the matplotlib Axes. Labels follow :func:`servscore.set_language`.
        """
        from ._pls_plot import htmt_map, ipma_map, path_diagram

        if kind == "paths":
            return path_diagram(self, ax=ax, **kwargs)
        if kind == "ipma":
            return ipma_map(self, ax=ax, **kwargs)
        if kind in ("htmt", "htmt2"):
            return htmt_map(self, ax=ax, kind=kind, **kwargs)
        raise ConfigError(f"kind: {kind!r}; expected 'paths', 'ipma', 'htmt' or 'htmt2'")


def _as_model(model: Any) -> PathModel:
    if isinstance(model, PathModel):
        return model
    if isinstance(model, Mapping):
        return PathModel.from_dict(model)
    if isinstance(model, str):
        s = model.lstrip()
        return PathModel.from_json(model) if s.startswith("{") else PathModel(model)
    raise ConfigError(f"model: expected a PathModel, syntax text, JSON or a dict, got {type(model).__name__}")
