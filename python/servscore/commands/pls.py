"""``servscore pls``: estimate a PLS path model (ACSI / ECSI / CCSI satisfaction index) from a data file."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import pandas as pd

from .. import _json
from .._core import ConfigError
from ..cli import UsageError, add_io_arguments, read_table, write_table
from ..model import get_language
from ..pls import PathModel, PlsConfig
from ..report_labels import cli_table, text, word

NAME = "pls"
HELP = "estimate a PLS path model (satisfaction indices: paths, R2, reliability, 0-100 indices, IPMA, bootstrap)"
TABLES = ("latents", "paths", "effects", "outer", "cross_loadings", "htmt", "ipma", "bootstrap", "scores", "indices")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_io_arguments(p)
    p.add_argument(
        "--model",
        help="model file: syntax text ('SAT ~ IMAG + QUAL', 'IMAG =~ imag1 + imag2', 'F <~ f1 + f2') or JSON "
        '{"blocks": [...], "paths": [...]}; or put "model" inside the --config JSON',
    )
    p.add_argument("--scheme", choices=["centroid", "factorial", "path"], help="inner weighting scheme")
    p.add_argument("--unscaled", action="store_true", help="centre the indicators without scaling them")
    p.add_argument("--missing", choices=["mean", "listwise"], help="missing-value policy (default: mean)")
    p.add_argument("--scale", nargs=2, type=float, metavar=("MIN", "MAX"), help="rating scale (default: 1 10)")
    p.add_argument(
        "--n-bootstrap", "--bootstrap", dest="n_bootstrap", type=int, help="bootstrap resamples (default: 0)"
    )
    p.add_argument("--seed", type=int, help="bootstrap seed (default: 0)")
    p.add_argument("--table", choices=TABLES, default="latents", help="the table written with -o (default: latents)")


def _read_model_and_config(args: argparse.Namespace) -> tuple[PathModel, PlsConfig]:
    model: PathModel | None = None
    cfg_dict: dict[str, Any] = {}
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as fh:
                cfg_dict = _json.loads(fh.read(), "--config")
        except OSError as e:
            raise UsageError(f"--config: cannot read {args.config!r} ({e.strerror})") from e
        except json.JSONDecodeError as e:
            raise ConfigError(f"invalid JSON ({e})") from e
        if not isinstance(cfg_dict, dict):
            raise ConfigError("expected a JSON object")
        if "model" in cfg_dict:
            model = PathModel.from_dict(cfg_dict.pop("model"))
    if args.model:
        if not os.path.exists(args.model):
            raise UsageError(f"--model: no file {args.model!r}")
        with open(args.model, encoding="utf-8") as fh:
            text = fh.read()
        model = PathModel.from_json(text) if text.lstrip().startswith("{") else PathModel(text)
    if model is None:
        raise UsageError("a model is required: --model FILE (syntax or JSON), or a 'model' key in --config")
    if args.by:
        raise UsageError("--by is not supported by pls (fit one model per group file instead)")
    over: dict[str, Any] = {}
    if args.scheme:
        over["scheme"] = args.scheme
    if args.unscaled:
        over["scaled"] = False
    if args.missing:
        over["missing"] = args.missing
    if args.scale:
        over["scale_min"], over["scale_max"] = args.scale
    if args.n_bootstrap is not None:
        over["bootstrap"] = args.n_bootstrap
    if args.seed is not None:
        over["seed"] = args.seed
    return model, PlsConfig.from_dict({**cfg_dict, **over})


def run(args: argparse.Namespace) -> int:
    model, cfg = _read_model_and_config(args)
    df = read_table(args.input, args.format)
    result = model.fit(df, config=cfg, workers=args.workers)
    if not args.output:
        print(_summary_zh(result) if get_language() == "zh" else result.summary())
        return 0
    tables: dict[str, pd.DataFrame | None] = {
        "latents": result.latents.reset_index(),
        "paths": result.inner,
        "effects": result.effects,
        "outer": result.outer.reset_index(),
        "cross_loadings": result.cross_loadings.reset_index(),
        "htmt": result.htmt.rename_axis("latent").reset_index(),
        "ipma": None if result.ipma is None else result.ipma.reset_index(),
        "bootstrap": result.bootstrap,
        "scores": result.scores,
        "indices": result.index_scores,
    }
    table = tables[args.table]
    if table is None:
        raise UsageError(
            f"--table {args.table}: not computed (use --n-bootstrap N for bootstrap; indices need a scale)"
        )
    write_table(table, args.output, args.output_format)
    return 0


#: the English section headings of PLSResult.summary() -> the TEXTS key of their label
_SECTIONS = {
    "Latent variables": "cli_pls_latents",
    "Paths": "cli_pls_paths",
    "Effects": "cli_pls_effects",
    "Specific indirect effects (mediation)": "cli_pls_mediation",
    "Model fit": "cli_pls_fit_table",
    "Outer model": "cli_pls_outer",
    "Reliability": "cli_pls_reliability",
    "Fornell-Larcker (sqrt AVE on the diagonal)": "cli_pls_fornell",
    "HTMT": "cli_pls_htmt",
    "HTMT2": "cli_pls_htmt2",
}


def _summary_zh(r: Any) -> str:
    """The summary of a fitted model in the label language: the result's own sections, headings,
    lines and table labels from servscore.report_labels."""
    c, f = r.config, r.fit
    lines = [
        text(
            "cli_pls_head",
            k=len(r.latents),
            i=len(r.outer),
            p=len(r.inner),
            scheme=word(f"scheme_{c.scheme}"),
            scaled=text("cli_pls_scaled" if c.scaled else "cli_pls_centred"),
        ),
        text(
            "cli_pls_records",
            used=r.n_used,
            n=r.n_records,
            missing=word(f"missing_{r.missing}"),
            cells=r.n_missing,
            rows=r.n_incomplete,
            it=r.iterations,
            conv=text("cli_pls_converged" if r.converged else "cli_pls_not_converged"),
            gof=r.gof,
        ),
    ]
    if r.consistent:
        lines.append(text("cli_plsc") + (text("cli_plsc_inadmissible") if r.inadmissible else ""))
    lines.append(
        text(
            "cli_pls_fit",
            s0=f.at["srmr", "saturated"],
            s1=f.at["srmr", "estimated"],
            u0=f.at["d_uls", "saturated"],
            u1=f.at["d_uls", "estimated"],
            g0=f.at["d_g", "saturated"],
            g1=f.at["d_g", "estimated"],
        )
    )
    if r.bootstrap is not None:
        lines.append(text("cli_pls_bootstrap", b=r.bootstrap_requested, f=r.bootstrap_failed))
    lines += [text("cli_warning", w=w) for w in r.warnings]
    parts = [text("cli_pls_title"), *("  " + s for s in lines)]
    with pd.option_context("display.width", 160, "display.max_columns", 30, "display.max_rows", 200):
        for heading, frame in r.summary().sections:
            key = _SECTIONS.get(heading)
            parts += ["", text(key) if key else text("cli_pls_ipma", t=word(r.ipma_target))]
            parts.append(cli_table(frame, float_format=lambda v: format(v, ".4f")))
    return "\n".join(parts)
