"""``servscore lifecycle``: 6+2 lifecycle stage indices, journey index and weak stages."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from .._input import resolve_config
from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..lifecycle import LifecycleConfig, stages
from ..model import get_language
from ..report_labels import cli_table, text, word, words

NAME = "lifecycle"
HELP = "lifecycle (6+2) stage indices from touchpoint ratings: journey index, weakest and weak stages"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument(
        "--importance",
        metavar="PREFIX",
        help="read touchpoint importance ratings from columns PREFIX<touchpoint> (e.g. imp_)",
    )
    p.add_argument("--scores", action="store_true", help="write the respondent stage scores instead of the stage table")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "by")  # Weight for --weights weight: names up to case
    cfg = resolve_config(args.config, LifecycleConfig)
    r = stages(df, config=cfg, by=args.by, importance=args.importance, workers=args.workers)
    if args.output:
        if args.scores:
            out = pd.concat([df.drop(columns=[t.name for t in cfg.touchpoints]), r.scores], axis=1)
        else:
            out = r.table.assign(group=r.table["group"].astype(str))
        write_table(out, args.output, args.output_format)
        return 0
    for line in _lines(r) if get_language() == "zh" else r._summary_lines():
        print(line)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        cols = ["group", "stage", "n", "index", "lower", "upper", "quadrant", "weak", "strong"]
        print(cli_table(r.table[cols].round(1), index=False))
    return 0


def _lines(r: Any) -> list[str]:
    """The journey lines in the label language (from servscore.report_labels)."""
    lines = []
    for g, row in r.journey.iterrows():
        weak = words(row["weak_stages"]) or word("none")
        lines.append(text("cli_journey", g=word(g), j=row["journey"], w=word(row["weakest"]), weak=weak))
    return lines[:10]
