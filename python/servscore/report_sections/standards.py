"""Report section: service standards (p-charts), time elements and the cycle of service."""

from __future__ import annotations

import pandas as pd

from .._core import ConfigError
from ..model import TimeElement
from ..report import ACTION, HEADLINE, Finding, Section
from ..report_labels import fmt_int, pick, word
from ..standards import compliance, load_standards, moments, time_elements

ORDER = 61
PERIOD_COLUMNS = ("week", "month", "period", "date")
GROUP_COLUMNS = ("branch", "store", "site", "channel", "team")


def _standards_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    fields = load_standards().fields
    for key, df in tables.items():
        if all(f in df.columns for f in fields):
            return key, df
    return None


def _time_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    import json

    from ..standards import default_time_targets_path

    with open(default_time_targets_path(), encoding="utf-8") as fh:
        cols = [t["column"] for t in json.load(fh)["targets"]]
    for key, df in tables.items():
        if sum(c in df.columns for c in cols) >= 3:
            return key, df
    return None


def _moments_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    for key, df in tables.items():
        if {"visit_id", "moment", "order", "score"} <= set(df.columns):
            return key, df
    return None


def standard_label(sid: str, lang: str) -> str:
    """A standard's display label from its id ``<part>_<level>``: "greeting (quality)", "问候（优质标准）"."""
    part, _, level = str(sid).rpartition("_")
    if not part or level not in ("general", "quality"):
        return word(sid, lang)
    return f"{word(part, lang)}（{word(level, lang)}）" if lang == "zh" else f"{word(part, lang)} ({level})"


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    st, tt, mt = _standards_table(tables), _time_table(tables), _moments_table(tables)
    if st is None and tt is None and mt is None:
        return None
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("standards", "服务标准、时间与真实一刻" if zh else "Service standards, time and moments of truth")
    if st is not None:
        key, df = st
        period = next((c for c in PERIOD_COLUMNS if c in df.columns), None)
        try:
            r = compliance(df, period=period, workers=0)
        except (ConfigError, ValueError) as e:
            sec.warnings.append(f"{key}: {e}" if not zh else f"{key}：无法计算标准达标率（{e}）")
        else:
            t = r.table
            quality = t[t["level"] == "quality"]
            for sid, row in quality.iterrows():
                met = f"{100 * row['share']:.1f}% [{100 * row['low']:.1f}, {100 * row['high']:.1f}]"
                sec.add(
                    f"{standard_label(str(sid), lang)}：达标 {met}，共观察 {fmt_int(row['n_observed'])} 次"
                    if zh
                    else f"{sid}: {met} met of {fmt_int(row['n_observed'])} observed",
                    HEADLINE if len(quality) and sid == quality["share"].idxmin() else 0,
                )
            below = r.flagged[r.flagged["signal"] == "below"] if len(r.flagged) else r.flagged
            for i, row in enumerate(below.sort_values("p").itertuples()):
                line = (
                    f"{standard_label(str(row.standard), lang)}：{word(str(period), lang)} {row.period} 失控"
                    f"（达标 {100 * row.p:.1f}%，控制下限 {100 * row.lower:.1f}%）"
                    if zh
                    else f"{row.standard}: out of control in {period} {row.period} ({100 * row.p:.1f}% met, "
                    f"lower limit {100 * row.lower:.1f}%)"
                )
                sec.warnings.append(line)
                if i == 0:  # the worst period below its control limit: something to act on
                    sec.ranked.append(Finding(line, ACTION))
            shown = t.drop(columns=["dimension"]).rename(index=lambda x: standard_label(str(x), lang))
            sec.tables.append(
                (
                    pick(lang, "Compliance with the standards (Wilson 95% intervals)", "标准达标率（Wilson 95% 区间）"),
                    shown,
                )
            )
            if period is not None:
                fig, ax = plt.subplots(figsize=(8, 4))
                std = str(below["standard"].iloc[0]) if len(below) else None
                r.plot(ax=ax, standard=std, lang=lang)
                sec.add_figure(fig, pick(lang, f"p-chart by {period}", f"按{word(period, lang)}的 p 控制图"))
    if tt is not None:
        key, df = tt
        by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
        try:
            t_all = time_elements(df, workers=0)
        except (ConfigError, ValueError) as e:
            sec.warnings.append(f"{key}: {e}" if not zh else f"{key}：无法计算时间要素（{e}）")
        else:
            tab = t_all.table
            worst = str(tab["attainment"].idxmin())
            wr = tab.loc[worst]
            att = f"{100 * wr['attainment']:.1f}% [{100 * wr['low']:.1f}, {100 * wr['high']:.1f}]"
            el = TimeElement(worst).label(lang)
            sec.add(
                f"达标率最低的时间要素：{el}（{att} 在 {wr['target']:g} {word(wr['unit'], lang)}内，"
                f"第 90 百分位 {wr['p90']:.1f}）"
                if zh
                else f"time element with the lowest attainment: {el} ({att} within {wr['target']:g} {wr['unit']}, "
                f"P90 {wr['p90']:.1f})",
                HEADLINE,
            )
            if by is not None:
                g = time_elements(df, by=by, workers=0).table.xs(worst, level="element")
                gmin = f"{100 * g['attainment'].min():.1f}%"
                sec.add(
                    f"{word(by, lang)} {g['attainment'].idxmin()}：{el}达标率最低（{gmin}）"
                    if zh
                    else f"{by} {g['attainment'].idxmin()}: lowest {worst} attainment ({gmin})"
                )
            sec.tables.append((pick(lang, "Time elements against their targets", "时间要素与目标"), tab))
            fig, ax = plt.subplots(figsize=(7, 4.5))
            t_all.plot(ax=ax, lang=lang)
            sec.add_figure(fig, pick(lang, "Attainment of the time targets", "时间目标达标率"))
    if mt is not None:
        key, df = mt
        try:
            m = moments(df)
        except (ConfigError, ValueError) as e:
            sec.warnings.append(f"{key}: {e}" if not zh else f"{key}：无法分析真实一刻（{e}）")
        else:
            v = m.visits
            scored = v[v["n_scored"] > 0]
            bad_share = 100 * scored["bad_ending"].mean()
            pe, mean = scored["peak_end"].mean(), scored["mean"].mean()
            weak, failed = m.weakest_moment, m.most_failed
            if zh:
                sec.add(
                    f"{len(v)} 次到访，{len(m.moments)} 个真实一刻；最常是最弱环节：{word(weak, lang)}；"
                    f"未达标率最高：{word(failed, lang)}"
                )
                sec.add(f"{bad_share:.1f}% 的到访“开头好、结尾差”；峰终均值 {pe:.2f}，平均分 {mean:.2f}")
            else:
                sec.add(
                    f"{len(v)} visits, {len(m.moments)} moments; weakest most often: {weak} ({word(weak, lang)}); "
                    f"highest failure rate: {failed} ({word(failed, lang)})"
                )
                sec.add(
                    f"a good start, a bad ending in {bad_share:.1f}% of visits; mean peak-end {pe:.2f} vs mean score {mean:.2f}"
                )
            if "branch" in df.columns:
                branch = df.groupby("visit_id")["branch"].first()
                bad = m.visits["bad_ending"].groupby(branch.reindex(m.visits.index).to_numpy()).mean()
                if len(bad) > 1 and bad.max() >= 1.5 * m.visits["bad_ending"].mean():
                    sec.add(
                        f"“开头好、结尾差”最常见于{word('branch', lang)} {bad.idxmax()}（{100 * bad.max():.0f}% 的到访）"
                        if zh
                        else f"a good start, a bad ending most often at branch {bad.idxmax()} ({100 * bad.max():.0f}% of visits)"
                    )
            sec.tables.append((pick(lang, "Moments of truth", "真实一刻"), m.moments.round(3)))
            fig, ax = plt.subplots(figsize=(8, 4))
            m.plot(ax=ax, lang=lang)
            sec.add_figure(fig, pick(lang, "Cycle of service", "服务循环"))
    return sec
