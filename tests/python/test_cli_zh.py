"""``--lang zh`` on the command line: every word of a command's summary in Chinese apart from the
data's names and units (issue 17, item 4; the checker of the zh report, test_report.py)."""

from __future__ import annotations

import pathlib

import pandas as pd
import pytest
import servscore as ss
from servscore.cli import main
from servscore.report_labels import english_words
from test_report import ALLOWED_WORDS, data_words

DATA = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data"


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    ss.set_language("en")


def english_left(out: str, *tables: pd.DataFrame) -> list[str]:
    allowed = ALLOWED_WORDS | data_words({f"t{i}": t for i, t in enumerate(tables)})
    return sorted({w for w in english_words(out) if w not in allowed})


def test_encounters_summary_in_chinese(capsys):
    path = DATA / "encounters.csv"
    assert main(["encounters", str(path), "--by", "branch", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert english_left(out, pd.read_csv(path)) == []
    assert "3000 次服务接触" in out and "门店" in out and "称呼顾客姓名" in out  # naming_names


def test_encounters_summary_in_english_unchanged(capsys):
    df = pd.read_csv(DATA / "encounters.csv")
    quadrants = ss.score_encounters(df)["quadrant"]  # the headline counts what the API scores
    n, q, u = len(df), int((quadrants == "quality").sum()), int((quadrants == "unknown").sum())
    assert main(["encounters", str(DATA / "encounters.csv"), "--by", "branch"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{n} encounters, {q} ({100 * q / n:.1f}%) in the quality quadrant, {u} unknown\n")
    assert "share_quality" in out and "top pullers out of quality:" in out and "using the customer's name 16%" in out


@pytest.mark.parametrize("by", [[], ["--by", "branch"]])
def test_nps_summary_in_chinese(capsys, by):
    path = DATA / "transactions.csv"
    assert main(["nps", str(path), *by, "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert english_left(out, pd.read_csv(path)) == ["Wald"]  # the interval's author (adjusted Wald)
    assert "推荐者占比" in out and "95% 下限" in out
    # NPS from its definition: % promoters (9-10) minus % detractors (0-6), per branch
    df = pd.read_csv(path).dropna(subset=["nps"])
    per = df.groupby("branch")["nps"].agg(lambda x: 100 * ((x >= 9).mean() - (x <= 6).mean()))
    lo, hi = per.idxmin(), per.idxmax()
    expected = f"NPS 从 {per[lo]:.1f}（{lo}）到 {per[hi]:.1f}（{hi}）" if by else f"样本数 {len(df)}，缺失 0"
    assert expected in out


# ------------------------------------------------------------------ every other command under --lang zh

#: Latin words a Chinese command summary may print besides ALLOWED_WORDS and the data's own names:
#: statistical symbols and the authors of methods (the report's list covers the rest)
CLI_ALLOWED = {
    *["AIC", "BIC", "BCa", "CQM", "HTMT", "PLSc", "SRMR", "ULS"],
    *["Dillon", "Goldstein", "Fornell", "Larcker", "Pouliot", "Wald"],
}


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


def _model(tmp_path: pathlib.Path) -> pathlib.Path:
    from servscore.datasets._gen_pls import SYNTAX  # the planted ECSI model of index_survey.csv

    path = tmp_path / "ecsi.txt"
    path.write_text(SYNTAX, encoding="utf-8")
    return path


def _drivers(out: str) -> None:
    r = ss.drivers.importance(_csv("driver_survey"), "overall")
    assert (
        f"LMG 分解（结果变量 overall）：R² = {r.r2:.4f}，精确计算，样本数 {int(r.n_used)}（剔除 {r.n_dropped} 行）"
        in out
    )
    top = r.table.sort_values("rank").index[:3]
    assert "最重要：" + "、".join(top) in out and "预测变量" in out and "单独 R²" in out


def _ipa(out: str) -> None:
    r = ss.ipa(_csv("driver_survey"), "lmg", y="overall")
    conc = r.table.index[r.table["quadrant"].astype(str) == "concentrate_here"]
    assert f"表现 {r.performance_cut:.3g}，重要性 {r.importance_cut:.3g}" in out
    assert "重点改进：" + "、".join(conc) in out and "继续保持" in out


def _economics(out: str) -> None:
    b = ss.economics.complaints(1000).table.loc["baseline"]
    assert f"留住 {b['retained']:.1f}，流失 {b['lost']:.1f}" in out and "风险价值" in out


def _sensitivity(out: str) -> None:
    t = ss.economics.sensitivity(1000, "resolution_rate", [0.0, 0.5, 1.0]).table
    assert f"流失 {t['lost'].iloc[0]:.1f} → {t['lost'].iloc[-1]:.1f}" in out and "留存率" in out


def _kano(out: str) -> None:
    t = ss.kano.analyze(_csv("kano"), by="segment").table
    n_must = int((t["category"].astype(str) == "must_be").sum())
    assert f"{len(t)} 行属性结果" in out and f"必备质量 {n_must}" in out and "Better" in out


def _kano_warnings(out: str) -> None:
    r = ss.kano.analyze(_csv("kano"), table="pouliot", ci="bootstrap", seed=1)
    assert len(r.warnings) >= 1 and out.count("的回答可疑") == len(r.warnings)  # one line per warning
    share = 100 * r.table["q_share"][r.table["q_warning"]].iloc[0]
    assert f"{share:.1f}% 的回答可疑" in out and "自助法（" in out


def _lifecycle(out: str) -> None:
    j = ss.lifecycle.stages(_csv("journey")).journey.iloc[0]
    assert f"旅程指数 {j['journey']:.1f}" in out and "嘘寒问暖" in out


def _loyalty(out: str) -> None:
    df = _csv("loyalty")
    seg = ss.loyalty.segment("satisfaction", "loyalty", data=df).customers["segment"].astype(str)
    seg = seg[seg != "nan"]
    # the apostle share from its definition: customers in the apostle segment over those segmented
    assert (
        f"传道者 {100 * (seg == 'apostle').sum() / seg.isin(['apostle', 'mercenary', 'hostage', 'defector', 'terrorist']).sum():.1f}%"
        in out
    )
    assert "忠诚度曲线区域" in out


def _moments(out: str) -> None:
    r = ss.standards.moments(_csv("moments"))
    assert f"{len(r.visits)} 次到访，{len(r.moments)} 个真实一刻" in out and "排队等候" in out


def _needs(out: str) -> None:
    df = _csv("visits")
    r = ss.needs.evaluate(df)
    assert f"{len(df)} 次互动" in out and f"有 {int(r.n_missing.sum())} 个缺失值" in out and "等了很久" in out


def _standards(out: str) -> None:
    t = ss.standards.compliance(_csv("visits")).table
    worst = t["share"].min()
    assert f"{100 * worst:.1f}%" in out and "优质标准" in out and "达标率最低" in out


def _time(out: str) -> None:
    t = ss.standards.time_elements(_csv("visits")).table.dropna(subset=["attainment"])
    assert f"{100 * t['attainment'].min():.1f}%" in out and "等候时间" in out and "分钟" in out


def _styles(out: str) -> None:
    counts = ss.styles.classify(_csv("customers")).counts()
    assert f"分析型 {counts['analytical']}" in out and f"{int(counts.sum())} 人（问卷）" in out


def _servqual(out: str) -> None:
    df = _csv("servqual")
    e = df[[f"e_q{i}" for i in range(1, 23)]]
    p = df[[f"p_q{i}" for i in range(1, 23)]]
    r = ss.servqual(e, p)
    assert f"SERVQUAL {r.servqual:+.3f}" in out and f"{len(df)} 位受访者" in out and "容忍区" in out


def _reliability(out: str) -> None:
    r = ss.cronbach_alpha(_csv("servqual")[["p_q1", "p_q2", "p_q3", "p_q4"]])
    assert f"{r.alpha:.4f}" in out and "成列删除" in out


def _interactions(out: str) -> None:
    t = ss.interactions.classify(_csv("interactions")).table
    assert f"{len(t)} 次互动" in out and f"{int((t['n_risks'] > 0).sum())} 次有丢单风险" in out


def _pls(out: str) -> None:
    from servscore.datasets._gen_pls import SYNTAX

    r = ss.PathModel(SYNTAX).fit(_csv("index_survey"))
    assert f"GoF {r.gof:.4f}" in out and "企业形象" in out and "特定间接效应" in out


#: command -> (its arguments after the command name, the tables it reads, the figures checked)
COMMANDS = {
    "drivers": (["driver_survey.csv", "-y", "overall"], ["driver_survey"], _drivers),
    "drivers-prca": (["driver_survey.csv", "-y", "overall", "--method", "penalty_reward"], ["driver_survey"], None),
    "economics": (["1000", "--scenario", "resolution_rate=0.9", "--cost", "1000"], [], _economics),
    "economics-sensitivity": (["1000", "--sensitivity", "resolution_rate=0:1:3"], [], _sensitivity),
    "ipa": (["driver_survey.csv", "-y", "overall"], ["driver_survey"], _ipa),
    "kano": (["kano.csv", "--by", "segment"], ["kano"], _kano),
    "kano-pouliot": (["kano.csv", "--table", "pouliot", "--ci", "bootstrap", "--seed", "1"], ["kano"], _kano_warnings),
    "kano-compare": (["kano.csv", "--by", "segment", "--compare"], ["kano"], _kano),
    "lifecycle": (["journey.csv", "--by", "wave"], ["journey"], None),
    "lifecycle-all": (["journey.csv"], ["journey"], _lifecycle),
    "loyalty": (["loyalty.csv", "--by", "market"], ["loyalty"], _loyalty),
    "moments": (["moments.csv"], ["moments"], _moments),
    "needs": (["visits.csv", "--by", "branch"], ["visits"], _needs),
    "standards": (["visits.csv", "--period", "week"], ["visits"], _standards),
    "standards-time": (["visits.csv", "--time"], ["visits"], _time),
    "styles": (["customers.csv", "--by", "branch"], ["customers"], _styles),
    "servqual": (
        ["servqual.csv", "--weights", "points_", "--zot", "a_", "d_", "z_", "--by", "branch"],
        ["servqual"],
        _servqual,
    ),
    "reliability": (
        ["servqual.csv", "--items", "p_q1", "p_q2", "p_q3", "p_q4", "--item-table"],
        ["servqual"],
        _reliability,
    ),
    "reliability-blocks": (["servqual.csv", "--block", "期望=e_q", "感知=p_q", "--by", "branch"], ["servqual"], None),
    "interactions": (["interactions.csv"], ["interactions"], _interactions),
    "pls": (["index_survey.csv", "--model", "MODEL", "--n-bootstrap", "30", "--seed", "1"], ["index_survey"], _pls),
}


def _argv(case: str, tmp_path: pathlib.Path) -> list[str]:
    args, _, _ = COMMANDS[case]
    out = [case.split("-")[0]]
    for a in args:
        out.append(str(DATA / a) if a.endswith(".csv") else str(_model(tmp_path)) if a == "MODEL" else a)
    return out


@pytest.mark.parametrize("case", sorted(COMMANDS))
def test_every_command_summary_in_chinese(case, capsys, tmp_path):
    """No Latin word of two letters or more in a command's zh output apart from the data's names and the
    allow-list; its headline figures as the API computes them."""
    _, tables, check = COMMANDS[case]
    data = [_csv(t) for t in tables]
    assert main([*_argv(case, tmp_path), "--lang", "en"]) == 0
    assert set(english_left(capsys.readouterr().out, *data)) - CLI_ALLOWED  # the check finds the English words
    assert main([*_argv(case, tmp_path), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    left = english_left(out, *data)
    assert set(left) <= CLI_ALLOWED, left
    if check is not None:
        check(out)


def test_loyalty_zones_in_english_unchanged(capsys):
    """English prints the curve's zone identifiers as before (the zh labels do not leak into English)."""
    zones = ss.loyalty.curve("satisfaction", "loyalty", data=_csv("loyalty"), by="market").zones
    assert main(["loyalty", str(DATA / "loyalty.csv"), "--by", "market"]) == 0
    out = capsys.readouterr().out
    for g, r in zones.iterrows():
        assert f"  {g}: {r['zone']} (loyal below the top box {r['loyal_below']:.2f}," in out


def test_interactions_evaluation_in_chinese(tmp_path, capsys):
    """--evaluate under zh: the evaluation's title, lines and table labels in Chinese, its figures the API's."""
    import json

    from servscore._text_eval import predictions_from_classify

    texts = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "lang": ["en", "en", "zh", "zh"],
            "transcript": [
                "Staff: You're wrong, I already told you the rules.",
                "Staff: Good morning, how can I help?",
                "店员：你错了，我已经说过了。",
                "顾客：谢谢。",
            ],
        }
    )
    src, gold = tmp_path / "texts.csv", tmp_path / "gold.jsonl"
    texts.to_csv(src, index=False)
    recs = [
        {"id": "a", "lang": "en", "lost_sale": ["arguing"]},
        {"id": "b", "lang": "en", "lost_sale": []},
        {"id": "c", "lang": "zh", "lost_sale": ["arguing", "lack_of_courtesy"]},
        {"id": "d", "lang": "zh", "lost_sale": []},
    ]
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    assert main(["interactions", str(src), "--evaluate", str(gold), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    ref = ss.text.evaluate(ss.text.read_labels(gold), predictions_from_classify(ss.interactions.classify(texts).table))
    left = english_left(out.split("\n评估\n", 1)[1], texts)  # the evaluation block
    assert set(left) <= CLI_ALLOWED, left
    assert "4 条文本；评估字段：丢单原因" in out and "微平均 F1" in out
    assert f"{ref.metrics['lost_sale.micro_f1']:.3f}" in out


# ------------------------------------------------------------------ interval headers at the level asked for


@pytest.mark.parametrize(("level", "pct"), [(0.9, "90%"), (0.995, "99.5%")])
def test_nps_interval_headers_name_the_level_asked_for(capsys, level, pct):
    assert main(["nps", str(DATA / "transactions.csv"), "--by", "branch", "--level", str(level), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert f"{pct} 下限" in out and f"{pct} 上限" in out
    assert "95%" not in out


def test_reliability_interval_headers_name_the_level_asked_for(capsys):
    items = ["p_q1", "p_q2", "p_q3", "p_q4"]
    assert main(["reliability", str(DATA / "servqual.csv"), "--items", *items, "--level", "0.8", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "80% 置信下限" in out and "80% 置信上限" in out and "95%" not in out
    assert main(["reliability", str(DATA / "servqual.csv"), "--items", *items, "--lang", "zh"]) == 0
    assert "95% 置信下限" in capsys.readouterr().out  # the default level


def test_label_at_level():
    from servscore.report_labels import at_level, word

    assert word("lower", "zh", level=0.9) == "90% 下限" and word("upper", "en", level=0.995) == "upper 99.5%"
    assert word("lower", "zh") == "95% 下限" and word("mean_lower", "en", level=0.5) == "mean lower 50%"
    assert word("n", "zh", level=0.9) == word("n", "zh")  # labels without a level are unchanged
    with pytest.raises(ss.ConfigError, match="level: 1.5"):
        at_level("95% 下限", 1.5)
