"""``servscore report``: one self-contained HTML report of every analysis the data support."""

from __future__ import annotations

import argparse
import os

from .. import _progress
from ..cli import FORMATS, UsageError, add_db_arguments, output_file, read_table
from ..readers import add_read_arguments, read_files
from ..report_labels import text

NAME = "report"
HELP = "write a self-contained HTML report of every analysis the data support, and print its summary"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="*", help="data files (CSV, Parquet, JSON Lines) or directories of them; or --db")
    p.add_argument("-o", "--output", default="report.html", help="the HTML file to write (default: report.html)")
    p.add_argument("--format", help="input format when the extension does not say")
    p.add_argument("--title", help="report title")
    add_read_arguments(p)  # --encoding --sep --sheet --labels --column-map --waves
    p.add_argument("--lang", choices=["en", "zh"], help="label language (default: en)")
    p.add_argument("--quiet", action="store_true", help="do not print the text summary, and no progress bar")
    add_db_arguments(p, many=True)


def collect(inputs: list[str]) -> list[str]:
    files = []
    for path in inputs:
        if os.path.isdir(path):
            files += sorted(
                os.path.join(path, f) for f in os.listdir(path) if os.path.splitext(f)[1].lower() in FORMATS
            )
        elif os.path.exists(path):
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    if not files:
        raise UsageError(f"no data files (CSV, Parquet, JSON Lines) in {', '.join(inputs)}")
    return files


def run(args: argparse.Namespace) -> int:
    from ..report import build_report

    if not args.inputs and not args.db:
        raise UsageError("give data files or directories, or --db URL (with --table / --query, or every table)")
    files = collect(args.inputs) if args.inputs else []
    # an unreadable or empty file is skipped with a warning naming it, and listed as not analysed
    tables, skipped = read_files(
        files, lambda f: read_table(f, args.format), errors=(UsageError,), required=not getattr(args, "db", None)
    )
    if args.db:  # the database's tables (or the results of --query), by the names the sections look for
        from ..sql import Source, named_queries

        # through the reader's label, column-map and date steps, as a file (and --db of one-file commands)
        for name, source in Source(args.db).tables(table=args.table, queries=named_queries(args.query)).items():
            tables[name] = read_table(source)
            files.append(source.label())
    elif args.query or args.table:
        raise UsageError("--query and --table read from a database: give --db URL")
    _progress.stage(text("progress_report"))
    report = build_report(tables, lang=args.lang, title=args.title, sources=files, not_analysed=skipped)
    with output_file(args.output) as tmp:  # Ctrl-C leaves no half-written report
        report.save(tmp)
    if not args.quiet:
        print(report.text())
        print(f"\n报告已写入 {args.output}" if report.lang == "zh" else f"\nreport written to {args.output}")
    return 0
