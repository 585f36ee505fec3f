"""Reading real export files: encodings, delimiters, Excel, answer labels, question headers, dates.

One reader for the Python API and every CLI command: :func:`read_table` takes a path (CSV /
TSV / text, Excel ``.xlsx``, Parquet, JSON Lines) or a DataFrame and returns the frame and a
:class:`ReadReport` saying what was detected and changed.

- **Encoding**: a byte-order mark decides (UTF-8, UTF-16 LE / BE as Excel's "Unicode text"
  writes); otherwise a strict cascade UTF-8 then GB18030 (a superset of GBK and GB2312, what
  Excel writes on Chinese Windows). No statistical guessing: a file either decodes strictly or
  is refused with the byte offset, line and encodings tried. ``encoding=`` overrides.
- **Delimiter**: comma, semicolon, tab or pipe, whichever splits the first lines into the same
  number (> 1) of fields; ``sep=`` overrides. A decimal comma (``3,5`` under ``;``) is read.
- **Labels**: see :mod:`servscore.labels`; ``labels=`` adds a user map.
- **Columns**: ``columns=`` renames headers (question text -> attribute or indicator name);
  Kano question pairs (如果提供X，您的感受是？ / 如果不提供X ...; "If X is available / not
  available, how do you feel?") are recognised and become ``X_f`` / ``X_d``.
- **Dates**: full date strings (2024-03-05, 2024/3/5, 2024年3月5日) and Excel serial days in a
  date-named column are parsed; ``month`` (``2024-03``) and ``quarter`` (``2024Q1``) columns
  are added from the first date column when absent, and ``wave`` when ``waves=`` is given.

>>> import pandas as pd, servscore as ss
>>> df, report = ss.read_table(pd.DataFrame({"q1": ["Very satisfied", "Dissatisfied", None]}))
>>> df["q1"].tolist()
[5.0, 2.0, nan]
>>> report.labels
{'q1': 'satisfaction_en'}
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Optional, Union

import numpy as np
import pandas as pd

from . import labels as _labels
from ._core import InputError
from .model import get_language

log = logging.getLogger("servscore.readers")
log.addHandler(logging.NullHandler())  # a library logs; the application decides where it goes

#: File extensions and the format each means.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",  # Excel's "Unicode text" (UTF-16, tab-separated): the delimiter is sniffed
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
#: The encodings tried, in order, when a file has no byte-order mark.
CASCADE = ("utf-8", "gb18030")
#: Delimiters sniffed, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50

Source = Union[str, "os.PathLike[str]", pd.DataFrame]


@dataclasses.dataclass
class ReadReport:
    """What :func:`read_table` detected and changed; ``lines()`` / ``str()`` say it in words."""

    source: str
    format: str = "frame"
    encoding: Optional[str] = None
    encoding_detected: bool = False
    sep: Optional[str] = None
    sep_detected: bool = False
    sheet: Optional[str] = None
    rows: int = 0
    columns: int = 0
    decimal_comma: list[str] = dataclasses.field(default_factory=list)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> label set (or "user")
    missing_labels: dict[str, int] = dataclasses.field(default_factory=dict)  # column -> answers made missing
    unknown_labels: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)  # column -> label -> n
    categoricals: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> "codes" / "values"
    renamed: dict[str, str] = dataclasses.field(default_factory=dict)  # header -> new name
    not_found: list[str] = dataclasses.field(default_factory=list)  # column-map headers absent
    dates: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> how it was parsed
    periods: dict[str, str] = dataclasses.field(default_factory=dict)  # added column -> from column

    def notable(self) -> bool:
        """True when anything beyond a plain UTF-8, comma-separated (or binary) read happened."""
        plain_enc = self.encoding in (None, "utf-8")
        plain_sep = self.sep in (None, ",") or (self.format == "tsv" and self.sep == "\t")
        return not (plain_enc and plain_sep) or any(
            (
                self.decimal_comma,
                self.labels,
                self.unknown_labels,
                self.categoricals,
                self.renamed,
                self.not_found,
                self.dates,
                self.periods,
            )
        )

    def lines(self, lang: str = "en") -> list[str]:
        """One line per finding, starting with the shape and how the file was decoded; ``lang="zh"``:
        the same lines in Chinese (names, encodings and label-set names kept)."""
        zh = lang == "zh"
        found = "（自动检测）" if zh else " (detected)"
        how = [self.format]
        if self.encoding:
            how.append(("编码 " if zh else "encoding ") + self.encoding + (found if self.encoding_detected else ""))
        if self.sep is not None:
            how.append(("分隔符 " if zh else "sep ") + repr(self.sep) + (found if self.sep_detected else ""))
        if self.sheet is not None:
            how.append(("工作表 " if zh else "sheet ") + repr(self.sheet))
        if zh:
            out = [f"{self.source}：{self.rows} 行 × {self.columns} 列；{'，'.join(how)}"]
        else:
            out = [f"{self.source}: {self.rows} rows x {self.columns} columns; {', '.join(how)}"]
        if self.decimal_comma:
            cols = ", ".join(self.decimal_comma)
            out.append(f"按小数逗号读取：{cols}" if zh else f"decimal comma read in {cols}")
        for old, new in self.renamed.items():
            out.append(f"列 {old!r} → {new!r}" if zh else f"column {old!r} -> {new!r}")
        if self.not_found:
            miss = ", ".join(map(repr, self.not_found))
            out.append(f"列映射：文件中没有 {miss}" if zh else f"column map: not in the file: {miss}")
        for c, name in self.labels.items():
            n = self.missing_labels.get(c, 0)
            if zh:
                out.append(f"列 {c!r}：{_zh_set(name)}的标签已转换为代码" + (f"；{n} 个设为缺失" if n else ""))
            else:
                out.append(f"column {c!r}: labels of {name} mapped to codes" + (f"; {n} made missing" if n else ""))
        for c, how_ in self.categoricals.items():
            if zh:
                out.append(f"列 {c!r}：有序分类，按其{'代码' if how_ == 'codes' else '取值'}读取")
            else:
                out.append(f"column {c!r}: ordered categorical read by its {how_}")
        for c, unknown in self.unknown_labels.items():
            n = sum(unknown.values())
            ex = ", ".join(f"{k!r} ({v})" for k, v in list(unknown.items())[:5])
            if zh:
                out.append(f"列 {c!r}：{n} 个回答的标签未知，例如 {ex}；请用 --labels 映射")
            else:
                out.append(f"column {c!r}: {n} answer(s) with unknown labels, e.g. {ex}; map them with labels=")
        for c, how_ in self.dates.items():
            if zh:
                out.append(f"列 {c!r}：已解析日期（{'Excel 序列日' if how_ == 'Excel serial days' else how_}）")
            else:
                out.append(f"column {c!r}: dates parsed ({how_})")
        for c, src in self.periods.items():
            out.append(f"列 {c!r} 由 {src!r} 生成" if zh else f"column {c!r} added from {src!r}")
        return out

    def brief(self, lang: str = "en") -> str:
        """One line: the shape, how it was decoded and which columns changed (``lang="zh"``: in Chinese)."""
        zh = lang == "zh"
        parts = [self.lines(lang)[0]]
        if self.decimal_comma:
            parts.append(("小数逗号：" if zh else "decimal comma: ") + ", ".join(self.decimal_comma))
        if self.renamed:
            parts.append(f"{len(self.renamed)} 列已改名" if zh else f"{len(self.renamed)} column(s) renamed")
        if self.labels:
            if zh:
                parts.append("标签：" + "，".join(f"{c}（{_zh_set(n)}）" for c, n in self.labels.items()))
            else:
                parts.append("labels: " + ", ".join(f"{c} ({n})" for c, n in self.labels.items()))
        if self.categoricals:
            parts.append(("有序分类：" if zh else "ordered categoricals: ") + ", ".join(self.categoricals))
        if self.dates:
            parts.append(("日期：" if zh else "dates: ") + ", ".join(self.dates))
        if self.periods:
            parts.append(("新增列：" if zh else "added: ") + ", ".join(self.periods))
        return ("；" if zh else "; ").join(parts)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """The report as a plain dict (every field, for JSON or logging)."""
        return dataclasses.asdict(self)


def _zh_set(name: str) -> str:
    """A label set's name as the Chinese read notes show it (built-in names are kept)."""
    return "用户映射" if name == "user map" else name


