"""``servscore loyalty``: Jones & Sasser segments with simultaneous intervals, and the
satisfaction-to-loyalty curve with its competitive / non-competitive zone."""

from __future__ import annotations

import argparse

import pandas as pd

from .._input import resolve_config
from ..cli import UsageError, add_io_arguments, match_column, read_table, resolve_columns, write_table
from ..loyalty import LoyaltyConfig, curve, segment

NAME = "loyalty"
HELP = "satisfaction x loyalty segments (apostle, mercenary, hostage, defector, terrorist) and the loyalty curve"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--satisfaction", default="satisfaction", help="satisfaction column (default: satisfaction)")
    p.add_argument("--loyalty", default="loyalty", help="loyalty / repurchase intention column (default: loyalty)")
    p.add_argument("--nps", help="likelihood-to-recommend column (default: 'nps' when present)")
    p.add_argument("--complained", help="complaint flag column (default: 'complained' when present)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--summary", action="store_true", help="write the per-group segment table")
    what.add_argument("--curve", action="store_true", help="write the satisfaction-to-loyalty curve")


def _optional(df: pd.DataFrame, given: str | None, default: str) -> str | None:
    if given is not None:
        if given not in df.columns:
            raise UsageError(f"no column {given!r}; columns present: {', '.join(map(str, df.columns[:30]))}")
        return given
    default = match_column(df, default, f"--{default}")  # NPS for nps
    return default if default in df.columns else None


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(
        df, args, "satisfaction", "loyalty", "nps", "complained", "by"
    )  # Weight for --weights weight: names up to case
    cfg = resolve_config(args.config, LoyaltyConfig)
    nps = _optional(df, args.nps, "nps")
    complained = _optional(df, args.complained, "complained")
    seg = segment(
        args.satisfaction,
        args.loyalty,
        data=df,
        nps=nps,
        complained=complained,
        by=args.by,
        config=cfg,
        workers=args.workers,
    )
    cur = curve(args.satisfaction, args.loyalty, data=df, by=args.by, config=cfg)
    if args.output:
        if args.curve:
            out = cur.table.assign(group=cur.table["group"].astype(str))
        elif args.summary:
            out = seg.table.reset_index()
        else:
            out = pd.concat([df, seg.customers[["segment", "advocate"]]], axis=1)
        write_table(out, args.output, args.output_format)
        return 0
    for line in seg._summary_lines():
        print(line)
    segs = ["apostle", "mercenary", "hostage", "defector", "terrorist"]
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        t = seg.table
        shares = pd.DataFrame({"n": t["n"]})
        for s in segs:
            shares[s] = [
                f"{100 * v:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if v == v else "-"
                for v, lo, hi in zip(t[f"share_{s}"], t[f"lower_{s}"], t[f"upper_{s}"])
            ]
        print(shares.to_string())
    print("loyalty curve zones:")
    for g, r in cur.zones.iterrows():
        print(
            f"  {g}: {r['zone']} (loyal below the top box {r['loyal_below']:.2f}, at the top box {r['loyal_top']:.2f})"
        )
    return 0
