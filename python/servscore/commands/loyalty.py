"""``servscore loyalty``: Jones & Sasser segments with simultaneous intervals, and the
satisfaction-to-loyalty curve with its competitive / non-competitive zone."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from .._input import resolve_config
from ..cli import UsageError, add_io_arguments, match_column, read_table, resolve_columns, write_table
from ..loyalty import LoyaltyConfig, curve, segment
from ..model import get_language
from ..report_labels import cli_table, text, word

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
    zh = get_language() == "zh"
    for line in _lines(seg) if zh else seg._summary_lines():
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
        print(cli_table(shares))
    print(text("cli_loyalty_zones"))
    for key, r in cur.zones.iterrows():
        g, z = (word(key), word(r["zone"])) if zh else (key, r["zone"])  # English: the identifiers, as before
        zone = text("cli_loyalty_zone", g=g, zone=z, below=r["loyal_below"], top=r["loyal_top"])
        print(f"  {zone}")
    return 0


def _lines(seg: Any) -> list[str]:
    """The segment lines in the label language (from servscore.report_labels)."""
    from ..loyalty import SEGMENTS

    t = seg.table
    n = int(t["n"].sum())
    parts = [f"{word(s)} {100 * t[s].sum() / max(n, 1):.1f}%" for s in SEGMENTS if t[s].sum() > 0 or s != "terrorist"]
    return [
        text("cli_loyalty_head", n=n, m=int(t["n_missing"].sum()), what="、".join(parts)),
        text("cli_loyalty_interval", level=100 * seg.config.confidence, how=word(seg.interval), k=seg.n_categories),
    ]