class ReadTable(NamedTuple):
    """The frame read and its :class:`ReadReport` (unpack as ``df, report = read_table(...)``)."""

    frame: pd.DataFrame
    report: ReadReport


# ----------------------------------------------------------------------------------- bytes to text


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _utf16_without_bom(raw: bytes) -> Optional[str]:
    """UTF-16 without a BOM: one zero byte in every pair of ASCII text, on the same side."""
    head = raw[:4096]
    if len(head) < 8:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode(raw: bytes, *, source: str = "data", encoding: Optional[str] = None) -> tuple[str, str, bool]:
    """The text of ``raw``, the encoding used and whether it was detected (not given).

    A given ``encoding`` is used strictly (a UTF-8 or UTF-16 BOM is still dropped); otherwise
    BOM, BOM-less UTF-16, then UTF-8 and GB18030 strictly. Failure: InputError naming
    ``source``, the byte offset and line of each failure and the encodings tried.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{source}: unknown encoding {encoding!r}") from None
        enc = encoding.lower().replace("_", "-")
        if enc in ("utf-8", "utf8") and raw.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as e:
            raise InputError(
                f"{source}: not {encoding} text: byte offset {e.start}, line {_line_of(raw, e.start)} "
                f"({raw[e.start : e.start + 4]!r}): {e.reason}"
            ) from None
        return text.lstrip("\ufeff"), encoding, False
    boms = [
        (codecs.BOM_UTF8, "utf-8-sig", "utf-8 (BOM)"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le (BOM)"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be (BOM)"),
    ]
    for bom, codec, label in boms:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec.replace("-sig", "")), label, True
            except UnicodeDecodeError as e:
                off = e.start + len(bom)
                raise InputError(
                    f"{source}: starts with a {label.split()[0]} byte-order mark but is not {label.split()[0]} "
                    f"text: byte offset {off}, line {_line_of(raw, off)}: {e.reason}; pass encoding= (--encoding)"
                ) from None
    u16 = _utf16_without_bom(raw)
    tried = list(CASCADE)
    if u16:
        tried.insert(0, u16)
    failures = []
    for enc in tried:
        try:
            return raw.decode(enc), enc, True
        except UnicodeDecodeError as e:
            failures.append(f"{enc} fails at byte offset {e.start}, line {_line_of(raw, e.start)} ({e.reason})")
    raise InputError(
        f"{source}: cannot decode the file; tried {', '.join(tried)}: {'; '.join(failures)}; "
        "pass encoding= (--encoding), e.g. cp1252, big5, shift_jis, latin-1"
    )


def sniff_sep(text: str) -> str:
    """The delimiter (comma, semicolon, tab, pipe) that splits the first non-empty lines into
    the same number of fields, the most fields winning; comma when none is consistent."""
    sample = [ln for ln in text[:200_000].splitlines()[: _SNIFF_LINES * 4] if ln.strip()]
    # a quoted field can hold line breaks: parse the sample as records, not lines
    head = "\n".join(sample[:_SNIFF_LINES])
    best: tuple[float, int, str] = (-1.0, 0, ",")
    for k, sep in enumerate(DELIMITERS):
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=sep))
        except csv.Error:
            continue
        if len(rows) > 2:
            rows = rows[:-1]  # the sample may cut the last record
        widths = [len(r) for r in rows if r]
        if not widths or max(widths) < 2:
            continue
        mode = max(set(widths), key=widths.count)
        share = widths.count(mode) / len(widths)
        score = (share, mode, sep)
        if mode >= 2 and (share > best[0] + 1e-9 or (abs(share - best[0]) < 1e-9 and mode > best[1])):
            best = score
        del k
    return best[2]


def _texty(s: pd.Series) -> bool:
    """Object or string dtype (pandas 3 reads text as ``str``)."""
    return s.dtype == object or (pd.api.types.is_string_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype))


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+(,\d+)?\s*$")


_CODECS = {"utf-8": "utf-8", "utf-8 (BOM)": "utf-8-sig", "utf-16-le (BOM)": "utf-16", "utf-16-be (BOM)": "utf-16"}


def _read_text(raw: bytes, encoding: str, sep: str, source: str) -> pd.DataFrame:
    # the bytes (already checked to decode) go to pandas' C parser with their codec: parsing a
    # decoded str through StringIO was 3x slower on a 50 MB file
    try:
        return pd.read_csv(io.BytesIO(raw), sep=sep, encoding=_CODECS.get(encoding, encoding))
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: the file is empty (no header line)") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise InputError(f"{source}: cannot split it into columns with sep {sep!r}: {first[:300]}") from None


def _probe(s: pd.Series, n: int, *, need_all: bool = False) -> bool:
    """Whether the first ``n`` values could be answer labels (or, ``need_all``, decimal-comma
    numbers): text, at most 60 distinct. A cheap test before the whole column is looked at."""
    head = s.iloc[:n].dropna()
    if not len(head):
        return True  # all missing at the top: the whole column decides
    if not all(isinstance(v, str) for v in head):
        return False
    if need_all:
        return bool(head.str.match(_DECIMAL_COMMA).all())
    return int(head.nunique()) <= 60


def _decimal_commas(df: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    for c in df.columns:
        s = df[c]
        if not _texty(s):
            continue
        if not _probe(s, 2000, need_all=True):
            continue
        vals = s.dropna()
        if not len(vals) or not all(isinstance(v, str) for v in vals):
            continue
        if vals.str.contains(",", regex=False).any() and vals.str.match(_DECIMAL_COMMA).all():
            df[c] = pd.to_numeric(s.str.replace(",", ".", regex=False))
            report.decimal_comma.append(str(c))
    return df


def _read_xlsx(path: str, sheet: Any, report: ReadReport) -> pd.DataFrame:
    try:
        import openpyxl
    except ImportError:
        raise InputError(f"{path}: reading .xlsx needs the optional package openpyxl (pip install openpyxl)") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile / XML errors of a corrupt workbook
        raise InputError(f"{path}: cannot read it as an Excel workbook: {str(e)[:200]}") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb[names[0]]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise InputError(f"{path}: no sheet number {sheet} (sheets 0..{len(names) - 1}: {', '.join(names)})")
            ws = wb[names[sheet]]
        elif str(sheet) in names:
            ws = wb[str(sheet)]
        else:
            raise InputError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(names)}")
        report.sheet = ws.title
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(f"{path}: sheet {report.sheet!r} is empty")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    while width and all(r[width - 1] is None for r in rows):  # formatted but empty columns on the right
        width -= 1
    header = [f"column_{j + 1}" if v is None else str(v).strip() for j, v in enumerate(rows[0][:width])]
    body = [r[:width] for r in rows[1:]]
    df = pd.DataFrame(body, columns=header)
    for c in df.columns:  # openpyxl gives Python objects: let pandas pick numeric / datetime dtypes
        df[c] = pd.Series(df[c].tolist()).infer_objects()
    return df


def _read_file(
    path: str, fmt: str, encoding: Optional[str], sep: Optional[str], sheet: Any, report: ReadReport
) -> pd.DataFrame:
    if fmt == "xlsx":
        return _read_xlsx(path, sheet, report)
    if fmt in ("csv", "tsv"):
        with open(path, "rb") as fh:
            raw = fh.read()
        text, enc, detected = decode(raw, source=path, encoding=encoding)
        report.encoding, report.encoding_detected = enc, detected
        if sep is None:
            sep = "\t" if fmt == "tsv" else sniff_sep(text)
            report.sep_detected = fmt != "tsv"
        report.sep = sep
        df = _read_text(raw, enc, sep, path)
        return _decimal_commas(df, report) if sep != "," else df
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        if fmt in ("jsonl", "json"):
            return pd.read_json(path, lines=(fmt == "jsonl"))
    except ImportError as e:
        raise InputError(f"{path}: reading {fmt} needs an optional package ({e}); e.g. pip install pyarrow") from None
    except Exception as e:  # noqa: BLE001 - pyarrow / pandas raise OSError, ArrowInvalid, ValueError ...
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise InputError(f"{path}: cannot read it as {fmt} (corrupt or truncated?): {first[:300]}") from None
    raise InputError(f"{path}: unknown format {fmt!r} (one of {', '.join(sorted(set(FORMATS.values())))})")


# ------------------------------------------------------------------------------- maps from files


def load_map(spec: Any, *, what: str) -> dict[Any, Any]:
    """A user map given as a dict, JSON text or a JSON / CSV file (CSV: two columns, ``from,to``,
    or three, ``column,from,to`` for a per-column map)."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    if not isinstance(spec, (str, os.PathLike)):
        raise InputError(f"{what}: expected a dict, JSON text or a file path, got {type(spec).__name__}")
    text = str(spec)
    if text.lstrip().startswith("{"):
        try:
            return dict(json.loads(text))
        except json.JSONDecodeError as e:
            raise InputError(f"{what}: not valid JSON: {e}") from None
    if not os.path.exists(text):
        raise InputError(f"{what}: no such file {text!r}")
    with open(text, "rb") as fh:
        body, _, _ = decode(fh.read(), source=text)
    if text.lower().endswith(".json"):
        try:
            got = json.loads(body)
        except json.JSONDecodeError as e:
            raise InputError(f"{text}: not valid JSON: {e}") from None
        if not isinstance(got, dict):
            raise InputError(f"{text}: expected a JSON object")
        return got
    rows = [r for r in csv.reader(io.StringIO(body), delimiter=sniff_sep(body)) if r and any(x.strip() for x in r)]
    if (
        rows
        and len(rows[0]) in (2, 3)
        and rows[0][0].strip().lower() in ("from", "label", "header", "column", "question")
    ):
        rows = rows[1:]
    out: dict[Any, Any] = {}
    for k, r in enumerate(rows, start=1):
        if len(r) == 2:
            out[r[0]] = r[1]
        elif len(r) == 3:
            out.setdefault(r[0], {})[r[1]] = r[2]
        else:
            raise InputError(f"{text}: line {k}: expected 2 fields (from,to) or 3 (column,from,to), got {len(r)}")
    return out


