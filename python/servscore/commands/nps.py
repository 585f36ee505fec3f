"""``servscore nps``: NPS (or CSAT, CES, a mean score) of a survey table, overall or per group."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import UsageError, add_io_arguments, assumed, read_table, resolve_columns, write_table
from ..model import get_language
from ..nps import DEFAULT_COLUMNS, ResponseAccumulator
from ..report_labels import text, word

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
    zh = get_language() == "zh"
    for line in _nps_lines(result) if zh and args.metric == "nps" else result._summary_lines():
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
    shown = shown.round(2)
    if zh:  # labels for the headers and group names, the numbers as they are
        shown = shown.rename(columns=lambda c: word(c, level=result.config.level), index=word)
        shown.index.names = [word(x) if x is not None else None for x in shown.index.names]
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(shown.to_string())
    return 0


def _nps_lines(result: Any) -> list[str]:
    """The NPS summary lines of ``result`` in the label language (from servscore.report_labels)."""
    c, t = result.config, result.table
    how = text("cli_interval", method=word(c.method), level=100 * c.level)
    scale = {"pmin": c.promoter_min, "dmax": c.detractor_max, "lo": c.scale_min, "hi": c.scale_max}
    if not result.grouped:
        r = t.iloc[0]
        one = {"nps": r["nps"], "lower": r["lower"], "upper": r["upper"], "n": int(r["n"])}
        return [
            text("cli_nps_one", how=how, missing=int(r["n_missing"]), **one),
            text(
                "cli_nps_shares",
                p=100 * r["share_promoters"],
                m=100 * r["share_passives"],
                d=100 * r["share_detractors"],
                **scale,
            ),
        ]
    lines = [text("cli_nps_groups", k=len(t), n=int(t["n"].sum()), missing=int(t["n_missing"].sum()), how=how, **scale)]
    ok = t["nps"].dropna()
    if len(ok):
        lines.append(text("cli_nps_range", lo=ok.min(), glo=word(ok.idxmin()), hi=ok.max(), ghi=word(ok.idxmax())))
    return lines
