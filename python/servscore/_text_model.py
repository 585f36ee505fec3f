"""The trainable text classifier (``ss.text.Classifier``): the Python face of the compiled
``_core.TextClassifier`` (one-vs-rest logistic models over hashed word and character n-grams,
Platt-calibrated). C++ owns the state; this module coerces inputs and shapes outputs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import InputError, TextClassifierConfig

__all__ = ["Classifier", "TextClassifierConfig"]

DEFAULT_MODEL = "default.ssm"


def _texts(data: Any, name: str = "texts") -> tuple[Any, pd.Index]:
    from .text import as_texts

    return as_texts(data, name=name)


def _features(features: Any, n: int, names: list[str] | None = None) -> np.ndarray | None:
    """Texts x k float64 C-contiguous array; a DataFrame is put in the order of ``names``."""
    if features is None:
        return None
    if isinstance(features, pd.DataFrame):
        cols = [str(c) for c in features.columns]
        if names:
            missing = [c for c in names if c not in set(cols)]
            extra = [c for c in cols if c not in set(names)]
            if missing or extra:
                raise InputError(
                    "features: the columns differ from the model's feature names"
                    + (f"; missing: {', '.join(missing[:10])}" if missing else "")
                    + (f"; unknown: {', '.join(extra[:10])}" if extra else "")
                )
            if cols != names:
                features = features.set_axis(cols, axis=1)[names]
        try:
            arr = features.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("features: DataFrame columns must hold numbers") from None
    else:
        try:
            arr = np.asarray(features, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("features: expected numbers (a 2-D array texts x features)") from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise InputError(f"features: expected a 2-D array (texts x features), got {arr.ndim} dimension(s)")
    if arr.shape[0] != n:
        raise InputError(f"features: {arr.shape[0]} rows; expected one per text ({n})")
    if not np.isfinite(arr).all():
        r, c = np.argwhere(~np.isfinite(arr))[0]
        col = names[c] if names and c < len(names) else str(c)
        raise InputError(
            f"features: row {r}, column {col}: {float(arr[r, c])!r} is not finite; fill missing values first"
        )
    return np.ascontiguousarray(arr)


def _label_matrix(labels: Any, n: int) -> tuple[np.ndarray, list[str]]:
    """0/1 matrix and label names from a DataFrame of 0/1 columns or a list of label collections."""
    if isinstance(labels, pd.DataFrame):
        cols = [str(c) for c in labels.columns]
        vals = labels.to_numpy()
        try:
            y = vals.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError("labels: DataFrame columns must hold 0/1 values") from None
        bad = ~np.isin(y, (0.0, 1.0))
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InputError(f"labels: column '{cols[c]}', row {r}: {vals[r, c]!r}; expected 0 or 1")
        if len(y) != n:
            raise InputError(f"labels: {len(y)} rows; expected one per text ({n})")
        return np.ascontiguousarray(y.astype(np.uint8)), cols
    if isinstance(labels, (str, bytes)):
        raise InputError("labels: expected one collection of labels per text, got a single string")
    rows = list(labels)
    if len(rows) != n:
        raise InputError(f"labels: {len(rows)} rows; expected one per text ({n})")
    names: list[str] = []
    seen: dict[str, int] = {}
    sets = []
    for i, row in enumerate(rows):
        r = () if row is None else (row,) if isinstance(row, str) else row
        if not isinstance(r, Iterable):
            raise InputError(f"labels: row {i}: expected a list or set of label strings, got {type(r).__name__}")
        s = []
        for lab in r:
            if not isinstance(lab, str):
                raise InputError(f"labels: row {i}: label {lab!r} is not a string")
            if lab not in seen:
                seen[lab] = len(names)
                names.append(lab)
            s.append(seen[lab])
        sets.append(s)
    if not names:
        raise InputError("labels: no labels at all; expected at least one text with a label")
    order = sorted(range(len(names)), key=lambda j: names[j])
    remap = {old: new for new, old in enumerate(order)}
    y = np.zeros((n, len(names)), dtype=np.uint8)
    for i, s in enumerate(sets):
        for j in s:
            y[i, remap[j]] = 1
    return y, [names[j] for j in order]


def rule_feature_frame(matches: Any, ev: dict[str, Any], style: np.ndarray) -> pd.DataFrame:
    """The rule features (see :meth:`Classifier.rule_features`) from a cue match result, its
    ``cue_evidence`` and the rules' style per text (column-wise, no loop over texts)."""
    from .model import HumanNeed, LostSaleReason, SocialStyle

    counts = matches.counts.to_numpy(dtype=np.float64)
    n = counts.shape[0]
    cols: dict[str, np.ndarray] = {}
    for j, c in enumerate(matches.counts.columns):
        name = str(c)[4:] if str(c).startswith("cue_") else str(c)
        cols[f"rule:cue:{name}"] = np.log1p(counts[:, j])
    zeros = np.zeros(n)
    ls = np.asarray(ev.get("lost_sale", np.zeros((n, 14))), dtype=np.float64)
    for j, r in enumerate(LostSaleReason.names()):
        cols[f"rule:lost_sale:{r}"] = ls[:, j]
    nd = np.asarray(ev.get("needs", np.zeros((n, 10))), dtype=np.float64)
    for j, r in enumerate(HumanNeed.names()):
        cols[f"rule:need:{r}"] = nd[:, j]
    for k in ("assertiveness", "responsiveness", "style_hits"):
        cols[f"rule:{k}"] = np.asarray(ev.get(k, zeros), dtype=np.float64)
    style = np.asarray(style).astype(str)
    for st in SocialStyle.names():
        cols[f"rule:style:{st}"] = (style == st).astype(np.float64)
    for k in ("procedural", "personal", "sentiment", "severity"):
        cols[f"rule:{k}"] = np.asarray(ev.get(k, zeros), dtype=np.float64)
    cols["rule:negated"] = matches.negated.to_numpy(dtype=np.float64).sum(axis=1)
    out = pd.DataFrame(cols)
    out.index = pd.RangeIndex(n)
    return out


