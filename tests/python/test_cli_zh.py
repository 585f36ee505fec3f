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
