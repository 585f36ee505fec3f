"""``servscore needs``: anticipated needs per interaction (situations -> needs -> actions)."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..model import get_language
from ..needs import evaluate
from ..report_labels import cli_table, text, word

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
    for line in _lines(result) if get_language() == "zh" else result._summary_lines():
        print(line)
    with pd.option_context("display.width", 120, "display.max_colwidth", 60):
        print(
            cli_table(result.rules[["n_fired", "share", "needs"]].assign(share=lambda t: (100 * t["share"]).round(1)))
        )
        if args.by:
            print(cli_table((100 * result.shares(df[args.by[0]])).round(1)))
    return 0


def _lines(result: Any) -> list[str]:
    """The needs lines in the label language (from servscore.report_labels)."""
    n = len(result.fired)
    anyfired = int(result.fired.to_numpy().any(axis=1).sum())
    lines = [text("cli_needs_head", n=n, k=anyfired, r=len(result.rules))]
    top = result.need_counts.sort_values("n", ascending=False)
    top = top[top["n"] > 0]
    if len(top):
        items = "、".join(f"{word(i)} {100 * s:.0f}%" for i, s in top["share"].iloc[:3].items())
        lines.append(text("cli_needs_top", what=items))
    if int(result.n_missing.sum()):
        lines.append(text("cli_needs_missing", n=int(result.n_missing.sum())))
    return lines
