"""The report's words, in English and Chinese, and how it prints numbers: one label source.

Every word the HTML report shows comes from here or from the engines' enum labels
(:class:`servscore.model.LabelledEnum`): :data:`WORDS` maps identifiers (result columns,
indicators, cues, rules, actions, units) to display labels, :data:`TEXTS` holds the
sentences of the sections with ``{placeholders}``. :func:`word` turns an identifier into
its label, :func:`text` fills a sentence, :func:`display_table` prepares a table for a
reader (labels for identifiers, integers as integers, p-values as ``< 0.001``).

>>> from servscore.report_labels import fmt_p, word
>>> fmt_p(0.0231), fmt_p(6.2e-118)
('p = 0.023', 'p < 0.001')
>>> word("share_promoters", "zh")
'推荐者占比'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import model

#: p-values below this are printed as "p < 0.001"
P_FLOOR = 0.001

#: identifier -> (English label, Chinese label): result columns, indicators, cues, rules, units
WORDS: dict[str, tuple[str, str]] = {
    # counts and generic statistics
    "n": ("n", "样本数"),
    "n_p": ("n (perceptions)", "感知样本数"),
    "n_items": ("items", "题项数"),
    "n_observed": ("observed", "观察数"),
    "n_met": ("met", "达标数"),
    "n_missing": ("missing", "缺失"),
    "n_fired": ("fired", "触发次数"),
    "n_inverted": ("inverted", "倒置"),
    "missing": ("missing", "缺失"),
    "flagged": ("flagged", "标记数"),
    "share": ("share", "占比"),
    "mean": ("mean", "均值"),
    "lower": ("lower 95%", "95% 下限"),
    "upper": ("upper 95%", "95% 上限"),
    "low": ("lower 95%", "95% 下限"),
    "high": ("upper 95%", "95% 上限"),
    "index": ("index (0-100)", "指数 (0-100)"),
    "importance": ("importance", "重要性"),
    "performance": ("performance", "表现"),
    "rank": ("rank", "排名"),
    "quadrant": ("quadrant", "象限"),
    "weak": ("weak", "薄弱"),
    "strong": ("strong", "优势"),
    "estimate": ("estimate", "估计值"),
    "se": ("standard error", "标准误"),
    "t": ("t", "t 值"),
    "p": ("p", "p 值"),
    "p_value": ("p", "p 值"),
    "vif": ("VIF", "方差膨胀因子"),
    "f2": ("f²", "效应量 f²"),
    "from": ("from", "自"),
    "to": ("to", "至"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "none": ("none", "无"),
    "all": ("all", "全部"),
    # grouping columns
    "branch": ("branch", "门店"),
    "store": ("store", "门店"),
    "site": ("site", "网点"),
    "channel": ("channel", "渠道"),
    "team": ("team", "团队"),
    "agent": ("agent", "客服"),
    "staff": ("staff", "员工"),
    "segment": ("segment", "细分"),
    "market": ("market", "市场"),
    "region": ("region", "区域"),
    "wave": ("wave", "调查期"),
    "month": ("month", "月份"),
    "quarter": ("quarter", "季度"),
    "week": ("week", "周"),
    "period": ("period", "时期"),
    "date": ("date", "日期"),
    "owner_type": ("owner type", "车主类型"),
    "dimension": ("dimension", "维度"),
    "attribute": ("attribute", "属性"),
    "stage": ("stage", "阶段"),
    "rule": ("situation", "情景"),
    "reason": ("reason", "原因"),
    "label": ("reason", "原因"),
    "latent": ("construct", "潜变量"),
    "element": ("time element", "时间要素"),
    "moment": ("moment", "真实一刻"),
    "standard": ("standard", "标准"),
    "group": ("group", "组别"),
    # encounters
    "share_quality": ("quality", "优质型占比"),
    "share_friendly": ("friendly", "友好型占比"),
    "share_factory": ("factory", "生产型占比"),
    "share_freezer": ("freezer", "冷淡型占比"),
    "mean_procedural": ("procedural mean", "程序面均值"),
    "mean_personal": ("personal mean", "个人面均值"),
    "timeliness": ("timeliness", "及时性"),
    "flow": ("flow", "流程顺畅"),
    "flexibility": ("flexibility", "灵活性"),
    "anticipation": ("anticipation", "预见需求"),
    "communication": ("communication", "沟通"),
    "feedback": ("feedback", "反馈"),
    "supervision": ("supervision", "督导"),
    "appearance": ("appearance", "仪表"),
    "body_language": ("body language", "肢体语言"),
    "tone_of_voice": ("tone of voice", "语调"),
    "tact": ("tact", "得体"),
    "naming_names": ("using the customer's name", "称呼顾客姓名"),
    "attentiveness": ("attentiveness", "关注"),
    "guidance": ("guidance", "指导"),
    "suggestive_selling": ("suggestive selling", "推荐销售"),
    "problem_solving": ("problem solving", "解决问题"),
    # NPS, CSAT, CES
    "nps": ("NPS", "NPS"),
    "share_promoters": ("promoters", "推荐者占比"),
    "share_detractors": ("detractors", "贬损者占比"),
    "share_passives": ("passives", "被动者占比"),
    "wald": ("Wald", "Wald 法"),
    "adjusted_wald": ("adjusted Wald", "调整 Wald 法"),
    "mover": ("MOVER (Wilson)", "MOVER 法 (Wilson)"),
    "csat_top2": ("CSAT top-2-box", "CSAT 前两项占比"),
    "ces_mean": ("CES mean", "CES 均值"),
    # SERVQUAL and the zone of tolerance
    "expectation": ("expectation", "期望"),
    "perception": ("perception", "感知"),
    "gap": ("gap", "差距"),
    "sd_gap": ("SD of the gap", "差距标准差"),
    "allocation": ("points (of 100)", "分配分数 (满分 100)"),
    "alpha_perception": ("Cronbach's alpha (perceptions)", "Cronbach α（感知）"),
    "alpha_gap": ("Cronbach's alpha (gaps)", "Cronbach α（差距）"),
    "servqual": ("SERVQUAL", "SERVQUAL"),
    "adequate": ("adequate", "适当服务"),
    "desired": ("desired", "理想服务"),
    "perceived": ("perceived", "感知服务"),
    "msa": ("adequacy gap (MSA)", "适当差距 (MSA)"),
    "mss": ("superiority gap (MSS)", "优越差距 (MSS)"),
    "width": ("zone width", "容忍区宽度"),
    "position": ("position", "位置"),
    "share_below": ("below the zone", "低于容忍区占比"),
    "share_within": ("within the zone", "容忍区内占比"),
    "share_above": ("above the zone", "高于容忍区占比"),
    "below": ("below", "低于"),
    "within": ("within", "区内"),
    "above": ("above", "高于"),
    # Kano
    "category": ("category", "类别"),
    "category_strength": ("category strength", "类别强度"),
    "better": ("Better", "满意系数 Better"),
    "worse": ("Worse", "不满意系数 Worse"),
    "expectation_level": ("expectation level", "期望层次"),
    "fong_significant": ("significant (Fong)", "显著 (Fong 检验)"),
    "chi2": ("chi-square", "卡方"),
    "dof": ("degrees of freedom", "自由度"),
    "better_diff": ("Better difference", "Better 差值"),
    "better_diff_lower": ("Better difference, lower 95%", "Better 差值 95% 下限"),
    "better_diff_upper": ("Better difference, upper 95%", "Better 差值 95% 上限"),
    "worse_diff": ("Worse difference", "Worse 差值"),
    "worse_diff_lower": ("Worse difference, lower 95%", "Worse 差值 95% 下限"),
    "worse_diff_upper": ("Worse difference, upper 95%", "Worse 差值 95% 上限"),
    # drivers and IPA
    "penalty": ("penalty", "惩罚"),
    "reward": ("reward", "奖励"),
    "factor_class": ("factor class", "因素类别"),
    "concentrate_here": ("concentrate here", "重点改进"),
    "keep_up_good_work": ("keep up the good work", "继续保持"),
    "unclassified": ("unclassified", "未分类"),
    "low_priority": ("low priority", "次要"),
    "possible_overkill": ("possible overkill", "可能过度"),
    "basic": ("basic", "基本因素"),
    "exciting": ("exciting", "兴奋因素"),
    "performance_factor": ("performance", "绩效因素"),
    "neutral": ("neutral", "中性"),
    # interactions, cues, styles
    "any_risk": ("any lost-sale risk", "任一丢单风险"),
    "most_frequent_risk": ("most frequent risk", "最常见风险"),
    "greeting": ("greeting", "问候"),
    "using_name": ("using the customer's name", "称呼顾客姓名"),
    "thanks_for_waiting": ("thanking for waiting", "感谢等候"),
    "offering_help": ("offering help", "主动提供帮助"),
    "unknown": ("unknown", "未知"),
    # lifecycle, PLS
    "r2": ("R²", "R²"),
    "alpha": ("Cronbach's alpha", "Cronbach α"),
    "rho": ("composite reliability", "组合信度"),
    "ave": ("AVE", "平均方差抽取量 AVE"),
    "IMAG": ("image", "企业形象"),
    "EXPE": ("expectations", "顾客期望"),
    "QUAL": ("perceived quality", "感知质量"),
    "VAL": ("perceived value", "感知价值"),
    "SAT": ("satisfaction", "满意度"),
    "LOY": ("loyalty", "忠诚度"),
    # needs
    "needs": ("needs", "需求"),
    "actions": ("recommended actions", "建议行动"),
    "long_wait": ("a long wait", "等了很久"),
    "watch_looking": ("keeps looking at the watch", "不断看表"),
    "with_children": ("with children", "带着孩子"),
    "queue_before_opening": ("queueing before opening", "开门前排队"),
    "peak_hour": ("peak hour", "高峰时段"),
    "repeat_contact": ("a repeat contact", "再次联系"),
    "open_complaint": ("an open complaint", "投诉未解决"),
    "first_visit": ("a first visit", "首次到访"),
    "elderly": ("an elderly customer", "年长顾客"),
    "returning_customer": ("a returning customer", "回头客"),
    "acknowledge the open complaint": ("acknowledge the open complaint", "主动提及未解决的投诉"),
    "acknowledge the wait": ("acknowledge the wait", "对等候表示歉意"),
    "be mentally and physically prepared": ("be mentally and physically prepared", "做好身心准备"),
    "check the outcome of the previous contact": ("check the outcome of the previous contact", "确认上次联系的结果"),
    "duty manager handles it personally": ("duty manager handles it personally", "值班经理亲自处理"),
    "enough staff on duty": ("enough staff on duty", "安排足够的值班人员"),
    "explain how the service works": ("explain how the service works", "说明服务流程"),
    "give the children something to play with": ("give the children something to play with", "给孩子一些玩的东西"),
    "greet by name": ("greet by name", "称呼顾客姓名问候"),
    "offer a seat": ("offer a seat", "请顾客就座"),
    "one more smile": ("one more smile", "多一个微笑"),
    "recognise the hurry and serve promptly": ("recognise the hurry and serve promptly", "体察其匆忙，迅速服务"),
    "recognise the returning customer": ("recognise the returning customer", "认出回头客"),
    "speak clearly and patiently": ("speak clearly and patiently", "说话清楚、耐心"),
    "speed up": ("speed up", "加快速度"),
    "supplies and equipment at hand": ("supplies and equipment at hand", "备好用品和设备"),
    "thank them for waiting": ("thank them for waiting", "感谢顾客的等候"),
    "welcome and orient the customer": ("welcome and orient the customer", "欢迎并引导顾客"),
    # standards, time elements, moments of truth
    "level": ("level", "级别"),
    "general": ("general", "一般标准"),
    "quality": ("quality", "优质标准"),
    "not_applicable": ("not applicable", "不适用"),
    "not_observed": ("not observed", "未观察到"),
    "attitude": ("attitude", "态度"),
    "column": ("column", "数据列"),
    "unit": ("unit", "单位"),
    "target": ("target", "目标"),
    "attainment": ("attainment", "达标率"),
    "p50": ("median", "中位数"),
    "p90": ("90th percentile", "第 90 百分位"),
    "mean_excess": ("mean excess", "平均超出"),
    "minutes": ("minutes", "分钟"),
    "days": ("days", "天"),
    "hours": ("hours", "小时"),
    "seconds": ("seconds", "秒"),
    "failed": ("failed", "未达标"),
    "fail_rate": ("failure rate", "未达标率"),
    "weakest": ("weakest (visits)", "最弱次数"),
    "weakest_share": ("weakest (share)", "最弱占比"),
    "mean_position": ("mean position", "平均位置"),
    "park_bike": ("parking the bike", "停车"),
    "take_basket": ("taking a basket", "取购物篮"),
    "find_way": ("finding the way", "找路"),
    "choose": ("choosing", "挑选"),
    "ask_staff": ("asking staff", "询问员工"),
    "wait_in_line": ("waiting in line", "排队等候"),
    "pay": ("paying", "付款"),
    "check_out": ("checking out", "结账离开"),
    "ride_off": ("riding off", "离开"),
    "store_bag": ("storing the bag", "寄存包"),
    "collect_bag": ("collecting the bag", "取回包"),
    # loyalty
    "competitive": ("competitive", "竞争型"),
    "intermediate": ("intermediate", "中间型"),
    "non_competitive": ("non-competitive", "非竞争型"),
    "benchmark": ("benchmark", "基准"),
    "verdict": ("against the benchmark", "判断"),
    "consistent": ("consistent", "一致"),
}

#: the sentences of the report: key -> (English, Chinese), with {placeholders}
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Service quality report", "服务质量报告"),
    "summary": ("Executive summary", "摘要"),
    "summary_note": (
        "The findings that matter most across the analyses (see the documentation for how they are chosen).",
        "各项分析中最重要的发现（选取规则见文档）。",
    ),
    "contents": ("Contents", "目录"),
    "not_analysed": ("Not analysed", "未分析的文件"),
    "nothing": ("No analysis recognised the data.", "没有分析能识别这些数据。"),
    "nothing_text": (
        "No analysis recognised the data: see `servscore --help` for the expected columns.",
        "没有分析能识别这些数据：所需的列见 `servscore --help`。",
    ),
    "footer": (
        "Generated by servscore. Methods and references: see the servscore documentation.",
        "由 servscore 生成。方法与参考文献见 servscore 文档。",
    ),
    "figures": ("Figures", "图"),
    "tables": ("Tables", "表"),
    "thin": ("thin samples (< {min} {what}) for {by}: {groups}", "{by}样本量不足（少于 {min} {what}）：{groups}"),
    "by": ("{what} by {by}", "按{by}的 {what}"),
    "missing_answers": ("{n} missing answers (counted, not used)", "{n} 个缺失回答（已计数，未使用）"),
    # the command line: progress steps and the Ctrl-C line
    "interrupted": ("interrupted (no output written)", "已中断（未写入输出文件）"),
    "progress_reading": ("reading {name}", "正在读取 {name}"),
    "progress_scoring": ("scoring", "正在评分"),
    "progress_counting": ("counting", "正在计数"),
    "progress_report": ("writing the report", "正在生成报告"),
    "progress_groups": ("groups of {what}", "按{what}分组"),
    "cli_encounters": (
        "{n} encounters, {q} ({share}%) in the quality quadrant, {u} unknown",
        "{n} 次服务接触，{q} 次（{share}%）属于优质象限，{u} 次未知",
    ),
    "cli_nps_one": (
        "NPS {nps:.1f} [{lower:.1f}, {upper:.1f}] ({how}), n = {n}, {missing} missing",
        "NPS {nps:.1f} [{lower:.1f}, {upper:.1f}]（{how}），样本数 {n}，缺失 {missing}",
    ),
    "cli_nps_shares": (
        "promoters {p:.1f}%, passives {m:.1f}%, detractors {d:.1f}% (promoters >= {pmin}, detractors <= {dmax} on {lo}-{hi})",
        "推荐者 {p:.1f}%，被动者 {m:.1f}%，贬损者 {d:.1f}%（{lo}-{hi} 分制：推荐者 ≥ {pmin}，贬损者 ≤ {dmax}）",
    ),
    "cli_nps_groups": (
        "{k} groups, {n} answers, {missing} missing ({how}); promoters >= {pmin}, detractors <= {dmax} on {lo}-{hi}",
        "{k} 组，{n} 个回答，缺失 {missing}（{how}）；{lo}-{hi} 分制：推荐者 ≥ {pmin}，贬损者 ≤ {dmax}",
    ),
    "cli_nps_range": ("NPS from {lo:.1f} ({glo}) to {hi:.1f} ({ghi})", "NPS 从 {lo:.1f}（{glo}）到 {hi:.1f}（{ghi}）"),
    "cli_interval": ("{method} {level:g}%", "{method} {level:g}% 置信区间"),
    "cli_pullers": ("top pullers out of quality:", "拉离优质象限的主要指标："),
}


def _zh(lang: str | None) -> bool:
    return (lang or model.get_language()) == "zh"


def text(key: str, lang: str | None = None, /, **values: Any) -> str:
    """The sentence ``key`` of :data:`TEXTS` in ``lang``, its placeholders filled from ``values``."""
    en, zh = TEXTS[key]
    return (zh if _zh(lang) else en).format(**values)


def pick(lang: str | None, en: str, zh: str) -> str:
    """``zh`` under Chinese, else ``en``: for a section's one-off sentences, kept beside each other."""
    return zh if _zh(lang) else en


