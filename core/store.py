"""The store (数据库): one DuckDB file or one DuckLake, its schema and migrations, and the one way in and out.

Every query goes through :meth:`Store.query` with bound parameters; every write
goes through :meth:`Store.transaction` under one lock, committed at the end and
rolled back in ``finally`` on any exit (Streamlit stops a script with a
BaseException, so ``except Exception`` would not run).

Two backends behind the same class (chosen by :func:`open_store`, see :mod:`core.lake`):

- the embedded file (默认): one DuckDB file, one writing process;
- a DuckLake (数据湖): the catalog in PostgreSQL, the data as Parquet files in a shared folder;
  many processes on many servers read and write one store with snapshot isolation.  The same
  migrations are applied in DuckLake's dialect (:func:`lake_dialect`: no sequences, keys or
  indexes there); writers on every server take one PostgreSQL advisory lock for the length of
  a write transaction, so the SHA-256 duplicate check inside the transaction holds across
  servers as it holds across threads; a commit that DuckLake still refuses as a conflict raises
  :class:`StoreConflict`, which :meth:`Store.retrying` runs again a bounded number of times.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from core.labels import t
from core.lake import LakeConfig, LakeConfigError, LakeStorageError, extension_files, lake_config, use_object_storage

log = logging.getLogger(__name__)
T = TypeVar("T")

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
    # 8 (issue 11): mapping profiles per school (映射方案按学校): a header or value mapping belongs to one
    # school (its standard name) or, with org NULL, to every school; a school's own entries win.
    """
ALTER TABLE header_mappings ADD COLUMN org VARCHAR;
ALTER TABLE value_mappings ADD COLUMN org VARCHAR;
""",
]
SCHEMA_VERSION = len(MIGRATIONS)

# --- the lake (DuckLake) --------------------------------------------------------------------------
LAKE_DB = "lake"  # the attached DuckLake's name in a lake connection (also current_database())
LAKE_LOCK_DB = "lake_lock"  # the catalog attached a second time, for the advisory lock only
LAKE_LOCK_KEY = 7215015  # pg_advisory_xact_lock key of the store's writers (any fixed bigint)
LAKE_LOCK_TIMEOUT_S = 120  # a writer waits at most this long for another server's write (then 数据库正忙)
LAKE_RETRIES = 5  # attempts of a write DuckLake refuses as a conflict (then reported, nothing lost)
LAKE_VERSION_TTL_S = 1.0  # how long the lake's snapshot id, read from the catalog, is trusted (others' writes)
LAKE_CACHE_ENTRIES = 256  # lake: read results kept per snapshot (query and scalar), then forgotten all at once
# A batch's commit leaves the checkpoint to a thread (Store.transaction(checkpoint_later=True)) when its
# write-ahead log holds at least this much; DuckDB's own checkpoint at commit is held off meanwhile.
DEFERRED_CHECKPOINT_THRESHOLD = "1GB"
DEFERRED_CHECKPOINT_MIN_WAL = 1024 * 1024
LAKE_CACHE_ROWS = 2_000  # lake: a query result of more rows is not kept
LAKE_SEQUENCES = "lake_sequences"  # the lake's stand-in for CREATE SEQUENCE: one row (name, last value)
LAKE_ONLY_TABLES = (LAKE_SEQUENCES,)
LAKE_KEEP_HOURS = 1  # lake maintenance: snapshots younger than this stay (a read in flight may use one)
# DuckLake's own attachment of the catalog database (PostgreSQL): read inside a lake transaction, it answers
# at the transaction's snapshot (the catalog tables themselves, not a copy).
LAKE_METADATA_DB = f"__ducklake_metadata_{LAKE_DB}"
LAKE_PURGE_KEY = "purge_pending"  # meta: tables whose erased values still sit in the lake's files (purge_erased)

# A column filled by a sequence by default (history.history_id): the lake fills it on insert.
LAKE_SERIALS: dict[str, tuple[str, str]] = {
    table: (column, sequence)
    for sql in MIGRATIONS
    for table, column, sequence in re.findall(
        r"CREATE TABLE (\w+) \(\s*(\w+) \w+ PRIMARY KEY DEFAULT nextval\('(\w+)'\)", sql
    )
}
_NEXTVAL = re.compile(r"nextval\('(\w+)'\)")
_INSERT_COLUMNS = re.compile(r"^\s*INSERT INTO (\w+) \(([^)]*)\) VALUES \(", re.IGNORECASE)


def lake_dialect(sql: str) -> str:
    """A frozen migration rewritten for DuckLake, which has no sequences, keys, defaults or indexes.

    ``CREATE SEQUENCE s START n`` becomes a row ``(s, n - 1)`` of ``lake_sequences``; ``PRIMARY KEY``
    and ``DEFAULT nextval(...)`` are dropped (the lake cursor fills the column, see
    :data:`LAKE_SERIALS`); ``CREATE UNIQUE INDEX`` is dropped (one file, one batch is kept by the
    cross-server write lock and the check inside the transaction).  Everything else is unchanged.
    """
    sql = re.sub(
        r"CREATE SEQUENCE (\w+) START (\d+);",
        lambda m: f"INSERT INTO {LAKE_SEQUENCES} VALUES ('{m[1]}', {int(m[2]) - 1});",
        sql,
    )
    sql = re.sub(r" DEFAULT nextval\('\w+'\)", "", sql)
    sql = re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", sql)
    sql = sql.replace(" PRIMARY KEY", "")
    return re.sub(r"CREATE UNIQUE INDEX [^;]*;", "", sql)


class _LakeCursor:
    """A write cursor of the lake: ``nextval('s')`` and serial columns are served from ``lake_sequences``.

    Everything else is passed to the DuckDB cursor unchanged; ``execute`` returns this cursor so that
    ``cur.execute(...).fetchone()`` reads as on a DuckDB cursor.
    """

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur

    def execute(self, sql: str, parameters: object = None) -> _LakeCursor:
        match = _INSERT_COLUMNS.match(sql)
        if match and match[1] in LAKE_SERIALS:
            column, sequence = LAKE_SERIALS[match[1]]
            if column not in [c.strip() for c in match[2].split(",")]:
                rest = sql[match.end() :]
                sql = f"INSERT INTO {match[1]} ({column}, {match[2]}) VALUES (nextval('{sequence}'), {rest}"
        sql = _NEXTVAL.sub(lambda m: str(self._next_value(m[1])), sql)
        if parameters is None:
            self._cur.execute(sql)
        else:
            self._cur.execute(sql, parameters)
        return self

    def _next_value(self, sequence: str) -> int:
        self._cur.execute(f"UPDATE {LAKE_SEQUENCES} SET value = value + 1 WHERE name = ?", [sequence])
        row = self._cur.execute(f"SELECT value FROM {LAKE_SEQUENCES} WHERE name = ?", [sequence]).fetchone()
        if row is None:
            raise duckdb.CatalogException(f"Sequence with name {sequence} does not exist!")
        return int(row[0])

    def __getattr__(self, name: str) -> object:
        return getattr(self._cur, name)


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


class StoreConflict(duckdb.TransactionException):
    """DuckLake refused a commit because another server changed the same table meanwhile (写入冲突).

    Nothing of the transaction was written; :meth:`Store.retrying` runs the write again.  A
    subclass of duckdb.TransactionException, so callers that handle a refused commit handle it.
    """


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


def open_store(db: str | os.PathLike | None = None, *, read_only: bool = False) -> Store:
    """The configured store: the file ``db`` when given, else the lake when ``UNION_STORE=ducklake``, else the file.

    The file is ``--db``, else $UNION_DB, else data/union.duckdb (:func:`resolve_db_path`); the lake
    is read from $UNION_STORE / $UNION_LAKE_CATALOG / $UNION_LAKE_DATA or .streamlit/secrets.toml
    (:func:`core.lake.lake_config`).  Raises what :class:`Store` raises, and :class:`NotAStore` for
    an incomplete lake configuration.
    """
    if not db:
        try:
            lake = lake_config()
        except LakeConfigError as err:
            raise NotAStore(t("db.lake_unreachable", where="UNION_STORE", error=str(err))) from err
        if lake is not None:
            return Store(read_only=read_only, lake=lake)
    return Store(resolve_db_path(db), read_only=read_only)


def compact_file(path: str | os.PathLike) -> Path:
    """Rewrite the embedded store at ``path`` as a fresh copy (整理数据库文件), so that no erased value stays in it.

    DuckDB does not overwrite the old bytes of a changed or deleted value: after ``forget``, retention or
    撤销批次 the names stay in the file's free blocks (CHECKPOINT and VACUUM keep them) while the rows no
    longer show them.  A :meth:`Store.backup` copy holds only what the rows hold, so this makes one
    (verified, mode 0600) beside the file and puts it in the file's place.  The store must not be open
    elsewhere: the app holds it (stop it first).  Figures do not change.  Returns the path.  Raises
    :class:`StoreBusy` when another process holds the file, :class:`NotAStore` for a file that is not a
    store, BackupError when the copy does not verify, RuntimeError when DuckDB left a write-ahead log
    behind (nothing replaced).
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise NotAStore(t("db.not_store", path=path))
    temp = path.with_name(f".{path.name}.compact-{os.getpid()}")
    with Store(path) as store:
        store.backup(temp)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():  # a log of the old file would be replayed onto the copy
        temp.unlink()
        raise RuntimeError(t("compact.wal_left", path=wal))
    os.replace(temp, path)
    return path


