"""Report section: anticipated needs (situations -> needs -> actions)."""

from __future__ import annotations

import pandas as pd

from .._core import ConfigError
from ..model import HumanNeed
from ..needs import default_rules, evaluate
from ..report import HEADLINE, Section, table_with
from ..report_labels import pick, word, words

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
        sec.warnings.append(f"{key}: {e}" if not zh else f"{key}：无法评估需求规则（{e}）")
        return sec

    def listed(v: object) -> str:  # "a; b" of the rules table, each labelled
        return words([x for x in str(v).split("; ") if x], lang)

    n = len(df)
    top = r.need_counts.sort_values("n", ascending=False)
    top = top[top["n"] > 0].head(3)
    needs_text = ("、" if zh else ", ").join(
        f"{HumanNeed(i).label(lang)} {100 * s:.0f}%" for i, s in top["share"].items()
    )
    sec.add(
        f"{n} 次互动（{key}）；最常预计的需求：{needs_text}"
        if zh
        else f"{n} interactions ({key}); most anticipated needs: {needs_text}",
        HEADLINE,
    )
    rules = r.rules.sort_values("n_fired", ascending=False)
    for rid, row in rules.head(3).iterrows():
        if row["n_fired"] > 0:
            sec.add(
                f"情景“{word(rid, lang)}”出现在 {100 * row['share']:.1f}% 的互动中；建议：{listed(row['actions'])}"
                if zh
                else f"situation: {word(rid, lang)} in {100 * row['share']:.1f}% of interactions; "
                f"recommended: {listed(row['actions'])}"
            )
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None:
        shares = r.fired.groupby(df[by].to_numpy()).mean()
        lift = (shares / r.rules["share"].where(r.rules["share"] > 0)).max()
        for rid in lift.sort_values(ascending=False).index[:3]:
            g = shares[rid].idxmax()
            overall = r.rules.loc[rid, "share"]
            if lift[rid] >= 1.5:
                sec.add(
                    f"{word(by, lang)} {g}：情景“{word(rid, lang)}”占 {100 * shares.loc[g, rid]:.0f}%（总体 {100 * overall:.0f}%）"
                    if zh
                    else f"{by} {g}: '{rid}' ({word(rid, lang)}) in {100 * shares.loc[g, rid]:.0f}% "
                    f"(overall {100 * overall:.0f}%)"
                )
        sec.tables.append(
            (
                pick(lang, f"Share of interactions per need by {by}", f"按{word(by, lang)}的各需求互动占比"),
                r.shares(df[by]).round(3),
            )
        )
    missing = r.n_missing[r.n_missing > 0]
    if len(missing):
        sec.warnings.append(
            pick(lang, "missing values (a missing value fires no rule): ", "缺失值（缺失值不触发任何规则）：")
            + ", ".join(f"{c} {int(v)}" for c, v in missing.items())
        )
    rt = r.rules[["n_fired", "share", "needs", "actions"]].copy()
    rt["needs"] = [listed(v) for v in rt["needs"]]
    rt["actions"] = [listed(v) for v in rt["actions"]]
    sec.tables.append((pick(lang, "Rules: fired and recommended actions", "规则：触发次数与建议行动"), rt))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Anticipated needs", "预计的需求"))
    return sec
