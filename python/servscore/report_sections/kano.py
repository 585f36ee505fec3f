"""Report section: Kano survey (expectation hierarchy)."""

from __future__ import annotations

import pandas as pd

from ..kano import DEFAULT_SUFFIXES, LONG_COLUMNS, _is_long, _wide_attributes, analyze
from ..model import ExpectationLevel, KanoCategory
from ..report import HEADLINE, Section
from ..report_labels import fmt_p, pick, word

ORDER = 30
SEGMENT_COLUMNS = ("segment", "customer_segment", "group", "channel", "branch")
MIN_ATTRIBUTES = 2


def _looks_like_answers(df: pd.DataFrame, columns: list[str]) -> bool:
    """Answer codes: numbers, whole, in 0..9 (or missing)."""
    values = df[columns].apply(pd.to_numeric, errors="coerce")
    if (values.isna() & df[columns].notna()).to_numpy().any():
        return False
    v = values.to_numpy(dtype=float)
    v = v[~pd.isna(v)]
    return bool(len(v)) and bool(((v >= 0) & (v <= 9) & (v == v.round())).all())


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame] | None:
    """The first table in the wide Kano layout (>= 2 ``<a>_f`` / ``<a>_d`` pairs) or the long one."""
    for key, df in tables.items():
        attrs = _wide_attributes(df.columns, DEFAULT_SUFFIXES)
        if len(attrs) >= MIN_ATTRIBUTES and _looks_like_answers(df, [a + s for a in attrs for s in DEFAULT_SUFFIXES]):
            return key, df
        if all(c in df.columns for c in LONG_COLUMNS) and _is_long(df):
            return key, df
    return None


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df = found
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    sec = Section("kano", "Kano 需求分类" if zh else "Kano survey: the expectation hierarchy")
    r = analyze(df, workers=0)
    t = r.table
    n_resp = len(df) if not _is_long(df) else df["respondent"].nunique()
    sec.add(
        f"{len(t)} 项属性，{n_resp} 位受访者（{key}）" if zh else f"{len(t)} attributes, {n_resp} respondents ({key})"
    )
    comma = "、" if zh else ", "
    for cat in ("must_be", "one_dimensional", "attractive", "indifferent"):
        attrs = t.index[t["category"].astype(str) == cat].tolist()
        if attrs:
            label = KanoCategory(cat).label(lang)
            if cat == "must_be":  # what must not fail: each with |Worse| and its Wilson interval
                items = comma.join(
                    f"{word(a, lang)} (Worse {t.loc[a, 'worse']:.2f} [{t.loc[a, 'worse_lo']:.2f}, {t.loc[a, 'worse_hi']:.2f}])"
                    for a in attrs
                )
                sec.add(f"{label}{'：' if zh else ': '}{items}", HEADLINE)
            else:
                sec.add(f"{label}{'：' if zh else ': '}{comma.join(word(a, lang) for a in attrs)}")
    near = t.index[t["near_tie"]].tolist()
    if near:
        sec.warnings.append(
            "near ties decided by precedence (M > O > A > I): " + ", ".join(map(str, near))
            if not zh
            else "接近平局、按优先级判定（M > O > A > I）：" + "、".join(word(a, lang) for a in near)
        )
    for attr, row in t[t["q_warning"]].iterrows():
        sec.warnings.append(
            f"{word(attr, lang)}：可疑回答占 {100 * row['q_share']:.1f}%，请检查这对问题的措辞"
            if zh
            else f"{attr}: {100 * row['q_share']:.1f}% questionable answers: check the wording of the question pair"
        )
    sec.warnings.extend(
        pick(lang, f"{a}: no classified answer pair", f"{word(a, lang)}：没有可归类的回答")
        for a in t.index[t["n"] == 0]
    )
    cols = ["n", "missing", "A", "O", "M", "I", "R", "Q", "category", "category_strength", "better", "worse"]
    table = t[cols].copy()
    table["category"] = [KanoCategory(c).label(lang) if isinstance(c, str) else "" for c in t["category"]]
    table["expectation_level"] = [
        ExpectationLevel(c).label(lang) if isinstance(c, str) else "" for c in t["expectation_level"]
    ]
    table["fong_significant"] = t["fong_significant"]
    sec.tables.append(
        (
            pick(lang, "Kano categories, Better and Worse per attribute", "各属性的 Kano 类别与 Better、Worse 系数"),
            table,
        )
    )
    fig, ax = plt.subplots(figsize=(6.5, 6))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, pick(lang, "Better vs |Worse| (Wilson 95% intervals)", "Better 与 |Worse|（Wilson 95% 区间）"))
    fig, ax = plt.subplots(figsize=(6.5, 6))
    r.plot(ax=ax, kind="continuous", lang=lang)
    sec.add_figure(
        fig, pick(lang, "DuMouchel continuous analysis (mean points, 1 SD)", "DuMouchel 连续分析（平均分，1 个标准差）")
    )
    by = next((c for c in SEGMENT_COLUMNS if c in df.columns and 2 <= df[c].nunique() <= 6), None)
    if by is not None:
        g = analyze(df, by=by, workers=0)
        groups = list(dict.fromkeys(g.table.index.get_level_values("group")))
        if len(groups) == 2:
            try:
                c = g.compare()
            except ValueError as e:
                sec.warnings.append(
                    pick(lang, f"segment comparison by {by}: {e}", f"按{word(by, lang)}的细分比较未完成：{e}")
                )
            else:
                for attr, row in c[c["p_value"] < 0.01].iterrows():
                    a, b = groups
                    ca, cb = (
                        KanoCategory(row[f"category_{a}"]).label(lang),
                        KanoCategory(row[f"category_{b}"]).label(lang),
                    )
                    test = f"chi-square {row['chi2']:.1f}, {fmt_p(row['p_value'])}"
                    sec.add(
                        f"{word(attr, lang)}：{word(by, lang)} {a} 为{ca}，{b} 为{cb}（卡方 {row['chi2']:.1f}，"
                        f"{fmt_p(row['p_value'])}）"
                        if zh
                        else f"{attr}: {ca} for {by} {a}, {cb} for {b} ({test})"
                    )
                shown = c.copy()
                for k in [k for k in shown.columns if str(k).startswith("category_")]:
                    shown[k] = [KanoCategory(v).label(lang) if isinstance(v, str) else "" for v in shown[k]]

                def per_group(k: object) -> str:
                    base, _, grp = str(k).rpartition("_")
                    return f"{word(base, lang)} ({grp})" if grp in map(str, groups) and base else str(k)

                shown = shown.rename(columns=per_group)
                sec.tables.append(
                    (
                        pick(
                            lang,
                            f"Segment comparison by {by} (chi-square on A/O/M/I/R/Q)",
                            f"按{word(by, lang)}的细分比较（A/O/M/I/R/Q 卡方检验）",
                        ),
                        shown,
                    )
                )
    return sec
