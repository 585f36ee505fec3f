"""Report section: interactions (cues, lost-sale risks) and customers' social styles."""

from __future__ import annotations

import pandas as pd

from ..interactions import classify
from ..model import LostSaleReason, SocialStyle
from ..report import HEADLINE, Section
from ..report_labels import pick, word
from ..styles import classify as classify_styles
from ..styles import default_instrument, guidance

ORDER = 40
TEXT_COLUMNS = ("transcript", "notes", "text")
GROUP_COLUMNS = ("branch", "store", "site", "staff", "agent", "channel", "team")


def _text_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame, str] | None:
    for key, df in tables.items():
        for c in TEXT_COLUMNS:
            if c in df.columns and (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])):
                return key, df, c
    return None


def _questionnaire(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    items = default_instrument().item_names
    for key, df in tables.items():
        if all(c in df.columns for c in items):
            return key, df
    return None


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    text = _text_table(tables)
    quest = _questionnaire(tables)
    if text is None and quest is None:
        return None
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("interactions", "互动文本与顾客人际风格" if zh else "Interactions and customer styles")
    comma = "、" if zh else ", "
    if text is not None:
        key, df, col = text
        r = classify(df, text=col, workers=0)
        t = r.table
        rr = r.risk_rates().sort_values("share", ascending=False, kind="stable")
        n = len(t)
        any_risk = float((t["n_risks"] > 0).mean())
        sec.add(
            f"{n} 次互动（{key}.{col}）中 {100 * any_risk:.1f}% 出现至少一种丢单风险"
            if zh
            else f"{n} interactions ({key}.{col}); {100 * any_risk:.1f}% show at least one lost-sale risk",
            HEADLINE,
        )
        top = [(k, v) for k, v in rr["share"].items() if v > 0][:3]
        if top:
            items = comma.join(f"{LostSaleReason(k).label(lang)} {100 * v:.1f}%" for k, v in top)
            sec.add(("最常见的丢单风险：" if zh else "most frequent lost-sale risks: ") + items)
        cr = r.cue_rates()
        for cue in ("greeting", "using_name", "thanks_for_waiting", "offering_help"):
            if cue in cr.index:
                share = cr.loc[cue, "share"]
                sec.add(
                    f"员工行为“{word(cue, lang)}”：{100 * share:.1f}% 的互动"
                    if zh
                    else f"staff cue {word(cue, lang)}: {100 * share:.1f}% of interactions"
                )
        styles = t["style"].value_counts(normalize=True)
        sec.add(
            ("顾客风格（来自行为线索）：" if zh else "customer styles from behaviour cues: ")
            + comma.join(f"{word(k, lang)} {100 * v:.0f}%" for k, v in styles.items())
        )
        st = t["text_status"].astype(str).value_counts()
        status_zh = {"missing": "缺失", "invalid_utf8": "不是有效的 UTF-8", "truncated": "被截断"}
        for status in ("missing", "invalid_utf8", "truncated"):
            if st.get(status, 0):
                k = int(st[status])
                sec.warnings.append(pick(lang, f"{k} texts {status}", f"{k} 条文本{status_zh[status]}"))
        by = next((c for c in GROUP_COLUMNS if c in t.columns), None)
        if by is not None:
            cols = [f"risk_{x}" for x in LostSaleReason.names()]
            g = t.groupby(by, observed=True)
            table = pd.DataFrame({"n": g.size(), "any_risk": g["n_risks"].apply(lambda s: float((s > 0).mean()))})
            worst = g[cols].mean().idxmax(axis=1).str.removeprefix("risk_")
            table["most_frequent_risk"] = worst
            sec.tables.append((pick(lang, f"Lost-sale risks by {by}", f"按{word(by, lang)}的丢单风险"), table))
        sec.tables.append((pick(lang, "Lost-sale risk rates", "丢单风险比例"), rr))
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        r.plot(ax=ax, lang=lang)
        sec.add_figure(
            fig, pick(lang, "Share of interactions flagged per lost-sale reason", "各丢单原因被标记的互动占比")
        )
    if quest is not None:
        key, df = quest
        s = classify_styles(df)
        counts = s.counts()
        n = int(counts.sum())
        sec.add(
            (f"问卷（{key}）{n} 人：" if zh else f"questionnaire ({key}), {n} people: ")
            + comma.join(f"{word(k, lang)} {100 * v / max(n, 1):.0f}%" for k, v in counts.items())
        )
        main = counts.drop("unknown").idxmax()
        sec.add(
            (
                f"最常见风格 {SocialStyle(main).label(lang)} 的服务要点："
                if zh
                else f"serving the most common style, {SocialStyle(main).label(lang)}: "
            )
            + ("" if zh else " ").join(guidance(main, lang)[:2])
        )
        fig, ax = plt.subplots(figsize=(5.5, 5.5))
        s.plot(ax=ax, lang=lang)
        sec.add_figure(fig, pick(lang, "Social-style grid", "人际风格矩阵"))
    return sec
