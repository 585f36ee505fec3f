"""``servscore needs``: anticipated needs per interaction (situations -> needs -> actions)."""

from __future__ import annotations

import argparse

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..needs import evaluate

NAME = "needs"
HELP = "anticipated needs and recommended actions per interaction (rules on the situation fields)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--extra-rules", help="JSON file of rules appended to the rule set (--config replaces it)")
    p.add_argument("--summary", action="store_true", help="write the per-rule table instead of one row per interaction")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "by")  # Weight for --weights weight: names up to case
    result = evaluate(df, rules=args.config, extra_rules=args.extra_rules, workers=args.workers)
    if args.output:
        if args.summary:
            write_table(result.rules.reset_index(), args.output, args.output_format)
        else:
            out = pd.concat([df, result.to_frame(), result.needs.add_prefix("need_")], axis=1)
            write_table(out, args.output, args.output_format)
        return 0
    for line in result._summary_lines():
        print(line)
    with pd.option_context("display.width", 120, "display.max_colwidth", 60):
        print(
            result.rules[["n_fired", "share", "needs"]].assign(share=lambda t: (100 * t["share"]).round(1)).to_string()
        )
        if args.by:
            print((100 * result.shares(df[args.by[0]])).round(1).to_string())
    return 0
