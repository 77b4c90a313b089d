"""Real-browser test of accounts (issue 13): login, wrong password, logout, and a school viewer never
seeing another school's name or a full person name on any page.  Debian's Chromium via Playwright,
like tests/test_browser.py; waits on page state, never on fixed sleeps."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core import accounts
from core.store import Store
from loaders.loading import load_path

# A busy machine (CI, 2 cores) can take long to answer: wait for the page to commit, then on its state.
GOTO_MS = 180_000

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DISTRICT = ROOT.parent / "shared" / "ledgers-district"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
FILES = {
    "滨江区实验小学": ["实验小学2023年慰问金发放登记.xls", "实验小学工会活动记录（2023-2024）.xls"],
    "滨江区第一中学": ["滨江一中工会福利慰问台账（2023-2024）.xlsx", "一中工会活动台账.xlsx"],
    "滨江区社区学院": ["社区学院慰问台账2023-2024.csv"],
}
MINE, OTHERS = "滨江区实验小学", ["滨江区第一中学", "滨江区社区学院"]
PASSWORD = "viewer-password-1"

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.async_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium (see .ci/run)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not DISTRICT.is_dir():
        pytest.skip("../shared/ledgers-district is not beside the checkout")
    db = tmp_path_factory.mktemp("accounts") / "union.duckdb"
    with Store(db) as store:
        for org, names in FILES.items():
            for name in names:
                assert load_path(store, DISTRICT / name, org=org, accept_valid=True)[1].status == "loaded"
        store.set_meta("demo", "cleared")
        accounts.add_user(store, "viewer", "viewer", PASSWORD, MINE)
        persons = {
            str(p)
            for p in store.query(
                "SELECT DISTINCT recipient FROM welfare WHERE org = ? AND length(recipient) = 3", [MINE]
            )["recipient"]
        }
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
        + ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        env={**os.environ, "UNION_DB": str(db)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)  # polling the health endpoint until the server answers
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start")
    ARTIFACTS.mkdir(exist_ok=True)
    yield url, persons
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


async def settle(page, need: str | None = None, timeout: float = 120) -> None:
    """Wait until the script run is over: no running widget, no stale element, ``need`` present, stable DOM."""
    deadline, last, stable = time.time() + timeout, None, 0
    while time.time() < deadline:
        running = await page.query_selector("[data-testid='stStatusWidget']")
        stale = await page.query_selector("[data-stale='true'], [data-testid='stSkeleton']")
        size = len(await page.content())
        ready = need is None or await page.query_selector(need) is not None
        if not running and not stale and ready and size == last:
            stable += 1
            if stable >= 3:
                return
        else:
            stable = 0
        last = size
        await asyncio.sleep(0.4)
    raise AssertionError(f"page did not settle: {page.url}")


async def log_in(page, url: str, name: str, password: str) -> None:
    await page.goto(url, wait_until="commit", timeout=GOTO_MS)
    await settle(page, "button:has-text('登录')")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


def test_login_wrong_password_logout_and_viewer_scope(server):
    url, persons = server

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 1400})
            await log_in(page, url, "viewer", "wrong-password")
            await settle(page, "[data-testid='stAlertContentError']")
            error = await page.locator("[data-testid='stAlertContentError']").first.inner_text()
            assert error.strip() == "用户名或密码错误"
            assert not await page.query_selector("[data-testid='stMetric']")
            await page.screenshot(path=str(ARTIFACTS / "login-wrong.png"), full_page=True)

            await log_in(page, url, "viewer", PASSWORD)
            await settle(page, "[data-testid='stMetric']")
            seen = {}
            for path in ("", "welfare", "activities", "proposals", "awards", "report", "upload", "manage", "district"):
                await page.goto(
                    f"{url}/{path}", wait_until="commit", timeout=GOTO_MS
                )  # opening a URL starts a new session: log in again
                await settle(page, "[data-testid='stSidebar'], [data-testid='stForm']")
                if not await page.query_selector("[data-testid='stSidebar']"):
                    await page.get_by_label("用户名").fill("viewer")
                    await page.get_by_label("密码").fill(PASSWORD)
                    await page.get_by_role("button", name="登录").click()
                    await settle(page, "[data-testid='stSidebar']")
                if path == "welfare":
                    await page.get_by_text("明细").first.click()
                    await settle(page, "[data-testid='stDataFrame']")
                seen[path] = await page.locator("body").inner_text()
                await page.screenshot(path=str(ARTIFACTS / f"viewer-{path or 'overview'}.png"), full_page=True)
            logout = page.get_by_role("button", name="退出登录")
            await logout.click()
            await settle(page, "button:has-text('登录')")
            after = await page.locator("body").inner_text()
            await browser.close()
            return seen, after

    seen, after = asyncio.run(main())
    for path, text in seen.items():
        assert not [o for o in OTHERS if o in text], path
        assert not [n for n in persons if n in text], path
    assert MINE in seen[""]
    assert "用户名" in after and "福利慰问支出" not in after
