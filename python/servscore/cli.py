"""The ``servscore`` command line.

    servscore encounters INPUT [-o OUT] [--config CFG.json] [--by COL ...] [--summary]
    servscore report DATA_DIR_OR_FILES ... -o report.html [--lang zh]

Input: CSV, Parquet or JSON Lines (from the extension, or ``--format``); output: CSV,
JSON or Parquet (from the extension of ``-o``, or ``--output-format``); without ``-o``
a readable summary goes to standard output. Exit codes: 0 ok, 2 usage or configuration
error, 1 data error; errors are one line on standard error naming the file, row and
column. Rows are numbered from 1, the first record after the header.

Subcommands live in :mod:`servscore.commands`, one module per engine, each with
``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from . import __version__, _progress
from ._core import ConfigError, InputError
from .model import get_language
from .readers import READ_OPTIONS, READ_REPORTS, add_read_arguments, print_read_notes, read_options
from .report_labels import text
from .sql import Source

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",  # Excel's "Unicode text": UTF-16, tab-separated (servscore.readers sniffs both)
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}


class UsageError(Exception):
    """A command-line usage problem (exit code 2)."""


def detect_format(path: str, given: str | None = None) -> str:
    if given:
        return given
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise UsageError(
            f"{path}: cannot tell the format from '{ext or 'no extension'}'; use --format "
            f"({', '.join(sorted(set(FORMATS.values())))})"
        )
    return FORMATS[ext]


def read_table(path: str | Source, fmt: str | None = None) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet or JSON Lines file; records are numbered from 1."""
    if isinstance(path, Source):  # --db URL: the result of a query instead of a file
        return _prepared(read_source(path), str(path))
    fmt = detect_format(path, fmt)
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    from .readers import read_table as read_export

    _progress.stage(text("progress_reading", name=os.path.basename(path)))
    try:  # encodings, delimiters, Excel, labels, column maps, dates: servscore.readers
        df, report = read_export(path, format=fmt, **READ_OPTIONS)
    except InputError as e:  # the message names the file (and byte offset / line)
        raise UsageError(str(e)) from None
    READ_REPORTS.append(report)
    return df


