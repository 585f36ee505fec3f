"""Report section: key drivers of overall satisfaction and the importance-performance grid."""

from __future__ import annotations

import pandas as pd

from ..drivers import importance, ipa, penalty_reward
from ..report import ACTION, HEADLINE, Section
from ..report_labels import pick, word, words

ORDER = 40
OUTCOMES = ("overall", "overall_satisfaction", "satisfaction", "osat", "sat", "csat")
ID_HINTS = ("id", "_id", "weight", "wave", "year", "month")
MIN_ROWS = 50


def _attributes(df: pd.DataFrame, outcome: str) -> list[str]:
    """Numeric columns on a small rating scale (1-5, 1-7, 0-10), other than the outcome, ids and weights."""
    out = []
    for c in df.columns:
        name = str(c)
        if name == outcome or name.lower() in ID_HINTS or name.lower().endswith(ID_HINTS[1:]):
            continue
        s = df[c]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        v = s.dropna()
        if len(v) == 0 or v.min() < 0 or v.max() > 10 or not (v == v.round()).all() or v.nunique() < 3:
            continue
        out.append(name)
    return out


def penalty_reward_cutoffs(ratings: pd.DataFrame) -> tuple[int, int]:
    """Penalty-reward cut-offs that follow the ratings' scale (the narrowest of 1-5, 1-7, 1-10,
    0-10 holding every answer): the bottom box is the lowest 2/5 of the points and the top box
    the highest 1/5 (at least one point), which on 1-5 are penalty_reward's defaults <= 2 and
    >= 5; on 1-10 they are <= 4 and >= 9, on 0-10 <= 3 and >= 9, on 1-7 <= 2 and >= 7."""
    lo_seen, hi_seen = float(ratings.min().min()), float(ratings.max().max())
    lo, hi = next(((a, b) for a, b in ((1, 5), (1, 7), (1, 10), (0, 10)) if lo_seen >= a and hi_seen <= b), (0, 10))
    points = hi - lo + 1
    return lo + (2 * points) // 5 - 1, hi - max(1, points // 5) + 1


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame, str, list[str]] | None:
    """A table with an overall-satisfaction column and at least three attribute ratings."""
    for key, df in tables.items():
        lower = {str(c).lower(): str(c) for c in df.columns}
        outcome = next((lower[o] for o in OUTCOMES if o in lower), None)
        if outcome is None or len(df) < MIN_ROWS:
            continue
        attrs = _attributes(df, outcome)
        if len(attrs) >= 3:
            return key, df, outcome, attrs
    return None


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df, outcome, attrs = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section(
        "drivers", "关键驱动因素与重要性-表现分析" if zh else "Key drivers and importance-performance analysis"
    )
    weights = "weight" if "weight" in df.columns else None
    imp = importance(df, outcome, columns=attrs, weights=weights, workers=0)
    ranked = imp.table.sort_values("rank")
    top = ("、" if zh else ", ").join(f"{word(i, lang)} ({100 * s:.0f}%)" for i, s in ranked["share"].iloc[:3].items())
    sec.add(
        f"{len(attrs)} 项属性解释了 {word(outcome, lang)} 的 R² = {imp.r2:.2f}（{key}）；最重要的驱动因素（LMG 占比）：{top}"
        if zh
        else f"{len(attrs)} attributes explain R² = {imp.r2:.2f} of {outcome} ({key}); top drivers by LMG share: {top}",
        HEADLINE,
    )
    if imp.n_dropped:
        m = imp.n_dropped
        sec.warnings.append(
            pick(lang, f"{m} rows with a missing rating were left out (listwise)", f"{m} 行有缺失评分，已整行排除")
        )
    grid = ipa(df, imp, columns=attrs, weights=weights)
    conc = list(grid.table.index[grid.table["quadrant"].astype(str) == "concentrate_here"])
    if conc:
        perf = grid.table["performance"].to_dict()
        shares = imp.table["share"].to_dict()
        items = ("、" if zh else ", ").join(
            f"{word(c, lang)} ({pick(lang, 'share', '占比')} {100 * shares[c]:.0f}%, "
            f"{pick(lang, 'performance', '表现')} {perf[c]:.2f})"
            for c in conc
        )
        sec.add(
            pick(lang, "Concentrate here (important, under-performing): ", "重点改进（重要但表现不佳）：") + items,
            ACTION,
        )
    try:
        low_max, high_min = penalty_reward_cutoffs(df[attrs])
        pr = penalty_reward(df, outcome, columns=attrs, weights=weights, low_max=low_max, high_min=high_min)
        for cls in ("basic", "exciting"):
            names = list(pr.table.index[pr.table["factor_class"].astype(str) == cls])
            if names:
                sec.add(
                    f"{word(cls, lang)}（惩罚-奖励分析，低分 <= {low_max}，高分 >= {high_min}）：{words(names, lang)}"
                    if zh
                    else f"{cls} factors (penalty-reward, bottom box <= {low_max}, top box >= {high_min}): "
                    f"{', '.join(names)}"
                )
        factor = pr.table["factor_class"].astype(str).replace({"performance": "performance_factor"})
        table = pd.concat(
            [
                imp.table[["importance", "share", "rank"]],
                grid.table[["performance", "quadrant"]].astype({"quadrant": str}),
                pr.table[["penalty", "reward"]].assign(factor_class=factor),
            ],
            axis=1,
        )
    except ValueError as e:  # e.g. no middle answers to contrast with
        sec.warnings.append(
            pick(lang, f"penalty-reward contrasts not computed: {e}", "未计算惩罚-奖励对比（没有可对比的中间回答）")
        )
        table = pd.concat([imp.table[["importance", "share", "rank"]], grid.table[["performance", "quadrant"]]], axis=1)
    table.index.name = "attribute"
    sec.tables.append(
        (pick(lang, "Importance, performance and class per attribute", "各属性的重要性、表现与类别"), table)
    )
    fig, ax = plt.subplots(figsize=(6.5, 0.38 * len(attrs) + 1.4))
    imp.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Share of R² per attribute (LMG)", "各属性的 R² 占比 (LMG)"))
    fig, ax = plt.subplots(figsize=(6.5, 6))
    grid.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Importance-performance grid", "重要性-表现矩阵"))
    return sec
