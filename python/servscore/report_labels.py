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
from ._core import ConfigError

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
    # the command line's printed tables (English label = the identifier the table shows)
    "predictor": ("predictor", "预测变量"),
    "r2_alone": ("r2_alone", "单独 R²"),
    "beta": ("beta", "标准化系数 β"),
    "priority": ("priority", "优先度"),
    "lmg": ("lmg", "LMG 分解"),
    "dominance": ("dominance", "优势分析"),
    "relative_weights": ("relative_weights", "相对权重"),
    "correlation": ("correlation", "相关系数"),
    "penalty_reward": ("penalty_reward", "惩罚-奖励分析"),
    "not numeric": ("not numeric", "非数值"),
    "identifier (name)": ("identifier (name)", "标识列（按列名）"),
    "date (name)": ("date (name)", "日期列（按列名）"),
    "date (datetime dtype)": ("date (datetime dtype)", "日期列（日期类型）"),
    "weight (name)": ("weight (name)", "权重列（按列名）"),
    "scale": ("scale", "量表中点"),
    "data_mean": ("data_mean", "数据均值"),
    "data_median": ("data_median", "数据中位数"),
    "diagonal": ("diagonal", "对角线"),
    "case": ("case", "情形"),
    "baseline": ("baseline", "基线"),
    "scenario": ("scenario", "情景方案"),
    "customers": ("customers", "顾客数"),
    "complainants": ("complainants", "投诉者"),
    "silent": ("silent", "未投诉者"),
    "resolved_quick": ("resolved_quick", "迅速解决"),
    "resolved_later": ("resolved_later", "事后解决"),
    "unresolved": ("unresolved", "未解决"),
    "retained": ("retained", "留住"),
    "lost": ("lost", "流失"),
    "retention_rate": ("retention_rate", "留存率"),
    "negative_word_of_mouth": ("negative_word_of_mouth", "负面口碑人数"),
    "positive_word_of_mouth": ("positive_word_of_mouth", "正面口碑人数"),
    "clv": ("clv", "顾客终身价值"),
    "value_at_risk": ("value_at_risk", "风险价值"),
    "replacement_cost": ("replacement_cost", "替换成本"),
    "extra_retained": ("extra_retained", "多留住"),
    "value_gained": ("value_gained", "获得价值"),
    "net_return": ("net_return", "净回报"),
    "roi": ("roi", "投资回报率"),
    "programme_cost": ("programme_cost", "项目成本"),
    "complaint_rate": ("complaint_rate", "投诉率"),
    "resolution_rate": ("resolution_rate", "解决率"),
    "quick_share": ("quick_share", "迅速解决占比"),
    "return_silent": ("return_silent", "未投诉者回购率"),
    "return_quick": ("return_quick", "迅速解决者回购率"),
    "return_resolved": ("return_resolved", "事后解决者回购率"),
    "return_unresolved": ("return_unresolved", "未解决者回购率"),
    "tell_satisfied": ("tell_satisfied", "满意者告诉人数"),
    "tell_unhappy_low": ("tell_unhappy_low", "不满者告诉人数（下限）"),
    "tell_unhappy_high": ("tell_unhappy_high", "不满者告诉人数（上限）"),
    "wide_teller_share": ("wide_teller_share", "广泛传播者占比"),
    "tell_wide": ("tell_wide", "广泛传播者告诉人数"),
    "acquisition_cost_ratio": ("acquisition_cost_ratio", "获客成本倍数"),
    "retention_cost": ("retention_cost", "保留成本"),
    "margin": ("margin", "利润"),
    "retention": ("retention", "保留率"),
    "discount": ("discount", "折现率"),
    "horizon": ("horizon", "期限"),
    "customer_value": ("customer_value", "顾客价值"),
    "significant": ("significant", "显著"),
    "cli_sig": ("sig.", "显著"),
    "cli_ns": ("n.s.", "不显著"),
    "rho_c": ("rho_c", "组合信度 ρc"),
    "rho_a": ("rho_a", "信度 ρA"),
    "mode": ("mode", "测量模式"),
    "indicators": ("indicators", "指标数"),
    "indicator": ("indicator", "指标"),
    "loading": ("loading", "载荷"),
    "weight": ("weight", "权重"),
    "communality": ("communality", "共同度"),
    "redundancy": ("redundancy", "冗余度"),
    "r2_adj": ("r2_adj", "调整 R²"),
    "path": ("path", "路径"),
    "direct": ("direct", "直接效应"),
    "indirect": ("indirect", "间接效应"),
    "total": ("total", "总效应"),
    "boot_se": ("boot_se", "自助法标准误"),
    "block": ("block", "量表"),
    "k": ("k", "题项数"),
    "n_dropped": ("n_dropped", "剔除行数"),
    "alpha_standardized": ("alpha_standardized", "标准化 α"),
    "ci_low": ("ci_low", "95% 置信下限"),
    "ci_high": ("ci_high", "95% 置信上限"),
    "dg_rho": ("dg_rho", "Dillon-Goldstein ρ"),
    "mean_r": ("mean_r", "平均项间相关"),
    "listwise": ("listwise", "成列删除"),
    "pairwise": ("pairwise", "成对删除"),
    "zone": ("zone", "区域"),
    "loyal_below": ("loyal_below", "顶格以下忠诚度"),
    "loyal_top": ("loyal_top", "顶格忠诚度"),
    "style": ("style", "风格"),
    "field": ("field", "字段"),
    "lang": ("lang", "语言"),
    "lost_sale": ("lost_sale", "丢单原因"),
    "sentiment": ("sentiment", "情感"),
    "procedural": ("procedural", "程序面"),
    "personal": ("personal", "个人面"),
    "severity": ("severity", "严重程度"),
    "eval_n_shown": ("n_shown", "有标注数"),
    "eval_micro_precision": ("micro_precision", "微平均精确率"),
    "eval_micro_recall": ("micro_recall", "微平均召回率"),
    "eval_micro_f1": ("micro_f1", "微平均 F1"),
    "eval_macro_f1": ("macro_f1", "宏平均 F1"),
    "eval_flag_rate_no_gold": ("flag_rate_no_gold", "无标注时的标记率"),
    "eval_accuracy": ("accuracy", "准确率"),
    "eval_coverage": ("coverage", "覆盖率"),
    "eval_within_one": ("within_one", "误差不超过一级"),
    "eval_mae": ("mae", "平均绝对误差"),
    "eval_>=2.f1": (">=2.f1", "≥2 级 F1"),
    "n_low": ("n_low", "低分人数"),
    "n_high": ("n_high", "高分人数"),
    "asymmetry": ("asymmetry", "影响不对称性"),
    "diff_low": ("diff_low", "差值下限"),
    "diff_high": ("diff_high", "差值上限"),
    "kano": ("kano", "Kano 类别"),
    "percentile": ("percentile", "百分位"),
    "bca": ("bca", "BCa"),
    "cqm": ("cqm", "CQM 评价表"),
    "pouliot": ("pouliot", "Pouliot 评价表"),
    "short": ("short", "简化评价表"),
    "wilson": ("wilson", "Wilson 法"),
    "bootstrap": ("bootstrap", "自助法"),
    "goodman": ("goodman", "Goodman 法"),
    "fong": ("fong", "Fong 检验"),
    "questionnaire": ("questionnaire", "问卷"),
    "item": ("item", "题项"),
    "type": ("type", "类型"),
    "exogenous": ("exogenous", "外生"),
    "endogenous": ("endogenous", "内生"),
    "alpha_std": ("alpha_std", "标准化 α"),
    "eig1": ("eig1", "第一特征值"),
    "eig2": ("eig2", "第二特征值"),
    "aic": ("aic", "AIC"),
    "bic": ("bic", "BIC"),
    "indirect_lower": ("indirect_lower", "间接效应下限"),
    "indirect_upper": ("indirect_upper", "间接效应上限"),
    "total_lower": ("total_lower", "总效应下限"),
    "total_upper": ("total_upper", "总效应上限"),
    "direct_lower": ("direct_lower", "直接效应下限"),
    "direct_upper": ("direct_upper", "直接效应上限"),
    "mediators": ("mediators", "中介变量"),
    "effect": ("effect", "效应"),
    "indirect-only": ("indirect-only", "仅间接中介"),
    "direct-only": ("direct-only", "仅直接效应"),
    "complementary": ("complementary", "互补型中介"),
    "no-effect": ("no-effect", "无效应"),
    "measure": ("measure", "指标"),
    "saturated": ("saturated", "饱和模型"),
    "estimated": ("estimated", "估计模型"),
    "srmr": ("srmr", "SRMR"),
    "d_uls": ("d_uls", "d_ULS"),
    "d_g": ("d_g", "d_G"),
    "index_weight": ("index_weight", "指数权重"),
    "scheme_centroid": ("centroid", "重心"),
    "scheme_factorial": ("factorial", "因子"),
    "scheme_path": ("path", "路径"),
    "missing_mean": ("mean", "均值插补"),
    "missing_listwise": ("listwise", "成列删除"),
    "items": ("items", "所列题项"),
    "missing_policy": ("missing", "缺失值处理"),
    "sd": ("sd", "标准差"),
    "item_total_r": ("item_total_r", "校正题总相关"),
    "item_total_r_uncorrected": ("item_total_r_uncorrected", "未校正题总相关"),
    "alpha_if_deleted": ("alpha_if_deleted", "删除该题后 α"),
    "alpha_standardized_if_deleted": ("alpha_standardized_if_deleted", "删除该题后标准化 α"),
    "pc1_loading": ("pc1_loading", "第一主成分载荷"),
    "key": ("key", "计分方向"),
    "n_missing_e": ("n_missing_e", "期望缺失"),
    "n_missing_p": ("n_missing_p", "感知缺失"),
    "cues": ("cues", "话语线索"),
    "replacement_saved": ("replacement_saved", "节省的替换成本"),
    "quesenberry_hurst": ("quesenberry_hurst", "Quesenberry-Hurst 法"),
    "sison_glaz": ("sison_glaz", "Sison-Glaz 法"),
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
    # the other commands' printed summaries (the English lines are the results' own _summary_lines)
    "cli_left_out": ("left out: {what}", "未纳入：{what}"),
    "cli_drivers_head": (
        "{method} for {y}: R2 = {r2:.4f}, {how}, {n}",
        "{method}（结果变量 {y}）：R² = {r2:.4f}，{how}，{n}",
    ),
    "cli_exact": ("exact", "精确计算"),
    "cli_sampled": ("sampled ({k} permutations)", "抽样计算（{k} 次置换）"),
    "cli_from_matrix": ("from a matrix", "由相关矩阵计算"),
    "cli_n_dropped": ("n = {n} ({d} rows dropped)", "样本数 {n}（剔除 {d} 行）"),
    "cli_top": ("top: {what}", "最重要：{what}"),
    "cli_predictors": ("predictors: {what}", "预测变量：{what}"),
    "cli_always": (
        "always in the model: {what} (R2 {r2:.4f}, not decomposed)",
        "始终在模型中：{what}（R² {r2:.4f}，不分解）",
    ),
    "cli_set": ("set {name}: {what}", "变量组 {name}：{what}"),
    "cli_boot": (
        "{how} intervals at level {level:g} from {b} resamples ({f} failed), seed {seed}",
        "{how} 区间，置信水平 {level:g}，{b} 次重抽样（{f} 次失败），随机种子 {seed}",
    ),
    "cli_prca_head": ("n = {n} ({d} dropped), R2 = {r2:.3f}: {what}", "样本数 {n}（剔除 {d}），R² = {r2:.3f}：{what}"),
    "cli_count_of": ("{n} {what}", "{what} {n} 个"),
    "cli_attributes": ("attributes: {what}", "属性：{what}"),
    "cli_ipa_head": (
        "crosshair {how} at performance {p:.3g}, importance {i:.3g}",
        "十字线（{how}）：表现 {p:.3g}，重要性 {i:.3g}",
    ),
    "cli_concentrate": ("concentrate here: {what}", "重点改进：{what}"),
    "cli_kano_head": (
        "{k} attribute row(s), table {table!r}, intervals: {ci}",
        "{k} 行属性结果，{table}，区间方法：{ci}",
    ),
    "cli_kano_bootstrap": (
        "bootstrap (n_bootstrap={b}, seed={seed})",
        "自助法（{b} 次重抽样，随机种子 {seed}）",
    ),
    "cli_kano_questionable": (
        "{name}: {share:.1f}% questionable answers (> {limit:.0f}%): check the wording of the question pair",
        "{name}：{share:.1f}% 的回答可疑（超过 {limit:.0f}%）：请检查这对问题的措辞",
    ),
    "cli_kano_empty": ("{name}: no classified answer pair", "{name}：没有可归类的回答对"),
    "cli_categories": ("categories: {what}", "类别：{what}"),
    "cli_near_ties": ("near ties decided by precedence: {what}", "按优先顺序判定的接近平局：{what}"),
    "cli_journey": (
        "{g}: journey index {j:.1f}, weakest {w}, weak stages: {weak}",
        "{g}：旅程指数 {j:.1f}，最弱阶段 {w}，薄弱阶段：{weak}",
    ),
    "cli_loyalty_head": ("{n} customers segmented ({m} missing): {what}", "{n} 位顾客已细分（缺失 {m}）：{what}"),
    "cli_loyalty_interval": (
        "simultaneous {level:g}% intervals: {how} over {k}",
        "{k} 类同时 {level:g}% 置信区间：{how}",
    ),
    "cli_loyalty_zones": ("loyalty curve zones:", "忠诚度曲线区域："),
    "cli_loyalty_zone": (
        "{g}: {zone} (loyal below the top box {below:.2f}, at the top box {top:.2f})",
        "{g}：{zone}（顶格以下忠诚度 {below:.2f}，顶格忠诚度 {top:.2f}）",
    ),
    "cli_moments_head": (
        "{v} visits, {m} moments; weakest most often: {w}; highest failure rate: {f}",
        "{v} 次到访，{m} 个真实一刻；最常最弱：{w}；未达标率最高：{f}",
    ),
    "cli_moments_no_visits": (
        "{m} moments; weakest most often: {w}; highest failure rate: {f}",
        "{m} 个真实一刻；最常最弱：{w}；未达标率最高：{f}",
    ),
    "cli_moments_ending": (
        "a good start, a bad ending in {share:.1f}% of visits; mean peak-end {pe:.2f} vs mean score {m:.2f}",
        "{share:.1f}% 的到访善始不能善终；峰终均值 {pe:.2f}，平均得分 {m:.2f}",
    ),
    "cli_needs_head": (
        "{n} interactions, {k} with at least one rule fired ({r} rules)",
        "{n} 次互动，其中 {k} 次至少触发一条规则（共 {r} 条规则）",
    ),
    "cli_needs_top": ("most anticipated needs: {what}", "最常预见的需求：{what}"),
    "cli_needs_missing": ("{n} missing values in the fields the rules read", "规则读取的字段中有 {n} 个缺失值"),
    "cli_standards_head": ("{n} observations, {k} standards", "{n} 次观察，{k} 项标准"),
    "cli_standards_low": ("lowest compliance: {what} {share:.1f}%", "达标率最低：{what} {share:.1f}%"),
    "cli_standards_flagged": ("{n} out-of-control period(s) on the p-charts", "p 控制图上有 {n} 个失控时期"),
    "cli_out_of_control": ("out-of-control periods:", "失控时期："),
    "cli_time_head": (
        "{k} time elements; lowest attainment {what}: {share:.1f}%",
        "{k} 个时间要素；达标率最低：{what} {share:.1f}%",
    ),
    "cli_no_durations": ("no durations", "没有时长数据"),
    "cli_styles_head": ("{n} people by {how}: {what}", "{n} 人（{how}）：{what}"),
    "cli_servqual_head": ("SERVQUAL {v:+.3f}", "SERVQUAL {v:+.3f}"),
    "cli_servperf_head": ("SERVPERF {v:.3f}", "SERVPERF {v:.3f}"),
    "cli_weighted": (", weighted {v} ({n} respondents)", "，加权 {v}（{n} 位受访者）"),
    "cli_servqual_n": ("{n} respondents; weakest dimension: {what}", "{n} 位受访者；最弱维度：{what}"),
    "cli_servqual_alloc": (
        "{n} respondents without a complete 100-point allocation",
        "{n} 位受访者未完整分配 100 分",
    ),
    "cli_servqual_unscored": (
        "not scored (no answers): {what}; the headline is the mean over {k} dimensions",
        "未评分（无回答）：{what}；总分为其余 {k} 个维度的均值",
    ),
    "cli_zot": ("zone of tolerance:", "容忍区："),
    "cli_economics_head": (
        "{c:g} customers with a problem: {r:.1f} retained, {l:.1f} lost ({share:.1f}%), "
        "{wom:.0f} told by lost customers, value at risk {var:.4g}",
        "{c:g} 位遇到问题的顾客：留住 {r:.1f}，流失 {l:.1f}（{share:.1f}%），"
        "流失顾客告诉 {wom:.0f} 人，风险价值 {var:.4g}",
    ),
    "cli_economics_scenario": (
        "scenario: {x:+.1f} retained, value gained {v:.4g}, net return {net:.4g}, ROI {roi}",
        "情景方案：多留住 {x:+.1f}，获得价值 {v:.4g}，净回报 {net:.4g}，投资回报率 {roi}",
    ),
    "cli_economics_sensitivity": (
        "{p} from {a:g} to {b:g}: lost {l0:.1f} -> {l1:.1f}, value at risk {v0:.4g} -> {v1:.4g}",
        "{p} 从 {a:g} 到 {b:g}：流失 {l0:.1f} → {l1:.1f}，风险价值 {v0:.4g} → {v1:.4g}",
    ),
    "cli_group": ("== {g}", "== {g}"),
    "cli_pls_title": ("PLS path model", "PLS 路径模型"),
    "cli_pls_head": (
        "{k} latents, {i} indicators, {p} paths; scheme {scheme}, {scaled} data",
        "{k} 个潜变量，{i} 个指标，{p} 条路径；{scheme}加权方案，{scaled}",
    ),
    "cli_pls_scaled": ("scaled", "数据已标准化"),
    "cli_pls_centred": ("centred", "数据仅中心化"),
    "cli_pls_records": (
        "{used} of {n} records used ({missing}: {cells} missing cell(s) in {rows} record(s)); "
        "{it} iteration(s), {conv}; GoF {gof:.4f}",
        "使用 {used}/{n} 条记录（{missing}：{rows} 条记录中有 {cells} 个缺失单元格）；迭代 {it} 次，{conv}；GoF {gof:.4f}",
    ),
    "cli_pls_converged": ("converged", "已收敛"),
    "cli_pls_not_converged": ("NOT converged", "未收敛"),
    "cli_plsc": (
        "consistent PLS (PLSc): Mode A blocks corrected with rho_A",
        "一致性 PLS（PLSc）：A 模式量表以 ρA 校正",
    ),
    "cli_plsc_inadmissible": ("; INADMISSIBLE solution (see warnings)", "；解不可接受（见警告）"),
    "cli_pls_fit": (
        "fit: SRMR {s0:.4f} saturated, {s1:.4f} estimated; d_ULS {u0:.4f} / {u1:.4f}; d_G {g0:.4f} / {g1:.4f}",
        "拟合：SRMR 饱和模型 {s0:.4f}，估计模型 {s1:.4f}；d_ULS {u0:.4f} / {u1:.4f}；d_G {g0:.4f} / {g1:.4f}",
    ),
    "cli_pls_bootstrap": ("bootstrap: {b} resamples, {f} failed", "自助法：{b} 次重抽样，{f} 次失败"),
    "cli_warning": ("warning: {w}", "警告：{w}"),
    "cli_pls_latents": ("Latent variables", "潜变量"),
    "cli_pls_paths": ("Paths", "路径"),
    "cli_pls_effects": ("Effects", "效应"),
    "cli_pls_mediation": ("Specific indirect effects (mediation)", "特定间接效应（中介）"),
    "cli_pls_fit_table": ("Model fit", "模型拟合"),
    "cli_pls_outer": ("Outer model", "测量模型"),
    "cli_pls_reliability": ("Reliability", "信度"),
    "cli_pls_fornell": (
        "Fornell-Larcker (sqrt AVE on the diagonal)",
        "Fornell-Larcker 准则（对角线为 AVE 的平方根）",
    ),
    "cli_pls_htmt": ("HTMT", "HTMT"),
    "cli_pls_htmt2": ("HTMT2", "HTMT2"),
    "cli_pls_ipma": ("IPMA (target {t})", "IPMA（目标变量 {t}）"),
    "cli_interactions_head": (
        "{n} interactions ({missing} without text, {empty} empty, {bad} invalid UTF-8, {cut} truncated)",
        "{n} 次互动（{missing} 次无文本，{empty} 次为空，{bad} 次编码无效，{cut} 次被截断）",
    ),
    "cli_interactions_risk": (
        "{n} with a lost-sale risk; most frequent: {what}",
        "{n} 次有丢单风险；最常见：{what}",
    ),
    "cli_interactions_styles": ("customer styles from cues: {what}", "由话语线索判断的顾客风格：{what}"),
    "cli_eval_title": ("Evaluation", "评估"),
    "cli_eval_head": ("{n} texts; fields: {what}", "{n} 条文本；评估字段：{what}"),
    "cli_eval_not_predicted": ("not predicted: {what}", "未预测：{what}"),
    "cli_eval_unmatched": (
        "{n} predicted row(s) without a gold record (not scored)",
        "{n} 行预测没有对应的标注记录（未计分）",
    ),
    "cli_quadrants": ("quadrants: {what}", "象限：{what}"),
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


