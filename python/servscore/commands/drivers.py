"""``servscore drivers``: key-driver analysis (LMG / dominance / relative weights, penalty-reward)."""

from __future__ import annotations

import argparse
import math
from typing import Any

import pandas as pd

from .. import _progress
from .._input import resolve_config
from ..cli import add_io_arguments, assumed, read_table, resolve_columns, write_table
from ..drivers import DriverConfig, importance, penalty_reward
from ..model import get_language
from ..report_labels import cli_table, text, word, words

NAME = "drivers"
HELP = "key drivers of an outcome: LMG / dominance, relative weights or penalty-reward contrasts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("-y", "--outcome", required=True, help="outcome column (overall satisfaction)")
    p.add_argument("--columns", nargs="+", help="predictor columns (default: every other numeric column)")
    p.add_argument(
        "--method",
        default="lmg",
        choices=["lmg", "dominance", "relative_weights", "correlation", "penalty_reward"],
        help="importance method (default: lmg)",
    )
    p.add_argument("--weights", help="survey-weight column")
    p.add_argument("--missing", choices=["listwise", "pairwise"], help="missing-value policy (default: listwise)")
    p.add_argument(
        "--n-bootstrap",
        "--bootstrap",
        dest="n_bootstrap",
        type=int,
        help="relative weights: bootstrap replicates of the random-variable test",
    )
    p.add_argument("--seed", type=int, help="seed of permutation sampling and the bootstrap")


def _one(df: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    if args.method == "penalty_reward":
        pr = penalty_reward(df, args.outcome, columns=args.columns, weights=args.weights, config=args.config)
        return pr.table
    cfg = resolve_config(args.config, DriverConfig)
    res = importance(
        df,
        args.outcome,
        method=args.method,
        columns=args.columns,
        weights=args.weights,
        missing=args.missing,
        n_bootstrap=args.n_bootstrap,
        seed=args.seed,
        config=cfg,
        workers=args.workers,
    )
    print("\n".join(_lines(res) if get_language() == "zh" else res._summary_lines()))
    return res.table


def left_out(excluded: dict[str, str]) -> str:
    """The "left out: column (why)" line in the label language."""
    sep = "、" if get_language() == "zh" else ", "
    paren = "{}（{}）" if get_language() == "zh" else "{} ({})"
    return text("cli_left_out", what=sep.join(paren.format(c, word(why)) for c, why in excluded.items()))


def _lines(res: Any) -> list[str]:
    """The importance summary lines in the label language (from servscore.report_labels)."""
    how = text("cli_exact") if res.exact else text("cli_sampled", k=res.config.n_permutations)
    n = text("cli_from_matrix") if math.isnan(res.n_used) else text("cli_n_dropped", n=int(res.n_used), d=res.n_dropped)
    top = res.table.sort_values("rank").index[:3]
    lines = [
        text("cli_drivers_head", method=word(res.method), y=res.outcome, r2=res.r2, how=how, n=n),
        text("cli_top", what=words(map(str, top))),
        text("cli_predictors", what=words(res.predictors)),
    ]
    if res.always:
        lines.append(text("cli_always", what=words(res.always), r2=res.r2_always))
    for name, members in res.sets.items():
        lines.append(text("cli_set", name=name, what=words(members)))
    if res.excluded:
        lines.append(left_out(res.excluded))
    if res.interval:
        lines.append(
            text(
                "cli_boot",
                how=word(res.interval),
                level=1 - res.config.alpha,
                b=res.n_bootstrap,
                f=res.n_failed,
                seed=res.config.seed,
            )
        )
    return lines


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "outcome", "columns", "weights", "by")  # Weight for --weights weight: names up to case
    if args.by:
        parts = []
        groups = df.groupby(args.by if len(args.by) > 1 else args.by[0], sort=True, dropna=False)
        bar = _progress.stage(text("progress_groups", what=", ".join(map(str, args.by))), groups.ngroups)
        for key, grp in groups:
            t = _one(grp, args).reset_index()
            if bar is not None:
                bar.update()
            keys = key if isinstance(key, tuple) else (key,)
            for c, k in zip(args.by, keys):
                t.insert(0, c, k)
            parts.append(t)
        table = pd.concat(parts, ignore_index=True)
    else:
        table = _one(df, args).reset_index()
    if args.columns is None and len(table):
        assumed("--columns", ", ".join(dict.fromkeys(map(str, table[table.columns[len(args.by or [])]]))))
    if args.output:
        write_table(table, args.output, args.output_format)
    else:
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            if "factor_class" in table.columns and get_language() == "zh":  # the factor, not the IPA axis
                table["factor_class"] = table["factor_class"].astype(str).replace({"performance": "performance_factor"})
            print(cli_table(table.round(4), index=False))
    return 0
