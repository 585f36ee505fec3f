"""Report section: a SERVQUAL survey (gaps per RATER dimension, weights, zone of tolerance, reliability)."""

from __future__ import annotations

import pandas as pd

from ..report import ACTION, HEADLINE, Section
from ..report_labels import pick, word
from ..servqual import ServqualConfig, servperf, servqual, zone_of_tolerance

ORDER = 20
#: Nunnally (1978): alpha below this warns that a dimension's items are not consistent.
ALPHA_WARN = 0.7
GROUP_COLUMNS = ("branch", "store", "site", "channel", "team")
EXPECTATION_PREFIXES = ("e_", "exp_", "expectation_", "E_")
PERCEPTION_PREFIXES = ("p_", "per_", "perception_", "P_")
ZOT_PREFIXES = (("a_", "d_", "z_"), ("adequate_", "desired_", "perceived_"))
WEIGHT_PREFIXES = ("points_", "w_", "weight_")


def _prefixed(df: pd.DataFrame, prefix: str, names: list[str]) -> pd.DataFrame | None:
    cols = [prefix + n for n in names]
    if all(c in df.columns for c in cols):
        return df[cols].set_axis(names, axis=1)
    return None


def find_table(tables: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame, str | None, str] | None:
    """(key, table, expectation prefix or None, perception prefix) of the first SERVQUAL survey table."""
    names = [i.name for i in ServqualConfig().items]
    for key, df in tables.items():
        p = next((pre for pre in PERCEPTION_PREFIXES if _prefixed(df, pre, names) is not None), None)
        if p is None:
            continue
        e = next((pre for pre in EXPECTATION_PREFIXES if _prefixed(df, pre, names) is not None), None)
        return key, df, e, p
    return None


