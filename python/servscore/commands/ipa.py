"""``servscore ipa``: importance-performance analysis of attribute ratings."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, output_file, read_table, resolve_columns, write_table
from ..drivers import ipa
from ..model import get_language
from ..report_labels import cli_table, text, word, words
from .drivers import left_out

NAME = "ipa"
HELP = "importance-performance analysis (Martilla & James quadrants) of attribute ratings"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("-y", "--outcome", help="outcome column, for derived importance")
    p.add_argument("--columns", nargs="+", help="attribute columns (default: every other numeric column)")
    p.add_argument(
        "--importance",
        default="lmg",
        help="derived importance (correlation, lmg, relative_weights) or a CSV file of stated importance "
        "with columns attribute, importance",
    )
    p.add_argument(
        "--crosshair", default="data_mean", choices=["scale", "data_mean", "data_median", "diagonal"], help="crosshair"
    )
    p.add_argument("--scale", nargs=2, type=float, metavar=("MIN", "MAX"), help="rating scale (default 1 5)")
    p.add_argument("--weights", help="survey-weight column")
    p.add_argument("--plot", help="write the IPA grid to this image file (png, svg, pdf)")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "outcome", "columns", "weights", "by")  # Weight for --weights weight: names up to case
    imp: str | pd.Series = args.importance
    columns = args.columns
    if args.importance not in ("correlation", "lmg", "relative_weights", "dominance"):
        stated = read_table(args.importance)
        imp = stated.set_index(stated.columns[0])[stated.columns[1]]
        if columns is None:
            columns = [str(c) for c in imp.index]
    res = ipa(
        df,
        imp,
        y=args.outcome,
        columns=columns,
        weights=args.weights,
        crosshair=args.crosshair,
        scale=(args.scale[0], args.scale[1]) if args.scale else None,
        workers=args.workers,
    )
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        ax = res.plot(lang=args.lang)
        with output_file(args.plot) as tmp:  # Ctrl-C leaves no half-written picture
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight")
    table = res.table.reset_index()
    if args.output:
        write_table(table, args.output, args.output_format)
    else:
        print("\n".join(_lines(res) if get_language() == "zh" else res._summary_lines()))
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(cli_table(table.round(4), index=False))
    return 0


def _lines(res: Any) -> list[str]:
    """The IPA summary lines in the label language (from servscore.report_labels)."""
    conc = res.table.index[res.table["quadrant"].astype(str) == "concentrate_here"]
    lines = [
        text("cli_ipa_head", how=word(res.crosshair), p=res.performance_cut, i=res.importance_cut),
        text("cli_concentrate", what=words(map(str, conc)) if len(conc) else word("none")),
    ]
    return lines + ([left_out(res.excluded)] if res.excluded else [])
