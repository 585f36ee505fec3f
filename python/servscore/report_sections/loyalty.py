"""Report section: satisfaction and loyalty (Jones & Sasser segments, the loyalty curve, complaint economics)."""

from __future__ import annotations

import pandas as pd

from ..economics import complaints
from ..loyalty import curve, segment
from ..model import LoyaltySegment
from ..report import Section, table_with

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
    sec.findings.append(f"{int(t['n'])} customers ({key}): " + "; ".join(parts))
    sec.findings.append(f"simultaneous 95% intervals: {seg.interval} over {seg.n_categories} segments")
    if t["n_missing"] > 0:
        sec.warnings.append(f"{int(t['n_missing'])} customers lack satisfaction or loyalty (not segmented)")
    fig, ax = plt.subplots(figsize=(5.5, 5))
    seg.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "Satisfaction x loyalty segments")
    cur = curve("satisfaction", "loyalty", data=df, by=by)
    for g, row in cur.zones.iterrows():
        sec.findings.append(
            f"{by or 'all'} {g}: {row['zone'].replace('_', '-')} zone (loyal share {row['loyal_below']:.2f} below the "
            f"top box, {row['loyal_top']:.2f} at it)"
        )
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    cur.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "Satisfaction-to-loyalty curve")
    if by is not None:
        gt = segment("satisfaction", "loyalty", data=df, nps=nps, complained=complained, by=by, workers=0).table
        sec.tables.append((f"Segment shares by {by}", gt[["n"] + [f"share_{s}" for s in LoyaltySegment.names()]]))
    if complained is not None:
        # TARP: the dissatisfied are the customers with a problem; their observed complaint rate drives the model
        dis = df[df["satisfaction"] < seg.config.satisfaction_threshold]
        flags = pd.to_numeric(dis[complained].replace({"yes": 1, "no": 0}), errors="coerce").dropna()
        if len(flags) > 0:
            rate = float(flags.mean())
            r = complaints(len(dis), complaint_rate=rate)
            b = r.table.loc["baseline"]
            sec.findings.append(
                f"complaint economics (TARP defaults): {len(dis)} dissatisfied customers, {100 * rate:.1f}% complained; "
                f"expected {b['lost']:.0f} lost, {b['negative_word_of_mouth']:.0f} people told"
            )
    return sec
