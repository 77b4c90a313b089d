"""Erased personal information leaves the lake's files, not only its current snapshot (issue 15, PIPL Art. 47).

In a lake an UPDATE or DELETE only marks rows deleted: the old values stay in Parquet files that older
snapshots name, and in rows inlined in the PostgreSQL catalog.  Each test loads the shared corpus into a
lake of its own data folder, erases someone (forget, 撤销批次, retention), then reads EVERY Parquet file
under the data path (all columns as text, not a byte grep: Parquet compresses strings) and every table
of the catalog's schema (inlined data keeps text as bytea: searched as UTF-8 hex too), and checks every
truth.json figure.  Select with ``-m lake``.  The last two tests are about the embedded file store: a
backup holds no erased name; the file itself still does (a known gap, marked xfail).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from core import erasure
from core.lake import LakeConfig
from core.store import LAKE_PURGE_KEY, Store
from dashboard import queries
from dashboard.__main__ import main as dashboard_main
from loaders.loading import load_path, remove_batch
from tests.conftest import copy_store
from tests.helpers import xlsx_bytes
from tests.lake_fixtures import (  # noqa: F401 - fixtures
    catalog_connection,
    command,
    corpus_lake_copy,
    corpus_lake_template,
    extensions_verified_once,
    lake_template,
    postgres_server,
)
from tests.test_truth import TRUTH, assert_summary_matches

SCHOOL = "示范职业技术学院"  # the corpus's one school
pytestmark = pytest.mark.lake


@pytest.fixture()
def corpus_in_own_lake(corpus_lake_copy) -> LakeConfig:
    """A lake holding the corpus, with a data folder of its own (every file there is this lake's)."""
    return corpus_lake_copy


def parquet_text(lake: LakeConfig) -> list[str]:
    """Every row of every Parquet file under the data path (data and delete files), all columns as text."""
    glob = f"{lake.data_path.rstrip('/')}/**/*.parquet"
    assert list(Path(lake.data_path).rglob("*.parquet")), "no Parquet file in the lake"
    with duckdb.connect() as con:
        columns = [
            row[0]
            for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', union_by_name=true)").fetchall()
        ]
        cells = ", ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), '')" for c in columns)
        return [
            row[0]
            for row in con.execute(
                f"SELECT concat_ws('|', {cells}) FROM read_parquet('{glob}', union_by_name=true)"
            ).fetchall()
        ]


def parquet_blob_hashes(lake: LakeConfig) -> set[str]:
    """SHA-256 of every kept original file (batch_files.data) still in a Parquet file."""
    glob = f"{lake.data_path.rstrip('/')}/**/*.parquet"
    with duckdb.connect() as con:
        columns = {
            row[0]
            for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', union_by_name=true)").fetchall()
        }
        if "data" not in columns:
            return set()
        query = f"SELECT sha256(data) FROM read_parquet('{glob}', union_by_name=true) WHERE data IS NOT NULL"
        return {row[0] for row in con.execute(query).fetchall()}


def catalog_text(lake: LakeConfig) -> dict[str, list[str]]:
    """table → its rows as PostgreSQL prints them, for every table of the catalog's schema (public)."""
    with catalog_connection(lake) as con:
        listing = "SELECT tablename FROM pg_tables WHERE schemaname = ''public''"
        tables = [row[0] for row in con.execute(f"SELECT * FROM postgres_query('catalog_db', '{listing}')").fetchall()]
        assert "ducklake_snapshot" in tables
        return {
            table: [
                row[0]
                for row in con.execute(
                    f"SELECT * FROM postgres_query('catalog_db', 'SELECT t::text FROM public.\"{table}\" t')"
                ).fetchall()
            ]
            for table in tables
        }


def where_named(lake: LakeConfig, names: list[str]) -> dict[str, list[str]]:
    """name → the places it is still written: Parquet, or the catalog tables naming it (text or UTF-8 hex)."""
    texts = parquet_text(lake)
    catalog = catalog_text(lake)
    found = {}
    for name in names:
        places = ["parquet"] if any(name in text for text in texts) else []
        hexed = name.encode().hex()
        places += [table for table, rows in catalog.items() if any(name in r or hexed in r for r in rows)]
        if places:
            found[name] = places
    return found


