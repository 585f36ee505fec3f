"""Real export files (tests/data/exports, README there): encodings, delimiters, Excel, answer
labels, question-text headers, dates, and the report's "not analysed" list.

Expected figures are computed here by hand from the answers as typed in the files (the
comments show the counts) or by plain numpy on values written out in the test, never by the
reader under test."""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore import labels as sl
from servscore import readers
from servscore.cli import main

EXPORTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "exports"
MAPS = EXPORTS / "maps"


def _nps(scores: list[float], weights: list[float] | None = None) -> float:
    """NPS by its definition: share of 9-10 minus share of 0-6, in points."""
    x = np.asarray(scores, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    return 100 * (w[x >= 9].sum() - w[x <= 6].sum()) / w.sum()


@pytest.mark.parametrize(
    ("name", "encoding", "sep", "shape"),
    [
        ("nps_bom.csv", "utf-8 (BOM)", ",", (10, 8)),  # 6 columns + month, quarter
        ("satisfaction_gbk.csv", "gb18030", ",", (8, 7)),
        ("csat_semicolon.csv", "utf-8", ";", (6, 8)),
        ("kano_unicode.txt", "utf-16-le (BOM)", "\t", (6, 5)),
        ("visits_pipe.csv", "utf-8", "|", (5, 7)),
    ],
)
def test_encoding_and_delimiter_are_detected_and_reported(name, encoding, sep, shape):
    df, rep = ss.read_table(EXPORTS / name)
    assert (rep.encoding, rep.sep, rep.encoding_detected, rep.sep_detected) == (encoding, sep, True, True)
    assert df.shape == shape and (rep.rows, rep.columns) == shape
    assert df.index[0] == 1  # records numbered from 1, as in the CLI's messages
    assert f"encoding {encoding} (detected)" in str(rep)


def test_overrides_win_over_detection():
    df, rep = ss.read_table(EXPORTS / "satisfaction_gbk.csv", encoding="gbk")
    assert rep.encoding == "gbk" and not rep.encoding_detected and df.columns[1] == "提交时间"
    # a wrong delimiter is obeyed: the semicolon file read with commas splits on the decimal commas
    df, rep = ss.read_table(EXPORTS / "csat_semicolon.csv", sep=",")
    assert rep.sep == "," and not rep.sep_detected and df.columns[0] == "id;date;channel;csat;score;staff_friendly"


def test_undecodable_file_names_file_offset_line_and_encodings():
    with pytest.raises(ss.InputError) as e:
        ss.read_table(EXPORTS / "broken.csv")
    msg = str(e.value)
    # b"id,nps\n1,9\n2,\xff10\n": the 0xFF is byte 13, on line 3; invalid in UTF-8 and in GB18030
    assert "broken.csv" in msg and "byte offset 13, line 3" in msg and "tried utf-8, gb18030" in msg
    df, rep = ss.read_table(EXPORTS / "broken.csv", encoding="latin-1")
    assert df["nps"].tolist() == ["9", "ÿ10"] and rep.encoding == "latin-1"
    with pytest.raises(ss.InputError, match="empty.csv: the file is empty"):
        ss.read_table(EXPORTS / "empty.csv")


def test_utf16_without_bom_and_sniffing_with_quotes(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("a\tb\n1\t2\n3\t4\n".encode("utf-16-le"))
    df, rep = ss.read_table(p)
    assert rep.encoding == "utf-16-le" and df.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    assert readers.sniff_sep('q;comment\n1;"a, b, c"\n2;"d, e"\n') == ";"
    assert readers.sniff_sep("a|b|c\n1|2|3\n") == "|"
    assert readers.sniff_sep("one column\nx\ny\n") == ","


def test_nps_from_anchored_answers_weights_and_date_periods():
    df, rep = ss.read_table(EXPORTS / "nps_bom.csv")
    scores = [10, 9, 7, 3, 0, 10, 9, 8, 10, 6]  # as typed, anchors "10 - Extremely likely" / "0 - Not at all likely"
    weights = [1.0, 1.5, 1.0, 0.5, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]
    assert df["NPS"].tolist() == scores and rep.labels == {"NPS": "nps_0_10"}
    assert rep.dates == {"Date": "YYYY/M/D"} and df["Date"].iloc[0] == pd.Timestamp(2024, 3, 5)
    assert df["month"].tolist() == ["2024-03"] * 5 + ["2024-04"] * 5 and set(df["quarter"]) == {"2024Q1", "2024Q2"}
    assert df["Comment"].iloc[0] == "Fast, friendly" and df["Comment"].iloc[5] == "很好"
    overall = ss.nps(df, column="NPS").table.iloc[0]
    assert overall["nps"] == pytest.approx(_nps(scores)) == pytest.approx(20.0)
    weighted = ss.nps(df, column="NPS", weights="Weight").table.iloc[0]
    assert weighted["nps"] == pytest.approx(_nps(scores, weights)) == pytest.approx(100 * 4 / 11)
    by_month = ss.nps(df, column="NPS", by="month").table["nps"]
    assert by_month.to_dict() == pytest.approx({"2024-03": _nps(scores[:5]), "2024-04": _nps(scores[5:])})
    assert by_month.tolist() == pytest.approx([0.0, 40.0])


def test_chinese_satisfaction_and_agreement_labels_in_gbk():
    df, rep = ss.read_table(EXPORTS / "satisfaction_gbk.csv")
    assert rep.labels == {"总体满意度": "satisfaction_zh", "员工很专业": "agreement_zh"}
    # 非常满意 满意 一般 不满意 非常不满意 满意 非常满意 不知道(missing)
    assert df["总体满意度"].tolist()[:7] == [5, 4, 3, 2, 1, 4, 5] and np.isnan(df["总体满意度"].iloc[7])
    assert rep.missing_labels == {"总体满意度": 1}
    assert df["员工很专业"].tolist() == [5, 4, 3, 2, 1, 4, 4, 5]
    c = ss.csat(df, column="总体满意度").table.iloc[0]
    assert c["top_share"] == pytest.approx(4 / 7) and c["mean"] == pytest.approx(24 / 7) and c["n_missing"] == 1
    assert rep.dates == {"提交时间": "YYYY年M月D日"} and df["提交时间"].iloc[-1] == pd.Timestamp(2024, 5, 20)
    assert df["quarter"].tolist() == ["2024Q1"] * 3 + ["2024Q2"] * 5


def test_semicolons_decimal_commas_serial_dates_and_unknown_labels():
    df, rep = ss.read_table(EXPORTS / "csat_semicolon.csv")
    assert df["score"].tolist() == [4.5, 3.5, 2.0, 3.0, 5.0, 1.5] and rep.decimal_comma == ["score"]
    serials = [45356, 45363, 45371, 45384, 45391, 45400]
    expect = [pd.Timestamp(dt.date(1899, 12, 30) + dt.timedelta(days=d)) for d in serials]
    assert df["date"].tolist() == expect and expect[0] == pd.Timestamp(2024, 3, 5)
    assert rep.dates == {"date": "Excel serial days"}
    # five agreement labels and one 'Not asked': left as text, counted and reported, not dropped
    assert rep.unknown_labels == {"staff_friendly": {"Not asked": 1}} and df["staff_friendly"].iloc[5] == "Not asked"
    assert "'Not asked' (1)" in str(rep)
    df, rep = ss.read_table(EXPORTS / "csat_semicolon.csv", labels=MAPS / "staff_labels.json")
    assert df["staff_friendly"].tolist()[:5] == [5, 4, 2, 3, 5] and np.isnan(df["staff_friendly"].iloc[5])
    assert rep.labels["staff_friendly"] == "user map + agreement_en" and rep.missing_labels == {"staff_friendly": 1}
    assert ss.csat(df).table.iloc[0]["top_share"] == pytest.approx(3 / 6)  # 5 4 2 3 5 1


def test_user_label_map_from_csv_and_chinese_nps_anchors():
    df, rep = ss.read_table(EXPORTS / "visits_pipe.csv", labels=MAPS / "ratings.csv")
    assert df["rating"].tolist() == [4, 3, 1, 2, 4] and rep.labels["rating"] == "user map"
    assert df["nps"].tolist() == [10, 9, 0, 8, 10] and rep.labels["nps"] == "nps_0_10"  # 10（极有可能） 0（完全不可能）
    assert ss.nps(df).table.iloc[0]["nps"] == pytest.approx(40.0)
    # a user map that misses a label: the answer becomes missing and is reported, never silently
    df, rep = ss.read_table(EXPORTS / "visits_pipe.csv", labels={"rating": {"Excellent": 4, "Good": 3}})
    assert rep.unknown_labels == {"rating": {"Poor": 1, "Fair": 1}} and df["rating"].isna().sum() == 2
    with pytest.raises(ss.InputError, match="no column 'ratings'"):
        ss.read_table(EXPORTS / "visits_pipe.csv", labels={"ratings": {"Good": 3}})
    _, rep = ss.read_table(EXPORTS / "visits_pipe.csv", labels=None)
    assert rep.labels == {}


KANO_CQM = {  # Berger et al. 1993 evaluation table: (functional, dysfunctional) -> category
    (1, 1): "Q", (1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O",
    (5, 5): "Q", (2, 5): "M", (3, 5): "M", (4, 5): "M",
}  # fmt: skip


def _kano_counts(f: list[int], d: list[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pair in zip(f, d):
        cat = KANO_CQM.get(pair, "R" if pair[0] == 5 or pair[1] == 1 else "I")
        out[cat] = out.get(cat, 0) + 1
    return out


def test_kano_question_headers_and_chinese_answers_in_utf16():
    df, rep = ss.read_table(EXPORTS / "kano_unicode.txt")
    assert rep.renamed["如果提供免费WiFi，您的感受是？"] == "免费WiFi_f"
    assert rep.renamed["如果不提供快速结账，您的感受是？"] == "快速结账_d"
    f_wifi, d_wifi = [1, 1, 3, 1, 1, 2], [4, 3, 3, 5, 4, 4]  # 我喜欢 能忍受 / ... / 喜欢 可以忍受 (variants)
    f_chk, d_chk = [2, 3, 1, 2, 4, 1], [5, 5, 5, 5, 5, 4]
    assert df["免费WiFi_f"].tolist() == f_wifi and df["免费WiFi_d"].tolist() == d_wifi
    assert df["快速结账_f"].tolist() == f_chk and df["快速结账_d"].tolist() == d_chk
    t = ss.kano.analyze(df).table
    for attr, (f, d) in {"免费WiFi": (f_wifi, d_wifi), "快速结账": (f_chk, d_chk)}.items():
        counts = _kano_counts(f, d)
        assert {k: int(t.loc[attr, k]) for k in "AOMIRQ" if t.loc[attr, k]} == counts
        n = sum(counts.values())
        a, o, m = counts.get("A", 0), counts.get("O", 0), counts.get("M", 0)
        assert t.loc[attr, "better"] == pytest.approx((a + o) / n) and t.loc[attr, "worse"] == pytest.approx(
            -(o + m) / n
        )
    assert str(t.loc["免费WiFi", "category"]) == "attractive" and str(t.loc["快速结账", "category"]) == "must_be"
    # a column map names the attributes instead
    df, rep = ss.read_table(EXPORTS / "kano_unicode.txt", columns=MAPS / "kano_columns.json")
    assert list(df.columns) == ["编号", "wifi_f", "wifi_d", "express_checkout_f", "express_checkout_d"]
    assert df["wifi_d"].tolist() == d_wifi
    _, rep = ss.read_table(EXPORTS / "kano_unicode.txt", columns={"如果提供免费WIFI，您的感受是?": "w_f", "nope": "x"})
    assert rep.renamed == {"如果提供免费WiFi，您的感受是？": "w_f"} and rep.not_found == ["nope"]  # case / width folded


def test_kano_question_patterns():
    assert readers.kano_question("如果提供免费WiFi，您的感受是？") == ("免费WiFi", "f")
    assert readers.kano_question("如果没有免费停车，你的感觉如何？") == ("免费停车", "d")
    assert readers.kano_question("If the store offered home delivery, how would you feel?") == ("home_delivery", "f")
    assert readers.kano_question("If the store did not offer home delivery, how would you feel?") == (
        "home_delivery",
        "d",
    )
    assert readers.kano_question("How satisfied are you?") is None


def test_xlsx_first_sheet_named_sheet_and_quarters():
    pytest.importorskip("openpyxl")
    df, rep = ss.read_table(EXPORTS / "survey.xlsx")
    assert rep.sheet == "Responses" and rep.format == "xlsx" and df.shape == (8, 7)
    scores = [9, 10, 4, 8, 10, 6, 9, 7]
    assert df["nps"].tolist() == scores and df["csat"].tolist() == [5, 4, 2, 3, 5, 1, 4, 4]
    assert df["submitted"].iloc[0] == pd.Timestamp(2024, 1, 15)
    q = ss.nps(df, by="quarter").table["nps"]
    assert q.to_dict() == pytest.approx({"2024Q1": _nps(scores[:3]), "2024Q2": _nps(scores[3:7]), "2024Q3": 0.0})
    for sheet in ("Kano", 1):
        k, rep = ss.read_table(EXPORTS / "survey.xlsx", sheet=sheet)
        assert rep.sheet == "Kano" and list(k.columns)[:2] == ["free_wifi_f", "free_wifi_d"]
        assert k["free_wifi_d"].tolist() == [4, 3, 3, 5] and rep.labels["free_wifi_d"] == "kano_en"
    t = ss.kano.analyze(k).table
    assert (
        str(t.loc["free_wifi", "category"]) == "attractive" and str(t.loc["express_checkout", "category"]) == "must_be"
    )
    with pytest.raises(ss.InputError, match="no sheet 'Nope'; sheets: Responses, Kano"):
        ss.read_table(EXPORTS / "survey.xlsx", sheet="Nope")


def test_xlsx_without_openpyxl_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ss.InputError, match=r"survey.xlsx: reading .xlsx needs the optional package openpyxl"):
        ss.read_table(EXPORTS / "survey.xlsx")


def test_ordered_categoricals_read_by_their_order():
    scale = ["poor", "fair", "good", "very good", "excellent"]
    s = pd.Categorical(["good", "excellent", None, "poor"], categories=scale, ordered=True)
    num = pd.Categorical([10, 3, 9], categories=[0, 3, 7, 9, 10], ordered=True)
    df, rep = ss.read_table(pd.DataFrame({"q": s}))
    assert df["q"].tolist()[:2] == [3, 5] and np.isnan(df["q"].iloc[2]) and df["q"].iloc[3] == 1
    assert rep.categoricals == {"q": "category order (codes + 1)"}
    # the engines read them too, without the reader
    assert ss.mean_score(pd.Series(s)).table.iloc[0]["mean"] == pytest.approx((3 + 5 + 1) / 3)
    assert ss.nps(pd.Series(num)).table.iloc[0]["nps"] == pytest.approx(100 * (2 - 1) / 3)


@pytest.mark.parametrize(
    ("values", "name", "codes"),
    [
        (["Very satisfied", "very  SATISFIED", "Neutral", "Very dissatisfied"], "satisfaction_en", [5, 5, 3, 1]),
        (["非常满意", "比较满意", "很不满意"], "satisfaction_zh", [5, 4, 1]),
        (["Strongly agree", "Disagree", "Neither agree nor disagree"], "agreement_en", [5, 2, 3]),
        (["非常同意", "不同意", "一般"], "agreement_zh", [5, 2, 3]),
        (["Somewhat agree", "Agree", "Strongly disagree"], "agreement7_en", [5, 6, 1]),
        (["I like it", "It must be that way", "I am neutral", "I can live with it", "I dislike it"], "kano_en", [1, 2, 3, 4, 5]),
        (["I expect it to be that way", "I\u2019m neutral", "I can tolerate it"], "kano_en", [2, 3, 4]),
        (["我喜欢", "理应如此", "无所谓", "能忍受", "我不喜欢", "可以忍受"], "kano_zh", [1, 2, 3, 4, 5, 4]),
        (["１０ - Extremely likely", "0 = not at all likely", "7", "9分"], "nps_0_10", [10, 0, 7, 9]),
    ],
)  # fmt: skip
def test_builtin_label_sets(values, name, codes):
    det = sl.detect_set(values)
    assert det is not None and det.applied and det.name == name
    assert [det.mapping[v] for v in values] == codes


def test_label_detection_leaves_other_text_alone():
    assert sl.detect_set(["North", "South"]) is None
    assert sl.detect_set(["1", "7", "10"]) is None  # numbers are numbers, not labels
    part = sl.detect_set(["Agree", "Agree", "Strongly agree", "maybe"])
    assert part is not None and not part.applied and part.unknown == {"maybe": 1}
    df, rep = ss.read_table(pd.DataFrame({"branch": ["North", "South"], "id": ["R01", "R02"]}))
    assert rep.labels == {} and not rep.notable() and df["branch"].tolist() == ["North", "South"]


def test_report_from_a_dataframe_with_a_date_column_and_capitalised_names():
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    days = pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05", "2024-02-25"] * 10)
    scores = [10, 9, 3, 8] * 5 + [10, 10, 9, 6] * 5  # January rows first, February rows after
    frame = pd.DataFrame({"Date": days.sort_values(), "NPS": scores, "Weight": 1.0})
    rep = build_report({"survey": frame})
    text = rep.text()
    jan = scores[:20]
    assert "NPS by month: " + f"{_nps(jan):.1f} in 2024-01" in text


def test_cli_reports_what_it_detected(capsys):
    code = main(["nps", str(EXPORTS / "nps_bom.csv"), "--column", "NPS", "--weights", "Weight"])
    out, err = capsys.readouterr()
    assert code == 0 and f"{100 * 4 / 11:.2f}" in out
    assert "read " in err and "encoding utf-8 (BOM) (detected)" in err and "labels: NPS (nps_0_10)" in err
    code = main(["nps", str(EXPORTS / "csat_semicolon.csv"), "--metric", "csat", "--sep", "semicolon"])
    out, err = capsys.readouterr()
    assert code == 0 and "sep ';'" in err and "(detected)" not in err.split("sep ';'")[1][:12]
    assert "warning" in err and "'Not asked' (1)" in err
    code = main(
        [
            "nps",
            str(EXPORTS / "satisfaction_gbk.csv"),
            "--metric",
            "csat",
            "--column",
            "总体满意度",
            "--encoding",
            "gbk",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "encoding gbk," in err and f"{100 * 4 / 7:.2f}" in out


def test_cli_label_and_column_maps_and_undecodable_file(capsys):
    code = main(["kano", str(EXPORTS / "kano_unicode.txt"), "--column-map", str(MAPS / "kano_columns.json")])
    out, err = capsys.readouterr()
    assert code == 0 and "wifi" in out and "express_checkout" in out
    code = main(
        [
            "nps",
            str(EXPORTS / "visits_pipe.csv"),
            "--metric",
            "mean",
            "--column",
            "rating",
            "--labels",
            str(MAPS / "ratings.csv"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "2.80" in out  # 4 3 1 2 4
    code = main(["nps", str(EXPORTS / "broken.csv")])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "broken.csv" in lines[0] and "byte offset 13, line 3" in lines[0]


def test_cli_report_skips_unreadable_files_and_lists_them(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("openpyxl")
    out_html = tmp_path / "r.html"
    code = main(["report", str(EXPORTS), "-o", str(out_html)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "warning: skipped" in err and "broken.csv" in err and "empty.csv" in err
    html = out_html.read_text(encoding="utf-8")
    assert "Not analysed" in html and "broken.csv" in html and "byte offset 13, line 3" in html
    assert "empty.csv: the file is empty" in html
    # survey.xlsx (nps + csat) is the transactional survey; its trend comes from the 'submitted' dates
    assert "NPS 25.0" in out and "NPS by month: 100.0 in 2024-01, 0.0 in 2024-07" in out
    assert "Kano" in out and "免费WiFi" in out  # kano_unicode.txt, from its question-text headers
    # only unreadable files: one line naming the file, exit 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.csv").write_bytes(b"a,b\n\xff\xfe\xfa,1\n")
    code = main(["report", str(bad), "-o", str(tmp_path / "b.html")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "x.csv: cannot decode" in err[0]


def test_waves_from_first_days(tmp_path):
    df, rep = ss.read_table(EXPORTS / "nps_bom.csv", waves={"W1": "2024-03-01", "W2": "2024-03-20"})
    assert df["wave"].tolist() == ["W1"] * 3 + ["W2"] * 7 and rep.periods["wave"] == "Date"
    out = tmp_path / "w.csv"
    args = ["nps", str(EXPORTS / "nps_bom.csv"), "--column", "NPS", "--by", "wave", "--waves", "2024-03-01,2024-04-01"]
    assert main([*args, "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["wave"].tolist() == [1, 2] and table["nps"].tolist() == pytest.approx([0.0, 40.0])
    with pytest.raises(ss.InputError, match="no date column"):
        ss.read_table(EXPORTS / "kano_unicode.txt", waves=["2024-01-01"])


def test_database_tables_get_the_label_and_date_steps(tmp_path, capsys):
    duckdb = pytest.importorskip("duckdb")
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE answers (day DATE, csat VARCHAR)")
    con.execute(
        "INSERT INTO answers VALUES ('2024-03-05', 'Very satisfied'), ('2024-03-09', 'Satisfied'), "
        "('2024-04-02', 'Dissatisfied')"
    )
    con.close()
    out = tmp_path / "c.csv"
    args = ["nps", "--db", f"duckdb:///{db}", "--db-table", "answers", "--metric", "csat", "--by", "month"]
    assert main([*args, "-o", str(out)]) == 0
    table = pd.read_csv(out)  # 5 4 | 2: top-2-box 2/2 in March, 0/1 in April
    assert table["month"].tolist() == ["2024-03", "2024-04"] and table["top_share"].tolist() == [1.0, 0.0]
    assert "labels: csat (satisfaction_en)" in capsys.readouterr().err


def test_engines_point_text_labels_to_the_reader():
    with pytest.raises(
        ss.InputError, match=r"answer labels of the set satisfaction_en: ss.read_table\(data\) maps them"
    ):
        ss.csat(pd.DataFrame({"csat": ["Very satisfied", "Satisfied"]}))
    with pytest.raises(ss.InputError) as e:
        ss.csat(pd.DataFrame({"csat": ["fast", "slow"]}))
    assert "answer labels" not in str(e.value)


def test_cli_report_in_chinese_gives_the_reasons_and_read_notes_in_chinese(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("openpyxl")
    import re

    out_html = tmp_path / "zh.html"
    try:
        code = main(["report", str(EXPORTS), "--lang", "zh", "-o", str(out_html)])
    finally:
        ss.set_language("en")  # main sets the process-wide language
    out, err = capsys.readouterr()
    assert code == 0
    broken = (
        "broken.csv：无法解码文件：已尝试 utf-8、gb18030；utf-8 在字节偏移 13（第 3 行）处失败；"
        "gb18030 在字节偏移 13（第 3 行）处失败；请用 --encoding 指定编码（如 cp1252、big5、shift_jis、latin-1）"
    )
    empty = "empty.csv：文件为空（没有标题行）"
    block = out[out.index("未分析的文件") :].splitlines()
    assert block[2:4] == [f"! {broken}", f"! {empty}"] and "报告已写入" in out
    html = out_html.read_text(encoding="utf-8")
    assert f"<li>{broken}</li>" in html and f"<li>{empty}</li>" in html and "Not analysed" not in html
    assert f"已跳过 {EXPORTS / 'broken.csv'}：无法解码文件" in err and "warning" not in err
    assert "已读取 " + str(EXPORTS / "csat_semicolon.csv") + "：6 行 × 8 列；csv，编码 utf-8（自动检测）" in err
    assert "列 'staff_friendly'：1 个回答的标签未知，例如 'Not asked' (1)；请用 --labels 映射" in err
    # no English words in the reasons and notes apart from names (files, columns, encodings, label sets)
    names = re.compile(
        r"[\w./-]+\.(?:csv|txt|xlsx)|'[^']*'|\w*WiFi\w*|utf-16-le|utf-8|gb18030|cp1252|big5|shift_jis|latin-1|BOM"
        r"|\w+_(?:zh|en|0_10)\b|servscore report|--\w+|pip install \w+|\bcsv\b|\bxlsx\b"
    )
    columns = {"score", "date", "month", "quarter", "csat", "nps", "NPS", "Date", "visit"}  # column names
    for line in [*block[2:4], *err.splitlines()]:
        words = set(re.findall(r"[A-Za-z]{3,}", names.sub("", line)))
        assert words <= columns, (line, words)


def test_reason_texts_in_chinese():
    from servscore.report import reason_text

    assert reason_text("no records (a header only)", "zh") == "没有记录（只有标题行）"
    assert reason_text("no records (a header only)", "en") == "no records (a header only)"
    got = reason_text("not cp1252 text: byte offset 7, line 2 (b'\\x81'): character maps to <undefined>", "zh")
    assert got == "不是 cp1252 文本：字节偏移 7，第 2 行"
    assert reason_text("cannot split it into columns with sep ';': Expected 1 fields", "zh") == "无法用分隔符 ';' 分列"
    assert reason_text("something new", "zh") == "无法读取：something new"
