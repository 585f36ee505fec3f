"""``servscore encounters``: score service encounters and summarise the quadrants."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from .._input import resolve_config
from ..cli import add_io_arguments, progress, read_table, resolve_columns, write_table
from ..encounters import EncounterConfig, score_encounters, summarize_encounters
from ..model import get_language
from ..report_labels import text, word

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
        _print_summary(summary)
    return 0


def _print_summary(summary: Any) -> None:
    """The readable summary: the headline, shares per group (%) and the top pullers, in the
    label language (``--lang zh``: every word from :mod:`servscore.report_labels`)."""
    t = summary.table
    n, q, u = int(t["n"].sum()), int(t["quality"].sum()), int(t["unknown"].sum())
    print(text("cli_encounters", n=n, q=q, u=u, share=f"{100 * q / max(n, 1):.1f}"))
    cols = ["n"] + [f"share_{k}" for k in ("quality", "friendly", "factory", "freezer", "unknown")]
    shown = t[cols].assign(**{c: t[c] * 100 for c in cols[1:]}).round(1)
    if get_language() == "zh":  # labels for the headers and group names, the numbers as they are
        shown = shown.rename(columns=word, index=word)
        shown.index.names = [word(x) if x is not None else None for x in shown.index.names]
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(shown.to_string())
    if len(summary.top_pullers):
        print(text("cli_pullers"))
        sep = "、" if get_language() == "zh" else ", "
        for g, grp in summary.top_pullers.groupby("group", sort=True):
            items = sep.join(f"{word(r.indicator)} {100 * r.share:.0f}%" for r in grp.itertuples())
            print(f"  {word(g)}: {items}")
