"""Report section: transactional survey (NPS, CSAT, CES)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..nps import ces, csat, nps, nps_diff
from ..report import ACTION, HEADLINE, Section
from ..report_labels import fmt_p, pick, text, word

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
    n = int(r["n"])
    pro, det = 100 * r["share_promoters"], 100 * r["share_detractors"]
    sec.add(
        f"NPS {r['nps']:.1f}（95% 区间 {r['lower']:.1f} 至 {r['upper']:.1f}），{n} 份回答（{key}）："
        f"推荐者 {pro:.1f}%，贬损者 {det:.1f}%"
        if zh
        else f"NPS {r['nps']:.1f} (95% interval {r['lower']:.1f} to {r['upper']:.1f}) from {n} answers "
        f"({key}): {pro:.1f}% promoters, {det:.1f}% detractors",
        HEADLINE,
    )
    if r["n_missing"] > 0:
        m = int(r["n_missing"])
        sec.warnings.append(
            pick(lang, f"{m} missing NPS answers (counted, not used)", f"{m} 个 NPS 回答缺失（已计数，未使用）")
        )
    extra: dict[str, Any] = {}
    if "csat" in df.columns and _answers(df["csat"], 1, 5):
        c = csat(df, empty="nan").table.iloc[0]
        extra["csat"] = c
        top2 = f"{100 * c['top_share']:.1f}% [{100 * c['top_lower']:.1f}, {100 * c['top_upper']:.1f}]"
        sec.add(
            f"CSAT（前两项满意）{top2}，均值 {c['mean']:.2f}（满分 5）"
            if zh
            else f"CSAT (top-2-box) {top2}, mean {c['mean']:.2f} of 5"
        )
    if "ces" in df.columns and _answers(df["ces"], 1, 7):
        e = ces(df, empty="nan").table.iloc[0]
        extra["ces"] = e
        iv = f"[{e['mean_lower']:.2f}, {e['mean_upper']:.2f}]"
        sec.add(f"CES 均值 {e['mean']:.2f}（满分 7）{iv}" if zh else f"CES mean {e['mean']:.2f} of 7 {iv}")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    overall.plot(ax=ax, lang=lang)
    sec.add_figure(
        fig, pick(lang, "NPS answers (detractors, passives, promoters)", "NPS 回答（贬损者、被动者、推荐者）")
    )

    for by in [c for c in GROUP_COLUMNS if c in df.columns][:2]:
        by_label = word(by, lang)
        grouped = nps(df, column=col, by=by, empty="nan", workers=0)
        gt = grouped.table
        # each group against the rest: a signed difference with a p-value
        for g in gt.index:
            inside = (df[by] == g).to_numpy()
            if inside.all() or not inside.any() or gt.loc[g, "n"] < MIN_GROUP:
                continue
            d = nps_diff(df.loc[inside, col], df.loc[~inside, col])
            if d.p_value < ALPHA:
                iv = f"[{d.lower:+.1f}, {d.upper:+.1f}]"
                if zh:
                    word_zh = "高于" if d.difference > 0 else "低于"
                    line = (
                        f"{by_label} {g}：NPS {gt.loc[g, 'nps']:.1f}，{word_zh}其余 {abs(d.difference):.1f} 分 "
                        f"{iv}，{fmt_p(d.p_value)}"
                    )
                else:
                    where = "above" if d.difference > 0 else "below"
                    line = (
                        f"{by} {g}: NPS {gt.loc[g, 'nps']:.1f}, {abs(d.difference):.1f} points {where} the rest "
                        f"{iv}, {fmt_p(d.p_value)}"
                    )
                sec.add(line, ACTION if d.difference < 0 else 0)
        thin = gt.index[gt["n"] < MIN_GROUP].tolist()
        if thin:
            what = pick(lang, "answers", "份回答")
            sec.warnings.append(
                text("thin", lang, min=MIN_GROUP, what=what, by=by_label, groups=", ".join(map(str, thin)))
            )
        table = gt[["n", "nps", "lower", "upper", "share_promoters", "share_detractors"]].copy()
        if "csat" in extra:
            table["csat_top2"] = csat(df, by=by, empty="nan").table["top_share"]
        if "ces" in extra:
            ce = ces(df, by=by, empty="nan").table
            table["ces_mean"] = ce["mean"]
            if by == "channel" and len(ce) > 1:
                means = ce["mean"]
                worst: Any = means.idxmin()
                rest = ce["mean"].drop(worst).mean()
                sec.add(
                    f"{by_label} {worst}：最费力，CES {means.min():.2f}，其余为 {rest:.2f}"
                    if zh
                    else f"channel {worst}: the hardest to deal with, CES {means.min():.2f} vs {rest:.2f} elsewhere"
                )
        sec.tables.append((text("by", lang, what="NPS", by=by_label) if zh else f"NPS by {by}", table))
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(gt) + 1.5))
        grouped.plot(ax=ax, lang=lang)
        sec.add_figure(fig, pick(lang, f"NPS by {by} with 95% intervals", f"按{by_label}的 NPS 及 95% 区间"))

    if "month" in df.columns and df["month"].nunique() > 1:
        months = nps(df, column=col, by="month", empty="nan").table
        first, last = months.index[0], months.index[-1]
        a, b = months.loc[first, "nps"], months.loc[last, "nps"]
        sec.add(
            f"按月份的 NPS：{first} 为 {a:.1f}，{last} 为 {b:.1f}"
            if zh
            else f"NPS by month: {a:.1f} in {first}, {b:.1f} in {last}"
        )
        sec.tables.append(("按月份的 NPS" if zh else "NPS by month", months[["n", "nps", "lower", "upper"]]))
    return sec
