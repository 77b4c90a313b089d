"""First start (issue 16): the demo store comes from the shipped snapshot at once, equals a load of the demo
ledgers, and without a usable snapshot loads in the background while the app says 正在载入演示数据…"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import threading
from pathlib import Path

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


# --- The server starts the first visit's work (issue 16: dashboard/serve.py, st.App's lifespan) ---------------

WARMED = "warm-up: imports"  # dashboard.serve's debug line once the modules are imported and the store is open
SESSION = "RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED"  # Streamlit's debug line when a first visitor connects


def demo_figures(db) -> dict[int, dict]:
    """The demo's figures of each year as 总览 reads them (queries.summary), from the store file ``db``."""
    from dashboard import queries

    with Store(db, read_only=True) as store:
        assert store.get_meta("demo") == "true"
        return {year: queries.summary(store, queries.Filters.of(year, demo.ORG)) for year in demo.YEARS}


@functools.cache
def expected_figures() -> dict[int, dict]:
    """The same figures as the demo generator computed them (dashboard.demo.build, not the loaders)."""
    return demo.build()[1]


def same_as_generator(figures: dict[int, dict]) -> None:
    for year, facts in expected_figures().items():
        assert figures[year]["welfare"]["total_yuan"] == facts["welfare_yuan"], year
        assert figures[year]["welfare"]["person_times"] == facts["welfare_person_times"], year
        assert figures[year]["proposals"]["total"] == facts["proposals"], year
        assert figures[year]["awards"]["total"] == facts["awards"], year


def shown_year(at: AppTest) -> int:
    """The year 总览 shows (its caption 统计期间：2026（2026-01-01 至 …）)."""
    caption = next(c.value for c in at.caption if c.value.startswith("统计期间："))
    return int(re.match(r"统计期间：(\d{4})", caption).group(1))


def test_the_warm_up_opens_the_store_the_first_visit_then_uses(fresh_db, monkeypatch):
    """serve.warm_up (the server's start) opens the store once; the first visit's run finds it open."""
    from dashboard import app, serve

    opened = []
    original = app.open_store

    def counted(path=None, **kwargs):
        opened.append(path)
        return original(path, **kwargs)

    monkeypatch.setattr(app, "open_store", counted)
    switch = sys.getswitchinterval()
    serve.warm_up()
    assert len(opened) == 1
    assert sys.getswitchinterval() == switch  # the GIL's switch interval is Python's again after the warm-up
    assert app.get_store().get_meta("demo") == "true"  # the snapshot is in before anyone visits
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert len(opened) == 1  # the visit did not open (nor restore) the store again
    from dashboard import formatting as fmt

    year = shown_year(at)
    welfare = next(m for m in at.metric if m.label == "福利慰问支出").value
    assert welfare == fmt.seed_wan(expected_figures()[year]["welfare_yuan"])


def test_a_warm_up_without_a_snapshot_starts_the_demo_load_before_the_first_visit(fresh_db, tmp_path, monkeypatch):
    """Without a usable snapshot the warm-up starts the background load of the demo ledgers; the first visit
    then shows 正在载入演示数据… (or, once loaded, the figures) as before."""
    from dashboard import app, serve

    monkeypatch.setattr(demo_store, "SNAPSHOT_DIR", tmp_path / "no-snapshot")
    ledgers = tmp_path / "demo"
    ledgers.mkdir()
    welfare = next(demo.DEMO_DIR.glob("慰问福利台账*.xlsx"))
    (ledgers / welfare.name).write_bytes(welfare.read_bytes())
    monkeypatch.setattr(demo, "DEMO_DIR", ledgers)
    release = threading.Event()
    original = app.load_path

    def held_load(store, path, **kwargs):
        release.wait(120)
        return original(store, path, **kwargs)

    monkeypatch.setattr(app, "load_path", held_load)
    serve.warm_up()
    assert app.demo_loading()  # started by the server, not by a visit
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [t("demo.loading")]
    release.set()
    app._DEMO_THREADS[str(fresh_db)].join(120)
    at.run()
    assert not at.exception, at.exception
    from dashboard import formatting as fmt

    year = shown_year(at)  # the one ledger holds all of a year's welfare
    expected = expected_figures()[year]["welfare_yuan"]
    assert next(m for m in at.metric if m.label == "福利慰问支出").value == fmt.seed_wan(expected)


