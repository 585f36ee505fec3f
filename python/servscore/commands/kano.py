"""``servscore kano``: Kano analysis of a survey (categories, Better/Worse, Fong, DuMouchel) per attribute."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, progress, read_table, resolve_columns, write_table
from ..kano import Accumulator
from ..model import ExpectationLevel, KanoCategory, get_language
from ..report_labels import cli_table, text, word, words

NAME = "kano"
HELP = "Kano analysis of a survey: category, Better/Worse, Fong test and DuMouchel means per attribute"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--table", help="evaluation table: cqm (default), pouliot, short, or a JSON file")
    p.add_argument("--attributes", nargs="+", help="attributes to analyse (default: every <a>_f/<a>_d pair)")
    p.add_argument("--ci", choices=["wilson", "bootstrap"], default="wilson", help="Better/Worse intervals")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--compare", action="store_true", help="write the segment comparison (needs --by with 2 groups)")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "by")  # Weight for --weights weight: names up to case
    acc = Accumulator(args.attributes, by=args.by, config=args.config, table=args.table, workers=args.workers)
    if len(df) == 0:
        from .._core import InputError

        raise InputError("data: the input is empty (0 rows)")
    for a, b in progress(len(df), text("progress_counting")):
        acc.update(df.iloc[a:b])
    result = acc.result(ci=args.ci, seed=args.seed)
    out = result.compare() if args.compare else result.table
    if args.output:
        write_table(out.reset_index(), args.output, args.output_format)
        return 0
    lang = get_language()
    for line in _lines(result) if lang == "zh" else result._summary_lines():
        print(line)
    if args.compare:
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(cli_table(out.round(4)))
        return 0
    t = result.table[["n", "missing", "A", "O", "M", "I", "R", "Q", "better", "worse"]].copy()
    t["category"] = [KanoCategory(c).label(lang) if isinstance(c, str) else "" for c in result.table["category"]]
    t["level"] = [
        ExpectationLevel(c).label(lang) if isinstance(c, str) else "" for c in result.table["expectation_level"]
    ]
    t["fong"] = result.table["fong_significant"].map({True: word("cli_sig"), False: word("cli_ns")})
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        if lang == "zh":  # the expectation level, not the standard's level
            t = t.rename(columns={"level": "expectation_level"})
        print(cli_table(t.round(3)))
    return 0


def _lines(result: Any) -> list[str]:
    """The Kano summary lines in the label language (from servscore.report_labels)."""
    t = result.table
    cats = t["category"].astype(str).value_counts()
    import re

    boot = re.fullmatch(r"bootstrap \(n_bootstrap=(\d+), seed=(\d+)\)", result.ci_method)
    ci = text("cli_kano_bootstrap", b=boot[1], seed=boot[2]) if boot else word(result.ci_method)
    lines = [
        text("cli_kano_head", k=len(t), table=word(result.config.table_name), ci=ci),
        text("cli_categories", what="、".join(f"{word(c)} {n}" for c, n in cats.items())),
    ]
    near = [str(i) for i in t.index[t["near_tie"].to_numpy(dtype=bool)]]
    if near:
        lines.append(text("cli_near_ties", what=words(near)))
    # the result's warnings, from the same table columns (q_warning, q_share, n)
    for idx, row in t[t["q_warning"].to_numpy(dtype=bool)].iterrows():
        name = " → ".join(map(word, idx)) if isinstance(idx, tuple) else word(idx)
        share, limit = 100 * row["q_share"], 100 * result.config.q_warning_share
        lines.append(text("cli_kano_questionable", name=name, share=share, limit=limit))
    for idx in t.index[t["n"] == 0]:
        lines.append(text("cli_kano_empty", name=" → ".join(map(word, idx)) if isinstance(idx, tuple) else word(idx)))
    return lines
