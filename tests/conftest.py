"""Shared fixtures: the ../shared/ledgers corpus loaded once into a temp DuckDB store."""

from __future__ import annotations

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


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "t.duckdb") as s:
        yield s
