"""Shared fixtures: stores built once per run and copied per test where a test writes.

Under pytest-xdist the stores are built once for all workers (the first worker to ask builds it
under a file lock; the others wait and reuse it): they are only ever opened read-only or copied.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from core.store import Store
from loaders.loading import load_path
from tests.helpers import SHARED

# The slowest tests first, slowest at the top (issue 16).  The seconds are call time on a quiet 2-core
# run (/work/notes durations of 06-28) for tests unchanged since; for the tests issue 16 merged or made
# cheaper they are estimates from runs under load (ratios before/after in the same run), marked ~.
# With `--dist loadgroup` each test is a unit of work handed to whichever worker is free, in
# collection order: a slow test collected last keeps the run going alone on one worker while the other
# has finished.  No test is marked xdist_group (the lake tests run on both workers, each worker with a
# PostgreSQL server of its own and every test on a database of its own).  Only tests whose fixtures are
# per test or per session are moved (moving a test away from its module would set up a module-scoped
# fixture twice); the rest keep pytest's order.
SLOW_FIRST = (
    "tests/test_lake_servers.py::test_two_servers_and_the_loader_on_one_lake_show_each_others_batches",  # 68
    "tests/test_browser.py::test_every_page_opens_in_chinese_and_fits_a_phone",  # ~40 (three tests, 76)
    "tests/test_browser_accounts.py::test_login_wrong_password_logout_and_viewer_scope",  # ~28
    "tests/test_lake.py::test_maintenance_removes_a_killed_writers_files_and_every_figure_stays",  # 24
    "tests/test_browser.py::test_two_readers_and_two_concurrent_uploads",  # ~20 (ten readers: 46)
    "tests/test_corrections.py::test_the_whole_corpus_loads_through_the_upload_page_alone",  # 31
    "tests/test_benchmarks.py::test_small_benchmark_runs_and_reports_every_figure",  # ~14 (22)
    "tests/test_lake_purge.py::test_an_unfinished_purge_is_finished_by_lake_maintenance",  # 19
    "tests/test_lake_purge.py::test_a_forgotten_person_is_in_no_file_and_no_catalog_table",  # 18
    "tests/test_lake.py::test_the_app_on_the_lake_shows_the_truth_and_another_servers_batches",  # 16
    "tests/test_lake_s3.py::test_a_second_store_and_the_cli_see_each_others_batches",  # 15
    "tests/test_browser.py::test_uploaded_ledger_changes_overview_by_its_amount",  # 12
    "tests/test_lake_s3.py::test_lake_maintenance_on_s3_deletes_orphans_and_old_files_and_keeps_every_figure",  # 11
    "tests/test_lake.py::test_commands_use_the_lake_without_db_and_backup_is_a_file_store",  # 11
    "tests/test_browser.py::test_remap_and_load_a_proposals_sheet_whose_seconders_are_names",  # 9
    "tests/test_browser.py::test_hostile_file_shows_message_and_changes_nothing",  # 8
    "tests/test_lake.py::test_two_processes_uploading_different_files_both_land",  # 8
    "tests/test_lake_purge.py::test_names_past_retention_are_in_no_file",  # 7.5
    "tests/test_fuzz.py::test_ten_parallel_summaries_answer_the_same",  # 7
    "tests/test_phone.py::test_a_copied_link_opens_the_same_view",  # 7
    "tests/test_lake.py::test_the_same_file_from_two_processes_lands_once",  # 6
    "tests/test_lake_purge.py::test_a_removed_batch_leaves_no_name_of_it_in_the_files",  # 5.4
    "tests/test_lake.py::test_kill_9_of_a_writer_inside_its_transaction_leaves_whole_batches",  # 4.7
    "tests/test_lake.py::test_the_loader_through_the_lake_gives_the_figures_of_the_file",  # 4.8
    "tests/test_fuzz.py::test_cli_on_every_fuzz_case_names_the_file_without_traceback_and_loads_the_next",  # 4.4
    "tests/test_browser.py::test_pptx_download_arrives",  # 4.2
    "tests/test_pack.py::test_report_command_writes_each_format",  # ~2 (10.6)
    "tests/test_plan.py::test_import_export_round_trip_and_summary_json",  # ~0.6 (10.2)
)


def pytest_collection_modifyitems(config, items):
    """Put :data:`SLOW_FIRST` at the front, in its order (every worker collects the same order)."""
    rank = {nodeid: i for i, nodeid in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("[")[0], len(rank)))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """argon2id with the smallest cost in tests: the app's hasher costs ~0.3 s of CPU per hash, by design.

    Tests check what is stored and verified (an argon2id hash, never the password), not the cost; the
    cost the app uses is checked once here, before it is swapped.
    """
    import argon2

    from core import accounts

    assert accounts._hasher.memory_cost >= 65536 and accounts._hasher.time_cost >= 3  # the app's: RFC 9106
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", argon2.PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
        yield


@pytest.fixture(scope="session", autouse=True)
def components_scanned_once():
    """AppTest (Streamlit 1.67) scans the metadata of every installed package for components on each
    run (about 0.5-1.3 s of CPU per ``at.run()``); the installed packages do not change during a test run,
    so the scan is done once per process.  The real server scans once at start."""
    import functools

    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # another Streamlit: nothing to spare
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        scan = functools.cache(manifest_scanner.scan_component_manifests)
        patch.setattr(manifest_scanner, "scan_component_manifests", lambda *a, **k: list(scan(*a, **k)))
        yield


@pytest.fixture(scope="session")
def corpus_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared/ledgers is not beside the checkout")
    return SHARED


def made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """``name`` (a file or folder under the run's temporary folder) that ``make(path)`` made: once per
    run, shared by the xdist workers (the first to ask makes it under a file lock; the others wait)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp(name) / name
        make(path)
        return path
    root = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    path, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            make(path)
            done.touch()
    return path


def built_once(tmp_path_factory, name: str, build: Callable[[Store], None]) -> Path:
    """Path of a closed store that ``build`` filled: once per run, shared by the xdist workers."""

    def make(path: Path) -> None:
        with Store(path) as store:
            build(store)

    return made_once(tmp_path_factory, f"{name}.duckdb", make)


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory, corpus_dir):
    """Path of a store holding every file of ../shared/ledgers (closed: open it read-only or copy it)."""

    def build(store: Store) -> None:
        for file in sorted(corpus_dir.glob("*.xlsx")):
            report, result = load_path(store, file)
            assert result.status == "loaded", (file.name, result.message)

    return built_once(tmp_path_factory, "corpus", build)


