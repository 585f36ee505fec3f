"""Progress bars on standard error (only on a terminal), Ctrl-C without half-written output, and
the records of the standard ``logging`` logger ``servscore`` (issue 17, item 6)."""

from __future__ import annotations

import io
import logging
import pathlib
import shutil
import sys
import time

import pandas as pd
import pytest
import servscore as ss
from servscore import _progress
from servscore._progress import Progress, progress_iter
from servscore.cli import main, output_file

EXPORTS = pathlib.Path(__file__).resolve().parents[1] / "data" / "exports"


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _automatic_progress():
    was = _progress.get_progress()
    _progress.set_progress(None)
    yield
    _progress.set_progress(was)


def test_bar_on_a_terminal_moves_and_is_erased():
    out = FakeTTY()
    with Progress("bootstrap", total=4, stream=out, delay=0) as bar:
        for _ in range(4):
            bar.update()
        drawn = out.getvalue()
    assert "bootstrap [" + "#" * 7 + " " * 23 + "]  25.0%" in drawn  # int(30 * 1/4) = 7 marks
    assert "bootstrap [" + "#" * 30 + "] 100.0%" in drawn
    last = out.getvalue()[len(drawn) :]  # leaving the block blanks the line and returns the cursor
    assert last.startswith("\r") and last.endswith("\r") and last.strip() == ""


def test_nothing_is_written_to_a_stream_that_is_not_a_terminal():
    out = io.StringIO()
    with Progress("bootstrap", total=3, stream=out, delay=0, interval=0.001) as bar:
        for _ in range(3):
            bar.update()
            time.sleep(0.005)
    assert out.getvalue() == ""
    assert list(progress_iter(range(3), "x", stream=out, delay=0)) == [0, 1, 2]
    assert out.getvalue() == ""


def test_switched_off_and_delayed_bars_write_nothing():
    out = FakeTTY()
    ss.set_progress(False)
    with Progress("a", total=2, stream=out, delay=0) as bar:
        bar.update(2)
    ss.set_progress(None)
    with Progress("b", total=2, stream=out, delay=0, enabled=False) as bar:
        bar.update(2)
    with Progress("c", total=2, stream=out, delay=60) as bar:  # a job shorter than the delay
        bar.update(2)
    assert out.getvalue() == ""


def test_spinner_while_one_long_call_runs_and_ctrl_c_goes_on():
    out = FakeTTY()
    with pytest.raises(KeyboardInterrupt), Progress("lmg", stream=out, delay=0, interval=0.005):
        time.sleep(0.1)  # the ticker thread redraws while the main thread waits
        raise KeyboardInterrupt
    text = out.getvalue()
    frames = [f"lmg {c}    0 s" for c in _progress.SPINNER]
    assert sum(f in text for f in frames) >= 2
    assert text.endswith("\r" + " " * len(frames[0]) + "\r")
    assert _progress.current() is None


def test_output_file_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), output_file(str(target)) as tmp:
        pathlib.Path(tmp).write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    with output_file(str(target)) as tmp:
        pathlib.Path(tmp).write_text("new\n", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.fixture
def nps_csv(tmp_path):
    path = tmp_path / "nps.csv"
    pd.DataFrame({"branch": ["a", "a", "b", "b"], "nps": [10, 9, 0, 7]}).to_csv(path, index=False)
    return path


def test_cli_ctrl_c_while_writing_exits_130_without_output(nps_csv, tmp_path, monkeypatch, capsys):
    def interrupted(self, path, *a, **k):
        pathlib.Path(path).write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    out = tmp_path / "result.csv"
    assert main(["nps", str(nps_csv), "-o", str(out)]) == 130
    assert capsys.readouterr().err == "servscore nps: interrupted (no output written)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nps.csv"]


def test_cli_draws_on_a_terminal_and_not_with_quiet(nps_csv, monkeypatch):
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["nps", str(nps_csv), "--by", "branch"]) == 0
    assert "servscore nps" in tty.getvalue() or "reading nps.csv" in tty.getvalue()
    assert "\r" in tty.getvalue()
    quiet = FakeTTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["nps", str(nps_csv), "--by", "branch", "--quiet"]) == 0
    assert "\r" not in quiet.getvalue()
    assert _progress.get_progress() is None  # --quiet lasts for its command only