def _label_value(v: Any, *, where: str) -> Optional[float]:
    if v is None or (isinstance(v, str) and v.strip().lower() in ("", "null", "none", "nan", "missing", "na")):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InputError(f"{where}: label value {v!r} is not a number (or null for missing)") from None


# ------------------------------------------------------------------------------------- labels


def ordered_values(s: pd.Series) -> np.ndarray:
    """An ordered Categorical as float64 answers: its categories' values when they are numbers,
    else their position in the order plus one (1 = the first category); NaN for missing.

    >>> import pandas as pd
    >>> ordered_values(pd.Series(pd.Categorical(["low", "high", None], ["low", "mid", "high"], ordered=True)))
    array([ 1.,  3., nan])
    """
    codes = s.cat.codes.to_numpy()
    num = pd.to_numeric(pd.Series(s.cat.categories), errors="coerce").to_numpy(dtype=np.float64)
    values = num if not np.isnan(num).any() else np.arange(1.0, len(num) + 1.0)
    out = np.where(codes >= 0, values[np.clip(codes, 0, None)] if len(values) else np.nan, np.nan)
    return np.ascontiguousarray(out, dtype=np.float64)


def _categorical(df: pd.DataFrame, c: Any, report: ReadReport) -> None:
    s = df[c]
    numeric = pd.to_numeric(pd.Series(s.cat.categories), errors="coerce").notna().all()
    df[c] = pd.Series(ordered_values(s), index=df.index)
    report.categoricals[str(c)] = "numeric categories" if numeric else "category order (codes + 1)"


