"""Tables read straight from databases through Arrow: DuckDB and PostgreSQL.

``read_sql(query, con)`` runs one query and returns its result as a pandas DataFrame
(or an Arrow table / polars DataFrame with ``output=``). ``con`` is a URL or an open
connection:

- ``postgresql://user:password@host:port/dbname`` (or ``postgres://``): PostgreSQL through
  ADBC (``pip install adbc-driver-postgresql``, or the ``servscore[postgres]`` extra); the
  result arrives as Arrow record batches from libpq's binary COPY, without a row loop.
- ``duckdb:///path/file.duckdb``, ``duckdb://relative/file.duckdb``, ``duckdb://:memory:``:
  DuckDB (``pip install duckdb``), through its own Arrow export. Files are opened read-only.
- an open ``duckdb`` connection, an ADBC DB-API connection (any ADBC driver), or, as the
  ``query``, a DuckDB relation (``con.sql(...)``).

Values are never written into the SQL text: ``params=`` go to the driver, which binds them
(``$1, $2`` in PostgreSQL; ``?`` or ``$1`` in DuckDB). Errors are :class:`InputError` naming
the database (its URL with the password replaced by ``***``) and the server's message.

Every analysis also takes a DuckDB relation where it takes a DataFrame (it offers an Arrow
stream), so ``ss.nps(con.sql("select nps from answers"), column="nps")`` works as is.

>>> import servscore as ss
>>> df = ss.read_sql("select 10 as nps union all select 3 order by nps", "duckdb://:memory:")
>>> df["nps"].tolist()
[3, 10]
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from ._core import ConfigError, InputError

__all__ = ["list_tables", "read_database", "read_sql", "read_sql_table", "redact_url"]

_PG_SCHEMES = ("postgresql", "postgres")
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
_DEFAULT_SCHEMAS = ("main", "public")
_OUTPUTS = ("pandas", "arrow", "polars")


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs).

    >>> redact_url("postgresql://ana:s3cret@db.example:5432/survey")
    'postgresql://ana:***@db.example:5432/survey'
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # pragma: no cover - urlsplit rejects only odd IPv6 brackets
        return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)
    out = url
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
        out = urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    # libpq also takes password=... as a query parameter
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", out)


def _scheme(url: str) -> str:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in _PG_SCHEMES:
        return "postgresql"
    if scheme == "duckdb":
        return "duckdb"
    raise ConfigError(
        f"{redact_url(url)}: not a database URL; expected postgresql://user@host:port/dbname, "
        "duckdb:///path/file.duckdb or duckdb://:memory:"
    )


def _need(module: str, package: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = "postgres" if "postgres" in package else "duckdb"
        raise ImportError(
            f"{what} needs the package {package}: pip install {package} (or pip install servscore[{extra}])"
        ) from e


class _Db:
    """One open database: the connection, what to call it in messages, and whether we close it."""

    def __init__(self, con: Any) -> None:
        self.owned = False
        if isinstance(con, str):
            self.name = redact_url(con)
            self.kind = _scheme(con)
            self.secret = urlsplit(con).password if "://" in con else None
            self.con = self._open(con)
            self.owned = True
        elif _is_duckdb(con):
            self.kind, self.name, self.secret, self.con = "duckdb", "the DuckDB connection", None, con
        elif hasattr(con, "adbc_get_info") or (hasattr(con, "cursor") and hasattr(con, "adbc_connection")):
            self.kind, self.name, self.secret, self.con = "adbc", "the ADBC connection", None, con
            try:
                vendor = str(con.adbc_get_info().get("vendor_name", ""))
            except Exception:  # noqa: BLE001 - the name is only for messages
                vendor = ""
            if "postgres" in vendor.lower():
                self.kind, self.name = "postgresql", "the PostgreSQL (ADBC) connection"
        else:
            raise InputError(
                "con: expected a database URL (postgresql://..., duckdb://...), a duckdb connection or an "
                f"ADBC connection, got {type(con).__name__}"
            )

    def _open(self, url: str) -> Any:
        if self.kind == "postgresql":
            dbapi = _need("adbc_driver_postgresql.dbapi", "adbc-driver-postgresql", f"reading {self.name}")
            try:
                return dbapi.connect(url)
            except Exception as e:  # noqa: BLE001 - OperationalError etc. of adbc_driver_manager
                raise self.error(e, "cannot connect") from None
        duckdb = _need("duckdb", "duckdb", f"reading {self.name}")
        path = url.split("://", 1)[1]
        if path in ("", ":memory:", "/:memory:"):
            return duckdb.connect(":memory:")
        import os

        if not os.path.exists(path):  # duckdb would create an empty database there
            raise InputError(f"{self.name}: no such DuckDB file {path!r}")
        try:
            return duckdb.connect(path, read_only=True)
        except duckdb.Error as e:
            if "different configuration" in str(e):  # already open read-write in this process
                return duckdb.connect(path)
            raise self.error(e, "cannot open") from None

    def error(self, e: BaseException, what: str = "query failed") -> InputError:
        """An InputError naming this source and the server's message, with the password masked."""
        msg = _server_message(e)
        if self.secret:
            msg = msg.replace(self.secret, "***")
        return InputError(f"{self.name}: {what}: {msg}")

    def close(self) -> None:
        """Close the connection if this source opened it (a connection the caller passed in is left open)."""
        if self.owned:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.con.close()

    def arrow(self, query: str, params: Any = None) -> Any:
        """The query's result as a pyarrow Table."""
        if not isinstance(query, str) or not query.strip():
            raise InputError(f"{self.name}: the query must be SQL text, got {query!r}")
        if params is not None and (isinstance(params, (str, bytes)) or not isinstance(params, (Sequence, Mapping))):
            raise InputError(f"params: expected a list (or a dict for DuckDB's $name), got {type(params).__name__}")
        if self.kind == "duckdb":
            import duckdb

            try:
                rel = self.con.sql(query, params=params)
                if rel is None:
                    raise InputError(f"{self.name}: the query returned no rows to read (not a SELECT?): {query[:200]}")
                return _duckdb_arrow(rel)
            except duckdb.Error as e:
                raise self.error(e) from None
        _need("pyarrow", "pyarrow", f"reading {self.name}")
        try:
            cur = self.con.cursor()
            try:
                if params is None:
                    cur.execute(query)
                else:
                    cur.execute(query, parameters=params)
                return cur.fetch_arrow_table()
            finally:
                cur.close()
        except InputError:
            raise
        except Exception as e:  # noqa: BLE001 - adbc_driver_manager.Error and its subclasses
            if type(e).__module__.split(".")[0] not in ("adbc_driver_manager", "pyarrow"):
                raise
            with contextlib.suppress(Exception):  # a failed statement aborts the transaction: end it
                self.con.rollback()
            raise self.error(e) from None