def at_level(label: str, level: float | None) -> str:
    """``label`` with its default confidence level ("95%") replaced by ``level`` (a fraction:
    0.9 -> "90%", 0.995 -> "99.5%"); ``label`` as it is when ``level`` is None."""
    if level is None or "95%" not in label:
        return label
    pct = 100 * float(level)
    if not 0 < pct < 100:
        raise ConfigError(f"level: {level!r} is not a confidence level in (0, 1)")
    return label.replace("95%", f"{round(pct, 6):g}%")


def word(name: Any, lang: str | None = None, *, level: float | None = None) -> str:
    """The display label of an identifier (a column, indicator, cue, rule, unit, enum value):
    :data:`WORDS`, then the engines' enum labels, then known prefixes (``share_x``); anything
    else is a name from the data (a column, a group), shown as it is. ``level``: the confidence
    level of the table's intervals, shown in the interval bounds' labels ("90% 下限" for
    ``lower`` at 0.9; default 95%)."""
    s = str(name)
    zh = _zh(lang)
    if s in WORDS:
        return at_level(WORDS[s][1 if zh else 0], level)
    for enum in _ENUMS:
        if s in enum.names():
            return enum(s).label("zh" if zh else "en")
    for prefix, en, zh_t in _PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            return (zh_t if zh else en).format(word(s[len(prefix) :], lang, level=level))
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
    df: pd.DataFrame,
    lang: str | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    level: float | None = None,
) -> pd.DataFrame:
    """``df`` as strings for a reader: column and index labels from :func:`word` (``level``: the
    confidence level of its intervals, see :func:`word`), identifiers in the cells labelled,
    numbers through :func:`fmt_num` (p-values through :func:`fmt_p`); ``values`` maps a column
    to a function applied to its cells first."""
    out = pd.DataFrame(index=range(len(df)))
    for c in df.columns:
        col = df[c]
        fn = (values or {}).get(str(c))
        cells = [fn(v) if fn else _cell(v, str(c), lang) for v in col.tolist()]
        out[word(c, lang, level=level)] = cells
    out.index = pd.Index([_index_label(v, lang) for v in df.index.tolist()])
    names = [n for n in df.index.names if n is not None]
    out.index.name = " → ".join(word(n, lang) for n in names) if names else None
    return out


