"""Report section: the 6+2 customer lifecycle (stage indices, journey index, weak stages)."""

from __future__ import annotations

import pandas as pd

from ..lifecycle import LifecycleConfig, stages
from ..model import LifecycleStage
from ..report import ACTION, HEADLINE, Section, table_with
from ..report_labels import pick, word

ORDER = 60
GROUP_COLUMNS = ("wave", "period", "month", "segment", "owner_type")
IMPORTANCE_PREFIX = "imp_"


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    return table_with(tables, [t.name for t in LifecycleConfig().touchpoints])


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    names = [t.name for t in LifecycleConfig().touchpoints]
    imp = IMPORTANCE_PREFIX if all(IMPORTANCE_PREFIX + n in df.columns for n in names) else None
    sec = Section("lifecycle", "客户生命周期 (6+2)" if zh else "Customer lifecycle (6+2 steps)")
    r = stages(df, importance=imp, workers=0)
    j = r.journey.iloc[0]

    def lab(s: str) -> str:
        return LifecycleStage(s).label(lang)

    t = r.stage_table()
    comma = "、" if zh else ", "
    weak = comma.join(lab(s) for s in j["weak_stages"]) or ("无" if zh else "none")
    strong = comma.join(lab(s) for s in j["strong_stages"]) or ("无" if zh else "none")

    def iv(s: str) -> str:
        return f"{t.loc[s, 'index']:.1f} [{t.loc[s, 'lower']:.1f}, {t.loc[s, 'upper']:.1f}]"

    w0 = str(j["weakest"])
    if zh:
        sec.add(
            f"{j['respondents']} 位受访者（{key}）；旅程指数 {j['journey']:.1f}；最薄弱阶段：{lab(w0)} {iv(w0)}；"
            f"薄弱：{weak}；优势：{strong}",
            HEADLINE,
        )
    else:
        sec.add(
            f"{j['respondents']} respondents ({key}); journey index {j['journey']:.1f}; weakest stage "
            f"{lab(w0)} {iv(w0)}; weak: {weak}; strong: {strong}",
            HEADLINE,
        )
    for s in t.index[t["quadrant"] == "concentrate_here"]:
        sec.add(
            f"{lab(str(s))} {iv(str(s))}：重要但低于旅程指数（重点改进）"
            if zh
            else f"{lab(str(s))} {iv(str(s))}: important but below the journey index (concentrate here)",
            ACTION,
        )
    thin = t[t["n_missing"] > 0.5 * j["respondents"]]
    for s, row in thin.iterrows():
        m = int(row["n_missing"])
        sec.warnings.append(
            pick(
                lang,
                f"{lab(str(s))}: {m} of {j['respondents']} respondents have no score",
                f"{lab(str(s))}：{j['respondents']} 位受访者中 {m} 位没有得分",
            )
        )
    cols = ["n", "index", "lower", "upper", "importance", "quadrant", "weak", "strong"]
    sec.tables.append((pick(lang, "Stage indices", "阶段指数"), t[cols].rename(index=lab)))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.6))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Stage profile", "阶段指数"))
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None:
        g = stages(df, by=by, importance=imp, workers=0)
        wide = g.table.pivot(index="stage", columns="group", values="index").reindex(t.index)
        sec.tables.append((pick(lang, f"Stage index by {by}", f"按{word(by, lang)}的阶段指数"), wide.rename(index=lab)))
        for grp, row in g.journey.iterrows():
            sec.add(
                f"{word(by, lang)} {grp}：旅程指数 {row['journey']:.1f}，最薄弱 {lab(row['weakest'])}"
                if zh
                else f"{by} {grp}: journey {row['journey']:.1f}, weakest {lab(row['weakest'])}"
            )
    return sec