def _apply_labels(df: pd.DataFrame, user: Mapping[Any, Any], auto: bool, report: ReadReport) -> pd.DataFrame:
    per_column = {k: v for k, v in user.items() if isinstance(v, Mapping)}
    common = {k: v for k, v in user.items() if not isinstance(v, Mapping)}
    for c in per_column:
        if c not in df.columns:
            raise InputError(f"labels: no column {c!r}; columns present: {', '.join(map(str, df.columns[:30]))}")
    common_n = {_labels.norm(k): _label_value(v, where=f"labels[{k!r}]") for k, v in common.items()}
    for c in df.columns:
        s = df[c]
        if isinstance(s, pd.DataFrame):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered and c not in per_column:
            _categorical(df, c, report)
            continue
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        if c not in per_column and not common and not _probe(s, 2000):
            continue  # free text, ids, names (many distinct values in the first rows): not an answer scale
        vals = s.dropna()
        if not len(vals) or not all(isinstance(v, str) for v in vals.head(1000)):
            continue
        counts = vals.astype(str).value_counts(sort=False)
        if len(counts) > 60 and c not in per_column:
            continue  # free text, ids, names: not an answer scale
        mine = {
            _labels.norm(k): _label_value(v, where=f"labels[{c!r}][{k!r}]") for k, v in per_column.get(c, {}).items()
        }
        table = {**common_n, **mine}
        mapping: dict[str, Optional[float]] = {}
        rest: dict[str, int] = {}
        hits = 0
        for label, n in counts.items():
            key = _labels.norm(label)
            if key in table:
                mapping[label] = table[key]
                hits += 1
            elif key in _labels.MISSING_LABELS:
                mapping[label] = None
            elif table and re.fullmatch(r"[+-]?\d+(\.\d+)?", key):
                mapping[label] = float(key)
            else:
                rest[str(label)] = int(n)
        if not hits:  # the user map does not touch this column: start over for the built-in sets
            mapping, rest = {}, {str(k): int(n) for k, n in counts.items()}
        name = "user map" if hits else ""
        if rest and auto:
            det = _labels.detect_set(rest, rest)
            if det is not None and det.applied:
                mapping.update(det.mapping)
                name = f"{name} + {det.name}" if name else det.name
                rest = {}
            elif det is not None and not hits:
                report.unknown_labels[str(c)] = dict(sorted(det.unknown.items(), key=lambda kv: -kv[1]))
                if get_language() == "zh":
                    log.warning(
                        "%s：列 %r：%s的标签，另有 %d 个未知标签", report.source, c, _zh_set(det.name), len(det.unknown)
                    )
                else:
                    log.warning(
                        "%s: column %r: labels of %s and %d unknown label(s)",
                        report.source,
                        c,
                        det.name,
                        len(det.unknown),
                    )
                continue
        if name and (hits or not rest):
            _store(df, c, mapping, name, rest, report)
    return df