def copy_into_lake(source: str | os.PathLike, lake: LakeConfig | None = None) -> dict[str, int]:
    """Copy the embedded store at ``source`` into ``lake`` (default: the configured one); returns rows per table.

    The file is first opened as a store (migrated to this version if older), then every table is
    copied in one lake transaction under the write lock of all servers, the lake's sequences
    continue after the file's, and the counts are compared.  The file is left as it was (it can
    serve as the backup of the moment of migration).  Raises :class:`NotAStore` (not a store, or
    no lake configured / reachable), ValueError when the lake already holds batches (nothing is
    copied), :class:`StoreBusy` when the file is held by a running app.
    """
    lake = lake or lake_config()
    if lake is None:
        raise NotAStore(t("lake.not_configured"))
    if not Path(source).is_file():
        raise NotAStore(t("db.not_store", path=source))
    Store(source).close()  # a store, at this schema version
    with Store(lake=lake) as target, target._exclusive():
        batches = int(target.scalar("SELECT count(*) FROM batches"))
        if batches:
            raise ValueError(t("lake.not_empty", batches=batches))
        cur = target._cursor()
        try:
            cur.execute(f"ATTACH {_literal(Path(source).resolve())} AS migrate_source (READ_ONLY)")
            try:
                in_lake = set(Store._tables(cur, LAKE_DB))  # once: each listing is a trip to the catalog
                tables = [
                    name
                    for name in Store._tables(cur, "migrate_source")
                    if name != "schema_migrations" and name in in_lake
                ]
                sequences = cur.execute(
                    "SELECT sequence_name, coalesce(last_value, start_value - 1) FROM duckdb_sequences() "
                    "WHERE database_name = 'migrate_source'"
                ).fetchall()
                cur.execute("BEGIN TRANSACTION")
                counts = {}
                for table in tables:
                    name = quote_ident(table)
                    cur.execute(f"DELETE FROM {LAKE_DB}.main.{name}")
                    cur.execute(f"INSERT INTO {LAKE_DB}.main.{name} BY NAME SELECT * FROM migrate_source.main.{name}")
                    counts[table] = cur.execute(f"SELECT count(*) FROM migrate_source.main.{name}").fetchone()[0]
                for sequence, value in sequences:
                    cur.execute(f"UPDATE {LAKE_SEQUENCES} SET value = ? WHERE name = ?", [int(value), sequence])
                cur.execute("COMMIT")
            finally:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                cur.execute("DETACH migrate_source")
        finally:
            cur.close()
        landed = {table: int(target.scalar(f"SELECT count(*) FROM {quote_ident(table)}")) for table in counts}
        if landed != counts:
            raise ValueError(t("backup.unverified", reason=f"{landed} != {counts}"))
    return counts


