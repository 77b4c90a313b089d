"""The store on DuckLake with a PostgreSQL catalog (issue 15), against a real server started by the tests.

Select with ``-m lake``.  The full corpus enters a lake once per worker through ``migrate-to-lake``
(tests/lake_fixtures.py); a test's own lake is a clone of it or of the migrated empty template.  A subset
goes through the loader, in processes of their own where processes are what is tested (two writers, kill -9);
commands whose check is not about processes run in this process (``command``), as the lake connections
load their extension files without checking the signature again (checked once, the product's way).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from benchmarks.runs import PAGES
from core.lake import LakeConfig
from core.store import KIND_TABLES, LAKE_ONLY_TABLES, SCHEMA_VERSION, Store
from dashboard import formatting as fmt
from dashboard import queries
from dashboard.__main__ import main as dashboard_main
from loaders.__main__ import main as loaders_main
from loaders.loading import load_path
from tests.helpers import store_content, xlsx_bytes
from tests.lake_fixtures import (  # noqa: F401 - fixtures
    batch_rows,
    command,
    corpus_lake_copy,
    corpus_lake_template,
    extensions_verified_once,
    lake,
    lake_template,
    migrated_lake,
    postgres_server,
    wait_for,
)
from tests.test_pages import live_store, metric, start, v2_navigation_only  # noqa: F401 - fixtures
from tests.test_truth import TRUTH, assert_matches, assert_summary_matches

# Lake tests run on whichever worker is free: each worker has its own PostgreSQL server, lake template
# and corpus lake (tests/lake_fixtures.py); a test's own lake is a clone of one of them (issue 16).
pytestmark = pytest.mark.lake
ROOT = Path(__file__).resolve().parents[1]
# Small ledgers of the corpus for the loader tests (member counts 2021-2023, budget 2021-2023).
SMALL = ("会员人数统计表（2021-2023）.xlsx", "工会经费预算决算表（2021-2023）.xlsx")


def cli(module: str, *args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def orphan_rows(store: Store) -> int:
    """Rows of the data tables whose batch is not in batches (half a batch)."""
    union = " UNION ALL ".join(f'SELECT batch_id FROM "{table}"' for table in KIND_TABLES.values())
    return int(store.scalar(f"SELECT count(*) FROM ({union}) r WHERE batch_id NOT IN (SELECT batch_id FROM batches)"))


@pytest.fixture(scope="session")
def corpus_lake(postgres_server, corpus_lake_template, tmp_path_factory) -> LakeConfig:
    """The whole corpus in a lake, moved there by ``migrate-to-lake`` (the corpus template of
    tests/lake_fixtures.py): a clone of its own, that the tests of this module only read."""
    return postgres_server.clone_lake(corpus_lake_template, tmp_path_factory.mktemp("corpus-lake") / "data")


def test_migrations_on_a_fresh_lake_give_the_file_schema(lake, tmp_path):
    with Store(tmp_path / "file.duckdb") as file_store:
        file_tables = {t: file_store.columns(t) for t in Store._tables(file_store._conn)}
    with Store(lake=lake) as store:
        assert store.schema_version() == SCHEMA_VERSION
        lake_tables = {t: store.columns(t) for t in Store._tables(store._conn) if t not in LAKE_ONLY_TABLES}
        assert lake_tables == file_tables  # same tables, same columns in the same order
        assert store.get_meta("data_version") == "0"
        # The sequences' stand-in: history ids 1, 2 (the DEFAULT of the file), batch ids from 1.
        from core.erasure import record_history

        with store.transaction() as cur:
            record_history(cur, "test", {})
            record_history(cur, "test", {})
            assert cur.execute("SELECT nextval('batch_seq')").fetchone()[0] == 1
        assert list(store.query("SELECT history_id FROM history ORDER BY 1")["history_id"]) == [1, 2]
    with Store(lake=lake) as again:  # opening twice applies nothing twice
        assert int(again.scalar("SELECT count(*) FROM schema_migrations")) == SCHEMA_VERSION
    with Store(lake=lake, read_only=True) as reader:
        assert reader.schema_version() == SCHEMA_VERSION


def test_a_lake_that_is_not_reachable_is_named(tmp_path):
    from core.store import NotAStore

    config = LakeConfig("dbname=none host=127.0.0.1 port=1 user=union connect_timeout=2", f"{tmp_path}/d/")
    with pytest.raises(NotAStore, match="无法打开数据湖"):
        Store(lake=config)


@pytest.mark.parametrize("period", list(TRUTH))
def test_the_corpus_in_the_lake_equals_truth(corpus_lake, period):
    with Store(lake=corpus_lake, read_only=True) as store:
        assert_summary_matches(queries.summary(store, queries.Filters.of(period)), TRUTH[period])


def test_commands_use_the_lake_without_db_and_backup_is_a_file_store(corpus_lake, postgres_server, tmp_path):
    env = postgres_server.env(corpus_lake)
    out = command(dashboard_main, "summary", "--period", "2022", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert_summary_matches(json.loads(out.stdout), TRUTH["2022"])
    backup = tmp_path / "backup.duckdb"
    out = command(dashboard_main, "backup", "--out", str(backup), env=env)
    assert out.returncode == 0, out.stderr
    with Store(backup) as copy:  # an embedded store: same figures, sequences continue
        assert_summary_matches(queries.summary(copy, queries.Filters.of("2023")), TRUTH["2023"])
        assert copy.scalar("SELECT nextval('batch_seq')") > copy.scalar("SELECT max(batch_id) FROM batches")


def test_the_loader_through_the_lake_gives_the_figures_of_the_file(
    migrated_lake, postgres_server, corpus_dir, tmp_path
):
    files = [corpus_dir / "2021年工会慰问福利台账.xlsx", corpus_dir / SMALL[0]]
    out = command(loaders_main, *map(str, files), env=postgres_server.env(migrated_lake))
    assert out.returncode == 0, out.stdout + out.stderr
    with Store(lake=migrated_lake, read_only=True) as store:
        got = queries.summary(store, queries.Filters.of("2021"))
        assert store.scalar("SELECT count(*) FROM history WHERE action = 'upload'") == 2
    # Welfare comes from the first file alone, the member count from the second: truth.json's 2021.
    assert_matches(got["welfare"], TRUTH["2021"]["welfare"])
    assert got["members"] == TRUTH["2021"]["members"]


def _start_loader(env: dict[str, str], *files: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loaders", *map(str, files)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_uploading_different_files_both_land(migrated_lake, postgres_server, corpus_dir):
    env = postgres_server.env(migrated_lake)
    procs = [_start_loader(env, corpus_dir / name) for name in SMALL]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with Store(lake=migrated_lake, read_only=True) as store:
        rows = batch_rows(store)
        assert set(rows) == set(SMALL)
        assert all(accepted == stored > 0 for accepted, stored in rows.values()), rows
        assert sorted(store.query("SELECT batch_id FROM batches")["batch_id"]) == [1, 2]
        assert store.get_meta("data_version") == "2"


def test_the_same_file_from_two_processes_lands_once(migrated_lake, postgres_server, corpus_dir):
    env = postgres_server.env(migrated_lake)
    path = corpus_dir / SMALL[0]  # the smaller of the two: any file will do
    procs = [_start_loader(env, path) for _ in range(2)]
    outs = [p.communicate(timeout=240)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("已导入第" in o for o in outs) == 1, outs
    assert sum("已导入过" in o for o in outs) == 1, outs
    with Store(lake=migrated_lake, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM batches") == 1
        ((accepted, stored),) = batch_rows(store).values()
        assert accepted == stored > 0


HANGING_WRITER = textwrap.dedent(
    """
    import sys, time
    from core.lake import LakeConfig
    from core.store import Store
    from loaders.analysis import analyse_file
    from loaders.loading import commit_file

    store = Store(lake=LakeConfig(sys.argv[1], sys.argv[2]))
    report = analyse_file(open(sys.argv[3], "rb").read(), sys.argv[3].rsplit("/", 1)[-1])
    bump = store.bump_version

    def hang(cur):  # the last statement of a batch's transaction: every row is written by now
        bump(cur)
        print("inside", flush=True)
        time.sleep(120)

    store.bump_version = hang
    commit_file(store, report)
    """
)


def inside(writer: subprocess.Popen) -> bool:
    """Wait until the hanging writer says it is inside its transaction (True), or ends first (False).

    Other lines are skipped: DuckDB prints a progress bar on stdout when a statement takes over 2 s.
    """
    return any(line.strip() == "inside" for line in writer.stdout)  # stops at the first


@contextlib.contextmanager
def killed_inside_its_transaction(lake: LakeConfig, path: Path) -> Iterator[None]:
    """A writer of ``path`` into ``lake`` held inside its transaction (the block runs while it is there),
    then killed with kill -9."""
    writer = subprocess.Popen(
        [sys.executable, "-c", HANGING_WRITER, lake.catalog, lake.data_path, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert inside(writer), writer.communicate(timeout=30)[1][-2000:]
        yield
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()


def test_kill_9_of_a_writer_inside_its_transaction_leaves_whole_batches(migrated_lake, corpus_dir):
    first, second = (corpus_dir / name for name in SMALL)
    with Store(lake=migrated_lake) as store:
        assert load_path(store, first, isolated=False)[1].status == "loaded"
    # While the writer is inside its transaction, a reader sees the first batch only.
    with killed_inside_its_transaction(migrated_lake, second), Store(lake=migrated_lake, read_only=True) as reader:
        assert set(batch_rows(reader)) == {first.name}
    with Store(lake=migrated_lake) as store:  # the killed writer's lock is gone: this writer does not wait
        assert set(batch_rows(store)) == {first.name} and orphan_rows(store) == 0
        started = time.monotonic()
        assert load_path(store, second, isolated=False)[1].status == "loaded"  # not a duplicate: nothing of it was kept
        assert time.monotonic() - started < 60
        rows = batch_rows(store)
        assert set(rows) == {first.name, second.name} and orphan_rows(store) == 0
        assert all(accepted == stored > 0 for accepted, stored in rows.values()), rows


def parquet_files(lake: LakeConfig) -> set[Path]:
    return set(Path(lake.data_path).rglob("*.parquet"))


def test_maintenance_removes_a_killed_writers_files_and_every_figure_stays(
    postgres_server, lake_template, corpus_dir, tmp_path
):
    # A lake with a data folder of its own: maintenance deletes every file there that its catalog does not name.
    config = postgres_server.clone_lake(lake_template, tmp_path / "own-data")
    env = postgres_server.env(config)
    welfare, removed, killed = (
        corpus_dir / "2021年工会慰问福利台账.xlsx",
        corpus_dir / SMALL[0],
        corpus_dir / "2022年慰问金发放台账.xlsx",
    )
    with Store(lake=config) as store:
        assert load_path(store, welfare, isolated=False)[1].status == "loaded"
        result = load_path(store, removed, isolated=False)[1]
        assert result.status == "loaded"
        from loaders.loading import remove_batch

        remove_batch(store, result.batch_id)  # its files are needed by older snapshots only
        # Every figure is made of these rows: the same rows after maintenance, the same figures.
        figures, content = queries.summary(store, queries.Filters.of("2021")), store_content(store)
    assert_matches(figures["welfare"], TRUTH["2021"]["welfare"])
    kept = parquet_files(config)
    with killed_inside_its_transaction(config, killed):
        pass
    orphans = parquet_files(config) - kept
    assert orphans, "the killed writer left no Parquet file"
    out = command(dashboard_main, "lake-maintenance", "--dry-run", "--keep-hours", "0", env=env)
    assert out.returncode == 0, out.stderr
    assert f"孤立文件 {len(orphans)} 个" in out.stdout, out.stdout
    assert parquet_files(config) == kept | orphans  # a dry run deletes nothing
    out = command(dashboard_main, "lake-maintenance", "--keep-hours", "0", env=env)
    assert out.returncode == 0, out.stderr
    assert f"孤立文件 {len(orphans)} 个" in out.stdout, out.stdout
    assert re.search(r"清理过期快照 [1-9]\d* 个", out.stdout), out.stdout  # every snapshot but the last
    assert parquet_files(config) == kept  # the orphans are gone, every file a snapshot names stays
    with Store(lake=config, read_only=True) as store:
        assert store_content(store) == content and queries.summary(store, queries.Filters.of("2021")) == figures
        assert set(batch_rows(store)) == {welfare.name} and orphan_rows(store) == 0
    with Store(lake=config) as store:  # the killed writer's file loads now (nothing of it was kept)
        assert load_path(store, killed, isolated=False)[1].status == "loaded"
        assert queries.summary(store, queries.Filters.of("2021")) == figures
    out = command(dashboard_main, "lake-maintenance", env=env)  # nothing left to do
    assert out.returncode == 0 and "孤立文件 0 个" in out.stdout, out.stdout + out.stderr


def test_a_conflicting_commit_is_retried_and_reported(migrated_lake):
    """Two connections write meta at once (outside the lock): DuckLake refuses one; retrying lands it."""
    from core.store import StoreConflict

    with Store(lake=migrated_lake) as one, Store(lake=migrated_lake) as two:
        cur = two._cursor()
        cur.execute("BEGIN TRANSACTION")
        cur.execute("UPDATE meta SET value = 'other' WHERE key = 'demo'")
        one.set_meta("demo", "mine")  # commits first
        with pytest.raises(duckdb.TransactionException, match="onflict"):
            cur.execute("COMMIT")
        cur.close()
        calls = []

        def write():
            calls.append(1)
            if len(calls) == 1:  # the first attempt meets a conflict, as above
                raise StoreConflict("conflict")
            two.set_meta("demo", "retried")

        two.retrying(write)
        assert len(calls) == 2 and one.get_meta("demo") == "retried"
        with pytest.raises(StoreConflict):
            two.retrying(lambda: (_ for _ in ()).throw(StoreConflict("always")), attempts=2)


def test_reads_are_kept_per_snapshot_and_other_servers_writes_show_within_a_second(migrated_lake, monkeypatch):
    """A warm page asks the lake nothing but its snapshot id (once a second); a commit anywhere is seen."""
    import core.store as store_module

    # The trust window is a wall-clock second: on a busy CI worker twenty warm reruns can outlast it,
    # so the warm part runs with a window no loop outlasts and the "seen after the window" part with a short one.
    monkeypatch.setattr(store_module, "LAKE_VERSION_TTL_S", 3600.0)
    with Store(lake=migrated_lake) as one, Store(lake=migrated_lake) as two:
        trips = []
        reader = one._reader

        def counted():
            trips.append(1)
            return reader()

        one._reader = counted
        assert one.get_meta("demo") == "false" and one.data_version() == 0
        frame = one.query("SELECT key, value FROM meta ORDER BY key")
        before = len(trips)
        for _ in range(20):  # a warm rerun: answered from memory, no catalog trip
            assert one.get_meta("demo") == "false" and one.data_version() == 0
            again = one.query("SELECT key, value FROM meta ORDER BY key")
            assert again.equals(frame)
        assert len(trips) == before
        again["value"] = "changed by the caller"  # a caller's frame is its own copy
        assert one.query("SELECT key, value FROM meta ORDER BY key").equals(frame)
        with one._exclusive():  # inside a write (the duplicate check) every read goes to the lake
            one.get_meta("demo")
        assert len(trips) == before + 1
        # Another server writes: seen after at most LAKE_VERSION_TTL_S, with one trip for the snapshot id.
        with two.transaction() as cur:
            cur.execute("UPDATE meta SET value = 'true' WHERE key = 'demo'")
            two.bump_version(cur)
        assert one.get_meta("demo") == "false"  # inside the window: the kept answer
        monkeypatch.setattr(store_module, "LAKE_VERSION_TTL_S", 0.0)  # the window is over
        assert one.data_version() == 1 and one.get_meta("demo") == "true"
        assert set(one.query("SELECT key, value FROM meta ORDER BY key")["value"]) == {"1", "true"}
        # This process's own commit is seen at once, inside any window.
        monkeypatch.setattr(store_module, "LAKE_VERSION_TTL_S", 3600.0)
        one.set_meta("demo", "cleared")
        assert one.get_meta("demo") == "cleared" and one.data_version() == 1
        monkeypatch.setattr(store_module, "LAKE_VERSION_TTL_S", 0.0)
        assert two.get_meta("demo") == "cleared"  # two's last snapshot check is older than the TTL


@pytest.fixture()
def app_lake(postgres_server, corpus_lake_copy, monkeypatch):
    """The app configured for a lake holding the corpus (UNION_STORE=ducklake, no UNION_DB)."""
    config = corpus_lake_copy
    monkeypatch.delenv("UNION_DB", raising=False)
    for key, value in postgres_server.env(config).items():
        if key.startswith("UNION_"):
            monkeypatch.setenv(key, value)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield config
    st.cache_resource.clear()
    st.cache_data.clear()


def test_the_app_on_the_lake_shows_the_truth_and_another_servers_batches(app_lake):
    at = start()
    store = live_store()
    assert store.lake == app_lake
    at.selectbox(key="f_period_year").set_value("2022").run()
    assert not at.exception, [e.value for e in at.exception]
    truth = TRUTH["2022"]
    assert metric(at, "福利慰问支出") == fmt.seed_wan(truth["welfare"]["total_yuan"])
    assert metric(at, "慰问/福利人次") == fmt.count(truth["welfare"]["person_times"], "人次")
    assert metric(at, "活动参与人次") == fmt.count(truth["activities"]["person_times"], "人次")
    assert metric(at, "提案总数") == fmt.count(truth["proposals"]["total"], "件")
    assert metric(at, "获奖总数") == fmt.count(truth["awards"]["total"], "项")
    for page in (p for p in PAGES if p != "district"):  # every page (one school: no 区县汇总) runs on the lake
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
    at.switch_page("pages/proposals.py").run()
    assert metric(at, "提案总数") == fmt.count(truth["proposals"]["total"], "件")
    # Another server (here: another connection) loads a file; this app's figures move within a second.
    version = store.data_version()
    with Store(lake=app_lake) as other:
        assert (
            load_path(other, ROOT / "data" / "demo" / "会员人数统计表（2024-2026）.xlsx", isolated=False)[1].status
            == "loaded"
        )
    wait_for(lambda: store.data_version() == version + 1)  # at most a second (LAKE_VERSION_TTL_S) after
    at.switch_page("pages/overview.py").run()
    at.selectbox(key="f_period_year").set_value("2024").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    expected = queries.summary(store, queries.Filters.of(2024))
    assert expected["members"] > 0
    # The file the other server loaded is the member headcount: 会员人数 shows it (2024 has no award
    # ledger in this lake, so 获奖总数 says 未导入台账 rather than 0项).
    assert metric(at, "会员人数") == fmt.count(expected["members"], "人")
    assert expected["awards"]["total"] == 0 and metric(at, "获奖总数") == "未导入台账"


@pytest.mark.parametrize("kind", ["file", "lake"])
def test_a_school_is_renamed_in_the_tables_that_hold_it(kind, migrated_lake, tmp_path):
    """One name per school, in a file and in a lake: the stored rows of the shorter spelling and of the default
    name are renamed (only the tables holding them are touched: in a lake each UPDATE costs catalog trips)."""
    welfare = [["日期", "部门", "类别", "姓名", "金额"]]
    welfare += [[f"2023-03-0{i}", "教务处", "节日慰问", f"教师{i}", 100 * i] for i in range(1, 7)]
    members = [["学校", "部门", "2023年末会员数"], ["{school}", "校长室", 8], ["{school}", "教导处", 10]]

    def member_sheet(school: str, extra: int) -> dict[str, list[list[object]]]:
        rows = [[school if c == "{school}" else c for c in row] for row in members]
        return {"会员": [*rows, [school, "总务处", extra]]}

    files = [
        ("w.xlsx", {"慰问": welfare}),  # no school named: the default name
        ("m1.xlsx", member_sheet("实验小学", 1)),  # the only school: the welfare rows join it
        ("m2.xlsx", member_sheet("滨江区实验小学", 2)),  # the longer spelling: every stored row takes it
    ]
    context = Store(tmp_path / "s.duckdb") if kind == "file" else Store(lake=migrated_lake)
    with context as store:
        with store.transaction() as cur:  # a lake reads only the tables that were ever written
            assert store.tables_with_rows(cur, KIND_TABLES.values()) == ([] if kind == "lake" else list(KIND_TABLES))
        for name, sheets in files:
            (tmp_path / name).write_bytes(xlsx_bytes(sheets))
            _, result = load_path(store, tmp_path / name, isolated=False)
            assert result.status == "loaded", result.message
        welfare_orgs = store.query("SELECT org, sum(amount_yuan) AS y, count(*) AS n FROM welfare GROUP BY org")
        member_orgs = store.query("SELECT org, sum(members) AS n FROM member_counts GROUP BY org")
        with store.transaction() as cur:
            written = store.tables_with_rows(cur, KIND_TABLES.values())
    assert written == (["welfare", "member_counts"] if kind == "lake" else list(KIND_TABLES))
    assert [tuple(r) for r in welfare_orgs.itertuples(index=False)] == [("滨江区实验小学", 2100, 6)]
    assert [tuple(r) for r in member_orgs.itertuples(index=False)] == [("滨江区实验小学", 39)]
