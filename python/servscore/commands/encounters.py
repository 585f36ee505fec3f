"""``servscore encounters``: score service encounters and summarise the quadrants."""

from __future__ import annotations

import argparse

import pandas as pd

from .._input import resolve_config
from ..cli import add_io_arguments, progress, read_table, resolve_columns, write_table
from ..encounters import EncounterConfig, score_encounters, summarize_encounters
from ..report_labels import text

NAME = "encounters"
HELP = "score service encounters on the procedural and personal sides (Martin's quadrants)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument(
        "--summary", action="store_true", help="write the per-group summary instead of one row per encounter"
    )


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "by")  # Weight for --weights weight: names up to case
    cfg = resolve_config(args.config, EncounterConfig)
    if len(df) == 0:
        scored = score_encounters(df, cfg)  # raises the empty-input error
    parts = [
        score_encounters(df.iloc[a:b], cfg, workers=args.workers)
        for a, b in progress(len(df), text("progress_scoring"))
    ]
    scored = pd.concat(parts) if len(parts) > 1 else parts[0]
    scored.attrs = parts[0].attrs
    summary = summarize_encounters(scored, by=args.by, config=cfg)
    if args.output:
        write_table(summary.table.reset_index() if args.summary else scored, args.output, args.output_format)
    else:
        print(summary._summary_lines()[0] if summary._summary_lines() else "")
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            cols = ["n"] + [f"share_{q}" for q in ("quality", "friendly", "factory", "freezer", "unknown")]
            print((summary.table[cols].assign(**{c: summary.table[c] * 100 for c in cols[1:]})).round(1).to_string())
        if len(summary.top_pullers):
            print("top pullers out of quality:")
            for g, grp in summary.top_pullers.groupby("group", sort=True):
                items = ", ".join(f"{r.indicator} {100 * r.share:.0f}%" for r in grp.itertuples())
                print(f"  {g}: {items}")
    return 0
