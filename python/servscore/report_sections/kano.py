"""Report section: Kano survey (expectation hierarchy)."""

from __future__ import annotations

import pandas as pd

from ..kano import DEFAULT_SUFFIXES, LONG_COLUMNS, _is_long, _wide_attributes, analyze
from ..model import ExpectationLevel, KanoCategory
from ..report import Section

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
    sec.findings.append(
        f"{len(t)} 项属性，{n_resp} 位受访者 ({key})" if zh else f"{len(t)} attributes, {n_resp} respondents ({key})"
    )
    for cat in ("must_be", "one_dimensional", "attractive", "indifferent"):
        attrs = t.index[t["category"].astype(str) == cat].tolist()
        if attrs:
            label = KanoCategory(cat).label(lang)
            sec.findings.append(f"{label}: {', '.join(map(str, attrs))}")
    near = t.index[t["near_tie"]].tolist()
    if near:
        sec.warnings.append(
            "near ties decided by precedence (M > O > A > I): " + ", ".join(map(str, near))
            if not zh
            else "接近平局、按优先级判定: " + ", ".join(map(str, near))
        )
    sec.warnings.extend(r.warnings)
    cols = ["n", "missing", "A", "O", "M", "I", "R", "Q", "category", "category_strength", "better", "worse"]
    table = t[cols].copy()
    table["category"] = [KanoCategory(c).label(lang) if isinstance(c, str) else "" for c in t["category"]]
    table["expectation_level"] = [
        ExpectationLevel(c).label(lang) if isinstance(c, str) else "" for c in t["expectation_level"]
    ]
    table["fong_significant"] = t["fong_significant"]
    sec.tables.append(("Kano categories, Better and Worse per attribute", table))
    fig, ax = plt.subplots(figsize=(6.5, 6))
    r.plot(ax=ax, lang=lang)
    sec.add_figure(fig, "Better vs |Worse| (Wilson 95% intervals)")
    fig, ax = plt.subplots(figsize=(6.5, 6))
    r.plot(ax=ax, kind="continuous", lang=lang)
    sec.add_figure(fig, "DuMouchel continuous analysis (mean points, 1 SD)")
    by = next((c for c in SEGMENT_COLUMNS if c in df.columns and 2 <= df[c].nunique() <= 6), None)
    if by is not None:
        g = analyze(df, by=by, workers=0)
        groups = list(dict.fromkeys(g.table.index.get_level_values("group")))
        if len(groups) == 2:
            try:
                c = g.compare()
            except ValueError as e:
                sec.warnings.append(f"segment comparison by {by}: {e}")
            else:
                for attr, row in c[c["p_value"] < 0.01].iterrows():
                    a, b = groups
                    sec.findings.append(
                        f"{attr}: {KanoCategory(row[f'category_{a}']).label(lang)} for {by} {a}, "
                        f"{KanoCategory(row[f'category_{b}']).label(lang)} for {b} "
                        f"(chi-square {row['chi2']:.1f}, p {row['p_value']:.2g})"
                    )
                sec.tables.append((f"Segment comparison by {by} (chi-square on A/O/M/I/R/Q)", c))
    return sec
