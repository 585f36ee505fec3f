"""Report section: satisfaction and loyalty (Jones & Sasser segments, the loyalty curve, complaint economics)."""

from __future__ import annotations

import pandas as pd

from ..economics import complaints
from ..loyalty import curve, segment
from ..model import LoyaltySegment
from ..report import HEADLINE, Section, table_with
from ..report_labels import fmt_int, pick, word

ORDER = 70
GROUP_COLUMNS = ("market", "branch", "region", "segment")


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    return table_with(tables, ["satisfaction", "loyalty"])


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("loyalty", "满意与忠诚" if zh else "Satisfaction and loyalty (Jones & Sasser)")
    nps = "nps" if "nps" in df.columns else None
    complained = "complained" if "complained" in df.columns else None
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    seg = segment("satisfaction", "loyalty", data=df, nps=nps, complained=complained, workers=0)
    t = seg.table.iloc[0]
    parts = [
        f"{LoyaltySegment(s).label(lang)} {100 * t[f'share_{s}']:.1f}% [{100 * t[f'lower_{s}']:.1f}, "
        f"{100 * t[f'upper_{s}']:.1f}]"
        for s in LoyaltySegment.names()
        if t[f"share_{s}"] == t[f"share_{s}"]
    ]
    n = fmt_int(t["n"])
    sec.add((f"{n} 位顾客（{key}）：" if zh else f"{n} customers ({key}): ") + "; ".join(parts), HEADLINE)
    sec.add(
        f"同时 95% 区间（{seg.interval.capitalize()} 法），共 {seg.n_categories} 个细分"
        if zh
        else f"simultaneous 95% intervals: {seg.interval} over {seg.n_categories} segments"
    )
    if t["n_missing"] > 0:
        m = int(t["n_missing"])
        sec.warnings.append(
            pick(
                lang,
                f"{m} customers lack satisfaction or loyalty (not segmented)",
                f"{m} 位顾客缺少满意度或忠诚度（未细分）",
            )
        )
    fig, ax = plt.subplots(figsize=(5.5, 5))
    seg.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Satisfaction x loyalty segments", "满意度 × 忠诚度细分"))
    cur = curve("satisfaction", "loyalty", data=df, by=by)
    for g, row in cur.zones.iterrows():
        lb, lt = row["loyal_below"], row["loyal_top"]
        sec.add(
            f"{word(by or 'all', lang)} {g}：{word(row['zone'], lang)}区（最高分以下忠诚占比 {lb:.2f}，最高分 {lt:.2f}）"
            if zh
            else f"{by or 'all'} {g}: {row['zone'].replace('_', '-')} zone (loyal share {lb:.2f} below the "
            f"top box, {lt:.2f} at it)"
        )
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    cur.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Satisfaction-to-loyalty curve", "满意度-忠诚度曲线"))
    if by is not None:
        gt = segment("satisfaction", "loyalty", data=df, nps=nps, complained=complained, by=by, workers=0).table
        sec.tables.append(
            (
                pick(lang, f"Segment shares by {by}", f"按{word(by, lang)}的细分占比"),
                gt[["n"] + [f"share_{s}" for s in LoyaltySegment.names()]],
            )
        )
    if complained is not None:
        # TARP: the dissatisfied are the customers with a problem; their observed complaint rate drives the model
        dis = df[df["satisfaction"] < seg.config.satisfaction_threshold]
        flags = pd.to_numeric(dis[complained].replace({"yes": 1, "no": 0}), errors="coerce").dropna()
        if len(flags) > 0:
            rate = float(flags.mean())
            r = complaints(len(dis), complaint_rate=rate)
            b = r.table.loc["baseline"]
            lost, told = fmt_int(b["lost"]), fmt_int(b["negative_word_of_mouth"])
            sec.add(
                f"投诉经济学（TARP 默认参数）：{len(dis)} 位不满意顾客，{100 * rate:.1f}% 投诉；"
                f"预计流失 {lost} 位，负面口碑传给 {told} 人"
                if zh
                else f"complaint economics (TARP defaults): {len(dis)} dissatisfied customers, {100 * rate:.1f}% "
                f"complained; expected {lost} lost, {told} people told"
            )
    return sec
