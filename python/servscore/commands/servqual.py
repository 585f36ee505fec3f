"""``servscore servqual``: SERVQUAL gaps (or SERVPERF) and the zone of tolerance from a survey table."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import UsageError, add_io_arguments, read_table, resolve_columns, write_table
from ..model import get_language
from ..report_labels import cli_table, text, word, words
from ..servqual import ServqualAccumulator, ZotAccumulator, resolve_dimensions

NAME = "servqual"
HELP = "SERVQUAL gap scores per RATER dimension (or SERVPERF), weighted by 100-point allocations, zone of tolerance"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--form", choices=["1988", "1991"], help="published 22-item form (default 1991; or --config)")
    p.add_argument("--expectations", default="e_", help="column prefix of the expectations (default e_)")
    p.add_argument("--perceptions", default="p_", help="column prefix of the perceptions (default p_)")
    p.add_argument("--weights", help="column prefix of the 100-point allocations, e.g. points_")
    p.add_argument("--servperf", action="store_true", help="perceptions only (SERVPERF)")
    p.add_argument(
        "--zot",
        nargs=3,
        metavar=("ADEQUATE", "DESIRED", "PERCEIVED"),
        help="column prefixes of the zone-of-tolerance block, e.g. a_ d_ z_",
    )
    p.add_argument("--items", action="store_true", help="write or print the per-item table instead of dimensions")


def _columns(df: pd.DataFrame, prefix: str | None, what: str) -> pd.DataFrame | None:
    if not prefix:
        return None
    cols = [c for c in df.columns if str(c).startswith(prefix)]
    if not cols:
        raise UsageError(f"no {what} columns start with {prefix!r}")
    return df[cols].rename(columns=lambda c: str(c)[len(prefix) :])


def _one(df: pd.DataFrame, args: argparse.Namespace, cfg: Any) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    p = _columns(df, args.perceptions, "perception")
    w = _columns(df, args.weights, "allocation")
    acc = ServqualAccumulator(cfg, perceptions_only=args.servperf)
    if args.servperf:
        acc.update(p, weights=w, workers=args.workers)
    else:
        acc.update(_columns(df, args.expectations, "expectation"), p, weights=w, workers=args.workers)
    r = acc.result()
    out["servqual"] = r.items if args.items else r.dimensions
    out["_summary"] = pd.DataFrame({"line": _lines(r) if get_language() == "zh" else r._summary_lines()})
    if args.zot:
        a, d, z = (_columns(df, pre, what) for pre, what in zip(args.zot, ("adequate", "desired", "perceived")))
        zr = ZotAccumulator(cfg).update(a, d, z, workers=args.workers).result()
        out["zot"] = zr.items if args.items else zr.dimensions
    return out


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "by")  # Weight for --weights weight: names up to case
    cfg = resolve_dimensions(args.config if args.config else (int(args.form) if args.form else None))
    groups: list[tuple[Any, pd.DataFrame]] = (
        list(df.groupby(args.by if len(args.by) > 1 else args.by[0], sort=True, dropna=False)) if args.by else []
    )
    results = [("all", _one(df, args, cfg))] + [(k, _one(g, args, cfg)) for k, g in groups]
    tables = []
    for key, res in results:
        for part in ("servqual", "zot"):
            if part in res:
                t = res[part].reset_index()
                t.insert(0, "table", part)
                t.insert(0, "group", str(key))
                tables.append(t)
    if args.output:
        write_table(pd.concat(tables, ignore_index=True), args.output, args.output_format)
        return 0
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        for key, res in results:
            print(f"== {word(key) if get_language() == 'zh' else key}")
            for line in res["_summary"]["line"]:
                print(line)
            print(cli_table(res["servqual"].round(3)))
            if "zot" in res:
                print(text("cli_zot"))
                print(cli_table(res["zot"].round(3)))
    return 0


def _lines(r: Any) -> list[str]:
    """The SERVQUAL / SERVPERF lines in the label language (from servscore.report_labels)."""
    import math

    if r.kind == "servqual":
        head, weighted = text("cli_servqual_head", v=r.servqual), r.weighted_servqual
        shown = f"{weighted:+.3f}"
    else:
        head, weighted = text("cli_servperf_head", v=r.servperf), r.weighted_servperf
        shown = f"{weighted:.3f}"
    if not math.isnan(weighted):
        head += text("cli_weighted", v=shown, n=r.n_weighted)
    lines = [head, text("cli_servqual_n", n=r.n_rows, what=word(r.weakest_dimension()))]
    if r.n_missing_allocation:
        lines.append(text("cli_servqual_alloc", n=r.n_missing_allocation))
    if r.missing_dimensions:
        k = len(r.dimensions) - len(r.missing_dimensions)
        lines.append(text("cli_servqual_unscored", what=words(r.missing_dimensions), k=k))
    return lines