def store_is_lake(db: str | os.PathLike | None = None) -> bool:
    """True when :func:`open_store` with this ``db`` would open the lake (no ``--db`` and UNION_STORE=ducklake)."""
    if db:
        return False
    try:
        return lake_config() is not None
    except LakeConfigError:
        return True


def _text_bounds_sql(tables: Sequence[str]) -> str:
    """PostgreSQL: reset the table-level bounds of the text columns of ``tables`` to those of their live files.

    Run in the lake's catalog after a purge (:meth:`Store.purge_erased`), when every row of these tables
    is in a live data file (their inlined rows were flushed, under the write lock).  Bounds compare as
    bytes (COLLATE "C": UTF-8 byte order, DuckDB's order of VARCHAR); a table without a live file gets
    NULL, as a new table has.  Other types keep their bounds (wider than the data is still correct).
    """
    names = ", ".join("'" + name.replace("'", "''") + "'" for name in tables)
    return (
        "UPDATE ducklake_table_column_stats s SET min_value = b.min_value, max_value = b.max_value FROM ("
        'SELECT c.table_id, c.column_id, min(f.min_value COLLATE "C") AS min_value, '
        'max(f.max_value COLLATE "C") AS max_value FROM ducklake_column c '
        "JOIN ducklake_table t ON t.table_id = c.table_id AND t.end_snapshot IS NULL "
        "LEFT JOIN ducklake_data_file d ON d.table_id = c.table_id AND d.end_snapshot IS NULL "
        "LEFT JOIN ducklake_file_column_stats f ON f.data_file_id = d.data_file_id AND f.column_id = c.column_id "
        f"WHERE c.end_snapshot IS NULL AND c.column_type = 'varchar' AND t.table_name IN ({names}) "
        "GROUP BY c.table_id, c.column_id) b WHERE s.table_id = b.table_id AND s.column_id = b.column_id"
    )


def _literal(text: str | os.PathLike) -> str:
    """A SQL string literal (ATTACH and LOAD take no bound parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Quote an identifier for SQL (column names from spreadsheets): "a""b" for a"b."""
    return '"' + str(name).replace('"', '""') + '"'


