"""Report section: service standards (p-charts), time elements and the cycle of service."""

from __future__ import annotations

import pandas as pd

from .._core import ConfigError
from ..model import TimeElement
from ..report import Section
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
            sec.warnings.append(f"{key}: {e}")
        else:
            t = r.table
            for sid, row in t.iterrows():
                if row["level"] == "quality":
                    sec.findings.append(
                        f"{sid}: {100 * row['share']:.1f}% met [{100 * row['low']:.1f}, {100 * row['high']:.1f}] "
                        f"of {int(row['n_observed'])} observed"
                    )
            below = r.flagged[r.flagged["signal"] == "below"] if len(r.flagged) else r.flagged
            for row in below.itertuples():
                sec.warnings.append(
                    f"{row.standard}: out of control in {period} {row.period} ({100 * row.p:.1f}% met, "
                    f"lower limit {100 * row.lower:.1f}%)"
                )
            sec.tables.append(("Compliance with the standards (Wilson 95% intervals)", t.drop(columns=["dimension"])))
            if period is not None:
                fig, ax = plt.subplots(figsize=(8, 4))
                std = str(below["standard"].iloc[0]) if len(below) else None
                r.plot(ax=ax, standard=std, lang=lang)
                sec.add_figure(fig, f"p-chart by {period}")
    if tt is not None:
        key, df = tt
        by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
        try:
            t_all = time_elements(df, workers=0)
        except (ConfigError, ValueError) as e:
            sec.warnings.append(f"{key}: {e}")
        else:
            tab = t_all.table
            worst = str(tab["attainment"].idxmin())
            worst_row = tab.loc[worst]
            sec.findings.append(
                f"time element with the lowest attainment: {TimeElement(worst).label(lang)} "
                f"({100 * worst_row['attainment']:.1f}% within {worst_row['target']:g} {worst_row['unit']}, "
                f"P90 {worst_row['p90']:.3g})"
            )
            if by is not None:
                g = time_elements(df, by=by, workers=0).table.xs(worst, level="element")
                sec.findings.append(
                    f"{by} {g['attainment'].idxmin()}: lowest {worst} attainment ({100 * g['attainment'].min():.1f}%)"
                )
            sec.tables.append(("Time elements against their targets", tab))
            fig, ax = plt.subplots(figsize=(7, 4.5))
            t_all.plot(ax=ax, lang=lang)
            sec.add_figure(fig, "Attainment of the time targets")
    if mt is not None:
        key, df = mt
        try:
            m = moments(df)
        except (ConfigError, ValueError) as e:
            sec.warnings.append(f"{key}: {e}")
        else:
            sec.findings.extend(m._summary_lines())
            if "branch" in df.columns:
                branch = df.groupby("visit_id")["branch"].first()
                bad = m.visits["bad_ending"].groupby(branch.reindex(m.visits.index).to_numpy()).mean()
                if len(bad) > 1 and bad.max() >= 1.5 * m.visits["bad_ending"].mean():
                    sec.findings.append(
                        f"a good start, a bad ending most often at branch {bad.idxmax()} ({100 * bad.max():.0f}% of visits)"
                    )
            sec.tables.append(("Moments of truth", m.moments.round(3)))
            fig, ax = plt.subplots(figsize=(8, 4))
            m.plot(ax=ax, lang=lang)
            sec.add_figure(fig, "Cycle of service")
    return sec
