"""Shared fixtures: stores built once per test process (session) and copied per test where a test writes.

Under pytest-xdist each worker builds its own session fixtures in its own temp folder.
"""

from __future__ import annotations

import shutil

import pytest

from core.store import Store
from loaders.loading import load_path
from tests.helpers import SHARED


@pytest.fixture(scope="session")
def corpus_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared/ledgers is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory, corpus_dir):
    """Path of a store holding every file of ../shared/ledgers (closed, so others may open it)."""
    path = tmp_path_factory.mktemp("corpus") / "union.duckdb"
    with Store(path) as store:
        for file in sorted(corpus_dir.glob("*.xlsx")):
            report, result = load_path(store, file)
            assert result.status == "loaded", (file.name, result.message)
    return path


@pytest.fixture(scope="session")
def demo_ledgers_db(tmp_path_factory):
    """Path of a store holding the demo ledgers (data/demo/*.xlsx) as the loaders read them (closed)."""
    from dashboard import demo

    path = tmp_path_factory.mktemp("demo-ledgers") / "demo.duckdb"
    with Store(path) as store:
        for file in sorted(demo.DEMO_DIR.glob("*.xlsx")):
            report, result = load_path(store, file, org=demo.ORG)
            assert result.status == "loaded" and report.rejected_rows == 0, (file.name, result.message)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """Path of a store as the app leaves it after a first start (demo data in it), to copy per test."""
    from dashboard.app import ensure_demo

    path = tmp_path_factory.mktemp("demo-template") / "app.duckdb"
    with Store(path) as store:
        assert ensure_demo(store)
    return path


def copy_store(source, target):
    """A private copy of a closed store file (a test may write to it)."""
    shutil.copyfile(source, target)
    return target


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium shared by the tests of one browser module (tests/browser_helpers.py)."""
    from tests.browser_helpers import Chromium

    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "t.duckdb") as s:
        yield s
