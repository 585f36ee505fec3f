"""``servscore moments``: the cycle of service (moments of truth) per visit and per moment."""

from __future__ import annotations

import argparse

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..standards import moments

NAME = "moments"
HELP = "cycle of service: weakest moment, a good start but a bad ending, peak-end, moments that fail most"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--visit", default="visit_id", help="column of visit ids (visit_id)")
    p.add_argument("--moment", default="moment", help="column of moment names (moment)")
    p.add_argument("--order", default="order", help="column of positions within the visit (order)")
    p.add_argument("--score", default="score", help="column of scores (score)")
    p.add_argument("--visits", action="store_true", help="with -o: write one row per visit instead of per moment")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(
        df, args, "visit", "moment", "order", "score", "by"
    )  # Weight for --weights weight: names up to case
    r = moments(df, visit=args.visit, moment=args.moment, order=args.order, score=args.score, config=args.config)
    if args.output:
        write_table((r.visits if args.visits else r.moments).reset_index(), args.output, args.output_format)
        return 0
    for line in r._summary_lines():
        print(line)
    with pd.option_context("display.width", 120):
        print(r.moments.round(3).to_string())
    return 0
