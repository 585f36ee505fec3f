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
    assert main(["encounters", str(tmp_path / "x.sav")]) == 2  # .xlsx is read (servscore.readers)
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


# ---------------------------------------------------------------- interactions --evaluate


def _labelled(tmp_path):
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
    src = tmp_path / "texts.csv"
    texts.to_csv(src, index=False)
    gold = tmp_path / "gold.jsonl"
    recs = [
        {"id": "a", "lang": "en", "lost_sale": ["arguing"], "style": None},
        {"id": "b", "lang": "en", "lost_sale": [], "style": None},
        {"id": "c", "lang": "zh", "lost_sale": ["arguing", "lack_of_courtesy"], "style": None},
        {"id": "d", "lang": "zh", "lost_sale": [], "style": None},
    ]
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return texts, src, gold


def test_interactions_evaluate(tmp_path, capsys):
    texts, src, gold = _labelled(tmp_path)
    out = tmp_path / "eval.json"
    assert main(["interactions", str(src), "--evaluate", str(gold), "--evaluate-output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 interactions" in printed and "Evaluation" in printed and "micro_f1" in printed
    got = json.loads(out.read_text(encoding="utf-8"))
    # the same as evaluating classify's table in Python
    from servscore._text_eval import predictions_from_classify

    table = ss.interactions.classify(texts).table
    ref = ss.text.evaluate(ss.text.read_labels(gold), predictions_from_classify(table))
    assert got["metrics"]["lost_sale.micro_f1"] == pytest.approx(ref.metrics["lost_sale.micro_f1"])
    assert got["n"] == 4 and got["by"] == "lang" and set(got["fields"]) == {"lost_sale", "style"}
    # the figures themselves, from the risk flags: tp = flagged reasons in the gold set
    flags = [{r for r in ss.LostSaleReason.names() if table.loc[i, f"risk_{r}"]} for i in table.index]
    gold_sets = [{"arguing"}, set(), {"arguing", "lack_of_courtesy"}, set()]
    tp = sum(len(f & g) for f, g in zip(flags, gold_sets))
    assert got["metrics"]["lost_sale.micro_recall"] == pytest.approx(tp / 3)
    # with -o the table is written and the evaluation still printed
    dest = tmp_path / "t.csv"
    assert main(["interactions", str(src), "-o", str(dest), "--evaluate", str(gold)]) == 0
    assert "Evaluation" in capsys.readouterr().out and len(pd.read_csv(dest)) == 4


def test_interactions_evaluate_errors(tmp_path, capsys):
    texts, src, gold = _labelled(tmp_path)
    assert main(["interactions", str(src), "--evaluate-output", str(tmp_path / "x.json")]) == 2
    assert "--evaluate-output needs --evaluate" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "lost_sale": ["arguing"]}\n{"id": "b", "lost_sale": ["shouting"]}\n', encoding="utf-8")
    assert main(["interactions", str(src), "--evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "'shouting'" in err and len(err.strip().splitlines()) == 1
    assert main(["interactions", str(src), "--evaluate", str(gold), "--id", "key"]) == 2
    assert "gold.jsonl: line 1: key 'key': None" in capsys.readouterr().err
    keyed = tmp_path / "keyed.jsonl"
    keyed.write_text('{"key": "a", "lost_sale": []}\n', encoding="utf-8")
    assert main(["interactions", str(src), "--evaluate", str(keyed), "--id", "key"]) == 2
    assert "--id 'key': no such column in the input" in capsys.readouterr().err
    more = tmp_path / "more.jsonl"
    more.write_text(gold.read_text(encoding="utf-8") + '{"id": "zz", "lost_sale": []}\n', encoding="utf-8")
    assert main(["interactions", str(src), "--evaluate", str(more)]) == 1
    assert "no prediction: 'zz'" in capsys.readouterr().err
    # CSV labels: ids read as text, joined with the input's ids
    gcsv = tmp_path / "gold.csv"
    gcsv.write_text("id,lost_sale\n1,arguing\n2,\n", encoding="utf-8")
    num = tmp_path / "num.csv"
    pd.DataFrame({"id": [1, 2], "transcript": ["Staff: you're wrong.", "Staff: hello."]}).to_csv(num, index=False)
    assert main(["interactions", str(num), "--evaluate", str(gcsv)]) == 0


def test_column_options_match_names_up_to_case(tmp_path, capsys):
    """--weights weight finds Weight, --by branch Branch (issue 17): exact names first, then the
    one column equal up to case; several such columns are an error naming them."""
    from pathlib import Path

    exports = Path(__file__).resolve().parents[1] / "data" / "exports"
    out = tmp_path / "nps.csv"
    argv = ["nps", str(exports / "nps_bom.csv"), "--column", "nps", "--weights", "weight", "-o", str(out)]
    assert main(argv) == 0
    # by hand (tests/data/exports/README.md): 100 x (6.5 - 2.5) / 11
    assert pd.read_csv(out)["nps"].tolist() == pytest.approx([400 / 11])
    assert main(["nps", str(exports / "nps_bom.csv"), "--by", "BRANCH", "-o", str(out)]) == 0
    assert sorted(pd.read_csv(out)["Branch"]) == ["North", "South"]
    items = tmp_path / "items.csv"
    pd.DataFrame({"Q1": [1, 2, 3, 4], "q2": [2, 2, 3, 5], "Q3": [1, 3, 3, 4]}).to_csv(items, index=False)
    exact, lower = tmp_path / "exact.csv", tmp_path / "lower.csv"
    assert main(["reliability", str(items), "--items", "Q1", "q2", "Q3", "-o", str(exact)]) == 0
    assert main(["reliability", str(items), "--items", "q1", "Q2", "q3", "-o", str(lower)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(exact), pd.read_csv(lower))
    capsys.readouterr()
    both = tmp_path / "both.csv"
    pd.DataFrame({"nps": [9, 10], "Weight": [1, 2], "WEIGHT": [2, 1]}).to_csv(both, index=False)
    assert main(["nps", str(both), "--weights", "weight"]) == 1
    err = capsys.readouterr().err
    assert "--weights 'weight'" in err and "'Weight', 'WEIGHT'" in err and "both.csv" in err


def test_docs_cli_usage_lines_are_the_help_usage():
    """Each command's usage line in docs/cli.md is what `servscore COMMAND --help` prints."""
    import re
    from pathlib import Path

    from servscore.cli import build_parser

    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    wrong = {}
    for name, parser in sub.choices.items():
        m = re.search(rf"### `{name}`\n\n[^\n]*\n\n```\n(servscore {name} [^\n]*)\n```", text)
        usage = " ".join(parser.format_usage().split()).removeprefix("usage: ")
        if m is None or m.group(1) != usage:
            wrong[name] = usage
    assert wrong == {}