def test_cli_progress_words_in_chinese(nps_csv, monkeypatch):
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    try:
        assert main(["nps", str(nps_csv), "--lang", "zh"]) == 0
    finally:
        ss.set_language("en")
    assert "正在读取 nps.csv" in tty.getvalue()


def test_log_records_of_what_was_read_and_assumed(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="servscore")
    assert main(["nps", str(EXPORTS / "csat_semicolon.csv"), "--metric", "csat", "-o", str(tmp_path / "o.csv")]) == 0
    by_logger = {(r.name, r.levelno) for r in caplog.records}
    assert ("servscore.readers", logging.INFO) in by_logger and ("servscore", logging.INFO) in by_logger
    messages = [r.getMessage() for r in caplog.records]
    read = " | ".join(m for r, m in zip(caplog.records, messages) if r.name == "servscore.readers")
    assert "';'" in read or "semicolon" in read  # the delimiter it found
    assert "assumed --column csat (not given)" in messages
    assert f"wrote {tmp_path / 'o.csv'} (1 rows, csv)" in messages


def test_log_record_of_a_skipped_file(tmp_path, caplog):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXPORTS / "nps_bom.csv", folder)
    shutil.copy(EXPORTS / "empty.csv", folder)
    caplog.set_level(logging.INFO, logger="servscore")
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html"), "--quiet"]) == 0
    skipped = [r for r in caplog.records if r.levelno == logging.WARNING and "skipped" in r.getMessage()]
    assert [r.getMessage().split(":")[0] for r in skipped] == [f"skipped {folder / 'empty.csv'}"]


def test_verbose_adds_the_cli_handler_for_the_command_only(nps_csv, capsys):
    logger = logging.getLogger("servscore")
    before = list(logger.handlers)
    assert main(["nps", str(nps_csv), "-v"]) == 0
    err = capsys.readouterr().err
    assert "servscore nps: info: assumed --column nps (not given)" in err.splitlines()
    assert logger.handlers == before
    assert all(isinstance(h, logging.NullHandler) for h in before)  # the library adds no other
    assert main(["nps", str(nps_csv)]) == 0
    assert "info:" not in capsys.readouterr().err


@pytest.fixture
def _english_afterwards():
    yield
    ss.set_language("en")


def test_verbose_log_lines_in_chinese_under_lang_zh(tmp_path, capsys, _english_afterwards):
    src, out = EXPORTS / "csat_semicolon.csv", tmp_path / "o.csv"
    argv = ["nps", str(src), "--metric", "csat", "-o", str(out), "-v", "--lang", "zh"]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    raw = pd.read_csv(src, sep=";")  # the shape the read note gives, read independently
    assert "servscore nps：信息：未指定 --column，取 csat" in err
    assert f"servscore nps：信息：已写入 {out}（{len(pd.read_csv(out))} 行，csv）" in err
    note = [line for line in err if line.startswith("servscore nps：信息：") and " 行 × " in line]
    shape = f"：{len(raw)} 行 × {raw.shape[1] + 2} 列；"  # month and quarter added from the date column
    assert len(note) == 1 and shape in note[0] and "分隔符 ';'" in note[0]
    assert "servscore nps：信息：列 'month' 由 'date' 生成" in err
    assert not [line for line in err if ": info:" in line or "assumed" in line or "wrote" in line]


def test_log_record_of_a_skipped_file_in_chinese(tmp_path, caplog, _english_afterwards):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXPORTS / "nps_bom.csv", folder)
    shutil.copy(EXPORTS / "empty.csv", folder)
    caplog.set_level(logging.INFO, logger="servscore")
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html"), "--quiet", "--lang", "zh"]) == 0
    skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [m.split("：")[0] for m in skipped] == [f"已跳过 {folder / 'empty.csv'}"]
    assert skipped[0].endswith("：文件为空（没有标题行）")  # the reason in Chinese too