def _store(
    df: pd.DataFrame,
    c: Any,
    mapping: Mapping[str, Optional[float]],
    name: str,
    unknown: Mapping[str, int],
    report: ReadReport,
) -> None:
    s = df[c].astype(object)
    table = {k: (np.nan if v is None else v) for k, v in mapping.items()}
    coded = s.map(lambda v: table.get(str(v), np.nan) if isinstance(v, str) else v)
    df[c] = pd.to_numeric(coded, errors="coerce")
    report.labels[str(c)] = name
    made_missing = int(sum(int((s == k).sum()) for k, v in mapping.items() if v is None))
    if made_missing:
        report.missing_labels[str(c)] = made_missing
    if unknown:  # a user map that left labels out: those answers are missing, and said so
        report.unknown_labels[str(c)] = dict(sorted(unknown.items(), key=lambda kv: -kv[1]))
        n = sum(unknown.values())
        if get_language() == "zh":
            log.warning("%s：列 %r：%d 个回答的标签不在映射中", report.source, c, n)
        else:
            log.warning("%s: column %r: %d answer(s) with labels not in the map", report.source, c, n)


# ------------------------------------------------------------------------------------ columns

_KANO_ZH = re.compile(
    r"^如果(?P<neg>不|没有|未)?(?:提供|有|具备|支持|配备)?(?P<x>.+?)[，,、]?\s*(?:您|你)(?:的)?(?:感受|感觉|觉得)"
)
_KANO_EN = re.compile(
    r"^if\s+(?P<x>.+?)\s+(?:is|were|was|are)\s+(?P<neg>not\s+)?(?:available|provided|offered|included|there)\b"
    r".*how\s+(?:do|would)\s+you\s+feel",
    re.IGNORECASE,
)
_KANO_EN2 = re.compile(
    r"^if\s+(?:the\s+\w+|we|it|you)\s+(?P<neg>did\s+not\s+|does\s+not\s+|didn't\s+|doesn't\s+|do\s+not\s+)?"
    r"(?:ha[sdv]e?|offer(?:ed|s)?|provide[sd]?)\s+(?P<x>.+?)[,?]\s*how\s+(?:do|would)\s+you\s+feel",
    re.IGNORECASE,
)


def kano_question(header: str) -> Optional[tuple[str, str]]:
    """(attribute, "f" or "d") of a Kano question header, or None.

    >>> kano_question("如果不提供免费WiFi，您的感受是？")
    ('免费WiFi', 'd')
    >>> kano_question("If free WiFi is not available, how do you feel?")
    ('free_wifi', 'd')
    """
    for pat in (_KANO_ZH, _KANO_EN, _KANO_EN2):
        m = pat.match(header.strip())
        if m:
            x = m.group("x").strip(" ，,")
            if pat is not _KANO_ZH:
                x = re.sub(r"\W+", "_", x.lower()).strip("_")
            return x, ("d" if m.group("neg") else "f")
    return None


def _rename(df: pd.DataFrame, columns: Mapping[Any, Any], report: ReadReport) -> pd.DataFrame:
    by_norm = {_labels.norm(c): c for c in df.columns if isinstance(c, str)}
    renames: dict[Any, str] = {}
    for header, target in columns.items():
        col = header if header in df.columns else by_norm.get(_labels.norm(header))
        if col is None:
            report.not_found.append(str(header))
            continue
        t = str(target)
        if ":" in t:  # "wifi:functional" -> wifi_f
            attr, role = t.rsplit(":", 1)
            role = role.strip().lower()
            if role not in ("functional", "dysfunctional", "f", "d"):
                raise InputError(f"columns: {header!r} -> {t!r}: the role after ':' is functional or dysfunctional")
            t = f"{attr.strip()}_{role[0]}"
        renames[col] = t
    if not columns:  # no map: Kano question pairs are recognised by their text
        found: dict[Any, tuple[str, str]] = {}
        for c in df.columns:
            if isinstance(c, str):
                q = kano_question(c)
                if q:
                    found[c] = q
        attrs = {a for a, _ in found.values()}
        for a in attrs:
            pair = {r: c for c, (x, r) in found.items() if x == a}
            if set(pair) == {"f", "d"}:
                for r, c in pair.items():
                    renames[c] = f"{a}_{r}"
    clash = [t for t in renames.values() if t in df.columns and t not in renames]
    if clash:
        raise InputError(f"columns: renaming would repeat column(s) {', '.join(map(repr, clash))}")
    if renames:
        df = df.rename(columns=renames)
        report.renamed.update({str(k): v for k, v in renames.items()})
    return df