class Store:
    """One open store (a DuckDB file, or a DuckLake) with the project's schema.

    Thread-safe: each call uses its own cursor; writes are serialised by a lock (in a lake, by a
    lock of every server).  Raises :class:`StoreBusy` when another process holds the file.
    """

    def __init__(
        self, path: str | os.PathLike = ":memory:", read_only: bool = False, *, lake: LakeConfig | None = None
    ) -> None:
        """Open (read-write: create and migrate) the store at ``path``, or the lake ``lake`` when given.

        ``read_only`` opens an existing store for reading only, so that readers share the file
        (ten parallel ``summary`` calls); it raises :class:`NotAStore` for a missing file, a
        file that is not DuckDB, or a database without this product's schema, and never
        creates anything.  Read-write raises :class:`NotAStore` for a database that holds
        other tables but not this schema (a new or empty file becomes a store).

        With ``lake``, the catalog's PostgreSQL must be reachable: :class:`NotAStore` (with
        PostgreSQL's reason) when it is not, or when ``read_only`` finds no store there;
        :class:`StoreBusy` when another server's write holds the lock longer than
        :data:`LAKE_LOCK_TIMEOUT_S` seconds while this one migrates.
        """
        self.lake = lake
        self.read_only = read_only
        self._write_lock = threading.RLock()
        self._lock_depth = 0  # nesting of _exclusive() in this process (the server lock is taken once)
        self._version_snapshot: int | None = None  # lake: the snapshot id at which _version was read
        self._snapshot: int | None = None  # lake: the catalog's last snapshot id, read at _snapshot_read_at
        self._snapshot_read_at = 0.0
        self._generation = 0  # lake: commits of this process (a snapshot read across one is not kept)
        self._readers: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        self._columns: dict[str, tuple[str, ...]] = {}  # lake: table → its columns, read once (see columns)
        self._checkpoints: list[threading.Thread] = []  # a file's checkpoints after batches (insert paths)
        # lake: read results by (kind, sql, params) → (snapshot id, value); valid while the snapshot is current
        self._results: dict[tuple[str, str, str], tuple[int, object]] = {}
        if lake is not None:
            self.path = lake.describe()
            self._conn = self._open_lake(lake, read_only)
            try:
                with self._exclusive():  # two servers opening a new lake at once migrate it once
                    self._attach_lake(lake, read_only)
                    self._check_and_migrate()
            except BaseException:
                self._conn.close()
                raise
            return
        self.path = str(path)
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
        try:
            self._check_and_migrate()
        except BaseException:
            self._conn.close()
            raise

    def _check_and_migrate(self) -> None:
        if not self._is_store():
            raise NotAStore(t("db.not_store", path=self.path))
        if not self.read_only:
            self._migrate()
        # Only this process can write a file while it holds it (DuckDB's lock), so the version
        # is read once and refreshed after each commit, not queried on every page run.  A lake
        # re-reads it when older than LAKE_VERSION_TTL_S (other servers write too).
        if self.lake is not None:
            self._remember_version(self._conn)
        else:
            self._version = int(self._conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
        self._tables_at_open = frozenset(self._tables(self._conn))

    def has_table(self, name: str) -> bool:
        """True when the store had table ``name`` when it was opened (and migrated: tables change only then)."""
        return name in self._tables_at_open

    @staticmethod
    def _open_lake(lake: LakeConfig, read_only: bool) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with the postgres and ducklake extensions loaded by path (and, to write, the lock)."""
        try:
            postgres, ducklake = extension_files()
        except LakeConfigError as err:
            raise NotAStore(t("db.lake_unreachable", where=lake.describe(), error=str(err))) from err
        owner_only_files()  # backups and exports made later (an s3:// data path's objects: the bucket's policy)
        if lake.is_local and not read_only:
            Path(lake.data_path).mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect()
        try:
            conn.execute(f"LOAD {_literal(postgres)}")
            conn.execute(f"LOAD {_literal(ducklake)}")
            if not lake.is_local:
                use_object_storage(conn, lake)  # httpfs by path, a temporary secret for the bucket, one check
            if not read_only:
                conn.execute(f"ATTACH {_literal(lake.catalog)} AS {LAKE_LOCK_DB} (TYPE postgres)")
        except LakeStorageError as err:
            conn.close()
            raise NotAStore(str(err)) from None
        except duckdb.Error as err:
            conn.close()
            raise NotAStore(t("db.lake_unreachable", where=lake.describe(), error=str(err).splitlines()[0])) from err
        return conn

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the store (in a lake, with the lake as its current database: USE is per cursor)."""
        cur = self._conn.cursor()
        if self.lake is not None:
            cur.execute(f"USE {LAKE_DB}")
        return cur

    def _attach_lake(self, lake: LakeConfig, read_only: bool) -> None:
        options = [f"DATA_PATH {_literal(lake.data_path)}"] + (["READ_ONLY"] if read_only else [])
        try:
            source = _literal("ducklake:postgres:" + lake.catalog)
            self._conn.execute(f"ATTACH {source} AS {LAKE_DB} ({', '.join(options)})")
            self._conn.execute(f"USE {LAKE_DB}")
        except duckdb.Error as err:
            raise NotAStore(t("db.lake_unreachable", where=lake.describe(), error=str(err).splitlines()[0])) from err

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the store's write lock: this process's lock, and in a lake the advisory lock of all servers.

        The advisory lock is a PostgreSQL transaction lock (``pg_advisory_xact_lock``) held by a
        transaction of its own on the catalog, so a writer killed at any moment releases it with its
        connection.  Re-entrant within the thread.  Raises :class:`StoreBusy` when another server
        holds it longer than :data:`LAKE_LOCK_TIMEOUT_S` seconds, or the catalog is unreachable.
        """
        with self._write_lock:
            first = self.lake is not None and not self.read_only and self._lock_depth == 0
            lock_cur = None
            if first:
                lock_cur = self._conn.cursor()
                try:
                    lock_cur.execute("BEGIN TRANSACTION")
                    lock_cur.execute(
                        f"CALL postgres_execute('{LAKE_LOCK_DB}', "
                        f"'SET LOCAL lock_timeout = ''{LAKE_LOCK_TIMEOUT_S}s''; "
                        f"SELECT pg_advisory_xact_lock({LAKE_LOCK_KEY})')"
                    )
                except duckdb.Error as err:
                    with contextlib.suppress(duckdb.Error):
                        lock_cur.execute("ROLLBACK")
                    lock_cur.close()
                    raise StoreBusy(t("db.busy")) from err
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if lock_cur is not None:
                    with contextlib.suppress(duckdb.Error):
                        lock_cur.execute("ROLLBACK")
                    lock_cur.close()

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
        if self.lake is not None:  # a lake whose first migration was interrupted is still new
            tables -= {"schema_migrations", *LAKE_ONLY_TABLES}
        return not self.read_only and not tables

    def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def close(self) -> None:
        """Close the database (checkpointing a file; a lake only disconnects)."""
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break
        for checkpoint in self._checkpoints:
            checkpoint.join()
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self._exclusive():
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMP)"
            )
            if self.lake is not None:
                self._conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {LAKE_SEQUENCES} (name VARCHAR NOT NULL, value BIGINT NOT NULL)"
                )
            done = self._conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
            for version, sql in enumerate(MIGRATIONS, start=1):
                if version <= done:
                    continue
                with self.transaction() as cur:
                    cur.execute(sql if self.lake is None else lake_dialect(sql))
                    cur.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
            if done < len(MIGRATIONS) and self.lake is None and self.path != ":memory:":
                # The new schema goes into the file itself now: DuckDB 1.5.5 cannot replay a write-ahead log
                # holding a migration's ALTER TABLE … ADD COLUMN (an internal error on the next open, the
                # store unusable) if the process ends without closing it (killed, power cut).
                self._conn.execute("CHECKPOINT")

    @contextlib.contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one read: a new one on a file; in a lake one from a pool (USE lake costs a catalog trip)."""
        if self.lake is None:
            cur = self._conn.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        try:
            cur = self._readers.get_nowait()
        except queue.Empty:
            cur = self._cursor()
        try:
            yield cur
        except BaseException:
            cur.close()  # a cursor whose read failed or was interrupted is not reused
            raise
        self._readers.put(cur)

    def query(self, sql: str, params: Sequence[object] | dict | None = None) -> pd.DataFrame:
        """Run a read query with bound ``params``; returns a DataFrame.

        In a lake, outside a write, a result of at most :data:`LAKE_CACHE_ROWS` rows read at the
        lake's current snapshot is answered again (a copy) until the snapshot changes (see
        :meth:`_cached_read`): each lake read costs several catalog trips, its answer cannot change
        without a new snapshot.
        """

        def read() -> pd.DataFrame:
            with self._reader() as cur:
                return cur.execute(sql, params or []).df()

        return self._cached_read("query", sql, params, read, lambda f: len(f) <= LAKE_CACHE_ROWS, pd.DataFrame.copy)

    def scalar(self, sql: str, params: Sequence[object] | dict | None = None) -> object:
        """Run a query returning one value (None when there is no row).

        In a lake, outside a write, the value is answered again from memory while the lake's
        snapshot is unchanged (:meth:`_cached_read`; a page asks whether accounts exist on every run).
        """

        def read() -> object:
            with self._reader() as cur:
                row = cur.execute(sql, params or []).fetchone()
            return None if row is None else row[0]

        return self._cached_read("scalar", sql, params, read, lambda _: True, lambda value: value)

    def _cached_read(
        self,
        kind: str,
        sql: str,
        params: object,
        read: Callable[[], T],
        keep: Callable[[T], bool],
        copy: Callable[[T], T],
    ) -> T:
        """``read()``, or in a lake its answer kept from an earlier read at the current snapshot.

        An answer is kept when ``keep(answer)``, as ``copy(answer)``, and handed out as a copy again
        (a caller changing its frame changes nothing kept).

        The snapshot id is the catalog's (:meth:`lake_snapshot`, asked at most every
        :data:`LAKE_VERSION_TTL_S` s), taken before the read, so a kept answer is never older than
        the snapshot it is filed under.  Nothing is kept or answered from memory while this process
        holds the write lock (the duplicate check inside a write must see other servers' commits)
        or on a file (its reads are in-process and cheap).
        """
        if self.lake is not None:
            read = functools.partial(self._read_again_if_gone, read)
        snapshot = self.lake_snapshot() if self._lock_depth == 0 else None
        if snapshot is None:
            return read()
        key = (kind, sql, repr(params))
        hit = self._results.get(key)
        if hit is not None and hit[0] == snapshot:
            return copy(hit[1])
        value = read()
        if keep(value):
            if len(self._results) >= LAKE_CACHE_ENTRIES:
                self._results.clear()
            self._results[key] = (snapshot, copy(value))
        return value

    @staticmethod
    def _read_again_if_gone(read: Callable[[], T]) -> T:
        """Lake: ``read()``, run again (bounded) when a file it needed was deleted meanwhile.

        A read planned at one snapshot may meet a Parquet file that another server's erasure has just
        removed (:meth:`purge_erased` expires every older snapshot and deletes their files at once).
        Run again, the read plans at the newest snapshot, whose files are there.  Other errors, and the
        last attempt's, are raised.
        """
        for attempt in range(1, LAKE_RETRIES + 1):
            try:
                return read()
            except duckdb.IOException as err:  # HTTPException (S3) is one too
                message = str(err).lower()
                gone = any(sign in message for sign in ("no such file", "cannot open file", "404", "not found"))
                if not gone or attempt >= LAKE_RETRIES:
                    raise
                log.warning(
                    "lake read met a file removed by a purge, attempt %d of %d: reading again", attempt, LAKE_RETRIES
                )
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def forget_reads(self) -> None:
        """Forget the lake's kept read results (the next reads ask the lake again); nothing on a file."""
        self._results.clear()

    def lake_snapshot(self) -> int | None:
        """The lake's current snapshot id (it changes with every commit of any server); None for a file.

        Asked of the catalog (one trip, a few ms) when the last answer is older than
        :data:`LAKE_VERSION_TTL_S` seconds; this process's own commits set it at once.
        """
        if self.lake is None:
            return None
        if time.monotonic() - self._snapshot_read_at > LAKE_VERSION_TTL_S:
            generation, started = self._generation, time.monotonic()
            with self._reader() as cur:
                snapshot = int(cur.execute(f"SELECT id FROM {LAKE_DB}.current_snapshot()").fetchone()[0])
            if generation != self._generation:  # a commit of this process meanwhile: its answer is newer
                return snapshot
            self._snapshot, self._snapshot_read_at = snapshot, started
        return self._snapshot

    def _remember_version(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Lake: read the data version and the snapshot id in one statement (one snapshot) and keep both."""
        snapshot, version = cur.execute(
            f"SELECT (SELECT id FROM {LAKE_DB}.current_snapshot()), value FROM meta WHERE key = 'data_version'"
        ).fetchone()
        self._version, self._version_snapshot = int(version), int(snapshot)
        if self._version_snapshot >= (self._snapshot or 0):
            self._snapshot, self._snapshot_read_at = self._version_snapshot, time.monotonic()

    @contextlib.contextmanager
    def transaction(self, *, checkpoint_later: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: yields a cursor; commits on success, rolls back on any exit.

        ``checkpoint_later`` (a batch's rows, insert paths): in a file, the commit returns once the
        write-ahead log is on disk, without the checkpoint DuckDB would run inside it when the log is
        large; the checkpoint follows in a thread under the write lock (:meth:`_checkpoint_soon`).

        The rollback sits in ``finally`` so that a Streamlit rerun (a BaseException)
        or a closed tab cannot leave half a batch behind.  In a lake the transaction holds the
        lock of all servers (:meth:`_exclusive`; :class:`StoreBusy` after
        :data:`LAKE_LOCK_TIMEOUT_S` s) and a commit DuckLake refuses raises :class:`StoreConflict`
        (nothing written; see :meth:`retrying`).
        """
        with self._exclusive():
            cur = self._cursor()
            cur.execute("BEGIN TRANSACTION")
            committed = False
            try:
                yield cur if self.lake is None else _LakeCursor(cur)
                later = checkpoint_later and self.lake is None and self.path != ":memory:"
                try:
                    if later:
                        cur.execute(f"SET checkpoint_threshold = '{DEFERRED_CHECKPOINT_THRESHOLD}'")
                    cur.execute("COMMIT")
                except duckdb.TransactionException as err:
                    if self.lake is not None and "conflict" in str(err).lower():
                        raise StoreConflict(t("db.conflict", error=str(err).splitlines()[-1])) from err
                    raise
                finally:
                    if later:
                        with contextlib.suppress(duckdb.Error):
                            cur.execute("RESET checkpoint_threshold")
                committed = True
                if later:
                    self._checkpoint_soon()
                if self.lake is None:
                    self._version = int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
                else:
                    self._generation += 1
                    self._results.clear()
                    self._remember_version(cur)
            finally:
                if not committed:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                cur.close()

    def _checkpoint_soon(self) -> None:
        """Checkpoint the file in a thread that waits for the write lock (the next write waits for it in turn).

        The committed rows are safe in the write-ahead log meanwhile; :meth:`close` waits for the
        checkpoint.  A log that stays small is left to DuckDB's own checkpoints.
        """
        wal = Path(self.path + ".wal")
        if not wal.exists() or wal.stat().st_size < DEFERRED_CHECKPOINT_MIN_WAL:
            return

        def checkpoint() -> None:
            with self._exclusive(), contextlib.suppress(duckdb.Error):
                cur = self._conn.cursor()
                try:
                    cur.execute("CHECKPOINT")
                finally:
                    cur.close()

        # Called inside a transaction, which holds the lock: the thread starts its checkpoint after it.
        self._checkpoints = [c for c in self._checkpoints if c.is_alive()]
        self._checkpoints.append(threading.Thread(target=checkpoint, name="store-checkpoint", daemon=True))
        self._checkpoints[-1].start()

    def retrying(self, write: Callable[[], T], attempts: int = LAKE_RETRIES) -> T:
        """Run ``write()`` (which opens its own transaction), again when it raises :class:`StoreConflict`.

        At most ``attempts`` runs, with a short random pause (50–150 ms × attempt) between them,
        each logged; the last conflict is raised (nothing of it written), never swallowed.  A file
        store never conflicts, so ``write()`` runs once there.
        """
        for attempt in range(1, attempts + 1):
            try:
                return write()
            except StoreConflict:
                if attempt >= attempts:
                    raise
                log.warning("store write conflict, attempt %d of %d: retrying", attempt, attempts)
                time.sleep(random.uniform(0.05, 0.15) * attempt)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def erasing(self, tables: Iterable[str]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction that removes personal information (删除个人信息) from ``tables``, then the purge.

        ``tables`` is read when the body ends (a set the body adds to is fine).  On a file: exactly
        :meth:`transaction`.  In a lake, UPDATE and DELETE only mark rows deleted:
        the old values stay in the Parquet files (and in rows inlined in the catalog) that older
        snapshots still name, until those files are rewritten and the snapshots expired.  So here
        the transaction also notes ``tables`` in ``meta`` (:data:`LAKE_PURGE_KEY`, committed with the
        erasure itself), and :meth:`purge_erased` runs right after the commit, still under the write
        lock of every server: when the act returns, the values are gone from the files
        (个人信息保护法 第47条: a deletion deletes).  A purge that fails (a kill, a lost catalog)
        leaves the note; the next erasure or ``lake-maintenance`` finishes it.
        """
        with self._exclusive():
            with self.transaction() as cur:
                yield cur
                if self.lake is not None:  # read now: the body may have added the tables it found rows in
                    pending = self._pending_purge(cur) | set(tables)
                    cur.execute("DELETE FROM meta WHERE key = ?", [LAKE_PURGE_KEY])
                    cur.execute("INSERT INTO meta VALUES (?, ?)", [LAKE_PURGE_KEY, ",".join(sorted(pending))])
            self.purge_erased()

    @staticmethod
    def _pending_purge(cur: duckdb.DuckDBPyConnection) -> set[str]:
        row = cur.execute("SELECT value FROM meta WHERE key = ?", [LAKE_PURGE_KEY]).fetchone()
        return {table for table in (row[0] if row and row[0] else "").split(",") if table}

    def purge_erased(self) -> list[str]:
        """Lake: remove the values erased from the tables noted by :meth:`erasing` from every file; returns them.

        Under the write lock of every server, for each noted table:

        1. ``ducklake_flush_inlined_data``: rows inlined in the catalog (small writes, ≤ 10 rows, and
           the new versions of updated rows), deleted ones included, move to a Parquet file with a
           delete file; the inlined rows leave the catalog tables;
        2. ``ducklake_rewrite_data_files(delete_threshold => 0)``: in DuckLake 1.5.5 a threshold of 0
           rewrites every data file of the table that has at least one deleted row (in a delete file
           or an inlined deletion) into a new file without them; files with none are left alone
           (measured: a second call rewrites nothing).  The new files' statistics (min/max, which
           can be a name) are those of the rows they keep;

        then every snapshot but the current one is expired (``ducklake_expire_snapshots`` by id, not
        by clock: no clock skew between servers and the catalog can spare one), the files only they
        named are deleted at once (``ducklake_cleanup_old_files(cleanup_all => true)``), and the note
        is cleared.  Figures do not move: live rows are copied as they are.

        One thing DuckLake 1.5.5 leaves behind: the table-level bounds of a text column
        (``ducklake_table_column_stats`` min/max: a name, when it was the smallest or largest) only
        ever widen, and a table whose files were all dropped (撤销批次 of the roster) keeps them.  They
        are set, in the catalog, to the bounds of the table's live files (what DuckLake computed for
        those files), or NULL (no data) for an empty table (:func:`_text_bounds_sql`).

        Why at once rather than at the next ``lake-maintenance``: the chair expects 删除 to be done
        when the page says so.  The price: another server's read planned at an older snapshot may
        find one of its files gone; :meth:`query` and :meth:`scalar` then read again at the newest
        snapshot (:meth:`_read_again_if_gone`), and a ``backup`` of the lake running meanwhile fails
        (no file is left; run it again).  Old snapshots are not kept for time travel either: the
        app never reads one.  On a file store, or read-only, nothing to do: [].
        """
        if self.lake is None or self.read_only:
            return []
        # Each maintenance function is read to its end (SELECT of its columns, fetchall): measured in
        # 1.5.5, ``SELECT count(*) FROM ducklake_rewrite_data_files(…)`` (or flush, or expire by versions)
        # answers a count and does nothing.
        with self._exclusive():
            cur = self._cursor()
            try:
                tables = sorted(self._pending_purge(cur))
                if not tables:
                    return []
                for table in tables:
                    name = _literal(table)
                    cur.execute(
                        f"SELECT * FROM ducklake_flush_inlined_data('{LAKE_DB}', table_name => {name})"
                    ).fetchall()
                    cur.execute(
                        f"SELECT * FROM ducklake_rewrite_data_files('{LAKE_DB}', {name}, delete_threshold => 0)"
                    ).fetchall()
                current = int(cur.execute(f"SELECT id FROM {LAKE_DB}.current_snapshot()").fetchone()[0])
                older = [
                    int(row[0])
                    for row in cur.execute(
                        f"SELECT snapshot_id FROM ducklake_snapshots('{LAKE_DB}') WHERE snapshot_id < ?", [current]
                    ).fetchall()
                ]
                if older:
                    versions = "[" + ", ".join(map(str, older)) + "]"
                    cur.execute(
                        f"SELECT snapshot_id FROM ducklake_expire_snapshots('{LAKE_DB}', versions => {versions})"
                    ).fetchall()
                cur.execute(f"SELECT path FROM ducklake_cleanup_old_files('{LAKE_DB}', cleanup_all => true)").fetchall()
                cur.execute(f"CALL postgres_execute('{LAKE_LOCK_DB}', {_literal(_text_bounds_sql(tables))})")
                cur.execute("BEGIN TRANSACTION")
                cur.execute("DELETE FROM meta WHERE key = ?", [LAKE_PURGE_KEY])
                cur.execute("COMMIT")
                self._generation += 1
                self._results.clear()
                self._remember_version(cur)
            finally:
                cur.close()
        return tables

    def lake_maintenance(self, keep_hours: float = LAKE_KEEP_HOURS, *, dry_run: bool = False) -> dict[str, int]:
        """数据湖维护: expire old snapshots, delete the files no snapshot needs, delete orphaned files.

        - snapshots older than ``keep_hours`` hours are expired (``ducklake_expire_snapshots``; the app
          never reads an old snapshot, and rows removed or pseudonymised stay in old snapshots until then);
        - the files only they used are deleted (``ducklake_cleanup_old_files``);
        - files in the data folder that no snapshot names — Parquet a writer wrote before it was killed
          inside its transaction — are deleted (``ducklake_delete_orphaned_files``);
        - first, a purge an erasure left unfinished (:meth:`purge_erased`: its note is still in ``meta``)
          is finished.

        All under the write lock of every server (:meth:`_exclusive`): every writer of the store holds
        it for the length of its transaction, so no file of a write in progress can be taken for an
        orphan.  The data folder must hold this lake's files only.  ``dry_run`` counts and deletes
        nothing.  Returns {"snapshots": n, "old_files": n, "orphans": n, "purged": tables purged (dry run:
        tables to purge)}.  Raises :class:`NotAStore` on a file store, :class:`StoreBusy` when another
        server's write holds the lock too long.
        """
        if self.lake is None or self.read_only:
            raise NotAStore(t("lake.not_configured"))
        horizon = f"now() - INTERVAL '{int(keep_hours * 3600)} seconds'"
        dry = "true" if dry_run else "false"
        calls = {
            "snapshots": f"snapshot_id FROM ducklake_expire_snapshots('{LAKE_DB}', dry_run => {dry}, "
            f"older_than => {horizon})",
            "old_files": f"path FROM ducklake_cleanup_old_files('{LAKE_DB}', dry_run => {dry}, cleanup_all => true)",
            "orphans": f"path FROM ducklake_delete_orphaned_files('{LAKE_DB}', dry_run => {dry}, cleanup_all => true)",
        }
        with self._exclusive():
            cur = self._cursor()
            try:
                purged = len(self._pending_purge(cur)) if dry_run else len(self.purge_erased())
                # Read to the end, as in purge_erased (a count(*) over them may do nothing).
                done = {key: len(cur.execute(f"SELECT {q}").fetchall()) for key, q in calls.items()}
            finally:
                cur.close()
        self.forget_reads()
        return {**done, "purged": purged}

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
            copy = self._copy_lake_to_file if self.lake is not None else self._copy_file_to_file
            expected = copy(temp)
            self._verify_copy(temp, expected, self.schema_version())
            # A hard link appears at once and, unlike rename, never replaces a file made meanwhile.
            os.link(temp, target)
            make_owner_only(target)
        finally:
            for leftover in (temp, Path(f"{temp}.wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        return target

    def _copy_file_to_file(self, path: Path) -> dict[str, int]:
        """COPY FROM DATABASE of this file store into a new DuckDB file at ``path``; rows per table copied."""
        with self._write_lock:
            cur = self._cursor()
            try:
                name = cur.execute("SELECT current_database()").fetchone()[0]
                literal = "'" + str(path).replace("'", "''") + "'"  # ATTACH takes no bound parameters
                cur.execute(f"ATTACH {literal} AS backup_copy (READ_WRITE)")
                try:
                    cur.execute(f"COPY FROM DATABASE {quote_ident(name)} TO backup_copy")
                finally:
                    cur.execute("DETACH backup_copy")
            finally:
                cur.close()
            return self._table_counts(self._conn)

    def _copy_lake_to_file(self, path: Path) -> dict[str, int]:
        """Copy one snapshot of the lake into a new embedded store at ``path``; returns the row counts copied.

        The file gets the embedded schema (the frozen migrations, with sequences and keys), then every
        table's rows, read in one transaction (one DuckLake snapshot: whole batches only), and its
        sequences continue after the lake's.
        """
        Store(path).close()  # the embedded schema, owner-only
        cur = self._cursor()
        try:
            cur.execute(f"ATTACH {_literal(path)} AS backup_copy (READ_WRITE)")
            try:
                cur.execute("BEGIN TRANSACTION")
                tables = [t for t in self._tables(cur, LAKE_DB) if t not in LAKE_ONLY_TABLES]
                counts = {}
                for table in tables:
                    name = quote_ident(table)
                    cur.execute(f"DELETE FROM backup_copy.main.{name}")
                    cur.execute(f"INSERT INTO backup_copy.main.{name} BY NAME SELECT * FROM {LAKE_DB}.main.{name}")
                    counts[table] = cur.execute(f"SELECT count(*) FROM {LAKE_DB}.main.{name}").fetchone()[0]
                sequences = cur.execute(f"SELECT name, value FROM {LAKE_DB}.main.{LAKE_SEQUENCES}").fetchall()
                cur.execute("COMMIT")
            finally:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                cur.execute("DETACH backup_copy")
        finally:
            cur.close()
        copy = duckdb.connect(str(path))
        try:
            for name, value in sequences:
                last = copy.execute(
                    "SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() WHERE sequence_name = ?",
                    [name],
                ).fetchone()
                if last is not None and int(value) > int(last[0]):
                    copy.execute(f"SELECT max(nextval('{name}')) FROM range(?)", [int(value) - int(last[0])]).fetchall()
        finally:
            copy.close()
        return counts

    @staticmethod
    def _tables(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
        """The tables of ``catalog`` (default: the current database), schema main, sorted."""
        where = "current_database()" if catalog is None else _literal(catalog)
        return [
            row[0]
            for row in conn.execute(
                f"SELECT table_name FROM information_schema.tables WHERE table_catalog = {where} "
                "AND table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]

    @staticmethod
    def _table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
        tables = [t for t in Store._tables(conn) if t not in LAKE_ONLY_TABLES]
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
        """A number that changes after every load or removal (the cache key of queries).

        In a lake, other servers write too: the lake's snapshot id is asked of the catalog when the last
        answer is older than :data:`LAKE_VERSION_TTL_S` seconds (one cheap trip), and the number is read
        again only when the snapshot changed, so their batches show within about a second.
        """
        if self.lake is not None:
            snapshot = self.lake_snapshot()
            if snapshot != self._version_snapshot:
                with self._reader() as cur:
                    self._remember_version(cur)
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

    def insert_frame(self, cur: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame | pa.Table) -> int:
        """Insert typed records of ``kind`` in one statement (no row-by-row inserts).

        ``frame`` (a DataFrame, or an Arrow table, which DuckDB scans without a conversion) holds some
        of the table's columns (missing ones become NULL).  Returns the number of rows written.
        Raises ValueError for a column the table lacks (never drops it).
        """
        table = KIND_TABLES[kind]
        known = self.columns(table)
        names = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
        unknown = [c for c in names if c not in known]
        if unknown:
            raise ValueError(f"table {table} has no column(s) {unknown}")
        columns = [c for c in known if c in names]
        cols = ", ".join(quote_ident(c) for c in columns)
        cur.register("incoming_frame", frame.select(columns) if isinstance(frame, pa.Table) else frame[columns])
        # One thread: a sheet's rows (≤ 300,000, a few row groups) gain nothing from DuckDB's workers, whose
        # hand-offs cost more than the copy on a busy machine (100,000 rows into a file: 0.2 s wall and
        # 0.07 s CPU against 0.9 s and 0.23 s with two; into a lake's Parquet file: 0.38 s and 0.09 s CPU
        # against 0.60 s and 0.16 s).  The setting is the database's: a page reading meanwhile runs on
        # one thread for that moment.
        threads = cur.execute("SELECT current_setting('threads')").fetchone()[0]
        try:
            cur.execute("SET threads = 1")
            cur.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} FROM incoming_frame")
        finally:
            cur.execute(f"SET threads = {int(threads)}")
            cur.unregister("incoming_frame")
        return len(frame)

    def tables_with_rows(self, cur: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[str]:
        """Of ``tables``, those that may hold committed rows (inside the caller's write transaction ``cur``).

        A file: all of them (reading an empty table costs nothing there).  A lake: those DuckLake has ever
        given a row id (``ducklake_table_stats.next_row_id``, which only grows: a table that holds a row has
        one), asked of the catalog in one trip; reading an empty table of the lake costs ~15 catalog trips.
        Rows the caller's own transaction wrote are not counted.
        """
        tables = list(tables)
        if self.lake is None:
            return tables
        meta = f"{LAKE_METADATA_DB}.public"
        written = {
            row[0]
            for row in cur.execute(
                f"SELECT t.table_name FROM {meta}.ducklake_table t "
                f"JOIN {meta}.ducklake_schema s ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL "
                f"JOIN {meta}.ducklake_table_stats st ON st.table_id = t.table_id "
                "WHERE t.end_snapshot IS NULL AND s.schema_name = 'main' AND st.next_row_id > 0"
            ).fetchall()
        }
        return [table for table in tables if table in written]

    def columns(self, table: str) -> list[str]:
        """The column names of ``table`` in order.

        A lake's are read once per table and kept: its tables change only when it is migrated, which a
        process does when it opens the store; asked of information_schema during a write (no kept reads
        there), they cost ~10 catalog trips of each batch's commit.
        """
        kept = self._columns.get(table)
        if kept is not None:
            return list(kept)
        names = list(
            self.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_catalog = current_database() AND table_schema = 'main' ORDER BY ordinal_position",
                [table],
            )["column_name"]
        )
        if self.lake is not None and names:
            self._columns[table] = tuple(names)
        return names

    def row_count(self, kind: str) -> int:
        """How many rows the table of ``kind`` holds."""
        return int(self.scalar(f"SELECT count(*) FROM {quote_ident(KIND_TABLES[kind])}"))