def build(tables: dict[str, pd.DataFrame], lang: str) -> Section | None:
    found = find_table(tables)
    if found is None:
        return None
    key, df, epre, ppre = found
    import matplotlib.pyplot as plt

    from ..servqual_plots import dimension_label

    zh = lang == "zh"
    names = [i.name for i in ServqualConfig().items]
    dims = ServqualConfig().dimensions()
    p = _prefixed(df, ppre, names)
    e = _prefixed(df, epre, names) if epre else None
    w = None
    for pre in WEIGHT_PREFIXES:
        cols = [pre + d for d in dims]
        if all(c in df.columns for c in cols):
            w = df[cols].set_axis(dims, axis=1)
            break
    sec = Section("servqual", "SERVQUAL 服务质量差距" if zh else "SERVQUAL: service-quality gaps (RATER)")
    r = servqual(e, p, weights=w, workers=0) if e is not None else servperf(p, weights=w, workers=0)
    weakest: str = r.weakest_dimension()
    if r.kind == "servqual":
        line = (
            f"{r.n_rows} 位受访者（{key}）；SERVQUAL {r.servqual:+.2f}"
            if zh
            else f"{r.n_rows} respondents ({key}); SERVQUAL {r.servqual:+.2f}"
        )
        if w is not None:
            line += f"，加权 {r.weighted_servqual:+.2f}" if zh else f", weighted {r.weighted_servqual:+.2f}"
        sec.add(line, HEADLINE)
        gap = float(r.dimensions["gap"].to_dict()[weakest])
        sec.add(
            f"最大差距维度：{dimension_label(weakest, lang)}（{gap:+.2f}）"
            if zh
            else f"largest gap: {dimension_label(weakest, lang)} ({gap:+.2f})",
            HEADLINE,
        )
    else:
        sec.add(
            f"{r.n_rows} 位受访者（{key}）；SERVPERF {r.servperf:.2f}（仅感知）"
            if zh
            else f"{r.n_rows} respondents ({key}); SERVPERF {r.servperf:.2f} (perceptions only)",
            HEADLINE,
        )
        sec.add(pick(lang, "lowest perception: ", "感知最低：") + dimension_label(weakest, lang))
    if w is not None:
        top = str(r.dimensions["allocation"].idxmax())
        points = float(r.dimensions["allocation"].to_dict()[top])
        sec.add(
            f"按分配分数最重要：{dimension_label(top, lang)}（{points:.1f} 分，满分 100）"
            if zh
            else f"most important by allocated points: {dimension_label(top, lang)} ({points:.1f} of 100)"
        )
        if r.n_missing_allocation:
            m = r.n_missing_allocation
            sec.warnings.append(
                pick(lang, f"{m} respondents without a complete 100-point allocation", f"{m} 位受访者未完整分配 100 分")
            )
    for col, what, what_zh in (("alpha_perception", "perceptions", "感知"), ("alpha_gap", "gap scores", "差距得分")):
        if col not in r.dimensions.columns:
            continue
        low = r.dimensions[col][r.dimensions[col] < ALPHA_WARN]
        for d, a in low.items():
            dl = dimension_label(str(d), lang)
            sec.warnings.append(
                f"{dl}的{what_zh}信度偏低：Cronbach α {a:.2f} < {ALPHA_WARN}"
                if zh
                else f"low reliability of {what} for {dl}: Cronbach's alpha {a:.2f} < {ALPHA_WARN}"
            )
    missing = int(r.items["n_missing_p"].sum()) + (int(r.items["n_missing_e"].sum()) if e is not None else 0)
    if missing:
        sec.warnings.append(
            pick(
                lang,
                f"{missing} missing answers (items left out of the respondents' dimension means)",
                f"{missing} 个缺失回答（未计入受访者的维度均值）",
            )
        )
    dim_table = r.dimensions.round(3).rename(index=lambda d: dimension_label(str(d), lang))
    sec.tables.append((pick(lang, "Gap scores and reliability by dimension", "各维度的差距得分与信度"), dim_table))
    fig, ax = plt.subplots(figsize=(7, 4))
    r.plot(ax=ax, lang=lang)
    cap = (
        ("Mean gap by dimension", "各维度的平均差距")
        if r.kind == "servqual"
        else ("Mean perception by dimension", "各维度的平均感知")
    )
    sec.add_figure(fig, pick(lang, *cap))
    by = next((c for c in GROUP_COLUMNS if c in df.columns), None)
    if by is not None and e is not None and epre is not None:
        rows = {}
        for g, sub in df.groupby(by, sort=True):
            rg = servqual(_prefixed(sub, epre, names), _prefixed(sub, ppre, names), workers=0)
            rows[g] = rg.dimensions["gap"].to_dict() | {"servqual": rg.servqual, "n": rg.n_rows}
        bt = pd.DataFrame(rows).T
        bt.index.name = by
        sec.tables.append((pick(lang, f"Mean gap by {by}", f"按{word(by, lang)}的平均差距"), bt.round(3)))
        worst = bt["servqual"].idxmin()
        worst_gap = float(bt["servqual"].to_dict()[worst])
        sec.add(
            f"{word(by, lang)} {worst}：总体差距最大（{worst_gap:+.2f}）"
            if zh
            else f"{by} {worst}: the largest overall gap ({worst_gap:+.2f})"
        )
    for a_pre, d_pre, z_pre in ZOT_PREFIXES:
        za, zd, zp = (_prefixed(df, pre, names) for pre in (a_pre, d_pre, z_pre))
        if za is not None and zd is not None and zp is not None:
            zr = zone_of_tolerance(za, zd, zp, workers=0)
            below = [str(x) for x in zr.dimensions.index[zr.dimensions["position"] == "below"]]
            msa = zr.dimensions["msa"].to_dict()
            listed = ("、" if zh else ", ").join(f"{dimension_label(b, lang)} (MSA {msa[b]:+.2f})" for b in below)
            sec.add(
                pick(lang, "below the zone of tolerance: ", "低于容忍区：") + (listed or pick(lang, "none", "无")),
                ACTION if below else 0,
            )
            zt = zr.dimensions.round(3).rename(index=lambda d: dimension_label(str(d), lang))
            sec.tables.append((pick(lang, "Zone of tolerance by dimension", "各维度的容忍区"), zt))
            fig, ax = plt.subplots(figsize=(7, 4))
            zr.plot(ax=ax, lang=lang)
            sec.add_figure(
                fig,
                pick(
                    lang,
                    "Zone of tolerance (adequate to desired) and perceived service",
                    "容忍区（适当至理想服务）与感知服务",
                ),
            )
            break
    return sec