@pytest.fixture(scope="session")
def demo_ledgers_db(tmp_path_factory):
    """Path of a store holding the demo ledgers (data/demo/*.xlsx) as the loaders read them (closed)."""
    from dashboard import demo

    def build(store: Store) -> None:
        for file in sorted(demo.DEMO_DIR.glob("*.xlsx")):
            report, result = load_path(store, file, org=demo.ORG)
            assert result.status == "loaded" and report.rejected_rows == 0, (file.name, result.message)

    return built_once(tmp_path_factory, "demo-ledgers", build)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """Path of a store as the app leaves it after a first start (demo data in it), to copy per test."""
    from dashboard.app import ensure_demo

    def build(store: Store) -> None:
        assert ensure_demo(store)

    return built_once(tmp_path_factory, "demo-template", build)


def copy_store(source, target):
    """A private copy of a closed store file (a test may write to it)."""
    shutil.copyfile(source, target)
    return target


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium shared by the browser tests of one worker (tests/browser_helpers.py); each test
    opens its own pages, closed after it (``Chromium.run``).  Session-scoped: the slow tests run first,
    interleaving modules (pytest_collection_modifyitems), and one start per worker is enough."""
    from tests.browser_helpers import Chromium

    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """URL of one ``streamlit run`` per worker on a database of its own, empty at start (the app's first
    start puts the demo data in it), shared by tests/test_browser.py and tests/test_phone.py.

    The tests that write to it (uploads) check the differences they make, never absolute totals, so
    they may run in any order on it.
    """
    from tests.browser_helpers import streamlit_server

    folder = tmp_path_factory.mktemp("demo-server")
    with streamlit_server(folder / "union.duckdb", folder / "streamlit.log") as url:
        yield url


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "t.duckdb") as s:
        yield s
