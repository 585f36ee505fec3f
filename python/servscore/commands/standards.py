"""``servscore standards``: compliance with service standards (Wilson intervals, p-charts) and,
with ``--time``, attainment of the time elements' targets."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..model import get_language
from ..report_labels import cli_table, text, word
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
        print(_time_line(t) if get_language() == "zh" else t._summary_lines()[0])
        cols = ["target", "unit", "n", "attainment", "p50", "p90", "mean_excess"]
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(cli_table(t.table[[c for c in cols if c in t.table.columns]].round(3)))
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
    for line in _lines(r) if get_language() == "zh" else r._summary_lines():
        print(line)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        shown = r.table[["level", "n_observed", "share", "low", "high"]].round(3)
        print(cli_table(shown.rename(index=_label) if get_language() == "zh" else shown, level=args.level))
    if len(r.flagged):
        print(text("cli_out_of_control"))
        for rec in r.flagged.to_dict("records"):
            p, lo, hi = (100 * float(rec[k]) for k in ("p", "lower", "upper"))
            if get_language() == "zh":
                print(
                    f"  {_label(rec['standard'])} {rec['period']}：{p:.1f}%（{word(rec['signal'])} [{lo:.1f}%, {hi:.1f}%]）"
                )
            else:
                print(f"  {rec['standard']} {rec['period']}: {p:.1f}% ({rec['signal']} [{lo:.1f}%, {hi:.1f}%])")
    return 0


def _label(sid: Any) -> Any:
    """A standard's display label (``greeting_quality`` -> 问候（优质标准）), as the report shows it."""
    from ..report_sections.standards import standard_label

    return standard_label(str(sid), "zh") if isinstance(sid, str) else sid


def _lines(r: Any) -> list[str]:
    """The compliance lines in the label language (from servscore.report_labels)."""
    import numpy as np

    t = r.table
    ids = t.index.get_level_values("standard")
    first = t[ids == ids[0]] if len(t) else t
    n = int(first[["n_observed", "not_applicable", "not_observed"]].to_numpy().sum()) if len(t) else 0
    lines = [text("cli_standards_head", n=n, k=len(ids.unique()))]
    worst = t.sort_values("share").head(1)
    if len(worst) and not np.isnan(worst["share"].iloc[0]):
        key = worst.index[0]
        what = " → ".join(map(_label, key)) if isinstance(key, tuple) else _label(key)
        lines.append(text("cli_standards_low", what=what, share=100 * worst["share"].iloc[0]))
    if len(r.flagged):
        lines.append(text("cli_standards_flagged", n=len(r.flagged)))
    return lines


def _time_line(t: Any) -> str:
    tab = t.table.dropna(subset=["attainment"])
    if not len(tab):
        return text("cli_no_durations")
    worst = tab.sort_values("attainment").iloc[0]
    name = " → ".join(map(word, worst.name)) if isinstance(worst.name, tuple) else word(worst.name)
    return text("cli_time_head", k=len(t.config.columns), what=name, share=100 * worst["attainment"])
