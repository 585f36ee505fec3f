"""Corrupt input files through the command line (issue 19): seeded byte flips and truncations of
real CSV and Parquet files end in exit code 2 and one line on standard error naming the file (or a
result, when the damage leaves a readable table), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from servscore.cli import main

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def _mutants(raw: bytes, seed: int, n: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        b = bytearray(raw)
        if i % 3 == 0:  # truncated
            b = b[: int(rng.integers(1, len(b)))]
        else:  # a few bytes flipped
            for pos in rng.integers(0, len(b), size=int(rng.integers(1, 8))):
                b[pos] ^= int(rng.integers(1, 256))
        out.append(bytes(b))
    return out


def _check(code: int, err: str, path: Path) -> None:
    assert code in (0, 1, 2), code
    if code:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "Traceback" not in err
        assert str(path) in lines[0] or code == 1, lines[0]


@pytest.mark.parametrize("seed", range(4))
def test_mutated_parquet_names_the_file(tmp_path, capsys, seed):
    pytest.importorskip("pyarrow")
    src = tmp_path / "src.parquet"
    pd.read_csv(DATA / "encounters.csv").head(200).to_parquet(src, index=False)
    failures = 0
    for k, raw in enumerate(_mutants(src.read_bytes(), seed, 12)):
        bad = tmp_path / f"m{k}.parquet"
        bad.write_bytes(raw)
        code = main(["encounters", str(bad)])
        err = capsys.readouterr().err
        _check(code, err, bad)
        if code == 2:
            failures += 1
            assert "cannot read it as parquet" in err
    assert failures >= 4  # truncations at least


def test_truncated_parquet_exit_code_and_message(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    src = tmp_path / "t.parquet"
    pd.read_csv(DATA / "encounters.csv").head(50).to_parquet(src, index=False)
    src.write_bytes(src.read_bytes()[:100])
    assert main(["encounters", str(src)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"servscore encounters: {src}: cannot read it as parquet") and "\n" not in err


@pytest.mark.parametrize("seed", range(3))
def test_mutated_csv_names_the_file_or_the_row(tmp_path, capsys, seed):
    raw = (DATA / "encounters.csv").read_bytes()[:20_000]
    for k, m in enumerate(_mutants(raw, 100 + seed, 10)):
        bad = tmp_path / f"m{k}.csv"
        bad.write_bytes(m)
        code = main(["encounters", str(bad)])
        _check(code, capsys.readouterr().err, bad)


def test_report_and_interactions_on_a_corrupt_file(tmp_path):
    pytest.importorskip("pyarrow")
    d = tmp_path / "data"
    d.mkdir()
    pd.read_csv(DATA / "transactions.csv").head(100).to_parquet(d / "transactions.parquet", index=False)
    raw = (d / "transactions.parquet").read_bytes()
    (d / "transactions.parquet").write_bytes(raw[: len(raw) // 2])
    r = subprocess.run(
        [sys.executable, "-m", "servscore", "report", str(d), "-o", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "transactions.parquet: cannot read it as parquet" in r.stderr
    texts = tmp_path / "texts.csv"
    texts.write_bytes(b'id,transcript\n1,\xff\xfe rude \x00\n2,"unclosed\n')
    r = subprocess.run([sys.executable, "-m", "servscore", "interactions", str(texts)], capture_output=True, text=True)
    assert r.returncode in (0, 2) and "Traceback" not in r.stderr
    if r.returncode:
        assert str(texts) in r.stderr and len(r.stderr.strip().splitlines()) == 1
