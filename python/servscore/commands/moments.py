"""``servscore moments``: the cycle of service (moments of truth) per visit and per moment."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..model import get_language
from ..report_labels import cli_table, text, word
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
    for line in _lines(r) if get_language() == "zh" else r._summary_lines():
        print(line)
    with pd.option_context("display.width", 120):
        print(cli_table(r.moments.round(3)))
    return 0


def _lines(r: Any) -> list[str]:
    """The moments lines in the label language (from servscore.report_labels)."""
    v = r.visits
    w, f = word(r.weakest_moment), word(r.most_failed)
    if not len(v):
        return [text("cli_moments_no_visits", m=len(r.moments), w=w, f=f)]
    scored = v[v["n_scored"] > 0]
    return [
        text("cli_moments_head", v=len(v), m=len(r.moments), w=w, f=f),
        text(
            "cli_moments_ending",
            share=100 * scored["bad_ending"].mean(),
            pe=scored["peak_end"].mean(),
            m=scored["mean"].mean(),
        ),
    ]
