"""``servscore interactions``: classify interactions from transcripts or notes (cues, lost-sale risks, styles)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pandas as pd

from .. import _json
from .._core import InputError
from ..cli import UsageError, add_io_arguments, output_file, read_table, resolve_columns, write_table
from ..interactions import classify
from ..model import get_language
from ..report_labels import cli_table, text, word, words

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
    p.add_argument(
        "--evaluate",
        metavar="LABELS",
        help="gold labels (.jsonl or .csv, joined on --id): print the evaluation of the classification against them",
    )
    p.add_argument("--id", default="id", help="id column joining the input and the --evaluate labels (default: id)")
    p.add_argument("--evaluate-output", metavar="PATH", help="also write the evaluation as JSON to PATH")


def _settings(path: str | None) -> dict[str, object] | None:
    if not path:
        return None
    from .._core import ConfigError

    try:
        with open(path, encoding="utf-8") as fh:
            data = _json.loads(fh.read(), "settings")
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read the settings ({e})") from e
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object of settings (risk_threshold, indicator_step)")
    return {k: v for k, v in data.items() if k != "description"}


def run(args: argparse.Namespace) -> int:
    if args.evaluate_output and not args.evaluate:
        raise UsageError("--evaluate-output needs --evaluate LABELS")
    gold = None
    if args.evaluate:
        from .._text_eval import read_labels

        try:  # the labels file is named in its own errors; check it before classifying
            gold = read_labels(args.evaluate, id=args.id)
        except InputError as e:
            raise UsageError(str(e)) from None
    df = read_table(args.input, args.format)
    resolve_columns(df, args, "text", "by")  # Weight for --weights weight: names up to case
    if gold is not None and args.id not in df.columns:
        raise UsageError(
            f"--id {args.id!r}: no such column in the input; columns: {', '.join(map(str, df.columns[:30]))}"
        )
    r = classify(
        df,
        text=args.text,
        lexicon=args.lexicon,
        lang=args.lexicon_lang,
        config=_settings(args.config),
        workers=args.workers,
    )
    table = _summary(r, args.by) if args.summary else r.table
    if args.output:
        write_table(table, args.output, args.output_format)
    else:
        for line in _lines(r) if get_language() == "zh" else r._summary_lines():
            print(line)
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            print(cli_table(_summary(r, args.by).round(3), index=False))
    if gold is not None:
        _evaluate(gold, r.table, args)
    return 0


def _evaluate(gold: pd.DataFrame, table: pd.DataFrame, args: argparse.Namespace) -> None:
    from .._text_eval import evaluate, predictions_from_classify

    if gold[args.id].map(type).eq(str).all() and not table[args.id].map(type).eq(str).all():
        table = table.assign(**{args.id: table[args.id].astype(str)})  # CSV labels read ids as text
    e = evaluate(gold, predictions_from_classify(table, id=args.id), id=args.id)
    print()
    print(_evaluation_zh(e) if get_language() == "zh" else e.summary().text)
    if args.evaluate_output:
        try:
            with output_file(args.evaluate_output) as tmp, open(tmp, "w", encoding="utf-8") as fh:
                json.dump(e.to_dict(), fh, ensure_ascii=False, indent=1, allow_nan=False)
        except OSError as err:
            raise UsageError(f"{args.evaluate_output}: cannot write the evaluation ({err.strerror or err})") from err


def _summary(r: Any, by: list[str] | None) -> pd.DataFrame:
    """The lost-sale risk rates (shares of the texts present, as ``risk_rates()``): per reason,
    or per group (one ``risk_<reason>`` share column per reason, with ``n`` interactions and
    ``texts`` present)."""
    from ..interactions import Accumulator

    acc = Accumulator(r.lexicon.cue_names, by=by).update(r)
    rates = acc.risk_rates()
    if not by:
        s = rates.reset_index()
        return s[["reason", "flagged", "share"]]
    wide = rates["share"].unstack("reason")[list(rates.index.get_level_values("reason").unique())]
    wide.columns = [f"risk_{c}" for c in wide.columns]
    t = r.table
    present = t["text_status"].astype(str) != "missing"
    g = t.assign(_present=present).groupby(by, dropna=False, observed=True)
    counts = pd.DataFrame({"n": g.size(), "texts": g["_present"].sum()}).reindex(wide.index)
    return pd.concat([counts, wide], axis=1).reset_index()


def _lines(r: Any) -> list[str]:
    """The interaction summary lines in the label language (from servscore.report_labels)."""
    from ..model import Quadrant

    t = r.table
    st = t["text_status"].value_counts()
    rr = r.risk_rates().sort_values("flagged", ascending=False, kind="stable")
    styles = t["style"].value_counts()
    risks = "、".join(f"{word(k)}（{int(v)}）" for k, v in rr["flagged"].iloc[:3].items() if v > 0)
    lines = [
        text(
            "cli_interactions_head",
            n=len(t),
            missing=int(st.get("missing", 0)),
            empty=int(st.get("empty", 0)),
            bad=int(st.get("invalid_utf8", 0)),
            cut=int(st.get("truncated", 0)),
        ),
        text("cli_interactions_risk", n=int((t["n_risks"] > 0).sum()), what=risks or word("none")),
        text("cli_interactions_styles", what="、".join(f"{word(k)} {int(v)}" for k, v in styles.items())),
    ]
    if "quadrant" in t.columns:
        q = t["quadrant"].value_counts()
        quad = "、".join(f"{Quadrant(k).label('zh')} {int(v)}" for k, v in q.items())  # quality: the quadrant
        lines.append(text("cli_quadrants", what=quad))
    return lines


def _evaluation_zh(e: Any) -> str:
    """The evaluation summary (the result's own table) with its title, lines and labels in Chinese."""
    lines = [text("cli_eval_head", n=e.n, what=words(e.fields) or word("none"))]
    if e.not_predicted:
        lines.append(text("cli_eval_not_predicted", what=words(e.not_predicted)))
    if e.n_unmatched_predicted:
        lines.append(text("cli_eval_unmatched", n=e.n_unmatched_predicted))
    table = e.summary().table  # its metric columns as eval_<metric> (accuracy may name a data column)
    table = table.rename(columns=lambda c: c if c == "n" else f"eval_{c}")
    parts = [text("cli_eval_title"), *("  " + s for s in lines)]
    if len(table):
        with pd.option_context("display.width", 160, "display.max_columns", 30, "display.max_rows", 200):
            parts += ["", cli_table(table, float_format=lambda v: format(v, ".3f"))]
    return "\n".join(parts)