def _prepared(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table from a database through the reader's label, column-map and date steps (the
    encoding / delimiter / sheet options are for files and do not apply)."""
    from .readers import read_table as read_export

    opts = {k: v for k, v in READ_OPTIONS.items() if k in ("labels", "columns", "waves")}
    try:
        df, report = read_export(frame, **opts)
    except InputError as e:
        raise UsageError(f"{name}: {e}") from None
    report.source = name
    READ_REPORTS.append(report)
    return df


def read_source(source: Source) -> pd.DataFrame:
    """A table read from a database (``--db``); errors name the database once (main adds it)."""
    try:
        return source.read()
    except ImportError as e:  # the database driver is not installed
        raise UsageError(str(e)) from None
    except InputError as e:
        raise InputError(str(e).replace(f"{source}: ", "", 1)) from None


def add_db_arguments(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    """--db URL with --query / --table: read the input from DuckDB or PostgreSQL (docs/databases.md)."""
    g = p.add_argument_group("database input (instead of files; docs/databases.md)")
    g.add_argument(
        "--db",
        metavar="URL",
        help="postgresql://user@host:port/dbname, duckdb:///path/file.duckdb or duckdb://:memory:",
    )
    if many:
        g.add_argument(
            "--query",
            action="append",
            metavar="[NAME=]SQL",
            help="a query whose result is the table NAME (repeatable; default name: query)",
        )
        g.add_argument(
            "--table", "--db-table", action="append", metavar="NAME", help="a table of the database (repeatable)"
        )
    else:
        g.add_argument("--query", metavar="SQL", help="the query whose result is the input")
        # --db-table: kano and pls have a --table option of their own
        g.add_argument("--db-table", metavar="NAME", help="the table of the database to read")


def db_input(args: argparse.Namespace) -> None:
    """With --db, the input of a one-file command becomes the database query (a Source)."""
    if not hasattr(args, "input") or not hasattr(args, "db"):
        return
    if args.db is None:
        if args.query or args.db_table:
            raise UsageError("--query and --db-table read from a database: give --db URL")
        if args.input is None:
            raise UsageError("give an input file, or --db URL with --query SQL or --db-table NAME")
        return
    if args.input is not None:
        raise UsageError("give an input file or --db, not both")
    if args.query and args.db_table:
        raise UsageError("give --query or --db-table, not both")
    args.input = Source(args.db, query=args.query, table=args.db_table)


def match_column(df: pd.DataFrame, name: Any, option: str) -> Any:
    """The column of ``df`` that ``name`` (the value of ``option``) means: itself when it is a
    column, else the one column equal to it up to case (``weight`` finds ``Weight``); a name
    matching several columns up to case is an InputError naming them; no match at all leaves
    it as given, for the engine to report."""
    if not isinstance(name, str) or name in df.columns:
        return name
    key = name.casefold()
    found = [c for c in df.columns if isinstance(c, str) and c.casefold() == key]
    if len(found) > 1:
        raise InputError(
            f"{option} {name!r}: no column of that name, and several up to case: "
            f"{', '.join(map(repr, found))}; give one of them exactly"
        )
    return found[0] if found else name


def resolve_columns(df: pd.DataFrame, args: argparse.Namespace, *dests: str) -> None:
    """Replace the column options ``dests`` of ``args`` (a name or a list of names, e.g.
    ``weights``, ``by``) by the columns of ``df`` they mean (:func:`match_column`)."""
    for dest in dests:
        value = getattr(args, dest, None)
        option = "--" + dest.replace("_", "-")
        if isinstance(value, list):
            setattr(args, dest, [match_column(df, v, option) for v in value])
        elif value is not None:
            setattr(args, dest, match_column(df, value, option))


@contextlib.contextmanager
def output_file(path: str) -> Iterator[str]:
    """A temporary name beside ``path`` (same extension) to write to; moved onto ``path`` when
    the block ends normally, removed when it raises (Ctrl-C included): an interrupted command
    leaves no half-written output and keeps an older file of that name as it was."""
    head, tail = os.path.split(path)
    stem, ext = os.path.splitext(tail)
    tmp = os.path.join(head, f".{stem}.{os.getpid()}.part{ext}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def write_table(df: pd.DataFrame, path: str, fmt: str | None = None) -> None:
    """Write a table as CSV, JSON (records), JSON Lines or Parquet (through :func:`output_file`)."""
    fmt = detect_format(path, fmt)
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("object")
    if fmt not in ("csv", "tsv", "json", "jsonl", "parquet"):
        raise UsageError(f"{path}: unknown format {fmt!r}")
    with output_file(path) as tmp:
        if fmt == "csv":
            out.to_csv(tmp, index=False)
        elif fmt == "tsv":
            out.to_csv(tmp, index=False, sep="\t")
        elif fmt == "json":
            out.to_json(tmp, orient="records", force_ascii=False, indent=1)
        elif fmt == "jsonl":
            out.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            try:
                out.to_parquet(tmp, index=False)
            except ImportError as e:
                raise UsageError(f"{path}: writing parquet needs pyarrow (pip install pyarrow)") from e
    if get_language() == "zh":
        _progress.log.info("已写入 %s（%d 行，%s）", path, len(out), fmt)
    else:
        _progress.log.info("wrote %s (%d rows, %s)", path, len(out), fmt)


def progress(total: int, label: str = "", chunk: int = 1_000_000) -> Iterator[tuple[int, int]]:
    """Yield ``(start, stop)`` chunks of at most ``chunk`` rows covering ``total`` rows; the
    command's progress bar (on stderr, when it is a terminal) shows the share of rows done."""
    step = max(1, chunk)
    bar = _progress.current()
    if bar is not None and total > step:
        bar.stage(label or bar.label, total)
    for start in range(0, total, step):
        yield start, min(total, start + step)
        if bar is not None and total > step:
            bar.update(min(total, start + step) - start)


def assumed(option: str, value: Any) -> None:
    """Log (logger ``servscore``, INFO) a column or setting a command took because the option
    was not given: ``--column nps`` when ``--metric nps`` names no column."""
    if get_language() == "zh":
        _progress.log.info("未指定 %s，取 %s", option, value)
    else:
        _progress.log.info("assumed %s %s (not given)", option, value)