def current_text(store: Store, skip: tuple[str, ...] = ()) -> list[str]:
    """Every text value of the store's current snapshot (tables in ``skip`` left out)."""
    columns = store.query(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND data_type = 'VARCHAR'"
    )
    by_table: dict[str, list[str]] = {}
    for table, column in columns.itertuples(index=False):
        if table not in skip:
            by_table.setdefault(table, []).append(f'"{column}"')
    out = []
    for table, names in by_table.items():  # one read per table (each read of a lake costs catalog trips)
        values = f'SELECT DISTINCT v FROM (SELECT unnest([{", ".join(names)}]) AS v FROM "{table}") WHERE v IS NOT NULL'
        out += [str(v) for v in store.query(values)["v"]]
    return out


def assert_truth(store: Store, periods: list[str] = list(TRUTH)) -> None:  # noqa: B006 - never changed
    for period in periods:
        assert_summary_matches(queries.summary(store, queries.Filters.of(period)), TRUTH[period])


@pytest.mark.lake
def test_a_forgotten_person_is_in_no_file_and_no_catalog_table(corpus_in_own_lake, tmp_path):
    lake = corpus_in_own_lake
    with Store(lake=lake) as store, Store(lake=lake, read_only=True) as other:
        # The largest name of the welfare recipients: also the upper bound of the column's statistics.
        names = store.query(
            "SELECT recipient FROM welfare WHERE length(recipient) BETWEEN 2 AND 3 GROUP BY 1 ORDER BY 1 DESC"
        )["recipient"]
        name = next(n for n in names if erasure.plan(store, erasure.Target(n)).total)
        # A small ledger (3 rows, inlined in the catalog) names the person too, in 2024 (outside truth.json).
        small = tmp_path / "2024年慰问补录.xlsx"
        small.write_bytes(
            xlsx_bytes(
                {
                    "慰问": [
                        ["日期", "部门", "姓名", "类别", "金额", "备注"],
                        ["2024-03-01", "信息工程学院分工会", name, "生日慰问", 200, f"{name}老师生日"],
                        ["2024-03-02", "信息工程学院分工会", "王某某", "生日慰问", 200, None],
                        ["2024-03-03", "信息工程学院分工会", f"王某某、{name}", "节日福利", 300, None],
                    ]
                }
            )
        )
        assert load_path(store, small, org=SCHOOL, isolated=False)[1].status == "loaded"
        before = where_named(lake, [name])[name]
        assert "parquet" in before and any(p.startswith("ducklake_inlined_data") for p in before), before
        batches = store.query(
            "SELECT DISTINCT b.sha256 FROM batches b JOIN welfare w USING (batch_id) WHERE contains(w.recipient, ?)",
            [name],
        )["sha256"]
        assert set(batches) & parquet_blob_hashes(lake)  # the original files naming the person are kept
        # Another server's read planned before the erasure (its snapshot pinned in an open transaction).
        pinned = other._cursor()
        pinned.execute("BEGIN TRANSACTION")
        pinned.execute("SELECT count(*) FROM welfare").fetchone()
        other._readers.put(pinned)

        planned = erasure.plan(store, erasure.Target(name))
        assert erasure.forget(store, planned) == planned.total

        assert name not in "\n".join(current_text(store))
        assert where_named(lake, [name]) == {}
        assert not set(batches) & parquet_blob_hashes(lake)
        assert store.get_meta(LAKE_PURGE_KEY) is None  # the purge finished
        assert_truth(store)
        # The read planned at the old snapshot finds its files gone and reads again at the newest one.
        assert other.scalar("SELECT count(*) FROM welfare WHERE recipient = ?", [planned.pseudonym]) >= 1
        assert_truth(other, periods=["2022-2023学年"])  # a school year: every table's files are read again
    with Store(lake=lake, read_only=True) as reader:  # a new connection sees the same figures
        assert_truth(reader, periods=["2021-2022学年"])