# -------------------------------------------------------------------------------------- dates

_DATE_FORMS = (
    (re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"), "%Y-%m-%d", "ISO"),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}( \d{1,2}:\d{2}(:\d{2})?)?$"), "%Y/%m/%d", "YYYY/M/D"),
    (re.compile(r"^\d{4}\.\d{1,2}\.\d{1,2}$"), "%Y.%m.%d", "YYYY.M.D"),
    (re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( ?\d{1,2}[:：]\d{2}([:：]\d{2})?)?$"), "%Y年%m月%d日", "YYYY年M月D日"),
)
_DATE_NAME = re.compile(r"(date|time|day|submitted|created|日期|时间|提交)", re.IGNORECASE)
#: Excel's day 0 (its 1900 system counts a 29 February 1900 that did not exist).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10


def _parse_date_strings(s: pd.Series) -> Optional[tuple[pd.Series, str]]:
    head = s.iloc[:200].dropna()
    if len(head) and not (
        all(isinstance(v, str) for v in head)
        and any(head.astype(str).str.strip().str.match(pat).all() for pat, _, _ in _DATE_FORMS)
    ):
        return None
    vals = s.dropna()
    if not len(vals) or not all(isinstance(v, str) for v in vals.head(200)):
        return None
    txt = vals.astype(str).str.strip()
    for pat, fmt, label in _DATE_FORMS:
        if txt.head(200).str.match(pat).all() and txt.str.match(pat).all():
            if label == "YYYY年M月D日":
                norm = txt.str.replace(r"[:：]", ":", regex=True).str.replace(r"[年月]", "-", regex=True)
                norm = norm.str.replace("日", " ", regex=False).str.strip()
            else:
                norm = txt.str.replace(r"[/.]", "-", regex=True)
            parsed = pd.to_datetime(norm, errors="coerce", format="mixed" if _PANDAS2 else None)
            if parsed.isna().any():
                return None  # 2024-02-30 and the like: not dates after all
            del fmt
            return parsed.reindex(s.index), label
    return None


_PANDAS2 = int(pd.__version__.split(".")[0]) >= 2


def _dates(df: pd.DataFrame, report: ReadReport) -> list[Any]:
    found = []
    for c in df.columns:
        s = df[c]
        if isinstance(s, pd.DataFrame):
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            found.append(c)
            continue
        if _texty(s):
            got = _parse_date_strings(s)
            if got is not None:
                df[c] = got[0]
                report.dates[str(c)] = got[1]
                found.append(c)
            continue
        if isinstance(c, str) and _DATE_NAME.search(c) and pd.api.types.is_numeric_dtype(s.dtype):
            if pd.api.types.is_bool_dtype(s.dtype):
                continue
            x = s.dropna()
            lo, hi = _SERIAL_RANGE
            if len(x) and bool(((x >= lo) & (x <= hi)).all()):
                days = s.astype("float64")
                df[c] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
                report.dates[str(c)] = "Excel serial days"
                found.append(c)
    return found


def _waves(dates: pd.Series, waves: Any) -> pd.Series:
    """The wave of each date: ``waves`` maps a wave name to its first day (or lists first days,
    named 1, 2, ...); a date belongs to the last wave started on or before it."""
    items = list(waves.items()) if isinstance(waves, Mapping) else [(k + 1, v) for k, v in enumerate(waves)]
    starts = sorted(((pd.Timestamp(v), k) for k, v in items), key=lambda t: t[0])
    edges = np.array([t[0].to_datetime64() for t in starts])
    pos = np.searchsorted(edges, dates.to_numpy(dtype="datetime64[ns]"), side="right") - 1
    names = np.array([t[1] for t in starts], dtype=object)
    out = pd.Series(np.where(pos >= 0, names[np.clip(pos, 0, None)], None), index=dates.index, dtype=object)
    return out.where(dates.notna())


def _periods(df: pd.DataFrame, date_cols: list[Any], waves: Any, report: ReadReport) -> pd.DataFrame:
    if not date_cols:
        if waves:
            raise InputError(f"{report.source}: waves= given but no date column found")
        return df
    src = date_cols[0]
    d = df[src]
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_localize(None)
    lower = {str(c).lower() for c in df.columns}
    if "month" not in lower:
        df["month"] = d.dt.strftime("%Y-%m").where(d.notna())
        report.periods["month"] = str(src)
    if "quarter" not in lower:
        q = d.dt.year.astype("Int64").astype(str) + "Q" + d.dt.quarter.astype("Int64").astype(str)
        df["quarter"] = q.where(d.notna())
        report.periods["quarter"] = str(src)
    if waves:
        df["wave"] = _waves(d, waves)
        report.periods["wave"] = str(src)
    return df


# ---------------------------------------------------------------------------------- the reader


