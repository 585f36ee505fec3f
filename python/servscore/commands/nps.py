"""``servscore nps``: NPS (or CSAT, CES, a mean score) of a survey table, overall or per group."""

from __future__ import annotations

import argparse

import pandas as pd

from ..cli import UsageError, add_io_arguments, assumed, read_table, resolve_columns, write_table
from ..nps import DEFAULT_COLUMNS, ResponseAccumulator

NAME = "nps"
HELP = "Net Promoter Score with intervals (or --metric csat / ces / mean), overall or per group"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument(
        "--metric",
        choices=["nps", "csat", "ces", "mean"],
        default="nps",
        help="what to compute (default nps); the --config file holds that metric's keys",
    )
    p.add_argument("--column", help="answer column (default: nps, csat, ces or score by metric)")
    p.add_argument("--weights", help="column of survey weights")
    p.add_argument("--method", choices=["adjusted_wald", "wald", "mover"], help="NPS interval method")
    p.add_argument("--level", type=float, help="confidence level (default 0.95)")
    p.add_argument("--empty", choices=["error", "nan"], default="error", help="a group without valid answers")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    if not args.column:
        args.column = DEFAULT_COLUMNS[args.metric]
        assumed("--column", args.column)
    resolve_columns(df, args, "column", "weights", "by")  # Weight for --weights weight: names up to case
    column = args.column
    if args.method and args.metric != "nps":
        raise UsageError("--method applies to --metric nps only")
    overrides = {"level": args.level}
    if args.metric == "nps":
        overrides["method"] = args.method
    acc = ResponseAccumulator(args.metric, args.config, column=column, **overrides)
    # one pass over the table; the accumulator is what a chunked reader would feed
    acc.update(df, by=args.by, weights=args.weights, workers=args.workers)
    result = acc.result(empty=args.empty)
    table = result.to_frame()
    if args.output:
        write_table(table.reset_index(), args.output, args.output_format)
        return 0
    for line in result._summary_lines():
        print(line)
    if args.metric == "nps":
        cols = ["n", "n_missing", "nps", "lower", "upper", "share_promoters", "share_detractors"]
        shown = table[cols].assign(share_promoters=100 * table["share_promoters"])
        shown["share_detractors"] = 100 * table["share_detractors"]
    else:
        cols = ["n", "n_missing", "mean", "mean_lower", "mean_upper", "top_share", "top_lower", "top_upper"]
        shown = table[cols].copy()
        for c in ("top_share", "top_lower", "top_upper"):
            shown[c] = 100 * shown[c]
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(shown.round(2).to_string())
    return 0