@pytest.mark.lake
def test_a_removed_batch_leaves_no_name_of_it_in_the_files(corpus_in_own_lake):
    lake = corpus_in_own_lake
    with Store(lake=lake) as store:
        batch_id, sha = store.query(
            "SELECT batch_id, sha256 FROM batches WHERE file_name = '2022年会员名册.xlsx'"
        ).iloc[0]
        # Members found in no other batch: nothing else names them once the roster is removed.
        elsewhere = "\n".join(current_text(store, skip=("roster", "batches", "batch_files", "rejected_rows")))
        members = [n for n in store.query("SELECT DISTINCT name FROM roster ORDER BY 1")["name"] if n not in elsewhere]
        assert len(members) > 20
        assert set(where_named(lake, members)) == set(members)
        assert sha in parquet_blob_hashes(lake)

        assert remove_batch(store, int(batch_id))

        assert store.scalar("SELECT count(*) FROM roster") == 0
        assert where_named(lake, members) == {}
        assert sha not in parquet_blob_hashes(lake)
        assert store.get_meta(LAKE_PURGE_KEY) is None
        assert_truth(store)  # the members come from the headcount table, not the roster


@pytest.mark.lake
def test_names_past_retention_are_in_no_file(corpus_in_own_lake):
    lake = corpus_in_own_lake
    today = dt.date(2026, 6, 1)  # 3 years: rows of periods that ended before 2023-06-01
    with Store(lake=lake) as store:
        due = erasure.retention_due(store, today, 3)
        assert due.get("welfare", 0) > 10
        cutoff = erasure.cutoff_date(today, 3)
        candidates = list(
            store.query(
                "SELECT DISTINCT recipient FROM welfare WHERE date < ? AND length(recipient) BETWEEN 2 AND 3 "
                "ORDER BY 1",
                [cutoff - dt.timedelta(days=400)],
            )["recipient"]
        )
        rows, _ = erasure.apply_retention(store, today, 3)
        assert rows == sum(due.values())
        # The names retention removed from the current snapshot altogether (not named by a later row).
        left = "\n".join(current_text(store))
        gone = [n for n in candidates if n not in left]
        assert len(gone) >= 5
        assert where_named(lake, gone) == {}
        assert store.get_meta(LAKE_PURGE_KEY) is None
        assert_truth(store)


@pytest.mark.lake
def test_an_unfinished_purge_is_finished_by_lake_maintenance(corpus_in_own_lake, postgres_server):
    """A purge interrupted after the erasure's commit (a kill) leaves its note; lake-maintenance finishes it."""
    lake = corpus_in_own_lake
    with Store(lake=lake) as store:
        name = store.scalar("SELECT min(recipient) FROM welfare WHERE length(recipient) = 3")
        planned = erasure.plan(store, erasure.Target(name))
        store.purge_erased = lambda: []  # the process dies right after the commit
        erasure.forget(store, planned)
        tables = sorted({*planned.rows, "batch_files"})
        assert store.get_meta(LAKE_PURGE_KEY) == ",".join(tables)
        assert "parquet" in where_named(lake, [name])[name]

    def maintenance(*args: str) -> str:  # python -m dashboard lake-maintenance, run in this process
        out = command(dashboard_main, "lake-maintenance", *args, env=postgres_server.env(lake))
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert f"有 {len(tables)} 张表的个人信息清除尚未完成" in maintenance("--dry-run")
    assert "parquet" in where_named(lake, [name])[name]  # a dry run changes nothing
    assert f"{len(tables)} 张表的旧版本文件已重写并删除" in maintenance()
    assert where_named(lake, [name]) == {}
    with Store(lake=lake) as store:
        assert store.get_meta(LAKE_PURGE_KEY) is None
        assert_truth(store)
    assert "个人信息清除" not in maintenance()  # nothing left to purge


