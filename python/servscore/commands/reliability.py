"""``servscore reliability``: Cronbach's alpha of one or more blocks of items."""

from __future__ import annotations

import argparse

import pandas as pd

from ..cli import UsageError, add_io_arguments, match_column, read_table, resolve_columns, write_table
from ..model import get_language
from ..reliability import cronbach_alpha
from ..report_labels import cli_table

NAME = "reliability"
HELP = "Cronbach's alpha (raw, standardised, Feldt interval), alpha if item deleted, item-total r, Dillon-Goldstein rho"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--items", nargs="+", help="the item columns of one block")
    p.add_argument(
        "--block",
        nargs="+",
        metavar="NAME=PREFIX|COLS",
        help="blocks as name=prefix (imag=imag) or name=col1,col2,...; several allowed",
    )
    p.add_argument(
        "--missing",
        "--nan-policy",
        dest="missing",
        choices=["listwise", "pairwise"],
        default="listwise",
        help="missing-data policy (--nan-policy is its old name)",
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level of the Feldt interval")
    p.add_argument("--weights", help="column of survey weights")
    p.add_argument(
        "--item-table", action="store_true", help="write the per-item statistics instead of one row per block"
    )


def _blocks(df: pd.DataFrame, args: argparse.Namespace) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    if args.items:
        blocks["items"] = list(args.items)
    for spec in args.block or []:
        if "=" not in spec:
            raise UsageError(f"--block {spec!r}: expected NAME=PREFIX or NAME=col1,col2")
        name, rhs = spec.split("=", 1)
        cols = (
            [match_column(df, c, "--block") for c in rhs.split(",")]
            if "," in rhs
            else [c for c in df.columns if str(c).startswith(rhs)]
        )
        if not cols:
            raise UsageError(f"--block {spec!r}: no column starts with {rhs!r}")
        blocks[name] = [str(c) for c in cols]
    if not blocks:
        raise UsageError("give the items with --items col1 col2 ... or one or more --block NAME=PREFIX")
    return blocks


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "items", "weights", "by")  # Weight for --weights weight: names up to case
    rows = []
    items = []
    groups = list(df.groupby(args.by if len(args.by) > 1 else args.by[0], sort=True)) if args.by else [("all", df)]
    for key, g in groups:
        for name, cols in _blocks(df, args).items():
            missing = [c for c in cols if c not in g.columns]
            if missing:
                raise UsageError(f"block {name!r}: no column(s) {missing}")
            frame = g[cols + ([args.weights] if args.weights else [])]
            r = cronbach_alpha(
                frame, level=args.level, missing=args.missing, weights=args.weights, workers=args.workers
            )
            rows.append(
                {
                    "group": str(key),
                    "block": name,
                    "k": r.k,
                    "n": r.n,
                    "n_dropped": r.n_dropped,
                    "alpha": r.alpha,
                    "alpha_standardized": r.alpha_standardized,
                    "ci_low": r.ci[0],
                    "ci_high": r.ci[1],
                    "dg_rho": r.dg_rho,
                    "mean_r": r.mean_r,
                    "missing": r.nan_policy,
                }
            )
            items.append(r.items.reset_index().assign(group=str(key), block=name))
    table = pd.DataFrame(rows)
    if args.output:
        write_table(pd.concat(items, ignore_index=True) if args.item_table else table, args.output, args.output_format)
        return 0
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        zh = get_language() == "zh"  # the missing-value policy, not a count
        shown = table.round(4).rename(columns={"missing": "missing_policy"} if zh else {})
        print(cli_table(shown, level=args.level, index=False))
        if args.item_table:
            print(cli_table(pd.concat(items, ignore_index=True).round(4), level=args.level, index=False))
    return 0
