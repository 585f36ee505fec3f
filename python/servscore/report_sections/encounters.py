"""Report section: service-encounter quadrants."""

from __future__ import annotations

import pandas as pd

from ..encounters import EncounterConfig, score_encounters, summarize_encounters
from ..model import Quadrant
from ..report import ACTION, DETAIL, HEADLINE, Section, table_with
from ..report_labels import pick, text, word

ORDER = 10
GROUP_COLUMNS = ("branch", "store", "site", "staff", "agent", "channel", "team")
MIN_GROUP = 30


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    return table_with(tables, [i.name for i in EncounterConfig().indicators])


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df = found
    import matplotlib.pyplot as plt

    from ..plotting import encounter_quadrants, encounter_shares

    zh = lang == "zh"
    sec = Section("encounters", "服务接触四象限" if zh else "Service encounters: Martin's quadrants")
    scored = score_encounters(df, workers=0)
    overall = summarize_encounters(scored)
    t = overall.table.iloc[0]
    n = int(t["n"])
    q = Quadrant
    shares = {k: 100 * t[f"share_{k}"] for k in ("quality", "friendly", "factory", "freezer")}
    sec.add(
        f"{n} 次服务接触（{key}）：{q.quality.label('zh')} {shares['quality']:.1f}%，{q.friendly.label('zh')} "
        f"{shares['friendly']:.1f}%，{q.factory.label('zh')} {shares['factory']:.1f}%，{q.freezer.label('zh')} "
        f"{shares['freezer']:.1f}%"
        if zh
        else f"{n} encounters ({key}); {shares['quality']:.1f}% in the quality quadrant, "
        f"{shares['friendly']:.1f}% friendly, {shares['factory']:.1f}% factory, "
        f"{shares['freezer']:.1f}% freezer",
        HEADLINE,
    )
    if t["unknown"] > 0:
        u = int(t["unknown"])
        sec.warnings.append(
            pick(
                lang,
                f"{u} encounters have too few ratings for a quadrant (unknown)",
                f"{u} 次服务接触评分过少，无法归入象限（未知）",
            )
        )
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None:
        grouped = summarize_encounters(scored, by=by)
        gt = grouped.table
        for quad in ("quality", "friendly", "factory", "freezer"):
            top = gt[f"share_{quad}"].idxmax()
            share = gt.loc[top, f"share_{quad}"]
            if share >= 0.5:
                label = Quadrant(quad).label(lang)
                n_g = int(gt.loc[top, "n"])
                sec.add(
                    f"{word(by, lang)} {top}：{100 * share:.0f}% 为{label}（{n_g} 次接触）"
                    if zh
                    else f"{by} {top}: {100 * share:.0f}% {label} ({n_g} encounters)",
                    ACTION if quad == "freezer" else DETAIL,
                )
        thin = gt.index[gt["n"] < MIN_GROUP].tolist()
        if thin:
            what = pick(lang, "encounters", "次接触")
            sec.warnings.append(
                text("thin", lang, min=MIN_GROUP, what=what, by=word(by, lang), groups=", ".join(map(str, thin)))
            )
        for g, grp in grouped.top_pullers.groupby("group", sort=True):
            if len(grp):
                r = grp.iloc[0]
                ind = word(r["indicator"], lang)
                sec.add(
                    f"{word(by, lang)} {g}：最常因“{ind}”未达优质（占其非优质接触的 {100 * r['share']:.0f}%）"
                    if zh
                    else f"{by} {g}: most often pulled out of quality by {ind} "
                    f"({100 * r['share']:.0f}% of its non-quality encounters)"
                )
        table = gt[
            [
                "n",
                "share_quality",
                "share_friendly",
                "share_factory",
                "share_freezer",
                "mean_procedural",
                "mean_personal",
            ]
        ]
        sec.tables.append(
            (
                pick(lang, f"Quadrant shares and mean scores by {by}", f"按{word(by, lang)}的象限占比与平均分"),
                table,
            )
        )
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(gt) + 1.6))
        encounter_shares(grouped, ax=ax, lang=lang)
        sec.add_figure(fig, pick(lang, f"Quadrant shares by {by}", f"按{word(by, lang)}的象限占比"))
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    encounter_quadrants(scored, ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Procedural vs personal scores", "程序面与个人面得分"))
    return sec