def _bytes_naming(path: Path, name: str) -> int:
    """How often the UTF-8 bytes of ``name`` occur in the file (DuckDB keeps these strings uncompressed)."""
    return path.read_bytes().count(name.encode())


def test_a_backup_of_a_file_store_holds_no_erased_name(corpus_db, tmp_path):
    db = copy_store(corpus_db, tmp_path / "file.duckdb")
    with Store(db) as store:
        name = store.scalar("SELECT max(recipient) FROM welfare WHERE length(recipient) = 3")
        assert _bytes_naming(db, name) > 0
        erasure.forget(store, erasure.plan(store, erasure.Target(name)))
        assert store.get_meta(LAKE_PURGE_KEY) is None  # a file store notes no purge
        backup = store.backup(tmp_path / "backup.duckdb")
    assert _bytes_naming(backup, name) == 0
    with Store(backup, read_only=True) as copy:
        assert_truth(copy)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="known gap: DuckDB 1.5.5 leaves an updated string's old bytes in the file (CHECKPOINT and VACUUM "
    "do not overwrite them); only a copy (backup) is clean",
)
def test_a_file_store_keeps_no_erased_name_in_its_file(corpus_db, tmp_path):
    db = copy_store(corpus_db, tmp_path / "file.duckdb")
    with Store(db) as store:
        name = store.scalar("SELECT max(recipient) FROM welfare WHERE length(recipient) = 3")
        erasure.forget(store, erasure.plan(store, erasure.Target(name)))
        store._conn.execute("VACUUM")
        store._conn.execute("CHECKPOINT")
    assert _bytes_naming(db, name) == 0


@pytest.mark.lake
def test_a_removed_account_leaves_its_row_in_no_file(postgres_server, tmp_path):
    """``users remove`` in a lake: the account's name and password hash leave the users table's files."""
    from core import accounts

    lake = postgres_server.new_lake(tmp_path / "accounts-data")
    name = "周晓梅"
    with Store(lake=lake) as store:
        accounts.add_user(store, name, "admin", "secret-pass-1")
        accounts.add_user(store, "陈立新", "viewer", "secret-pass-2")
        digest = store.scalar("SELECT password_hash FROM users WHERE name = ?", [name])
        catalog = catalog_text(lake)
        assert any(digest.encode().hex() in r for rows in catalog.values() for r in rows)  # inlined in the catalog

        accounts.remove_user(store, name)

        assert list(store.query("SELECT name FROM users")["name"]) == ["陈立新"]
        assert store.get_meta(LAKE_PURGE_KEY) is None
        ids = dict(
            (table, str(table_id))
            for table_id, table in catalog_rows(lake, "SELECT table_id, table_name FROM ducklake_table")
        )
        catalog = catalog_text(lake)
        texts = parquet_text(lake) if list(Path(lake.data_path).rglob("*.parquet")) else []
        hexed = (digest.encode().hex(), name.encode().hex())
        holding = {
            t for t, rows in catalog.items() if any(h in r for r in rows for h in hexed) or any(name in r for r in rows)
        }
        # Only the audit trail still names the account (its inlined rows and its column bounds).
        assert holding <= {f"ducklake_inlined_data_{ids['history']}_{v}" for v in range(64)} | {
            "ducklake_table_column_stats"
        }, holding
        stats = catalog_rows(lake, "SELECT table_id::text, min_value, max_value FROM ducklake_table_column_stats")
        assert not [row for row in stats if row[0] == ids["users"] and name in (row[1] or "") + (row[2] or "")]
        assert not any(digest in text for text in texts)
        history = store.query("SELECT action FROM history WHERE object = ? ORDER BY history_id", [name])
        assert list(history["action"]) == ["user_add", "user_remove"]


def catalog_rows(lake: LakeConfig, sql: str) -> list[tuple]:
    """Rows of one query run in the catalog's PostgreSQL database."""
    with catalog_connection(lake) as con:
        quoted = sql.replace("'", "''")
        return con.execute(f"SELECT * FROM postgres_query('catalog_db', '{quoted}')").fetchall()
