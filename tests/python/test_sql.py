"""servscore.read_sql / --db: tables read from a real DuckDB file and a real PostgreSQL server.

The PostgreSQL server is started by the ``postgres`` fixture in a temporary directory on a
loopback port (Debian's ``postgresql`` package: initdb + pg_ctl; as root, as the ``postgres``
user, since initdb refuses root) and stopped at the end of the module. The bundled sample tables
are loaded into both databases; every figure read from a database is compared with the same
figure computed from the CSV file, read by pandas. Without a driver package the tests skip,
unless SERVSCORE_REQUIRE_DB=1 (CI), where a missing driver or server is a failure.
"""

from __future__ import annotations

import glob
import importlib
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
REQUIRE = os.environ.get("SERVSCORE_REQUIRE_DB") == "1"
PASSWORD = "pw-s3cret-9"  # trust authentication ignores it; the tests check it never shows
TABLES = ("transactions", "loyalty", "customers")


def _missing(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"SERVSCORE_REQUIRE_DB=1: {reason}")
    pytest.skip(reason)


def _module(name: str, package: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        _missing(f"{package} is not installed (pip install {package})")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


# ---------------------------------------------------------------- servers and files


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server: (URL with a password, bin dir). Stopped at teardown."""
    dbapi = _module("adbc_driver_postgresql.dbapi", "adbc-driver-postgresql")
    bindir = _pg_bin()
    if bindir is None:
        _missing("PostgreSQL server binaries not found (apt-get install postgresql)")
    run_as: list[str] = []
    # as root, in /tmp itself: the postgres user must reach it (TMPDIR may be a private directory)
    base = tempfile.mkdtemp(prefix="servscore-pg-", dir="/tmp" if os.geteuid() == 0 else None)
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            _missing("running as root and there is no 'postgres' user to run the server as")
        os.chown(base, user.pw_uid, user.pw_gid)
        if shutil.which("setpriv"):
            run_as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]
        else:
            run_as = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(base, "data")
    started = time.perf_counter()

    def pg(*cmd: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PGDATA", "PGPORT", "PGHOST")}
        return subprocess.run(run_as + list(cmd), capture_output=True, text=True, timeout=60, cwd=base, env=env)

    init = pg(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "servscore", "-E", "UTF8", "--locale=C", "-N")
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr[-2000:]}")
    port = 0
    for _ in range(5):  # another process may take the free port between the probe and the start
        port = _free_port()
        opts = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=20 -c shared_buffers=16MB"
        )
        start = pg(f"{bindir}/pg_ctl", "-D", data, "-l", f"{base}/log", "-w", "-t", "30", "-s", "-o", opts, "start")
        if start.returncode == 0:
            break
    else:
        log = pathlib.Path(base, "log").read_text(errors="replace")[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {start.stderr[-1000:]} {log}")
    startup = time.perf_counter() - started  # initdb + pg_ctl start: ~1.2 s on an idle 2-core machine
    url = f"postgresql://servscore:{PASSWORD}@127.0.0.1:{port}/postgres"
    try:
        with dbapi.connect(url) as con:
            with con.cursor() as cur:
                for name in TABLES:  # bulk COPY of the CSV as pandas reads it (NaN -> NULL)
                    cur.adbc_ingest(name, _csv(name), mode="create")
                for statement in _statements(TYPES_DDL):
                    cur.execute(statement)
            con.commit()
        yield {"url": url, "port": port, "startup": startup}
    finally:
        pg(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-s", "stop")
        shutil.rmtree(base, ignore_errors=True)


# one table of every type, written as SQL text (not through Arrow): the expected values are these
TYPES_DDL = '''
create table typed (
  id integer, big bigint, small smallint, ratio double precision, share real, amount numeric(8,2),
  label text, code varchar(4), day date, seen timestamp, seen_tz timestamptz, flag boolean);
insert into typed values
  (1, 10000000000, 3, 0.25, 1.5, 12.34, 'Harbour', 'a1', '2026-01-31', '2026-01-31 08:30:00', '2026-01-31 08:30:00+00', true),
  (2, null, null, null, null, null, null, null, null, null, null, null),
  (3, -7, 9, -1e300, 2.5, -0.5, '港口', 'b2', '2024-02-29', '2024-02-29 23:59:59.5', '2024-02-29 23:59:59+08', false);
create table "Odd ""name""" (nps integer);
insert into "Odd ""name""" values (10), (0);
create schema survey;
create table survey.answers (nps integer);
insert into survey.answers values (9), (9), (6);
'''


def _statements(sql: str) -> list[str]:
    return [s for s in sql.split(";\n") if s.strip()]


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory):
    """A DuckDB file with the sample tables, loaded by DuckDB's own CSV reader."""
    duckdb = _module("duckdb", "duckdb")
    path = tmp_path_factory.mktemp("duckdb") / "sample.duckdb"
    con = duckdb.connect(str(path))
    for name in TABLES:
        con.execute(f"create table {name} as select * from read_csv(?)", [str(DATA / f"{name}.csv")])
    for statement in _statements(TYPES_DDL):
        con.execute(statement)
    con.close()
    return path


@pytest.fixture(params=["postgres", "duckdb"])
def db(request):
    """The URL of each database holding the sample tables."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres")["url"]
    return f"duckdb://{request.getfixturevalue('duckdb_file')}"  # duckdb:///tmp/.../sample.duckdb


# ---------------------------------------------------------------- same figures as from the CSV


def test_server_starts_fast(postgres):
    # about 1.2 s when the machine is idle; the bound leaves room for a CI machine busy with other tests
    assert postgres["startup"] < 15.0, f"PostgreSQL took {postgres['startup']:.1f} s to initialise and start"


def test_nps_by_branch_equals_csv(db):
    from_db = ss.nps(ss.read_sql("select branch, nps from transactions", db), column="nps", by="branch")
    from_csv = ss.nps(_csv("transactions"), column="nps", by="branch")
    pd.testing.assert_frame_equal(from_db.to_frame(), from_csv.to_frame())
    assert from_db.to_frame().loc["Airport", "n"] == (_csv("transactions")["branch"] == "Airport").sum()


def test_whole_table_equals_csv(db):
    """Every value of the table, NULLs as NaN; integer columns without NULLs stay integers."""
    got = ss.sql.read_sql_table("customers", db).sort_values("customer_id").reset_index(drop=True)
    want = _csv("customers")
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].dtype.kind == "i"
    for c in want.columns:
        if want[c].dtype.kind == "f":
            np.testing.assert_array_equal(got[c].to_numpy(float), want[c].to_numpy())
        else:
            assert got[c].tolist() == want[c].tolist(), c
    assert int(got["a3"].isna().sum()) == int(want["a3"].isna().sum()) > 0


def test_summary_with_missing_values_equals_csv(db):
    """Cronbach's alpha of items with missing answers (NULL in the database)."""
    items = ["a1", "a2", "a3", "a4", "a5", "a6"]
    got = ss.cronbach_alpha(ss.read_sql(f"select {', '.join(items)} from customers", db))
    want = ss.cronbach_alpha(_csv("customers")[items])
    assert str(got.summary()) == str(want.summary())
    assert got.alpha == want.alpha and got.to_dict() == want.to_dict()


def test_params_are_bound_not_written_into_sql(db):
    q = "select nps from transactions where branch = $1 and nps >= $2"
    got = ss.read_sql(q, db, params=["Airport", 9])
    t = _csv("transactions")
    assert len(got) == ((t["branch"] == "Airport") & (t["nps"] >= 9)).sum() > 0
    # a quote in a value is a value: no row matches, and nothing is executed
    assert len(ss.read_sql(q, db, params=["Airport' or '1'='1", 0])) == 0


# ---------------------------------------------------------------- types


def test_types_survive(db):
    df = ss.read_sql("select * from typed order by id", db)
    assert df["id"].tolist() == [1, 2, 3] and df["id"].dtype.kind == "i"
    assert df["big"].iloc[0] == 10_000_000_000 and np.isnan(df["big"].iloc[1])  # NULL -> NaN
    assert df["ratio"].tolist()[0] == 0.25 and df["ratio"].iloc[2] == -1e300
    assert df["amount"].dtype == np.float64 and df["amount"].tolist()[0] == 12.34  # numeric -> float
    assert df["label"].tolist()[0] == "Harbour" and df["label"].iloc[2] == "港口" and pd.isna(df["label"].iloc[1])
    assert df["day"].dtype.kind == "M" and df["day"].iloc[2] == pd.Timestamp("2024-02-29")
    assert df["seen"].iloc[2] == pd.Timestamp("2024-02-29 23:59:59.5")
    assert df["seen_tz"].iloc[2] == pd.Timestamp("2024-02-29 15:59:59", tz="UTC")
    assert pd.isna(df["day"].iloc[1]) and pd.isna(df["seen"].iloc[1])
    assert df["flag"].iloc[0] is np.True_ or df["flag"].iloc[0] == True  # noqa: E712
    # a NULL answer is counted as missing: NPS of {3 -> detractor, 9 -> promoter}, hand-computed 0
    r = ss.nps(ss.read_sql("select small from typed", db), column="small", scale=(0, 10)).to_frame()
    assert (r["n"].iloc[0], r["n_missing"].iloc[0], r["nps"].iloc[0]) == (2, 1, 0.0)


def test_outputs_arrow_and_polars(db):
    pa = pytest.importorskip("pyarrow")
    t = ss.read_sql("select id, amount from typed order by id", db, output="arrow")
    assert isinstance(t, pa.Table) and t.column("amount").to_pylist() == [12.34, None, -0.5]
    pl = pytest.importorskip("polars")
    p = ss.read_sql("select id, label from typed order by id", db, output="polars")
    assert isinstance(p, pl.DataFrame) and p["label"].to_list() == ["Harbour", None, "港口"]


def test_tables_and_quoted_names(db):
    names = ss.sql.list_tables(db)
    assert set(TABLES) | {"typed", 'Odd "name"', "survey.answers"} <= set(names)
    assert ss.sql.read_sql_table('Odd "name"', db)["nps"].tolist() == [10, 0]
    assert ss.sql.read_sql_table("answers", db)["nps"].tolist() == [9, 9, 6]  # found in its schema
    with pytest.raises(ss.InputError, match=r"no table 'nope' \(tables: .*transactions"):
        ss.sql.read_sql_table("nope", db)


# ---------------------------------------------------------------- connections and relations


def test_open_connections_and_relations(duckdb_file, postgres):
    duckdb = _module("duckdb", "duckdb")
    dbapi = _module("adbc_driver_postgresql.dbapi", "adbc-driver-postgresql")
    want = ss.nps(_csv("transactions"), column="nps").nps
    con = duckdb.connect(str(duckdb_file), read_only=True)
    rel = con.sql("select nps from transactions")
    assert ss.nps(ss.read_sql("select nps from transactions", con), column="nps").nps == want
    assert ss.nps(ss.read_sql(rel), column="nps").nps == want
    assert ss.nps(rel, column="nps").nps == want  # a relation wherever a DataFrame goes
    assert ss.read_sql("select 1 as one", con)["one"].tolist() == [1]  # the connection stays open
    con.close()
    with dbapi.connect(postgres["url"]) as pgcon:
        assert ss.nps(ss.read_sql("select nps from transactions", pgcon), column="nps").nps == want
        with pytest.raises(ss.InputError, match="PostgreSQL"):
            ss.read_sql("select * from nope", pgcon)
        # the failed statement is rolled back: the connection is still usable
        assert ss.read_sql("select $1::int as x", pgcon, params=[4])["x"].tolist() == [4]


# ---------------------------------------------------------------- errors


def test_errors_name_the_url_without_the_password(postgres):
    url = postgres["url"]
    shown = url.replace(PASSWORD, "***")
    with pytest.raises(ss.InputError) as e:
        ss.read_sql("select * from no_such_table", url)
    msg = str(e.value)
    assert msg.startswith(shown) and PASSWORD not in msg
    assert 'relation "no_such_table" does not exist' in msg  # the server's message
    with pytest.raises(ss.InputError) as e:
        ss.read_sql("select 1", url.replace(str(postgres["port"]), str(_free_port())))
    assert "cannot connect" in str(e.value) and PASSWORD not in str(e.value) and ":***@" in str(e.value)
    with pytest.raises(ss.InputError, match="syntax error"):
        ss.read_sql("selec nps from transactions", url)


def test_duckdb_errors(duckdb_file, tmp_path):
    _module("duckdb", "duckdb")
    url = f"duckdb://{duckdb_file}"
    with pytest.raises(ss.InputError, match=r"duckdb://.*sample\.duckdb: query failed: .*nope"):
        ss.read_sql("select * from nope", url)
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(ss.InputError, match="no such DuckDB file"):
        ss.read_sql("select 1", f"duckdb://{missing}")
    assert not missing.exists()  # not created by the attempt
    with pytest.raises(ss.ConfigError, match="not a database URL"):
        ss.read_sql("select 1", "mysql://a:b@host/db")
    with pytest.raises(ss.ConfigError, match="output"):
        ss.read_sql("select 1", "duckdb://:memory:", output="excel")


def test_missing_driver_names_the_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql", None)
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql.dbapi", None)
    with pytest.raises(ImportError, match=r"pip install adbc-driver-postgresql .*servscore\[postgres\]"):
        ss.read_sql("select 1", "postgresql://u:pw@127.0.0.1:1/db")
    assert main(["nps", "--db", "postgresql://u:pw@127.0.0.1:1/db", "--query", "select 1"]) == 2


def test_redact_url():
    assert ss.sql.redact_url("postgresql://ana:p@ss@h:5432/db") == "postgresql://ana:***@h:5432/db"
    assert ss.sql.redact_url("postgresql://ana@h/db?password=x&sslmode=require") == (
        "postgresql://ana@h/db?password=***&sslmode=require"
    )
    assert ss.sql.redact_url("duckdb:///data/x.duckdb") == "duckdb:///data/x.duckdb"


# ---------------------------------------------------------------- command line


def test_cli_query_equals_file(db, capsys):
    assert main(["nps", str(DATA / "transactions.csv"), "--by", "branch"]) == 0
    from_file = capsys.readouterr().out
    assert main(["nps", "--db", db, "--query", "select * from transactions", "--by", "branch"]) == 0
    assert capsys.readouterr().out == from_file
    assert main(["nps", "--db", db, "--db-table", "transactions", "--by", "branch"]) == 0
    assert capsys.readouterr().out == from_file


def test_cli_errors(postgres, capsys):
    url = postgres["url"]
    assert main(["nps", "--db", url, "--query", "select * from nope"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("servscore nps: postgresql://servscore:***@") and PASSWORD not in err
    assert err.count("postgresql://") == 1 and "nope" in err and "\n" not in err
    assert main(["nps", "--db", url]) == 1  # several tables: which one?
    assert "give --query SQL or --db-table NAME" in capsys.readouterr().err
    for argv in (
        ["nps", str(DATA / "transactions.csv"), "--db", url, "--db-table", "t"],  # a file and --db
        ["nps", "--db-table", "transactions"],  # no --db
        ["nps"],  # no input at all
    ):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    err = capsys.readouterr().err
    assert "not both" in err and "give --db URL" in err and "give an input file" in err
    assert "usage: servscore nps" in err


@pytest.fixture(scope="module")
def report_from_files(tmp_path_factory):
    """The text summary of the report on the CSV files (once for both databases)."""
    import contextlib
    import io

    files = [str(DATA / f"{t}.csv") for t in ("transactions", "loyalty")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", *files, "-o", str(tmp_path_factory.mktemp("report") / "files.html")]) == 0
    return out.getvalue().splitlines()[:-1]  # without "report written to ..."


def test_cli_report_from_database_equals_files(db, report_from_files, tmp_path, capsys):
    from_files = report_from_files
    args = ["report", "--db", db, "--table", "transactions", "--query", "loyalty=select * from loyalty"]
    assert main([*args, "-o", str(tmp_path / "db.html")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:-1] == from_files
    html = (tmp_path / "db.html").read_text(encoding="utf-8")
    assert "transactions (" in html and PASSWORD not in html


def test_cli_report_from_database_maps_text_answers(tmp_path, capsys):
    """report --db tables go through the reader's label step, as files do (built-in sets, --labels)."""
    duckdb = _module("duckdb", "duckdb")
    path = tmp_path / "answers.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table survey (nps integer, csat varchar, staff varchar)")
    con.execute(
        "insert into survey values (10, 'Very satisfied', 'Great'), (9, 'Satisfied', 'Good'), "
        "(7, 'Neutral', 'Great'), (3, 'Dissatisfied', 'Poor'), (0, 'Very satisfied', 'Good')"
    )
    con.close()
    labels = tmp_path / "staff.json"
    labels.write_text('{"staff": {"Poor": 1, "Good": 2, "Great": 3}}', encoding="utf-8")
    argv = ["report", "--db", f"duckdb:///{path}", "--table", "survey", "--labels", str(labels)]
    assert main([*argv, "-o", str(tmp_path / "r.html")]) == 0
    out, err = capsys.readouterr()
    # by hand: NPS (2 - 2) / 5 = 0; CSAT 5 4 3 2 5: top-2-box 3/5, mean 19/5
    assert "NPS 0.0 (95% interval" in out
    assert "CSAT (top-2-box) 60.0% [" in out and "mean 3.80 of 5" in out
    assert "csat (satisfaction_en)" in err and "staff (user map)" in err


def test_named_queries():
    assert ss.sql.named_queries(["nps=select * from t where a = 1", "select 2", "x = select 3"]) == {
        "nps": "select * from t where a = 1",
        "query2": "select 2",
        "x": "select 3",
    }
    with pytest.raises(ss.ConfigError, match="twice"):
        ss.sql.named_queries(["a=select 1", "a=select 2"])
