"""Report section: an ECSI-style customer-satisfaction index by PLS path modelling.

The section runs when a table has the ECSI indicator columns of the sample
satisfaction-index survey (``imag1..``, ``expe1..``, ``qual1..``, ``val1..``,
``sat1..``, ``loy1..``, at least two per block): it fits the ECSI model (image ->
expectations -> quality -> value -> satisfaction -> loyalty) on a 1-10 scale and
reports the satisfaction and loyalty indices, the fit, the strongest drivers of
satisfaction and the IPMA priority.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from ..pls import PathModel, PlsWarning
from ..report import Section

ORDER = 60
SCALES = ((1.0, 5.0), (1.0, 7.0), (1.0, 10.0), (0.0, 10.0), (1.0, 100.0), (0.0, 100.0))
BLOCKS = ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")
PATHS = [
    ("IMAG", "EXPE"),
    ("EXPE", "QUAL"),
    ("EXPE", "VAL"),
    ("QUAL", "VAL"),
    ("IMAG", "SAT"),
    ("EXPE", "SAT"),
    ("QUAL", "SAT"),
    ("VAL", "SAT"),
    ("IMAG", "LOY"),
    ("SAT", "LOY"),
]


def ecsi_model(columns: pd.Index) -> PathModel | None:
    """The ECSI model on the indicator columns present, or None when a block has fewer than two."""
    blocks: dict[str, list[str]] = {}
    for lv in BLOCKS:
        pat = re.compile(rf"^{lv.lower()}(\d+)$")
        cols = sorted((c for c in map(str, columns) if pat.match(c)), key=lambda c: int(pat.match(c).group(1)))  # type: ignore[union-attr]
        if len(cols) < 2:
            return None
        blocks[lv] = cols
    return PathModel(blocks, PATHS)


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame, PathModel] | None:
    for key, df in tables.items():
        model = ecsi_model(df.columns)
        if model is not None:
            return key, df, model
    return None


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df, model = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section(
        "pls", "顾客满意度指数 (ECSI, PLS 路径模型)" if zh else "Customer-satisfaction index (ECSI, PLS path model)"
    )
    values = df[model.indicators].apply(pd.to_numeric, errors="coerce")
    lo, hi = float(values.min().min()), float(values.max().max())
    # the narrowest usual rating scale that holds every value (1-5, 1-7, 1-10, 0-10, ...)
    scale = next(((a, b) for a, b in SCALES if lo >= a and hi <= b), (lo, hi))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PlsWarning)
        r = model.fit(df, scale_min=scale[0], scale_max=scale[1], workers=0)
    for w in caught:
        sec.warnings.append(str(w.message))
    idx = {lv: float(v) for lv, v in r.latents["index"].items()}
    r2 = {lv: float(v) for lv, v in r.latents["r2"].items()}
    if zh:
        sec.findings.append(f"满意度指数 {idx['SAT']:.1f}, 忠诚度指数 {idx['LOY']:.1f} (0-100, 数据 {key})")
        sec.findings.append(f"拟合优度 GoF {r.gof:.3f}; 满意度 R² {r2['SAT']:.2f}")
    else:
        sec.findings.append(
            f"satisfaction index {idx['SAT']:.1f} and loyalty index {idx['LOY']:.1f} (0-100; {key}, "
            f"{r.n_used} respondents, scale {scale[0]:g}-{scale[1]:g})"
        )
        sec.findings.append(f"goodness of fit {r.gof:.3f}; satisfaction R2 {r2['SAT']:.2f}, loyalty R2 {r2['LOY']:.2f}")
    eff = r.effects[r.effects["to"] == "SAT"].sort_values("total", ascending=False)
    if len(eff):
        top = eff.iloc[0]
        sec.findings.append(
            f"满意度的最强驱动因素: {top['from']} (总效应 {top['total']:.2f})"
            if zh
            else f"strongest driver of satisfaction: {top['from']} (total effect {top['total']:.2f})"
        )
    if r.ipma is not None and len(r.ipma):
        ip = r.ipma
        weak = ip[(ip["importance"] >= ip["importance"].mean()) & (ip["performance"] < ip["performance"].mean())]
        if len(weak):
            sec.findings.append(
                f"IPMA 优先改进 ({r.ipma_target}): " + ", ".join(weak.index)
                if zh
                else f"IPMA priority for {r.ipma_target} (important, below-average performance): "
                + ", ".join(weak.index)
            )
    bad = r.latents[(r.latents["alpha"] < 0.7) | (r.latents["ave"] < 0.5)]
    for lv in bad.index:
        sec.warnings.append(
            f"block {lv}: alpha {bad.loc[lv, 'alpha']:.2f}, AVE {bad.loc[lv, 'ave']:.2f} (below 0.7 / 0.5)"
        )
    sec.tables.append(
        ("Latent variables: R2, reliability and 0-100 index", r.latents[["r2", "alpha", "rho", "ave", "index"]])
    )
    sec.tables.append(("Path coefficients", r.inner.set_index(["from", "to"])))
    fig, ax = plt.subplots(figsize=(9, 6))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "ECSI path model with coefficients")
    if r.ipma is not None:
        fig, ax = plt.subplots(figsize=(6, 5))
        r.plot(ax=ax, kind="ipma", lang=lang)
        sec.add_figure(fig, f"Importance-performance map for {r.ipma_target}")
    return sec
