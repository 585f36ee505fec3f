"""``servscore economics``: the TARP complaint model, a scenario and a sensitivity range."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from .._input import resolve_config
from ..cli import UsageError, write_table
from ..economics import ComplaintConfig, complaints, sensitivity

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
        print_lines = s._summary_lines()
    else:
        scen = _pairs(args.scenario, "--scenario") or None
        r = complaints(args.customers, config=cfg, scenario=scen, programme_cost=args.cost, **params)
        table = r.table.reset_index(names="case")
        if r.comparison:
            for k, v in r.comparison.items():
                table[k] = [np.nan, v] if len(table) == 2 else v
        print_lines = r._summary_lines()
    if args.output:
        write_table(table, args.output, args.output_format)
        return 0
    for line in print_lines:
        print(line)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    return 0
