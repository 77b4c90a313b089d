"""The store (数据库): one DuckDB file, its schema and migrations, and the one way in and out.

Every query goes through :meth:`Store.query` with bound parameters; every write
goes through :meth:`Store.transaction` under one lock, committed at the end and
rolled back in ``finally`` on any exit (Streamlit stops a script with a
BaseException, so ``except Exception`` would not run).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from core.labels import t

OWNER_ONLY_UMASK = 0o077  # new files 0600, new folders 0700

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "union.duckdb"
ENV_DB = "UNION_DB"

# Kind → table.  Columns live in the frozen migrations below, never in a live dict.
KIND_TABLES: dict[str, str] = {
    "welfare": "welfare",
    "activities": "activities",
    "member_counts": "member_counts",
    "roster": "roster",
    "proposals": "proposals",
    "awards": "awards",
    "budget": "budget",
    "donations": "donations",
    "publicity": "publicity",
}

# Frozen migrations (迁移): literal SQL, applied in order and recorded in schema_migrations.
# Never edit a released entry; add a new one.  Money in 元 as DECIMAL(18,2), counts in 人 / 人次.
MIGRATIONS: list[str] = [
    # 1: the first schema (2026-11, issue 2).
    """
CREATE SEQUENCE batch_seq START 1;
CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    kinds VARCHAR, rows_accepted INTEGER, rows_rejected INTEGER, rows_skipped INTEGER,
    loaded_at TIMESTAMP NOT NULL, partial BOOLEAN NOT NULL, report VARCHAR);
CREATE TABLE rejected_rows (
    batch_id INTEGER NOT NULL, source_file VARCHAR, source_sheet VARCHAR, source_row INTEGER,
    reason VARCHAR, raw VARCHAR);
CREATE TABLE header_mappings (header_key VARCHAR NOT NULL, kind VARCHAR NOT NULL, field VARCHAR NOT NULL);
CREATE TABLE value_mappings (kind VARCHAR NOT NULL, field VARCHAR NOT NULL,
    raw_value VARCHAR NOT NULL, canonical VARCHAR NOT NULL);
CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR);
INSERT INTO meta VALUES ('data_version', '0'), ('demo', 'false');
CREATE TABLE welfare (
    org VARCHAR NOT NULL, date DATE NOT NULL, date_precision VARCHAR, sub_union VARCHAR,
    category VARCHAR, item VARCHAR, recipient VARCHAR, person_times INTEGER,
    amount_yuan DECIMAL(18,2) NOT NULL, handler VARCHAR, note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE activities (
    org VARCHAR NOT NULL, name VARCHAR NOT NULL, start_date DATE NOT NULL, end_date DATE,
    date_precision VARCHAR, organizer VARCHAR, category VARCHAR, participants INTEGER,
    eligible INTEGER, cost_yuan DECIMAL(18,2), note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE member_counts (
    org VARCHAR NOT NULL, sub_union VARCHAR, year INTEGER NOT NULL, members INTEGER NOT NULL,
    female INTEGER, note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE roster (
    org VARCHAR NOT NULL, staff_id VARCHAR, name VARCHAR NOT NULL, gender VARCHAR, birth VARCHAR,
    sub_union VARCHAR, join_date DATE, status VARCHAR, as_of_year INTEGER,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE proposals (
    org VARCHAR NOT NULL, session VARCHAR, session_date DATE, proposal_no VARCHAR,
    title VARCHAR NOT NULL, proposer VARCHAR, seconders INTEGER, category VARCHAR, decision VARCHAR,
    department VARCHAR, status VARCHAR, submit_date DATE, reply_date DATE, satisfaction VARCHAR,
    note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE awards (
    org VARCHAR NOT NULL, year INTEGER NOT NULL, title VARCHAR NOT NULL, level VARCHAR,
    award_type VARCHAR, recipient VARCHAR, sub_union VARCHAR, grantor VARCHAR, grade VARCHAR,
    award_date DATE, date_precision VARCHAR, note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE budget (
    org VARCHAR NOT NULL, year INTEGER NOT NULL, code VARCHAR, subject VARCHAR NOT NULL,
    budget_yuan DECIMAL(18,2), final_yuan DECIMAL(18,2), note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
""",
    # 2: history of acts on personal information (forget, retention, reveal), never naming the person (issue 20).
    """
CREATE SEQUENCE history_seq START 1;
CREATE TABLE history (
    history_id INTEGER PRIMARY KEY DEFAULT nextval('history_seq'), acted_at TIMESTAMP NOT NULL,
    action VARCHAR NOT NULL, detail VARCHAR);
""",
    # 3: one batch per file content (issue 12: two sessions committing the same file at once both
    # passed the duplicate check).  A store that already holds such twins keeps them, renamed, so
    # that the index can be built; removing one in 数据管理 corrects the figures.
    """
UPDATE batches SET sha256 = sha256 || '#' || CAST(batch_id AS VARCHAR)
    WHERE batch_id NOT IN (SELECT min(batch_id) FROM batches GROUP BY sha256);
CREATE UNIQUE INDEX batches_sha256 ON batches (sha256);
""",
    # 4: the year's plan (年度目标, issue 19): one target per period and figure, with a direction.
    # ``figure`` is a key of ``summary --json`` (welfare.total_yuan) or a page rate (参与率).
    """
CREATE TABLE targets (
    period_kind VARCHAR NOT NULL, start_year INTEGER NOT NULL, figure VARCHAR NOT NULL,
    direction VARCHAR NOT NULL, target DOUBLE NOT NULL, set_at TIMESTAMP,
    PRIMARY KEY (period_kind, start_year, figure));
""",
    # 5: accounts and roles (issue 13): users with argon2 password hashes; who did what in history.
    """
CREATE TABLE users (
    name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, org VARCHAR, password_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL, password_changed_at TIMESTAMP);
ALTER TABLE history ADD COLUMN user_name VARCHAR;
ALTER TABLE history ADD COLUMN org VARCHAR;
ALTER TABLE history ADD COLUMN object VARCHAR;
""",
    # 6 (issue 11): a batch keeps its original
    # file and the options it was read with, so that it can be re-imported after a mapping changes;
    # one school written two ways is joined by an alias (别名 → 标准名称), for loaded and later rows.
    """
CREATE TABLE batch_files (batch_id INTEGER PRIMARY KEY, data BLOB NOT NULL, options VARCHAR);
CREATE TABLE org_aliases (alias VARCHAR PRIMARY KEY, name VARCHAR NOT NULL);
""",
    # 7: donation drives (捐款台账) and published items (宣传台账) (issue 18).
    """
CREATE TABLE donations (
    org VARCHAR NOT NULL, date DATE NOT NULL, date_precision VARCHAR, drive VARCHAR, sub_union VARCHAR,
    donor VARCHAR, staff_id VARCHAR, donors INTEGER, amount_yuan DECIMAL(18,2) NOT NULL,
    recipient_org VARCHAR, note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
CREATE TABLE publicity (
    org VARCHAR NOT NULL, date DATE NOT NULL, date_precision VARCHAR, title VARCHAR NOT NULL,
    channel VARCHAR, category VARCHAR, author VARCHAR, sub_union VARCHAR, reads INTEGER, note VARCHAR,
    batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
    source_row INTEGER NOT NULL);
""",
]
SCHEMA_VERSION = len(MIGRATIONS)


def owner_only_files() -> None:
    """From now on this process creates files 0600 and folders 0700 (POSIX; no-op elsewhere).

    Set when a store file opens, so the database, its .wal (which DuckDB creates itself),
    backups, temporary files and command-line exports made afterwards are the owner's only
    (个人信息保护法 Art. 51).  A process-wide umask, because DuckDB creates files we never see.
    """
    if os.name == "posix":
        os.umask(OWNER_ONLY_UMASK)


def make_owner_only(path: str | os.PathLike) -> None:
    """chmod an existing file to 0600 (a folder to 0700) on POSIX; missing paths and foreign files are left."""
    if os.name != "posix":
        return
    p = Path(path)
    with contextlib.suppress(OSError):
        p.chmod(0o700 if p.is_dir() else 0o600)


class StoreBusy(Exception):
    """Another process holds the database file for writing (数据库正忙)."""


class BackupError(Exception):
    """A backup copy did not verify (no file is left at the target)."""


class NotAStore(Exception):
    """The file is missing, is not a DuckDB database, or holds tables of something else (不是本系统的数据库)."""


def resolve_db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database path: ``--db`` if given, else $UNION_DB, else data/union.duckdb."""
    if cli_value:
        return Path(cli_value)
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    return DEFAULT_DB


def quote_ident(name: str) -> str:
    """Quote an identifier for SQL (column names from spreadsheets): "a""b" for a"b."""
    return '"' + str(name).replace('"', '""') + '"'


class Store:
    """One open DuckDB database with the project's schema.

    Thread-safe: each call uses its own cursor; writes are serialised by a lock.
    Raises :class:`StoreBusy` when another process holds the file.
    """

    def __init__(self, path: str | os.PathLike = ":memory:", read_only: bool = False) -> None:
        """Open (read-write: create and migrate) the store at ``path``.

        ``read_only`` opens an existing store for reading only, so that readers share the file
        (ten parallel ``summary`` calls); it raises :class:`NotAStore` for a missing file, a
        file that is not DuckDB, or a database without this product's schema, and never
        creates anything.  Read-write raises :class:`NotAStore` for a database that holds
        other tables but not this schema (a new or empty file becomes a store).
        """
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            owner_only_files()
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if read_only and (self.path == ":memory:" or not Path(self.path).is_file()):
            raise NotAStore(t("db.not_store", path=self.path))
        try:
            self._conn = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as err:
            if "lock" in str(err).lower():
                raise StoreBusy(t("db.busy")) from err
            raise NotAStore(t("db.not_store", path=self.path)) from err
        except duckdb.Error as err:
            raise NotAStore(t("db.not_store", path=self.path)) from err
        if self.path != ":memory:" and not read_only:
            # A store made before this rule (mode 644) becomes the owner's only too.
            make_owner_only(self.path)
            make_owner_only(self.path + ".wal")
        self._write_lock = threading.RLock()
        try:
            if not self._is_store():
                raise NotAStore(t("db.not_store", path=self.path))
            if not read_only:
                self._migrate()
            # Only this process can write while it holds the file (DuckDB's lock), so the version
            # is read once and refreshed after each commit, not queried on every page run.
            self._version = int(self._conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
        except BaseException:
            self._conn.close()
            raise

    def _is_store(self) -> bool:
        """True when the database holds this product's schema, or (read-write only) no table at all."""
        tables = {
            row[0]
            for row in self._conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main'"
            ).fetchall()
        }
        if {"schema_migrations", "meta", "batches"} <= tables:
            return True
        return not self.read_only and not tables

    def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def close(self) -> None:
        """Close the database (checkpointing it)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self._write_lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMP)"
            )
            done = self._conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
            for version, sql in enumerate(MIGRATIONS, start=1):
                if version <= done:
                    continue
                with self.transaction() as cur:
                    cur.execute(sql)
                    cur.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])

    def query(self, sql: str, params: Sequence[object] | dict | None = None) -> pd.DataFrame:
        """Run a read query with bound ``params``; returns a DataFrame."""
        cur = self._conn.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence[object] | dict | None = None) -> object:
        """Run a query returning one value (None when there is no row)."""
        cur = self._conn.cursor()
        try:
            row = cur.execute(sql, params or []).fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: yields a cursor; commits on success, rolls back on any exit.

        The rollback sits in ``finally`` so that a Streamlit rerun (a BaseException)
        or a closed tab cannot leave half a batch behind.
        """
        with self._write_lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN TRANSACTION")
            committed = False
            try:
                yield cur
                cur.execute("COMMIT")
                committed = True
                self._version = int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
            finally:
                if not committed:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                cur.close()

    def backup(self, target: str | os.PathLike) -> Path:
        """Write a consistent, verified copy of the whole database to ``target`` (a new DuckDB file, mode 0600).

        Copies (ATTACH + COPY FROM DATABASE, inside the write lock, so no batch is half in
        the copy) into a hidden temporary file in the same folder, verifies it (it opens, has
        this schema version and the same row count in every table), then links it to
        ``target`` in one step: a kill at any moment leaves no file at ``target`` or a
        complete backup.  Restore: stop the app and put the copy in place of the database
        file (or start with ``UNION_DB=<copy>``).  Raises FileExistsError if ``target``
        exists, BackupError if the copy does not verify.
        """
        target = Path(target).resolve()
        if target.exists():
            raise FileExistsError(str(target))
        owner_only_files()
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with self._write_lock:
                cur = self._conn.cursor()
                try:
                    name = cur.execute("SELECT current_database()").fetchone()[0]
                    literal = "'" + str(temp).replace("'", "''") + "'"  # ATTACH takes no bound parameters
                    cur.execute(f"ATTACH {literal} AS backup_copy (READ_WRITE)")
                    try:
                        cur.execute(f"COPY FROM DATABASE {quote_ident(name)} TO backup_copy")
                    finally:
                        cur.execute("DETACH backup_copy")
                finally:
                    cur.close()
                expected = self._table_counts(self._conn)
            self._verify_copy(temp, expected, self.schema_version())
            # A hard link appears at once and, unlike rename, never replaces a file made meanwhile.
            os.link(temp, target)
            make_owner_only(target)
        finally:
            for leftover in (temp, Path(f"{temp}.wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        return target

    @staticmethod
    def _table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        return {table: conn.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0] for table in tables}

    @staticmethod
    def _verify_copy(path: Path, expected: dict[str, int], expected_version: int) -> None:
        try:
            copy = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as err:
            raise BackupError(t("backup.unverified", reason=str(err))) from err
        try:
            counts = Store._table_counts(copy)
            version = copy.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
        except duckdb.Error as err:
            raise BackupError(t("backup.unverified", reason=str(err))) from err
        finally:
            copy.close()
        if version != expected_version or counts != expected:
            raise BackupError(t("backup.unverified", reason=f"{version}/{expected_version}"))

    def data_version(self) -> int:
        """A number that changes after every load or removal (the cache key of queries)."""
        return self._version

    def bump_version(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Increase the data version inside the caller's transaction."""
        cur.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) WHERE key = 'data_version'")

    def get_meta(self, key: str) -> str | None:
        """A stored setting (meta table) or None."""
        return self.scalar("SELECT value FROM meta WHERE key = ?", [key])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting (meta table)."""
        with self.transaction() as cur:
            cur.execute("DELETE FROM meta WHERE key = ?", [key])
            cur.execute("INSERT INTO meta VALUES (?, ?)", [key, value])

    def insert_frame(self, cur: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame) -> int:
        """Insert typed records of ``kind`` in one statement (no row-by-row inserts).

        ``frame`` holds some of the table's columns (missing ones become NULL).  Returns the
        number of rows written.  Raises ValueError for a column the table lacks (never drops it).
        """
        table = KIND_TABLES[kind]
        known = self.columns(table)
        unknown = [c for c in frame.columns if c not in known]
        if unknown:
            raise ValueError(f"table {table} has no column(s) {unknown}")
        columns = [c for c in known if c in frame.columns]
        cols = ", ".join(quote_ident(c) for c in columns)
        cur.register("incoming_frame", frame[columns])
        try:
            cur.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} FROM incoming_frame")
        finally:
            cur.unregister("incoming_frame")
        return len(frame)

    def columns(self, table: str) -> list[str]:
        """The column names of ``table`` in order."""
        return list(
            self.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            )["column_name"]
        )

    def row_count(self, kind: str) -> int:
        """How many rows the table of ``kind`` holds."""
        return int(self.scalar(f"SELECT count(*) FROM {quote_ident(KIND_TABLES[kind])}"))
