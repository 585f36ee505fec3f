"""``servscore economics``: the TARP complaint model, a scenario and a sensitivity range."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np
import pandas as pd

from .._input import resolve_config
from ..cli import UsageError, write_table
from ..economics import ComplaintConfig, complaints, sensitivity
from ..model import get_language
from ..report_labels import cli_table, text, word

NAME = "economics"
HELP = "complaint economics (TARP): customers retained and lost, word of mouth, value at risk, return on a scenario"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("customers", type=float, help="number of customers who had a problem")
    p.add_argument("--config", help="JSON file of the model's parameters")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter (repeatable)")
    p.add_argument(
        "--scenario", action="append", default=[], metavar="KEY=VALUE", help="a changed parameter (repeatable)"
    )
    p.add_argument("--cost", type=float, default=0.0, help="cost of the scenario's programme")
    p.add_argument(
        "--sensitivity", metavar="KEY=START:STOP:NUM", help="evaluate NUM values of a parameter from START to STOP"
    )
    p.add_argument("-o", "--output", help="output file (csv, json, jsonl, parquet)")
    p.add_argument("--output-format", help="output format when the extension does not say")
    p.add_argument("--lang", choices=["en", "zh"], help="label language (default: en)")


def _pairs(items: list[str], option: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = float(value) if key.strip() != "horizon" else int(value)
        except ValueError:
            raise UsageError(f"{option} {item!r}: {value!r} is not a number") from None
    return out


def run(args: argparse.Namespace) -> int:
    cfg = resolve_config(args.config, ComplaintConfig)
    params = _pairs(args.set, "--set")
    if args.sensitivity:
        key, sep, spec = args.sensitivity.partition("=")
        parts = spec.split(":")
        try:
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise UsageError(f"--sensitivity {args.sensitivity!r}: expected KEY=START:STOP:NUM") from None
        if not sep or num < 1:
            raise UsageError(f"--sensitivity {args.sensitivity!r}: expected KEY=START:STOP:NUM with NUM >= 1")
        s = sensitivity(args.customers, key, np.linspace(start, stop, num), config=cfg, **params)
        table = s.table.reset_index()
        print_lines = _sensitivity_lines(s) if get_language() == "zh" else s._summary_lines()
    else:
        scen = _pairs(args.scenario, "--scenario") or None
        r = complaints(args.customers, config=cfg, scenario=scen, programme_cost=args.cost, **params)
        table = r.table.reset_index(names="case")
        if r.comparison:
            for k, v in r.comparison.items():
                table[k] = [np.nan, v] if len(table) == 2 else v
        print_lines = _lines(r) if get_language() == "zh" else r._summary_lines()
    if args.output:
        write_table(table, args.output, args.output_format)
        return 0
    for line in print_lines:
        print(line)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(cli_table(table.round(3), index=False))
    return 0


def _lines(r: Any) -> list[str]:
    """The complaint-economics summary lines in the label language (servscore.report_labels)."""
    b = r.table.loc["baseline"]
    lines = [
        text(
            "cli_economics_head",
            c=b["customers"],
            r=b["retained"],
            l=b["lost"],
            share=100 * (1 - b["retention_rate"]),
            wom=b["negative_word_of_mouth"],
            var=b["value_at_risk"],
        )
    ]
    if r.comparison:
        c = r.comparison
        roi = "–" if math.isnan(c["roi"]) else f"{100 * c['roi']:.0f}%"
        lines.append(
            text("cli_economics_scenario", x=c["extra_retained"], v=c["value_gained"], net=c["net_return"], roi=roi)
        )
    return lines


def _sensitivity_lines(s: Any) -> list[str]:
    t = s.table
    lo, hi = t.iloc[0], t.iloc[-1]
    return [
        text(
            "cli_economics_sensitivity",
            p=word(s.parameter),
            a=t.index[0],
            b=t.index[-1],
            l0=lo["lost"],
            l1=hi["lost"],
            v0=lo["value_at_risk"],
            v1=hi["value_at_risk"],
        )
    ]
