"""``servscore interactions``: classify interactions from transcripts or notes (cues, lost-sale risks, styles)."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from ..cli import add_io_arguments, read_table, write_table
from ..interactions import classify

NAME = "interactions"
HELP = "find cues in transcripts or notes: staff behaviours, customer signals, lost-sale risks, customer styles"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--text", default="transcript", help="name of the text column (default: transcript)")
    p.add_argument("--lexicon", help='cue lexicon JSON file (replaces the default; {"extend": true, ...} adds to it)')
    p.add_argument("--lexicon-lang", choices=["en", "zh", "all"], help="phrase languages of the lexicon to use")
    p.add_argument(
        "--summary",
        action="store_true",
        help="write the per-reason risk rates (per --by group) instead of one row each",
    )


def _settings(path: str | None) -> dict[str, object] | None:
    if not path:
        return None
    from .._core import ConfigError

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read the settings ({e})") from e
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object of settings (risk_threshold, indicator_step)")
    return {k: v for k, v in data.items() if k != "description"}


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    r = classify(
        df,
        text=args.text,
        lexicon=args.lexicon,
        lang=args.lexicon_lang,
        config=_settings(args.config),
        workers=args.workers,
    )
    table = _summary(r.table, args.by) if args.summary else r.table
    if args.output:
        write_table(table, args.output, args.output_format)
    else:
        for line in r._summary_lines():
            print(line)
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            print(_summary(r.table, args.by).round(3).to_string(index=False))
    return 0


def _summary(t: pd.DataFrame, by: list[str] | None) -> pd.DataFrame:
    from ..model import LostSaleReason

    cols = [f"risk_{r}" for r in LostSaleReason.names()]
    if by:
        g = t.groupby(by, dropna=False, observed=True)
        out = g[cols].mean()
        out.insert(0, "n", g.size())
        return out.reset_index()
    s = t[cols].mean().rename_axis("reason").rename("share").reset_index()
    s["reason"] = s["reason"].str.removeprefix("risk_")
    s.insert(1, "flagged", t[cols].sum().to_numpy())
    return s