def detect_format(path: str, given: Optional[str] = None) -> str:
    """The format of ``path`` from ``given`` or its extension; InputError when neither says."""
    if given:
        return "xlsx" if given in ("excel", "xls") else given
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise InputError(
            f"{path}: cannot tell the format from '{ext or 'no extension'}'; pass format= (--format): "
            f"{', '.join(sorted(set(FORMATS.values())))}"
        )
    return FORMATS[ext]


def read_table(
    source: Source,
    *,
    format: Optional[str] = None,
    encoding: Optional[str] = None,
    sep: Optional[str] = None,
    sheet: Union[str, int, None] = None,
    labels: Any = "auto",
    columns: Any = None,
    dates: bool = True,
    waves: Any = None,
) -> ReadTable:
    """Read an export file (or take a DataFrame) and make it ready for the engines.

    Parameters
    ----------
    source : path or DataFrame
        CSV / TSV / ``.txt`` (encoding and delimiter detected), ``.xlsx`` (needs openpyxl),
        Parquet or JSON Lines; a DataFrame is copied and gets the label, column and date steps.
    format : str, optional
        ``csv``, ``tsv``, ``xlsx``, ``parquet``, ``jsonl``, ``json`` when the extension does not say.
    encoding : str, optional
        Any Python codec name; default: BOM, then UTF-8, then GB18030 (strict).
    sep : str, optional
        Field delimiter; default: sniffed among comma, semicolon, tab and pipe.
    sheet : str or int, optional
        Excel sheet by name or 0-based position (default: the first).
    labels : "auto", None, dict or path
        ``"auto"``: built-in label sets (:mod:`servscore.labels`) and ordered Categoricals;
        a dict ``{label: code}`` (all columns) or ``{column: {label: code}}``, or a JSON /
        CSV file of either, is applied first (``None`` as a code: missing), then the automatic
        detection on the other columns; ``None`` / ``False``: no label step at all.
    columns : dict or path, optional
        Header -> new name (``"wifi_f"`` or ``"wifi:functional"``); headers matched exactly or
        case- and width-insensitively. Without a map, Kano question pairs are recognised.
    dates : bool
        Parse date columns and add ``month`` and ``quarter`` (when absent) from the first one.
    waves : dict or list, optional
        Wave name -> first day (or a list of first days): adds a ``wave`` column.

    Returns
    -------
    ReadTable
        ``(frame, report)``; rows are numbered from 1 for a file (the first record after the
        header), a DataFrame keeps its index.

    Raises
    ------
    InputError
        Undecodable bytes (with offset, line and encodings tried), a corrupt file, an unknown
        sheet, a map naming a missing column, openpyxl missing for ``.xlsx``.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df, rep = ss.read_table(pd.DataFrame({"如果提供免费WiFi，您的感受是？": ["我喜欢"],
    ...                                        "如果不提供免费WiFi，您的感受是？": ["能忍受"]}))
    >>> df.to_dict("list")
    {'免费WiFi_f': [1.0], '免费WiFi_d': [4.0]}
    """
    if isinstance(source, pd.DataFrame):
        report = ReadReport("data")
        df = source.copy()
    else:
        path = os.fspath(source)
        report = ReadReport(path)
        fmt = detect_format(path, format)
        report.format = fmt
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        if fmt != "xlsx" and sheet is not None:
            raise InputError(f"{path}: sheet= applies to Excel files only")
        df = _read_file(path, fmt, encoding, sep, sheet, report)
        df.index = pd.RangeIndex(1, len(df) + 1)
    df.columns = [c.strip() if isinstance(c, str) else c for c in df.columns]
    df = _rename(df, load_map(columns, what="columns"), report)
    if labels is not None and labels is not False:
        user = {} if isinstance(labels, str) and labels == "auto" else load_map(labels, what="labels")
        df = _apply_labels(df, user, True, report)
    if dates:
        df = _periods(df, _dates(df, report), waves, report)
    elif waves:
        raise InputError("waves= needs dates=True")
    report.rows, report.columns = df.shape
    for line in report.lines(get_language()):  # the read notes in the label language
        log.info("%s", line)
    return ReadTable(df, report)


# Column names the report looks for; a header that differs only in case or spaces ("Weight",
# " NPS ") is renamed to them by :func:`canonical_names`.
KNOWN_NAMES = [
    "nps",
    "ltr",
    "likelihood_to_recommend",
    "recommend",
    "csat",
    "ces",
    "score",
    "weight",
    "weights",
    "month",
    "quarter",
    "wave",
    "period",
    "week",
    "year",
    "date",
    "branch",
    "store",
    "site",
    "channel",
    "team",
    "agent",
    "segment",
    "customer_segment",
    "group",
    "owner_type",
    "respondent",
    "respondent_id",
    "customer_id",
    "id",
    "attribute",
    "functional",
    "dysfunctional",
    "transcript",
    "text",
]