class Classifier:
    """A trainable multi-label text classifier: one logistic model per label (one-vs-rest)
    over hashed word and character n-grams, the fastText features (Joulin et al. 2017), with
    Platt-calibrated probabilities. Chinese and English need no segmentation: CJK runs give
    character 1-3-grams, other words give the word, word bigrams and character 2-4-grams of
    ``<word>``.

    Parameters
    ----------
    config
        A :class:`TextClassifierConfig` (or dict); keyword arguments override its keys.
        Keys and defaults: ``word_ngrams=2``, ``char_min=2``, ``char_max=4``, ``cjk_max=3``,
        ``buckets=2**18``, ``min_count=1``, ``epochs=10``, ``learning_rate=0.5`` (AdaGrad),
        ``l2=1e-5``, ``seed=42``, ``balanced=True`` (class weights per label),
        ``calibration_folds=3`` (Platt on out-of-fold scores; 0 = plain sigmoid),
        ``fold_case=True``, ``fold_width=True``, ``exclusive_groups=[]`` (label prefixes such as
        ``"style:"`` of which ``predict`` gives at most one label per text).
    workers
        Threads for fit and predict; ``<= 0`` means all cores. Results do not depend on it.

    Examples
    --------
    >>> import servscore as ss
    >>> texts = ["the agent was rude", "great and quick help", "rude staff", "quick and kind"] * 3
    >>> labels = [["rude"], ["quick"], ["rude"], ["quick"]] * 3
    >>> clf = ss.text.Classifier(epochs=20, calibration_folds=0).fit(texts, labels)
    >>> clf.predict(["so rude"])
    [['rude']]
    """

    def __init__(self, config: Any = None, *, workers: int = 1, **kwargs: Any) -> None:
        if config is None:
            cfg = TextClassifierConfig(**kwargs)
        else:
            if isinstance(config, TextClassifierConfig):
                d = config.to_dict()
            elif isinstance(config, dict):
                d = dict(config)
            else:
                raise InputError(f"config: expected a TextClassifierConfig or dict, got {type(config).__name__}")
            d.update(kwargs)
            cfg = TextClassifierConfig.from_dict(d)
        self._model = _core.TextClassifier(cfg)
        self.workers = int(workers)

    # ------------------------------------------------------------------ training
    def fit(self, texts: Any, labels: Any, *, features: Any = None) -> Classifier:
        """Train on ``texts`` with ``labels``.

        Parameters
        ----------
        texts
            A list, array, Series or Arrow array of strings (missing texts count as empty).
        labels
            One collection (list / set / tuple) of label strings per text, or a DataFrame of 0/1
            columns named by label. Label columns are sorted by name for the list form.
        features
            Optional dense extra features (texts x k array or DataFrame of finite numbers), such
            as :meth:`rule_features`; they are standardised with the training mean and sd, and a
            DataFrame's column names are saved with the model (``feature_names``): prediction
            then takes a DataFrame with the same columns (in any order) or an array in that
            order.
        """
        seq, _ = _texts(texts)
        y, names = _label_matrix(labels, len(seq))
        X = _features(features, len(seq))
        fnames = [str(c) for c in features.columns] if isinstance(features, pd.DataFrame) else []
        self._model.fit(seq, y, names, X, self.workers, fnames)
        return self

    # ------------------------------------------------------------------ prediction
    def _check(self) -> None:
        if not self._model.fitted:
            raise InputError("Classifier: not fitted (call fit, load or Classifier.default() first)")

    def decision_function(self, texts: Any, *, features: Any = None) -> pd.DataFrame:
        """Raw scores ``w.x + b`` (texts x labels)."""
        self._check()
        seq, index = _texts(texts)
        s = self._model.decision_function(seq, _features(features, len(seq), self.feature_names), self.workers)
        return pd.DataFrame(s, index=index, columns=self.labels)

    def predict_proba(self, texts: Any, *, features: Any = None) -> pd.DataFrame:
        """Calibrated probabilities, a DataFrame of texts x labels (the input's index)."""
        self._check()
        seq, index = _texts(texts)
        p = self._model.predict_proba(seq, _features(features, len(seq), self.feature_names), self.workers)
        return pd.DataFrame(p, index=index, columns=self.labels)

    def predict(self, texts: Any, *, features: Any = None, as_frame: bool = False) -> Any:
        """Labels per text: probability >= the label's threshold, and at most one label per
        exclusive group (the most probable, if it reaches its threshold).

        Returns a list of label lists, or with ``as_frame=True`` a 0/1 DataFrame texts x labels.
        """
        return self.decide(self.predict_proba(texts, features=features), as_frame=as_frame)

    def decide(self, proba: Any, *, as_frame: bool = True) -> Any:
        """Decisions from probabilities already computed (``predict_proba`` output): a label is
        on where its probability reaches its threshold (``thresholds``), and of each exclusive
        group only the most probable label, if it reaches its threshold.

        Parameters
        ----------
        proba
            A DataFrame with one column per label (any order; the result follows ``labels``)
            or a texts x labels array in ``labels`` order, values in [0, 1].
        as_frame
            True (default): a 0/1 (int8) DataFrame texts x labels with the input's index;
            False: a list of label lists.
        """
        self._check()
        labels = self.labels
        if isinstance(proba, pd.DataFrame):
            cols = [str(c) for c in proba.columns]
            if set(cols) != set(labels) or len(cols) != len(labels):
                missing = [c for c in labels if c not in set(cols)]
                extra = [c for c in cols if c not in set(labels)]
                raise InputError(
                    "proba: the columns differ from the model's labels"
                    + (f"; missing: {', '.join(missing[:10])}" if missing else "")
                    + (f"; unknown: {', '.join(extra[:10])}" if extra else "")
                )
            index = proba.index
            arr = proba.set_axis(cols, axis=1)[labels].to_numpy(dtype=np.float64)
        else:
            arr = np.asarray(proba, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != len(labels):
                raise InputError(f"proba: shape {arr.shape}; expected texts x {len(labels)} labels")
            index = pd.RangeIndex(len(arr))
        bad = ~((arr >= 0) & (arr <= 1))
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InputError(
                f"proba: row {r}, label '{labels[c]}': {float(arr[r, c])!r}; expected a probability in [0, 1]"
            )
        d = self._model.decide(np.ascontiguousarray(arr))
        if as_frame:
            return pd.DataFrame(d.astype(np.int8), index=index, columns=labels)
        names = np.asarray(labels, dtype=object)
        return [list(names[row.astype(bool)]) for row in d]

    @staticmethod
    def rule_features(texts: Any, *, lexicon: Any = None, lang: str | None = None, workers: int = 1) -> pd.DataFrame:
        """The rule features of texts: what the cue lexicon (:func:`servscore.text.match_cues`)
        finds, as dense model inputs (texts x features, the input's order).

        Columns: ``rule:cue:<name>`` = log(1 + hits) per cue; ``rule:lost_sale:<reason>`` and
        ``rule:need:<need>``, the weighted hits per lost-sale reason and need;
        ``rule:assertiveness``, ``rule:responsiveness``, ``rule:style_hits`` (style evidence),
        ``rule:style:<style>`` (1 where the rules' style, :func:`servscore.styles.from_cues`,
        is that style), ``rule:procedural``, ``rule:personal``, ``rule:sentiment``,
        ``rule:severity`` and ``rule:negated`` (negated hits). ``classify`` gives these to a
        model trained with them (the default model is).
        """
        from .styles import from_cues
        from .text import match_cues

        m = match_cues(texts, lexicon=lexicon, lang=lang, workers=workers)
        counts = np.ascontiguousarray(m.counts.to_numpy(dtype=np.int32))
        ev = _core.cue_evidence(m.lexicon, counts)
        style = from_cues(m).table["style"].astype(str).to_numpy()
        return rule_feature_frame(m, ev, style)

    # ------------------------------------------------------------------ attributes
    @property
    def labels(self) -> list[str]:
        """Label names, in column order."""
        return list(self._model.labels)

    @property
    def feature_names(self) -> list[str]:
        """Names of the dense features the model was trained with (empty: none, or unnamed)."""
        return list(self._model.dense_names)

    @property
    def n_features(self) -> int:
        """Number of dense features the model was trained with."""
        return int(self._model.n_dense)

    @property
    def config(self) -> TextClassifierConfig:
        return self._model.config

    @property
    def thresholds(self) -> pd.Series:
        """Decision threshold per label (default 0.5); assign a Series, dict or sequence."""
        return pd.Series(self._model.thresholds, index=self.labels, name="threshold")

    @thresholds.setter
    def thresholds(self, value: Any) -> None:
        self._check()
        cur = dict(zip(self.labels, self._model.thresholds))
        if isinstance(value, (int, float)):
            cur = {k: float(value) for k in cur}
        elif isinstance(value, (dict, pd.Series)):
            for k, v in dict(value).items():
                if k not in cur:
                    raise InputError(f"thresholds: unknown label '{k}'; expected one of {self.labels}")
                cur[k] = float(v)
        else:
            vals = [float(v) for v in value]
            if len(vals) != len(cur):
                raise InputError(f"thresholds: {len(vals)} values; expected one per label ({len(cur)})")
            cur = dict(zip(cur, vals))
        self._model.thresholds = [cur[k] for k in self.labels]

    @property
    def exclusive_groups(self) -> list[str]:
        return list(self._model.config.exclusive_groups)

    @exclusive_groups.setter
    def exclusive_groups(self, groups: Iterable[str]) -> None:
        self._model.set_exclusive_groups(list(groups))

    @property
    def weights(self) -> np.ndarray:
        """Weights (used buckets, then dense features) x labels, float32."""
        w: np.ndarray = self._model.weights
        return w

    # ------------------------------------------------------------------ persistence
    def to_bytes(self) -> bytes:
        """The model in the versioned little-endian byte format (magic ``SSTMODEL``)."""
        self._check()
        return self._model.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, *, workers: int = 1) -> Classifier:
        """A model from ``to_bytes`` output; malformed bytes raise InputError."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"data: expected bytes, got {type(data).__name__}")
        obj = cls.__new__(cls)
        obj._model = _core.TextClassifier.from_bytes(bytes(data))
        obj.workers = int(workers)
        return obj

    def save(self, path: str | Path) -> None:
        """Write the model's bytes to ``path``."""
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path, *, workers: int = 1) -> Classifier:
        """Read a model written by ``save``."""
        return cls.from_bytes(Path(path).read_bytes(), workers=workers)

    @classmethod
    def default(cls, *, workers: int = 1) -> Classifier:
        """The shipped model, trained on the evaluation corpus's train split (labels
        ``lost_sale:*``, ``need:*``, ``style:*``, ``procedural:*``, ``personal:*``,
        ``sentiment:*``, ``severity:*``); see :meth:`default_info`."""
        ref = resources.files("servscore") / "data" / "text" / "model" / DEFAULT_MODEL
        return cls.from_bytes(ref.read_bytes(), workers=workers)

    @staticmethod
    def default_info() -> dict[str, Any]:
        """The shipped model's sidecar: training data, date, config and dev-split figures."""
        ref = resources.files("servscore") / "data" / "text" / "model" / "default.json"
        info: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
        return info

    def __getstate__(self) -> dict[str, Any]:
        return {
            "bytes": self.to_bytes() if self._model.fitted else None,
            "config": self.config.to_json(),
            "workers": self.workers,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state["bytes"] is not None:
            self._model = _core.TextClassifier.from_bytes(state["bytes"])
        else:
            self._model = _core.TextClassifier(TextClassifierConfig.from_json(state["config"]))
        self.workers = state["workers"]

    def __repr__(self) -> str:
        if not self._model.fitted:
            return f"Classifier(unfitted, {self.config.to_json()})"
        return (
            f"Classifier({len(self.labels)} labels, {len(self._model.used_buckets)} buckets used, "
            f"{self._model.n_dense} dense features)"
        )
