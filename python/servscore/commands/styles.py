"""``servscore styles``: social styles from a questionnaire or from behaviour cues in transcripts."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..cli import add_io_arguments, read_table, resolve_columns, write_table
from ..model import get_language
from ..report_labels import cli_table, text, word
from ..styles import classify, from_cues, guidance
from ..text import match_cues

NAME = "styles"
HELP = "social styles (analytical, amiable, driver, expressive) from questionnaire answers or transcripts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument("--text", help="infer styles from behaviour cues in this text column instead of questionnaire items")
    p.add_argument("--lexicon", help="cue lexicon JSON file (with --text)")
    p.add_argument("--lexicon-lang", choices=["en", "zh", "all"], help="phrase languages of the lexicon (with --text)")
    p.add_argument("--guidance", action="store_true", help="print the service guidance for each style found")


def run(args: argparse.Namespace) -> int:
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "text", "by")  # Weight for --weights weight: names up to case
    if args.text:
        from .._core import InputError

        if args.text not in df.columns:
            raise InputError(f"no text column {args.text!r}; columns present: {', '.join(map(str, df.columns[:30]))}")
        m = match_cues(df[args.text], lexicon=args.lexicon, lang=args.lexicon_lang, workers=args.workers)
        r = from_cues(m, lexicon=args.lexicon)
        table = pd.concat([df, r.table], axis=1)
    else:
        r = classify(df, instrument=args.config)
        table = r.table
    if args.output:
        write_table(table, args.output, args.output_format)
    else:
        for line in _lines(r) if get_language() == "zh" else r._summary_lines():
            print(line)
        if args.by:
            print(cli_table(pd.crosstab([table[b] for b in args.by], table["style"])))
    if args.guidance or not args.output:
        from ..model import SocialStyle

        for s in SocialStyle:
            if (table["style"].astype(str) == s.value).any():
                print(f"{s.label()}{'：' if get_language() == 'zh' else ':'}")
                for line in guidance(s, get_language()):
                    print(f"  - {line}")
    return 0


def _lines(r: Any) -> list[str]:
    """The style counts in the label language (from servscore.report_labels)."""
    c = r.counts()
    n = int(c.sum())
    parts = "、".join(f"{word(k)} {v}（{100 * v / max(n, 1):.0f}%）" for k, v in c.items())
    return [text("cli_styles_head", n=n, how=word(r.method), what=parts)]
