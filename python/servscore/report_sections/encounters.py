"""Report section: service-encounter quadrants."""

from __future__ import annotations

import pandas as pd

from ..encounters import EncounterConfig, score_encounters, summarize_encounters
from ..model import Quadrant
from ..report import Section, table_with

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
    sec.findings.append(
        f"{n} 次服务接触中 {100 * t['share_quality']:.1f}% 属于{q.quality.label('zh')}"
        if zh
        else f"{n} encounters ({key}); {100 * t['share_quality']:.1f}% in the quality quadrant, "
        f"{100 * t['share_friendly']:.1f}% friendly, {100 * t['share_factory']:.1f}% factory, "
        f"{100 * t['share_freezer']:.1f}% freezer"
    )
    if t["unknown"] > 0:
        sec.warnings.append(f"{int(t['unknown'])} encounters have too few ratings for a quadrant (unknown)")
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None:
        grouped = summarize_encounters(scored, by=by)
        gt = grouped.table
        for quad in ("quality", "friendly", "factory", "freezer"):
            top = gt[f"share_{quad}"].idxmax()
            share = gt.loc[top, f"share_{quad}"]
            if share >= 0.5:
                label = Quadrant(quad).label(lang)
                sec.findings.append(f"{by} {top}: {100 * share:.0f}% {label}")
        thin = gt.index[gt["n"] < MIN_GROUP].tolist()
        if thin:
            sec.warnings.append(f"thin samples (< {MIN_GROUP} encounters) for {by}: {', '.join(map(str, thin))}")
        for g, grp in grouped.top_pullers.groupby("group", sort=True):
            if len(grp):
                r = grp.iloc[0]
                sec.findings.append(
                    f"{by} {g}: most often pulled out of quality by {r['indicator']} "
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
        sec.tables.append((f"Quadrant shares and mean scores by {by}", table))
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(gt) + 1.6))
        encounter_shares(grouped, ax=ax, lang=lang)
        sec.add_figure(fig, f"Quadrant shares by {by}")
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    encounter_quadrants(scored, ax=ax, lang=lang)
    sec.add_figure(fig, "Procedural vs personal scores")
    return sec