def canonical_names(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``df`` with headers that match a name servscore looks for up to case and surrounding
    spaces renamed to it (when that name is not already a column), and the renames."""
    present = set(df.columns)
    renames: dict[str, str] = {}
    for c in df.columns:
        if isinstance(c, str):
            key = re.sub(r"\s+", "_", c.strip().lower())
            if key != c and key in KNOWN_NAMES and key not in present and key not in renames.values():
                renames[c] = key
    return (df.rename(columns=renames) if renames else df), renames


# ------------------------------------------------------------------------------ command line

#: Reading options of the current command (set by ``servscore.cli.main`` from its arguments).
READ_OPTIONS: dict[str, Any] = {}
#: The reports of the files the current command read, printed (when notable) after it succeeds.
READ_REPORTS: list[ReadReport] = []
_SEP_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}


def add_read_arguments(p: Any) -> None:
    """--encoding, --sep, --sheet, --labels, --no-labels, --column-map, --waves (docs/data-input.md)."""
    g = p.add_argument_group("reading export files (docs/data-input.md)")
    g.add_argument("--encoding", help="text encoding (default: BOM, then UTF-8, then GB18030)")
    g.add_argument("--sep", help="field delimiter: ',', ';', tab, '|' (default: sniffed)")
    g.add_argument("--sheet", help="Excel sheet name or 0-based number (default: the first)")
    g.add_argument(
        "--labels", metavar="FILE", help="answer labels to codes: JSON or CSV (label,value / column,label,value)"
    )
    g.add_argument("--no-labels", action="store_true", help="no label mapping (built-in sets included)")
    g.add_argument("--column-map", metavar="FILE", help="headers to names: JSON or CSV (header,name)")
    g.add_argument("--waves", metavar="DATES", help="first days of the survey waves, comma-separated (adds 'wave')")


def read_options(args: Any) -> dict[str, Any]:
    """The read_table keywords of parsed command-line arguments."""
    out: dict[str, Any] = {}
    if getattr(args, "encoding", None):
        out["encoding"] = args.encoding
    sep = getattr(args, "sep", None)
    if sep:
        out["sep"] = _SEP_NAMES.get(sep.lower(), sep)
    sheet = getattr(args, "sheet", None)
    if sheet is not None:
        out["sheet"] = int(sheet) if str(sheet).isdigit() else sheet
    if getattr(args, "no_labels", False):
        out["labels"] = None
    elif getattr(args, "labels", None):
        out["labels"] = args.labels
    if getattr(args, "column_map", None):
        out["columns"] = args.column_map
    if getattr(args, "waves", None):
        out["waves"] = [w.strip() for w in args.waves.split(",") if w.strip()]
    return out


def print_read_notes(command: str) -> None:
    """What was detected in the files read, on standard error (only when notable)."""
    import sys

    zh = get_language() == "zh"
    for rep in READ_REPORTS:
        if rep.notable():
            if zh:
                print(f"servscore {command}：已读取 {rep.brief('zh')}", file=sys.stderr)
            else:
                print(f"servscore {command}: read {rep.brief()}", file=sys.stderr)
            for line, shown in zip(rep.lines(), rep.lines(get_language())):
                if "unknown labels" in line or "not in the file" in line:
                    warn = "：警告：" if zh else ": warning: "
                    print(f"servscore {command}{warn}{rep.source}{'：' if zh else ': '}{shown}", file=sys.stderr)
    READ_REPORTS.clear()


def read_files(
    files: Sequence[str], read: Any, *, errors: tuple[type[BaseException], ...], required: bool = True
) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str]]]:
    """Read ``files`` with ``read(path)``; a file that raises one of ``errors`` or holds no
    records is skipped (path, reason) instead of aborting the rest. When nothing could be read
    and ``required``, the first reason is raised (as ``errors[0]``); otherwise each skip is
    printed as one warning line on standard error."""
    import sys

    tables: dict[str, pd.DataFrame] = {}
    skipped: list[tuple[str, str]] = []
    for f in files:
        try:
            df = read(f)
        except errors as e:
            why = str(e)
            skipped.append((f, why[len(f) + 2 :] if why.startswith(f + ": ") else why))
            continue
        if len(df) == 0:
            skipped.append((f, "no records (a header only)"))
            continue
        key = os.path.splitext(os.path.basename(f))[0]
        tables[key if key not in tables else os.path.basename(f)] = df
    if skipped and not tables and required:
        raise errors[0](f"{skipped[0][0]}: {skipped[0][1]}")
    for f, why in skipped:
        if get_language() == "zh":  # the report's Chinese text of the reason
            from .report import reason_text

            log.warning("已跳过 %s：%s", f, reason_text(why, "zh"))
            print(f"servscore report：警告：已跳过 {f}：{reason_text(why, 'zh')}", file=sys.stderr)
        else:
            log.warning("skipped %s: %s", f, why)
            print(f"servscore report: warning: skipped {f}: {why}", file=sys.stderr)
    return tables, skipped


def report_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A table as the report's sections look at it: headers matched case-insensitively to the
    names they look for (``Weight`` -> ``weight``) and ``month`` / ``quarter`` from the first
    date column when absent; the notes say what changed."""
    out, renames = canonical_names(df)
    notes = [f"column {k!r} read as {v!r}" for k, v in renames.items()]
    if "month" not in out.columns:
        probe = ReadReport("data")
        tmp = out.copy()
        cols = _dates(tmp, probe)
        if cols:
            tmp = _periods(tmp, cols, None, probe)
            out = out.assign(**{k: tmp[k] for k in probe.periods})
            notes += [f"column {k!r} from {v!r}" for k, v in probe.periods.items()]
    return out, notes


__all__ = [
    "CASCADE",
    "DELIMITERS",
    "FORMATS",
    "ReadReport",
    "ReadTable",
    "canonical_names",
    "decode",
    "detect_format",
    "kano_question",
    "load_map",
    "ordered_values",
    "read_files",
    "read_table",
    "report_frame",
    "sniff_sep",
]
