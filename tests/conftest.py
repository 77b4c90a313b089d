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


def built_once(tmp_path_factory, name: str, build: Callable[[Store], None]) -> Path:
    """Path of a closed store that ``build`` filled: once per run, shared by the xdist workers."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp(name) / "store.duckdb"
        with Store(path) as store:
            build(store)
        return path
    root = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    path, done = root / f"{name}.duckdb", root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            with Store(path) as store:
                build(store)
            done.touch()
    return path


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
