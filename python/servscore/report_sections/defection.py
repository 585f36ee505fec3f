"""Report section: why customers leave (reason mix against the course's benchmark) and referrals."""

from __future__ import annotations

import pandas as pd

from ..defection import analyze
from ..loyalty import referrals
from ..report import ACTION, HEADLINE, Section, table_with
from ..report_labels import fmt_p

ORDER = 72
GROUP_COLUMNS = ("branch", "market", "region", "segment", "wave")


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = table_with(tables, ["reason"])
    if found is None:
        return None
    key, df = found
    zh = lang == "zh"
    sec = Section("defection", "顾客为何离开" if zh else "Why customers leave")
    r = analyze(df, column="reason", unknown="other", lang=lang)
    t = r.table.loc["all"].sort_values("share", ascending=False)
    top = [
        f"{row['label']} {100 * row['share']:.1f}% [{100 * row['lower']:.1f}, {100 * row['upper']:.1f}]"
        for _, row in t.head(4).iterrows()
        if row["share"] > 0
    ]
    n = int(r.tests.loc["all", "n"])
    missing = int(r.tests.loc["all", "n_missing"])
    sec.add((f"{n} 位离开的顾客（{key}）：" if zh else f"{n} departed customers ({key}): ") + "; ".join(top), HEADLINE)
    p = float(r.tests.loc["all", "p_value"])
    ptxt = fmt_p(p)

    def vs(row: pd.Series) -> str:  # share, interval and benchmark
        bench = f"基准 {100 * row['benchmark']:.0f}%" if zh else f"benchmark {100 * row['benchmark']:.0f}%"
        return (
            f"{row['label']} {100 * row['share']:.1f}% [{100 * row['lower']:.1f}, {100 * row['upper']:.1f}] ({bench})"
        )

    above = [vs(row) for _, row in t.iterrows() if row.get("verdict") == "above"]
    below = [str(row["label"]) for _, row in t.iterrows() if row.get("verdict") == "below"]
    if zh:
        sec.findings.append(f"与课程基准（服务不周 68%、产品品质不佳 14%、价钱过高 9%）相比：{ptxt}")
        if above:
            sec.add("高于基准：" + "、".join(above), ACTION)
        if below:
            sec.findings.append("低于基准：" + "、".join(below))
    else:
        sec.findings.append(f"against the course's benchmark (poor service 68%, quality 14%, price 9%): {ptxt}")
        if above:
            sec.add("above the benchmark: " + ", ".join(above), ACTION)
        if below:
            sec.findings.append("below the benchmark: " + ", ".join(below))
    if missing:
        sec.warnings.append(f"{missing} 位顾客未填写离开原因" if zh else f"{missing} customers gave no reason")
    cols = ["label", "n", "share", "lower", "upper", "benchmark", "verdict"]
    shown = t[cols].set_index("label")
    if zh:
        shown = shown.assign(
            verdict=shown["verdict"].map({"above": "高于基准", "below": "低于基准", "consistent": "一致"})
        )
        shown = shown.rename(
            columns={
                "n": "人数",
                "share": "占比",
                "lower": "下限",
                "upper": "上限",
                "benchmark": "基准",
                "verdict": "判断",
            }
        )
        shown.index.name = "原因"
    sec.tables.append(("离开原因" if zh else "Reasons for leaving", shown))
    if "referrals" in df.columns:
        rr = referrals("referrals", data=df).table.loc["all"]
        sec.findings.append(
            (
                f"离开前平均每位顾客推荐 {rr['mean']:.2f} 人"
                if zh
                else f"{rr['mean']:.2f} referrals per customer before leaving"
            )
            + f" [{rr['lower']:.2f}, {rr['upper']:.2f}]"
        )
    return sec
