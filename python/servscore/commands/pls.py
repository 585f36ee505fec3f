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
from ..pls import PathModel, PlsConfig

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
        print(result.summary())
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
