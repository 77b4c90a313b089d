"""First start (issue 16): the demo store comes from the shipped snapshot at once, equals a load of the demo
ledgers, and without a usable snapshot loads in the background while the app says 正在载入演示数据…"""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

from core.labels import t
from core.store import Store
from dashboard import demo, demo_store
from tests.helpers import app_store, store_content
from tests.test_pages import ROOT
from tests.test_pages import v2_navigation_only as v2_navigation_only  # autouse fixture for AppTest

STALE = "the demo snapshot does not fit the ledgers or the schema: run `python -m dashboard.demo_store`"


def without_load_time(content: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Store content with batches.loaded_at (column 8) left out: the only column a load sets from the clock."""
    content = dict(content)
    content["batches"] = sorted(row[:7] + row[8:] for row in content["batches"])
    return content


def test_snapshot_equals_a_load_of_the_demo_ledgers(demo_ledgers_db, tmp_path):
    with Store(tmp_path / "first.duckdb") as store:
        assert demo_store.usable(store), STALE
        assert demo_store.restore(store)
        restored = store_content(store)
        assert store.get_meta("demo") == "true"
        # the next upload's batch follows the demo's nine
        assert store.scalar("SELECT nextval('batch_seq')") == len(list(demo.DEMO_DIR.glob("*.xlsx"))) + 1
    with Store(demo_ledgers_db, read_only=True) as loaded:
        expected = store_content(loaded)
    assert without_load_time(restored) == without_load_time(expected)
    assert len(restored["welfare"]) == demo_store.manifest()["tables"]["welfare"] > 100


def test_snapshot_is_refused_for_another_schema_or_other_ledgers(tmp_path, monkeypatch):
    with Store(tmp_path / "other.duckdb") as store:
        with store.transaction() as cur:
            cur.execute("ALTER TABLE welfare ADD COLUMN extra VARCHAR")
        assert not demo_store.restore(store)
        assert store.scalar("SELECT count(*) FROM batches") == 0
    monkeypatch.setattr(demo_store, "ledger_hashes", lambda folder=None: {"其他.xlsx": "0" * 64})
    with Store(tmp_path / "fresh.duckdb") as store:
        assert not demo_store.restore(store)
        assert store.scalar("SELECT count(*) FROM batches") == 0


@pytest.fixture()
def fresh_db(tmp_path, monkeypatch):
    path = tmp_path / "new.duckdb"
    with app_store(path, monkeypatch):
        yield path


def test_first_start_shows_the_overview_from_the_snapshot(fresh_db, demo_ledgers_db):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert not [i for i in at.info if i.value == t("demo.loading")]
    with Store(demo_ledgers_db, read_only=True) as loaded:
        expected = loaded.scalar("SELECT count(*) FROM welfare")
    from dashboard.app import get_store

    assert get_store().scalar("SELECT count(*) FROM welfare") == expected
    assert next(m for m in at.metric if m.label == "福利慰问支出").value.endswith("万元")


def test_without_a_snapshot_the_demo_loads_in_the_background(fresh_db, tmp_path, monkeypatch):
    from dashboard import app

    monkeypatch.setattr(demo_store, "SNAPSHOT_DIR", tmp_path / "no-snapshot")
    ledgers = tmp_path / "demo"  # one demo ledger is enough to see the load happen (and cheaper than nine)
    ledgers.mkdir()
    welfare = next(demo.DEMO_DIR.glob("慰问福利台账*.xlsx"))
    (ledgers / welfare.name).write_bytes(welfare.read_bytes())
    monkeypatch.setattr(demo, "DEMO_DIR", ledgers)
    release, loaded = threading.Event(), []
    original = app.load_path

    def held_load(store, path, **kwargs):  # the background load waits until the test has seen the page
        release.wait(120)
        loaded.append(path.name)
        return original(store, path, **kwargs)

    monkeypatch.setattr(app, "load_path", held_load)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [t("demo.loading")]
    assert not at.metric and app.demo_loading()
    release.set()
    app._DEMO_THREADS[str(fresh_db)].join(120)
    assert not app.demo_loading()
    assert loaded == [welfare.name]
    at.run()
    assert not at.exception, at.exception
    assert not [i for i in at.info if i.value == t("demo.loading")]
    assert next(m for m in at.metric if m.label == "福利慰问支出").value.endswith("万元")
    assert app.get_store().get_meta("demo") == "true"


def test_the_app_module_leaves_exports_and_loaders_for_later():
    """总览's first run imports dashboard.app: openpyxl (the .xlsx exports), the loaders (upload page) and the
    congress pack's modules wait until a page asks for them (issue 16: ~0.4 s of a first start)."""
    import subprocess
    import sys

    heavy = ["openpyxl", "loaders.loading", "loaders.analysis", "rapidfuzz", "dashboard.workbook", "dashboard.pack"]
    heavy += ["pptx", "docx", "dashboard.uploads"]
    code = f"import sys, dashboard.app; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_other_pages_modules_load_in_the_background_after_the_first_page(tmp_path):
    """After 总览's first run the uploads, exports and pack modules are imported by app.preload_later's thread."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, time, dashboard.app as app\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=120)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.metric\n"
        "deadline = time.monotonic() + 120\n"
        "while time.monotonic() < deadline and any(m not in sys.modules for m in app.PRELOAD):\n"
        "    time.sleep(0.1)\n"
        "print(sorted(m for m in app.PRELOAD if m not in sys.modules))\n"
    )
    env = {**os.environ, "UNION_DB": str(tmp_path / "new.duckdb")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