def listening(port: int) -> set[str]:
    """The local addresses (as /proc/net/tcp* writes them) of the sockets listening on ``port``."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            host, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(host)
    return found


def holds(pid: int, path) -> bool:
    """Process ``pid`` has the file ``path`` open."""
    import os

    folder = f"/proc/{pid}/fd"
    for fd in os.listdir(folder):
        with contextlib.suppress(OSError):
            if os.readlink(f"{folder}/{fd}") == str(path):
                return True
    return False


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
def test_streamlit_run_imports_and_opens_the_store_before_anyone_visits(tmp_path):
    """`streamlit run streamlit_app.py` (the README's command) serves this computer only, and while no
    browser has connected its process has imported pandas and DuckDB and opened the store with the demo
    data in it (the old server did all that in the first visit's run)."""
    import os
    import subprocess
    import time

    from benchmarks.browser import answering, free_port

    db, log = tmp_path / "union.duckdb", tmp_path / "streamlit.log"
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--logger.level", "debug"]  # no address: config.toml's applies
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "UNION_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 300
            while not answering(url):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            assert listening(port) == {"0100007F"}  # 127.0.0.1 only (.streamlit/config.toml's server.address)
            deadline = time.monotonic() + 120  # the warm-up takes about a second on an idle machine
            while WARMED not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            text = log.read_text()
            assert "Found ASGI app at streamlit_app:server" in text
            assert SESSION not in text  # nobody has visited
            maps = Path(f"/proc/{proc.pid}/maps").read_text()
            assert "pandas/_libs" in maps and "_duckdb" in maps
            assert holds(proc.pid, db)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode is not None and not Path(f"{db}.wal").exists()  # stopped by SIGTERM, the store closed
    same_as_generator(demo_figures(db))


def test_a_new_store_survives_its_process_being_killed(tmp_path):
    """A store is created (migrated) and gets the demo snapshot, then its process dies without closing it
    (killed, a power cut): the next open replays the write-ahead log and finds the demo data.  DuckDB 1.5.5
    cannot replay a migration's ALTER TABLE … ADD COLUMN from the log (the store was unusable: NotAStore),
    so the migrations are checkpointed into the file."""
    import subprocess

    db = tmp_path / "killed.duckdb"
    code = (
        "import os\n"
        "from core.store import Store\n"
        "from dashboard import demo_store\n"
        f"store = Store({str(db)!r})\n"
        "assert demo_store.restore(store)\n"
        "os._exit(0)\n"  # no close, no clean-up: as if killed
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(f"{db}.wal").exists()
    with Store(db) as store:  # replays the log
        assert store.scalar("SELECT count(*) FROM welfare") == demo_store.manifest()["tables"]["welfare"]
    same_as_generator(demo_figures(db))


# A selected radio option is drawn in the theme's primaryColor (.streamlit/config.toml: #c0392b; Streamlit's own is
# #ff4b4b): the sidebar's period kind (年度 / 学年) has one.
THEMED_RADIO = """() => [...document.querySelectorAll("[data-testid='stRadioOption'] div")]
    .some(e => getComputedStyle(e).backgroundColor === "rgb(192, 57, 43)")"""


def _browser_available() -> bool:
    import importlib.util

    from tests.browser_helpers import CHROMIUM

    return importlib.util.find_spec("playwright") is not None and Path(CHROMIUM).exists()


@pytest.mark.browser
@pytest.mark.skipif(not _browser_available(), reason="needs Playwright and Debian's chromium")
def test_a_new_server_shows_the_demo_overview_with_config_toml_applied(chromium, tmp_path):
    """The README's `streamlit run streamlit_app.py` (an st.App now) on an empty database: the first visitor gets
    总览 with the demo's figures, .streamlit/config.toml's theme, and the store is closed when the server stops."""
    from dashboard import formatting as fmt
    from tests.browser_helpers import goto, metric, no_errors, streamlit_server

    db = tmp_path / "union.duckdb"

    async def main(browser):
        page = await browser.new_page()
        await goto(page, url, "[data-testid='stMetric']", "福利慰问支出")
        await no_errors(page)
        captions = await page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
        year = int(next(m.group(1) for c in captions if (m := re.search(r"统计期间：(\d{4})", c))))
        return year, await metric(page, "福利慰问支出"), await page.evaluate(THEMED_RADIO), await page.title()

    with streamlit_server(db, tmp_path / "streamlit.log") as url:
        year, welfare, themed, title = chromium.run(main)
    assert welfare == fmt.seed_wan(expected_figures()[year]["welfare_yuan"])
    assert themed and title == t("app.title")
    assert not Path(f"{db}.wal").exists()  # the store the visit used was closed when the server stopped
    same_as_generator(demo_figures(db))


def test_the_server_imports_streamlit_app_without_the_heavy_modules():
    """`streamlit run` imports streamlit_app.py as a module to find its st.App: that import (before the server
    answers) runs no visit's code and leaves pandas, DuckDB and dashboard.app to the warm-up thread."""
    import subprocess

    code = (
        "import sys, streamlit as st, streamlit_app\n"
        "assert isinstance(streamlit_app.server, st.App), streamlit_app.server\n"
        "assert str(streamlit_app.server.script_path) == streamlit_app.__file__\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'duckdb', 'dashboard.app') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
