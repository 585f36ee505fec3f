"""Report section: transactional survey (NPS, CSAT, CES)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..nps import ces, csat, nps, nps_diff
from ..report import Section

ORDER = 20
NPS_COLUMNS = ("nps", "ltr", "likelihood_to_recommend", "recommend")
GROUP_COLUMNS = ("branch", "store", "site", "channel", "team", "agent")
MIN_GROUP = 30
ALPHA = 0.05


def _answers(s: pd.Series, lo: int, hi: int, *, top_above: float = -np.inf) -> bool:
    """Whole numbers in [lo, hi] (and a maximum above ``top_above``, to tell 0-10 from 1-5 data)."""
    x = pd.to_numeric(s, errors="coerce")
    ok = x.dropna()
    return len(ok) > 0 and bool(((ok >= lo) & (ok <= hi) & (ok == np.floor(ok))).all()) and ok.max() > top_above


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame, str] | None:
    """The table with a 0-10 recommendation column (nps, ltr, ...) that looks most like a
    transactional survey (CSAT / CES columns, a name with "transaction"): (name, table, column)."""
    best: tuple[int, str, pd.DataFrame, str] | None = None
    for key, df in tables.items():
        for c in NPS_COLUMNS:
            if c in df.columns and _answers(df[c], 0, 10, top_above=5):
                score = ("csat" in df.columns) + ("ces" in df.columns) + ("transaction" in str(key).lower())
                if best is None or score > best[0]:
                    best = (score, key, df, c)
                break
    return None if best is None else best[1:]


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df, col = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("nps", "交易调查：净推荐值、满意度与费力度" if zh else "Transactional survey: NPS, CSAT and CES")
    overall = nps(df, column=col, empty="nan", workers=0)
    r = overall.table.iloc[0]
    sec.findings.append(
        f"NPS {r['nps']:.1f}（95% 区间 {r['lower']:.1f} 至 {r['upper']:.1f}），{int(r['n'])} 份回答"
        if zh
        else f"NPS {r['nps']:.1f} (95% interval {r['lower']:.1f} to {r['upper']:.1f}) from {int(r['n'])} answers "
        f"({key}): {100 * r['share_promoters']:.1f}% promoters, {100 * r['share_detractors']:.1f}% detractors"
    )
    if r["n_missing"] > 0:
        sec.warnings.append(f"{int(r['n_missing'])} missing NPS answers (counted, not used)")
    extra: dict[str, Any] = {}
    if "csat" in df.columns and _answers(df["csat"], 1, 5):
        c = csat(df, empty="nan").table.iloc[0]
        extra["csat"] = c
        sec.findings.append(
            f"CSAT (top-2-box) {100 * c['top_share']:.1f}% [{100 * c['top_lower']:.1f}, {100 * c['top_upper']:.1f}], "
            f"mean {c['mean']:.2f} of 5"
        )
    if "ces" in df.columns and _answers(df["ces"], 1, 7):
        e = ces(df, empty="nan").table.iloc[0]
        extra["ces"] = e
        sec.findings.append(f"CES mean {e['mean']:.2f} of 7 [{e['mean_lower']:.2f}, {e['mean_upper']:.2f}]")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    overall.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "NPS answers (detractors, passives, promoters)")

    for by in [c for c in GROUP_COLUMNS if c in df.columns][:2]:
        grouped = nps(df, column=col, by=by, empty="nan", workers=0)
        gt = grouped.table
        # each group against the rest: a signed difference with a p-value
        for g in gt.index:
            inside = (df[by] == g).to_numpy()
            if inside.all() or not inside.any() or gt.loc[g, "n"] < MIN_GROUP:
                continue
            d = nps_diff(df.loc[inside, col], df.loc[~inside, col])
            if d.p_value < ALPHA:
                word = "above" if d.difference > 0 else "below"
                sec.findings.append(
                    f"{by} {g}: NPS {gt.loc[g, 'nps']:.1f}, {abs(d.difference):.1f} points {word} the rest "
                    f"[{d.lower:+.1f}, {d.upper:+.1f}], p = {d.p_value:.2g}"
                )
        thin = gt.index[gt["n"] < MIN_GROUP].tolist()
        if thin:
            sec.warnings.append(f"thin samples (< {MIN_GROUP} answers) for {by}: {', '.join(map(str, thin))}")
        table = gt[["n", "nps", "lower", "upper", "share_promoters", "share_detractors"]].copy()
        if "csat" in extra:
            table["csat_top2"] = csat(df, by=by, empty="nan").table["top_share"]
        if "ces" in extra:
            ce = ces(df, by=by, empty="nan").table
            table["ces_mean"] = ce["mean"]
            if by == "channel" and len(ce) > 1:
                means = ce["mean"]
                worst: Any = means.idxmin()
                sec.findings.append(
                    f"channel {worst}: the hardest to deal with, CES {means.min():.2f} "
                    f"vs {ce['mean'].drop(worst).mean():.2f} elsewhere"
                )
        sec.tables.append((f"NPS by {by}", table))
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(gt) + 1.5))
        grouped.plot(ax=ax, lang=lang)
        sec.add_figure(fig, f"NPS by {by} with 95% intervals")

    if "month" in df.columns and df["month"].nunique() > 1:
        months = nps(df, column=col, by="month", empty="nan").table
        first, last = months.index[0], months.index[-1]
        sec.findings.append(
            f"NPS by month: {months.loc[first, 'nps']:.1f} in {first}, {months.loc[last, 'nps']:.1f} in {last}"
        )
        sec.tables.append(("NPS by month", months[["n", "nps", "lower", "upper"]]))
    return sec
