"""Report section: anticipated needs (situations -> needs -> actions)."""

from __future__ import annotations

import pandas as pd

from .._core import ConfigError
from ..model import HumanNeed
from ..needs import default_rules, evaluate
from ..report import Section, table_with

ORDER = 60
GROUP_COLUMNS = ("branch", "store", "site", "channel", "team")


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    return table_with(tables, default_rules().fields)


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("needs", "预计的需求" if zh else "Anticipated needs")
    try:
        r = evaluate(df, workers=0)
    except (ConfigError, ValueError) as e:  # a column of the wrong kind: say so, skip the section body
        sec.warnings.append(f"{key}: {e}")
        return sec
    n = len(df)
    top = r.need_counts.sort_values("n", ascending=False)
    top = top[top["n"] > 0].head(3)
    needs_text = ", ".join(f"{HumanNeed(i).label(lang)} {100 * s:.0f}%" for i, s in top["share"].items())
    sec.findings.append(
        f"{n} 次互动; 最常预计的需求: {needs_text}"
        if zh
        else f"{n} interactions ({key}); most anticipated needs: {needs_text}"
    )
    rules = r.rules.sort_values("n_fired", ascending=False)
    for rid, row in rules.head(3).iterrows():
        if row["n_fired"] > 0:
            sec.findings.append(
                f"{rid}: {100 * row['share']:.1f}% -> {row['actions']}"
                if zh
                else f"situation '{rid}' in {100 * row['share']:.1f}% of interactions; recommended: {row['actions']}"
            )
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None:
        shares = r.fired.groupby(df[by].to_numpy()).mean()
        lift = (shares / r.rules["share"].where(r.rules["share"] > 0)).max()
        for rid in lift.sort_values(ascending=False).index[:3]:
            g = shares[rid].idxmax()
            overall = r.rules.loc[rid, "share"]
            if lift[rid] >= 1.5:
                sec.findings.append(
                    f"{by} {g}: '{rid}' in {100 * shares.loc[g, rid]:.0f}% (overall {100 * overall:.0f}%)"
                )
        sec.tables.append((f"Share of interactions per need by {by}", r.shares(df[by]).round(3)))
    missing = r.n_missing[r.n_missing > 0]
    if len(missing):
        sec.warnings.append(
            "missing values (a missing value fires no rule): " + ", ".join(f"{c} {int(v)}" for c, v in missing.items())
        )
    sec.tables.append(("Rules: fired and recommended actions", r.rules[["n_fired", "share", "needs", "actions"]]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "Anticipated needs")
    return sec