_ENUMS: tuple[type[model.LabelledEnum], ...] = (
    model.Quadrant,
    model.KanoCategory,
    model.ExpectationLevel,
    model.LoyaltySegment,
    model.LifecycleStage,
    model.HumanNeed,
    model.TimeElement,
    model.LostSaleReason,
    model.SocialStyle,
    model.RaterDimension,
    model.ServiceSide,
)
_PREFIXES = (
    ("share_", "share of {}", "{}占比"),
    ("mean_", "mean {}", "{}均值"),
    ("category_", "category: {}", "类别：{}"),
    ("better_", "Better: {}", "Better：{}"),
    ("worse_", "Worse: {}", "Worse：{}"),
    ("risk_", "{}", "{}"),
)


def word(name: Any, lang: str | None = None) -> str:
    """The display label of an identifier (a column, indicator, cue, rule, unit, enum value):
    :data:`WORDS`, then the engines' enum labels, then known prefixes (``share_x``); anything
    else is a name from the data (a column, a group), shown as it is."""
    s = str(name)
    zh = _zh(lang)
    if s in WORDS:
        return WORDS[s][1 if zh else 0]
    for enum in _ENUMS:
        if s in enum.names():
            return enum(s).label("zh" if zh else "en")
    for prefix, en, zh_t in _PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            return (zh_t if zh else en).format(word(s[len(prefix) :], lang))
    return s