def cli_value(v: Any, lang: str | None = None) -> Any:
    """A cell of a printed table in the label language: text through :func:`word` (a
    ``"a; b"`` list label by label), booleans as yes / no, lists joined; numbers as they are."""
    if isinstance(v, (bool, np.bool_)):
        return word("yes" if v else "no", lang)
    if isinstance(v, (list, tuple, np.ndarray)):
        return words(list(v), lang)
    if isinstance(v, str):
        if " -> " in v:  # a path through latents
            return " → ".join(word(x, lang) for x in v.split(" -> "))
        return words(v.split("; "), lang) if "; " in v else word(v, lang)
    return v


def cli_frame(df: pd.DataFrame, lang: str | None = None, *, level: float | None = None) -> pd.DataFrame:
    """A command's printed table in Chinese: column and index labels, index names and the text
    and boolean cells through :func:`word` (the numbers as they are; ``level``: the confidence
    level of the table's intervals); ``df`` itself under English."""
    if not _zh(lang):
        return df
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            out[c] = [cli_value(v, lang) for v in col.tolist()]
    out = out.rename(
        columns=lambda c: word(c, lang, level=level), index=lambda v: cli_value(v, lang) if isinstance(v, str) else v
    )
    out.index.names = [word(x, lang) if x is not None else None for x in out.index.names]
    out.columns.names = [word(x, lang) if x is not None else None for x in out.columns.names]
    return out


def cli_table(df: pd.DataFrame, lang: str | None = None, *, level: float | None = None, **to_string: Any) -> str:
    """:func:`cli_frame` of ``df`` as printed text; under Chinese missing values as "–"."""
    if _zh(lang):
        to_string.setdefault("na_rep", "–")
    return str(cli_frame(df, lang, level=level).to_string(**to_string))


_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")


def english_words(visible: str) -> list[str]:
    """The Latin-letter words (two letters or more) in ``visible``: what the zh-report test checks."""
    return _WORD.findall(visible)
