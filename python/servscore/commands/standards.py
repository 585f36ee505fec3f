"""``servscore standards``: compliance with service standards (Wilson intervals, p-charts) and,
with ``--time``, attainment of the time elements' targets."""

from __future__ import annotations

import argparse

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..standards import compliance, time_elements

NAME = "standards"
HELP = "compliance with service standards (share met, Wilson interval, p-chart per period) or time targets"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--period", help="column of periods (week, month): p-chart per standard, flagged periods")
    p.add_argument("--sigma", type=float, default=3.0, help="width of the p-chart limits in standard errors (3)")
    p.add_argument(
        "--level",
        "--confidence",
        dest="level",
        type=float,
        default=0.95,
        help="confidence level of the Wilson intervals (0.95); --confidence is its old name",
    )
    p.add_argument(
        "--time",
        action="store_true",
        help="time elements instead: attainment, P50/P90, mean excess (--config: targets)",
    )
    p.add_argument("--pchart", action="store_true", help="with -o and --period: write the p-chart table")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "period", "by")  # Weight for --weights weight: names up to case
    by = args.by if args.by is None or len(args.by) > 1 else args.by[0]
    if args.time:
        t = time_elements(df, targets=args.config, by=by, level=args.level, workers=args.workers)
        if args.output:
            write_table(t.table.reset_index(), args.output, args.output_format)
            return 0
        print(t._summary_lines()[0])
        cols = ["target", "unit", "n", "attainment", "p50", "p90", "mean_excess"]
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(t.table[[c for c in cols if c in t.table.columns]].round(3).to_string())
        return 0
    r = compliance(
        df,
        standards=args.config,
        by=by,
        period=args.period,
        level=args.level,
        sigma=args.sigma,
        workers=args.workers,
    )
    if args.output:
        table = r.pchart if (args.pchart and args.period) else r.table.reset_index()
        write_table(table, args.output, args.output_format)
        return 0
    for line in r._summary_lines():
        print(line)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(r.table[["level", "n_observed", "share", "low", "high"]].round(3).to_string())
    if len(r.flagged):
        print("out-of-control periods:")
        for rec in r.flagged.to_dict("records"):
            print(
                f"  {rec['standard']} {rec['period']}: {100 * float(rec['p']):.1f}% ({rec['signal']} "
                f"[{100 * float(rec['lower']):.1f}%, {100 * float(rec['upper']):.1f}%])"
            )
    return 0