def add_io_arguments(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The common options: input(s), -o, formats, --config, --by, --lang, --workers."""
    if many:
        p.add_argument("inputs", nargs="+", help="data files (CSV, Parquet, JSON Lines) or directories of them")
    else:
        p.add_argument("input", nargs="?", help="data file (CSV, Parquet, JSON Lines); or --db")
    p.add_argument("-o", "--output", help="output file; format from the extension (csv, json, jsonl, parquet)")
    p.add_argument("--format", help="input format when the extension does not say (csv, tsv, parquet, jsonl)")
    p.add_argument("--output-format", help="output format when the extension does not say")
    p.add_argument("--config", help="JSON configuration file of the engine")
    add_read_arguments(p)  # --encoding --sep --sheet --labels --column-map --waves
    p.add_argument("--by", nargs="+", help="column(s) to group by")
    p.add_argument("--lang", choices=["en", "zh"], help="label language (default: en)")
    p.add_argument("--workers", type=int, default=0, help="threads (0 = all cores)")
    add_db_arguments(p, many=many)


def _commands() -> dict[str, Any]:
    from . import commands

    found = {}
    for m in pkgutil.iter_modules(commands.__path__):
        if not m.name.startswith("_"):
            mod = importlib.import_module(f"{commands.__name__}.{m.name}")
            found[mod.NAME] = mod
    return dict(sorted(found.items()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servscore",
        description="Service-quality scores, classifications and indices from customer-service data.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 1 data error.",
    )
    parser.add_argument("--version", action="version", version=f"servscore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, mod in _commands().items():
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        add_common_arguments(p)
        p.set_defaults(_run=mod.run, _parser=p)
    return parser


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """--quiet (no progress bar) and --verbose (log what was read, skipped and assumed) on every
    command; a command with a --quiet of its own (report: no text summary) keeps it, and it also
    turns the progress bar off."""
    if "--quiet" not in p._option_string_actions:
        p.add_argument("--quiet", action="store_true", help="no progress bar on standard error")
    p.add_argument(
        "--verbose",
        "-v",
        action="count",
        default=0,
        help="log on standard error what was read, skipped and assumed (-vv: also debug records)",
    )


class _LogFormatter(logging.Formatter):
    """``servscore COMMAND: LEVEL: message``, the CLI's one-line form."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command

    def format(self, record: logging.LogRecord) -> str:
        if get_language() == "zh":  # under --lang zh the level and the separators in Chinese too
            level = _ZH_LEVELS.get(record.levelno, record.levelname.lower())
            return f"servscore {self.command}：{level}：{record.getMessage()}"
        return f"servscore {self.command}: {record.levelname.lower()}: {record.getMessage()}"


#: the log levels as ``--lang zh`` prints them
_ZH_LEVELS = {logging.DEBUG: "调试", logging.INFO: "信息", logging.WARNING: "警告", logging.ERROR: "错误"}


@contextlib.contextmanager
def _cli_logging(command: str, verbose: int) -> Iterator[None]:
    """The only handler servscore adds to its logger: the CLI's, on stderr, with --verbose (INFO;
    -vv DEBUG), for the command's run. Without it the command's notes and warnings are printed
    as before, and the records go wherever the application sends them."""
    if not verbose:
        yield
        return
    logger = logging.getLogger("servscore")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(command))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``servscore`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # --db instead of an input file (a usage error exits 2 with the command's usage line)
        db_input(args)
    except UsageError as e:
        args._parser.error(str(e))
    if getattr(args, "lang", None):
        from .model import set_language

        set_language(args.lang)
    READ_OPTIONS.clear()
    READ_OPTIONS.update(read_options(args))
    READ_REPORTS.clear()  # a failed command in the same process leaves none behind
    was = _progress.get_progress()
    if args.quiet:
        _progress.set_progress(False)
    try:
        with _cli_logging(args.command, args.verbose), _progress.Progress(f"servscore {args.command}"):
            code = int(args._run(args))
        print_read_notes(args.command)  # what was detected in the files read (stderr, when notable)
        return code
    except UsageError as e:
        print(f"servscore {args.command}: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        where = f"{args.config}: " if getattr(args, "config", None) else ""
        print(f"servscore {args.command}: {where}{e}", file=sys.stderr)
        return 2
    except InputError as e:
        src = getattr(args, "input", None) or ", ".join(getattr(args, "inputs", []) or [])
        where = f"{src}: " if src else ""  # commands without an input file (economics) name no file
        print(f"servscore {args.command}: {where}{e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # Ctrl-C: the output file, if any, was not written (output_file)
        print(f"servscore {args.command}: {text('interrupted')}", file=sys.stderr)
        return 130
    finally:
        _progress.set_progress(was)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