def _server_message(e: BaseException) -> str:
    """The driver's message in one line: the first line, the DETAIL / HINT lines and the SQLSTATE."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    if not lines:
        return type(e).__name__
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.startswith(("DETAIL", "HINT", "Is the server"))]
    state = re.search(r"SQLSTATE: ?\w+", str(e))
    if state and state.group(0) not in keep[0]:
        keep.append(state.group(0))
    return " ".join(keep)[:1000]


def _is_duckdb(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] in ("duckdb", "_duckdb")


def _duckdb_arrow(rel: Any) -> Any:
    # duckdb >= 1.4: to_arrow_table (arrow() became a RecordBatchReader); older: fetch_arrow_table / arrow
    for name in ("to_arrow_table", "fetch_arrow_table"):
        if hasattr(rel, name):
            return getattr(rel, name)()
    out = rel.arrow()  # pragma: no cover - depends on the duckdb version
    return out.read_all() if hasattr(out, "read_all") else out  # pragma: no cover


def _numbers_as_float(table: Any) -> Any:
    """Decimal and PostgreSQL ``numeric`` columns (Arrow decimals, or ADBC's opaque text) as float64,
    so that the analyses read them as numbers."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        t = field.type
        col = table.column(i)
        if isinstance(t, pa.BaseExtensionType) and getattr(t, "type_name", "") == "numeric":
            storage = pa.chunked_array([c.storage for c in col.chunks], type=t.storage_type)
            table = table.set_column(i, pa.field(field.name, pa.float64()), storage.cast(pa.float64()))
        elif pa.types.is_decimal(t):
            table = table.set_column(i, pa.field(field.name, pa.float64()), col.cast(pa.float64()))
    return table


def _convert(table: Any, output: str) -> Any:
    table = _numbers_as_float(table)
    if output == "arrow":
        return table
    if output == "polars":
        pl = _need("polars", "polars", "output='polars'")
        return pl.from_arrow(table)
    # dates as datetime64 (not Python date objects), so period and trend code sees a date column;
    # integer columns with NULLs become float64 with NaN (missing), as pandas.read_csv gives them
    return table.to_pandas(date_as_object=False)


def _check_output(output: str) -> None:
    if output not in _OUTPUTS:
        raise ConfigError(f"output: expected one of {', '.join(_OUTPUTS)}, got {output!r}")


def read_sql(query: Any, con: Any = None, *, params: Any = None, output: str = "pandas") -> Any:
    """The result of one SQL query as a DataFrame, read through Arrow.

    Parameters
    ----------
    query : str or DuckDB relation
        SQL text, or a DuckDB relation (then ``con`` is not needed).
    con : str or connection
        ``postgresql://user:password@host:port/dbname``, ``duckdb:///path/file.duckdb``,
        ``duckdb://:memory:``, an open duckdb connection or an ADBC DB-API connection.
        A URL is opened for this query and closed after it; a connection is left open.
    params : sequence or mapping, optional
        Values bound by the driver to the query's placeholders (``$1`` in PostgreSQL, ``?``
        or ``$1`` in DuckDB); never written into the SQL.
    output : {"pandas", "arrow", "polars"}
        A pandas DataFrame (default), a pyarrow Table or a polars DataFrame.

    Returns
    -------
    DataFrame or pyarrow.Table
        Integers stay integers (float64 with NaN when they hold NULLs, as ``pandas.read_csv``
        reads them), ``numeric`` / decimals become float64, dates and timestamps datetime64,
        text strings; NULLs are missing values.

    Examples
    --------
    >>> import duckdb, servscore as ss
    >>> con = duckdb.connect()
    >>> _ = con.execute("create table answers as select * from (values (1, 10), (2, 9), (3, 4)) t(id, nps)")
    >>> ss.read_sql("select nps from answers where id >= $1 order by id", con, params=[2])["nps"].tolist()
    [9, 4]
    >>> round(ss.nps(ss.read_sql("select nps from answers", con), column="nps").nps, 1)
    33.3
    """
    _check_output(output)
    if _is_duckdb(query) and not isinstance(query, str):
        import duckdb

        if con is not None or params is not None:
            raise ConfigError("read_sql: a DuckDB relation is already a query; give no con or params with it")
        try:
            return _convert(_duckdb_arrow(query), output)
        except duckdb.Error as e:
            raise InputError(f"the DuckDB relation: {_server_message(e)}") from None
    if con is None:
        raise ConfigError("read_sql: con is required (a database URL or a connection)")
    db = _Db(con)
    try:
        return _convert(db.arrow(query, params), output)
    finally:
        db.close()


def quote_identifier(name: str) -> str:
    """A table name as a quoted SQL identifier (``schema.table`` quoted part by part)."""
    if not isinstance(name, str) or not name or any(not p for p in name.split(".")):
        raise InputError(f"table: expected a table name (or schema.table), got {name!r}")
    return ".".join('"' + p.replace('"', '""') + '"' for p in name.split("."))


def _list(db: _Db) -> list[str]:
    schemas = ", ".join(f"'{s}'" for s in _SYSTEM_SCHEMAS)  # constants, not user values
    q = (
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema not in ({schemas}) and table_schema not like 'pg\\_%' "
        "order by table_schema, table_name"
    )
    if db.kind == "duckdb":
        q = q.replace("where ", "where table_catalog = current_database() and ")
    t = db.arrow(q)
    names = []
    for schema, table in zip(t.column(0).to_pylist(), t.column(1).to_pylist()):
        names.append(str(table) if schema in _DEFAULT_SCHEMAS else f"{schema}.{table}")
    return names


def list_tables(con: Any) -> list[str]:
    """The user tables and views of a database (``schema.table`` outside its default schema).

    >>> import servscore as ss
    >>> ss.sql.list_tables("duckdb://:memory:")
    []
    """
    db = _Db(con)
    try:
        return _list(db)
    finally:
        db.close()


def _resolve(db: _Db, name: str, known: list[str]) -> str:
    """``name`` as listed by the database (a bare name finds ``schema.name`` when it is the only one)."""
    if name in known:
        return name
    matches = [k for k in known if k.split(".")[-1] == name]
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(known[:30]) or "none"
    raise InputError(f"{db.name}: no table {name!r} (tables: {shown})")


def _read_table(db: _Db, name: str, output: str, known: list[str] | None = None) -> Any:
    full = _resolve(db, name, _list(db) if known is None else known)
    return _convert(db.arrow(f"select * from {quote_identifier(full)}"), output)


def read_sql_table(name: str, con: Any, *, output: str = "pandas") -> Any:
    """Every row of one table or view (``name`` or ``schema.name``) as a DataFrame.

    The name is checked against the database's tables and quoted as an identifier.
    """
    _check_output(output)
    db = _Db(con)
    try:
        return _read_table(db, name, output)
    finally:
        db.close()


def read_database(
    con: Any,
    *,
    tables: Sequence[str] | None = None,
    queries: Mapping[str, str] | None = None,
    params: Any = None,
) -> dict[str, pd.DataFrame]:
    """Tables of a database by name, for :func:`servscore.report.build_report`: the named
    ``tables``, the results of ``queries`` (name -> SQL), or every table when neither is given."""
    db = _Db(con)
    try:
        out: dict[str, pd.DataFrame] = {}
        known = _list(db) if tables or not queries else []
        for name in list(tables or ()) if (tables or queries) else known:
            out[name.split(".")[-1]] = _read_table(db, name, "pandas", known)
        for name, q in (queries or {}).items():
            out[name] = _convert(db.arrow(q, params), "pandas")
        if not out:
            raise InputError(f"{db.name}: no tables in the database")
        return out
    finally:
        db.close()


class Source:
    """A database query the CLI reads instead of a file: ``str()`` is its redacted name."""

    def __init__(self, url: str, *, query: str | None = None, table: str | None = None) -> None:
        self.url, self.query, self.table = url, query, table

    def __str__(self) -> str:
        return redact_url(self.url) + (f" table {self.table}" if self.table else "")

    def label(self) -> str:
        """A short name for the report's list of sources (no URL: it may hold a host and user)."""
        kind = _scheme(self.url)
        return f"{self.table} ({kind} table)" if self.table else f"query ({kind})"

    def tables(
        self, *, table: Sequence[str] | None = None, queries: Mapping[str, str] | None = None
    ) -> dict[str, Source]:
        """One Source per table name: ``table`` (names), ``queries`` (name -> SQL), or every table
        of the database when neither is given."""
        names = list(table or ()) if (table or queries) else list_tables(self.url)
        out = {t.split(".")[-1]: Source(self.url, table=t) for t in names}
        for name, q in (queries or {}).items():
            if name in out:
                raise ConfigError(f"--query {name}=...: the name {name!r} is given twice")
            out[name] = Source(self.url, query=q)
        if not out:
            raise InputError(f"{self}: no tables in the database")
        return out

    def read(self) -> pd.DataFrame:
        """Read the table or run the query and return its rows as a DataFrame."""
        if self.table:
            df = read_sql_table(self.table, self.url)
        elif self.query:
            df = read_sql(self.query, self.url)
        else:
            tables = list_tables(self.url)
            if len(tables) != 1:
                raise InputError(
                    f"{self}: give --query SQL or --db-table NAME (tables: {', '.join(tables[:30]) or 'none'})"
                )
            df = read_sql_table(tables[0], self.url)
        df.index = pd.RangeIndex(1, len(df) + 1)  # the CLI numbers records from 1, as for files
        return df


_NAMED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.S)


def named_queries(queries: Sequence[str] | None) -> dict[str, str]:
    """``NAME=SQL`` arguments as name -> SQL; a query without a name is ``query`` (``query2``, ...)."""
    out: dict[str, str] = {}
    for i, q in enumerate(queries or (), start=1):
        m = _NAMED.match(q)
        name, sql = (m.group(1), m.group(2).strip()) if m else ("query" if i == 1 else f"query{i}", q)
        if name in out:
            raise ConfigError(f"--query {name}=...: the name {name!r} is given twice")
        out[name] = sql
    return out
