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
from ..report import ACTION, HEADLINE, Section
from ..report_labels import pick, word

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


#: Chinese texts of the PLS engine's warnings (English pattern, Chinese template)
ZH_WARNINGS = [
    (
        r"the PLS iteration did not converge within max_iter = (?P<n>\d+) iterations.*",
        "PLS 迭代未在 max_iter = {n} 次内收敛；结果来自最后一次迭代",
    ),
    (
        r"vif: predecessor\(s\) of '(?P<lv>[^']+)' with VIF above vif_limit = (?P<lim>\S+) \((?P<high>[^)]*)\).*",
        "“{lv}”的前因潜变量 VIF 超过 {lim}（{high}）：构念共线，路径系数与标准误不稳定",
    ),
    (r"consistent PLS: .*", "一致性 PLS：解不可接受（rho_A 或校正后的相关系数、载荷越界）"),
    (r"rho_A: undefined \(NaN\) for (?P<lv>.+?):.*", "{lv} 的 rho_A 无定义：单个指标承担全部权重"),
]


def warning_text(message: str, lang: str) -> str:
    """A PLS warning in ``lang``: Chinese from :data:`ZH_WARNINGS`, a general sentence otherwise."""
    if lang != "zh":
        return message
    for pattern, zh in ZH_WARNINGS:
        m = re.fullmatch(pattern, message, flags=re.S)
        if m:
            return zh.format(**m.groupdict())
    return "PLS 模型估计给出警告（用 servscore pls 查看详情）"


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
        sec.warnings.append(warning_text(str(w.message), lang))
    idx = {lv: float(v) for lv, v in r.latents["index"].items()}
    r2 = {lv: float(v) for lv, v in r.latents["r2"].items()}
    if zh:
        sec.add(
            f"满意度指数 {idx['SAT']:.1f}，忠诚度指数 {idx['LOY']:.1f}（0-100；{key}，{r.n_used} 位受访者，"
            f"量表 {scale[0]:g}-{scale[1]:g}）",
            HEADLINE,
        )
        sec.add(f"拟合优度 GoF {r.gof:.3f}；满意度 R² {r2['SAT']:.2f}，忠诚度 R² {r2['LOY']:.2f}")
    else:
        sec.add(
            f"satisfaction index {idx['SAT']:.1f} and loyalty index {idx['LOY']:.1f} (0-100; {key}, "
            f"{r.n_used} respondents, scale {scale[0]:g}-{scale[1]:g})",
            HEADLINE,
        )
        sec.add(f"goodness of fit {r.gof:.3f}; satisfaction R² {r2['SAT']:.2f}, loyalty R² {r2['LOY']:.2f}")
    eff = r.effects[r.effects["to"] == "SAT"].sort_values("total", ascending=False)
    if len(eff):
        top = eff.iloc[0]
        lv = str(top["from"])
        sec.add(
            f"满意度的最强驱动因素：{word(lv, lang)}（总效应 {top['total']:.2f}）"
            if zh
            else f"strongest driver of satisfaction: {lv} ({word(lv, lang)}, total effect {top['total']:.2f})"
        )
    if r.ipma is not None and len(r.ipma):
        ip = r.ipma
        weak = ip[(ip["importance"] >= ip["importance"].mean()) & (ip["performance"] < ip["performance"].mean())]
        if len(weak):
            perf = ip["performance"].to_dict()
            items = ("、" if zh else ", ").join(f"{word(x, lang)} ({perf[x]:.1f})" for x in weak.index)
            target = word(r.ipma_target, lang)
            sec.add(
                f"IPMA 优先改进（{target}）：重要但表现低于平均的 {items}"
                if zh
                else f"IPMA priority for {target} (important, below-average performance): {items}",
                ACTION,
            )
    bad = r.latents[(r.latents["alpha"] < 0.7) | (r.latents["ave"] < 0.5)]
    for lv in bad.index:
        a, ave = bad.loc[lv, "alpha"], bad.loc[lv, "ave"]
        sec.warnings.append(
            f"{word(lv, lang)} 区块：Cronbach α {a:.2f}，AVE {ave:.2f}（低于 0.7 / 0.5）"
            if zh
            else f"block {lv}: alpha {a:.2f}, AVE {ave:.2f} (below 0.7 / 0.5)"
        )
    sec.tables.append(
        (
            pick(lang, "Latent variables: R², reliability and 0-100 index", "潜变量：R²、信度与 0-100 指数"),
            r.latents[["r2", "alpha", "rho", "ave", "index"]],
        )
    )
    sec.tables.append((pick(lang, "Path coefficients", "路径系数"), r.inner.set_index(["from", "to"])))
    fig, ax = plt.subplots(figsize=(9, 6))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "ECSI path model with coefficients", "ECSI 路径模型及系数"))
    if r.ipma is not None:
        fig, ax = plt.subplots(figsize=(6, 5))
        r.plot(ax=ax, kind="ipma", lang=lang)
        target = word(r.ipma_target, lang)
        sec.add_figure(fig, pick(lang, f"Importance-performance map for {target}", f"{target}的重要性-表现图"))
    return sec