def words(names: Iterable[Any], lang: str | None = None) -> str:
    """Labels of several identifiers, joined with "、" (Chinese) or ", "."""
    return ("、" if _zh(lang) else ", ").join(word(n, lang) for n in names)


def fmt_p(p: float) -> str:
    """A p-value as a reader wants it: ``p < 0.001`` below :data:`P_FLOOR`, else ``p = 0.023``."""
    if p != p:
        return "p = –"
    return f"p < {P_FLOOR:g}" if p < P_FLOOR else f"p = {p:.3f}"


def fmt_num(v: Any) -> str:
    """A number for a table cell: integers as integers, other values with 3 significant
    digits at most and never in scientific notation; missing as "–"."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else ""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    x = float(v)
    if x == round(x) and abs(x) < 1e15:
        return str(int(round(x)))
    a = abs(x)
    digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3
    out = f"{x:.{digits}f}"
    return "0" if float(out) == 0 else out


def fmt_int(v: Any) -> str:
    """A count: a whole number without decimals (``2000``, never ``2e+03``)."""
    return "–" if v != v else str(int(round(float(v))))


def _cell(v: Any, column: str, lang: str | None) -> str:
    if isinstance(v, (list, tuple, np.ndarray)):
        return words(list(v), lang)
    if isinstance(v, str):
        return word(v, lang)
    if column in ("p", "p_value") and isinstance(v, (float, np.floating)) and v == v:
        return fmt_p(float(v)).removeprefix("p = ").removeprefix("p ")
    return fmt_num(v)


def _index_label(v: Any, lang: str | None) -> str:
    if isinstance(v, tuple):
        return " → ".join(_index_label(x, lang) for x in v)
    return word(v, lang) if isinstance(v, str) else fmt_num(v) if not isinstance(v, (int, np.integer)) else str(v)


def display_table(
    df: pd.DataFrame, lang: str | None = None, *, values: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """``df`` as strings for a reader: column and index labels from :func:`word`, identifiers in
    the cells labelled, numbers through :func:`fmt_num` (p-values through :func:`fmt_p`);
    ``values`` maps a column to a function applied to its cells first."""
    out = pd.DataFrame(index=range(len(df)))
    for c in df.columns:
        col = df[c]
        fn = (values or {}).get(str(c))
        cells = [fn(v) if fn else _cell(v, str(c), lang) for v in col.tolist()]
        out[word(c, lang)] = cells
    out.index = pd.Index([_index_label(v, lang) for v in df.index.tolist()])
    names = [n for n in df.index.names if n is not None]
    out.index.name = " → ".join(word(n, lang) for n in names) if names else None
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")


def english_words(visible: str) -> list[str]:
    """The Latin-letter words (two letters or more) in ``visible``: what the zh-report test checks."""
    return _WORD.findall(visible)
