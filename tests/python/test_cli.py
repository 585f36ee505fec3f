import json
import subprocess
import sys

import pandas as pd
import pytest
import servscore as ss
from servscore.cli import main


@pytest.fixture()
def csv(tmp_path):
    path = tmp_path / "enc.csv"
    ss.datasets.sample(seed=5, n_encounters=300).encounters.to_csv(path, index=False)
    return path


def test_encounters_to_stdout(csv, capsys):
    assert main(["encounters", str(csv), "--by", "branch"]) == 0
    out = capsys.readouterr().out
    assert "300 encounters" in out and "Harbour" in out and "top pullers" in out


@pytest.mark.parametrize("ext", ["csv", "json", "jsonl", "parquet"])
def test_encounters_output_formats(csv, tmp_path, ext):
    out = tmp_path / f"scored.{ext}"
    assert main(["encounters", str(csv), "-o", str(out)]) == 0
    if ext == "csv":
        df = pd.read_csv(out)
    elif ext == "parquet":
        df = pd.read_parquet(out)
    else:
        df = pd.read_json(out, lines=(ext == "jsonl"))
    expected = ss.score_encounters(pd.read_csv(csv))
    assert len(df) == 300
    assert df["quadrant"].tolist() == expected["quadrant"].astype(str).tolist()
    assert df["procedural"].to_numpy() == pytest.approx(expected["procedural"].to_numpy(), nan_ok=True)


def test_summary_output_and_config(csv, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"procedural_threshold": 0, "personal_threshold": 0}))
    out = tmp_path / "summary.csv"
    assert main(["encounters", str(csv), "--config", str(cfg), "--summary", "--by", "branch", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["share_quality"].tolist() == pytest.approx([1.0] * 5)  # every side is high at threshold 0


def test_input_formats(csv, tmp_path, capsys):
    df = pd.read_csv(csv)
    for ext in ("parquet", "jsonl"):
        path = tmp_path / f"in.{ext}"
        df.to_parquet(path) if ext == "parquet" else df.to_json(path, orient="records", lines=True)
        assert main(["encounters", str(path)]) == 0
    path = tmp_path / "in.data"
    df.to_csv(path, index=False)
    assert main(["encounters", str(path), "--format", "csv"]) == 0


def test_exit_codes_and_one_line_messages(csv, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    df = pd.read_csv(csv)
    df.loc[6, "tact"] = 9  # the 7th record
    df.to_csv(bad, index=False)
    assert main(["encounters", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert str(bad) in err and "row 7, column 'tact': rating 9 is outside the scale [1, 5]" in err

    assert main(["encounters", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["encounters", str(tmp_path / "x.xlsx")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"min_coverage": 3}')
    assert main(["encounters", str(csv), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert str(cfg) in err and "min_coverage: 3 is out of range" in err
    with pytest.raises(SystemExit) as e:
        main(["encounters"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["no-such-command"])
    assert e.value.code == 2
    nonnum = tmp_path / "nonnum.csv"
    df.loc[6, "tact"] = 3
    df["flow"] = df["flow"].astype(object)
    df.loc[2, "flow"] = "fast"
    df.to_csv(nonnum, index=False)
    assert main(["encounters", str(nonnum)]) == 1
    assert "column 'flow', row 3: value 'fast' is not a number" in capsys.readouterr().err


def test_module_entry_point(csv):
    r = subprocess.run([sys.executable, "-m", "servscore", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and ss.__version__ in r.stdout
    r = subprocess.run([sys.executable, "-m", "servscore", "encounters", str(csv)], capture_output=True, text=True)
    assert r.returncode == 0 and "300 encounters" in r.stdout
