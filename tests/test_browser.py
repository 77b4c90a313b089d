"""Real-browser tests: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1.

The server is started by the fixture on a free port with its own database (the demo
data loads on first start).  Screenshots of each page go to test-artifacts/.  No browser
is downloaded: .ci/run installs Debian's chromium and fonts-noto-cjk when missing.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

# A busy machine (CI, 2 cores) can take long to answer: wait for the page to commit, then on its state.
GOTO_MS = 180_000

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PAGES = {
    "overview": "",
    "welfare": "welfare",
    "activities": "activities",
    "proposals": "proposals",
    "awards": "awards",
    "outreach": "outreach",
    "report": "report",
    "upload": "upload",
    "manage": "manage",
}

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.async_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium (see .ci/run)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "union.duckdb"
    port = _free_port()
    env = {**os.environ, "UNION_DB": str(db)}
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
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
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start")
    ARTIFACTS.mkdir(exist_ok=True)
    yield url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


async def settle(page, need: str | None = None, timeout: float = 120) -> None:
    """Wait until the script run is over: no running widget, no stale or skeleton element, stable DOM."""
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


async def no_errors(page) -> None:
    assert not await page.query_selector("[data-testid='stException']"), "exception box"
    errors = await page.query_selector_all("[data-testid='stAlertContentError']")
    assert not errors, [await e.inner_text() for e in errors]


async def metric(page, label: str) -> str:
    for element in await page.query_selector_all("[data-testid='stMetric']"):
        text = await element.inner_text()
        if text.split("\n")[0].strip() == label:
            return (await (await element.query_selector("[data-testid='stMetricValue']")).inner_text()).strip()
    raise AssertionError(f"no metric {label}")


async def choose(page, label: str, option: str) -> None:
    await page.get_by_role("combobox", name=label).click()
    await page.get_by_role("option", name=option, exact=True).click()
    await settle(page)


async def upload_and_load(page, url: str, name: str, data: bytes) -> None:
    await page.goto(f"{url}/upload", wait_until="commit", timeout=GOTO_MS)
    await settle(page, "input[type=file]")
    await page.set_input_files(
        "input[type=file]", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    await settle(page, "button:has-text('导入 ')")
    await page.get_by_role("button", name=re.compile(f"^导入 {re.escape(name)}")).click()
    await settle(page, "[data-testid='stAlertContentSuccess']")


async def batches(page, url: str) -> tuple[int, int]:
    await page.goto(f"{url}/manage", wait_until="commit", timeout=GOTO_MS)
    await settle(page, "text=数据库中共有")
    text = await page.get_by_text("数据库中共有").inner_text()
    n, rows = re.search(r"共有 (\d+) 批、(\d+) 行", text).groups()
    return int(n), int(rows)


def ledger(amounts: list[int], year: int = 2025) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{year}年慰问台账"])
    ws.append(["序号", "日期", "分工会", "类别", "姓名", "金额（元）"])
    for i, amount in enumerate(amounts, 1):
        ws.append([i, f"{year}.6.{i}", "行政分工会", "结婚慰问", f"测试{i}", amount])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(coro):
    return asyncio.run(coro)


async def _browser(p):
    return await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def test_every_page_opens_without_error(server):
    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page(viewport={"width": 1440, "height": 1800})
            for name, path in PAGES.items():
                await page.goto(f"{server}/{path}", wait_until="commit", timeout=GOTO_MS)
                await settle(page, "[data-testid='stSidebar']")
                await no_errors(page)
                await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            await browser.close()

    run(main())


def test_uploaded_ledger_changes_overview_by_its_amount(server):
    amounts = [1_234, 2_000, 766]  # 4,000 元 = 0.4万元

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page(viewport={"width": 1440, "height": 1400})
            await page.goto(server, wait_until="commit", timeout=GOTO_MS)
            await settle(page, "[data-testid='stMetric']")
            await choose(page, "统计期间", "2025")
            before = await metric(page, "福利慰问支出")
            await upload_and_load(page, server, "追加慰问.xlsx", ledger(amounts))
            await page.goto(server, wait_until="commit", timeout=GOTO_MS)
            await settle(page, "[data-testid='stMetric']")
            await choose(page, "统计期间", "2025")
            after = await metric(page, "福利慰问支出")
            await browser.close()
            return before, after

    before, after = run(main())
    to_yuan = lambda text: round(float(text.removesuffix("万元")) * 10_000)  # noqa: E731
    assert to_yuan(after) - to_yuan(before) == sum(amounts)


def test_hostile_file_shows_message_and_changes_nothing(server):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "日期"
    wb.active["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page(viewport={"width": 1440, "height": 1400})
            count = await batches(page, server)
            await page.goto(f"{server}/upload", wait_until="commit", timeout=GOTO_MS)
            await settle(page, "input[type=file]")
            await page.set_input_files(
                "input[type=file]",
                files=[{"name": "远处单元格.xlsx", "mimeType": "application/octet-stream", "buffer": buf.getvalue()}],
            )
            await settle(page, "[data-testid='stAlertContentError']")
            message = await page.locator("[data-testid='stAlertContentError']").first.inner_text()
            assert not await page.query_selector("button:has-text('导入 远处单元格')")
            await page.screenshot(path=str(ARTIFACTS / "upload-hostile.png"), full_page=True)
            after = await batches(page, server)
            await browser.close()
            return count, message, after

    count, message, after = run(main())
    assert "远处单元格.xlsx" in message and "范围过大" in message
    assert after == count


def test_pptx_download_arrives(server, tmp_path):
    from pptx import Presentation

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page(accept_downloads=True)
            await page.goto(f"{server}/report", wait_until="commit", timeout=GOTO_MS)
            await settle(page, "button:has-text('幻灯片 PPTX')")
            async with page.expect_download(timeout=60_000) as info:
                await page.get_by_role("button", name="幻灯片 PPTX").click()
            download = await info.value
            target = tmp_path / download.suggested_filename
            await download.save_as(target)
            await browser.close()
            return target

    target = run(main())
    assert target.suffix == ".pptx"
    deck = Presentation(str(target))
    assert len(deck.slides) >= 3
    assert any(shape.has_chart for slide in deck.slides for shape in slide.shapes)


def test_ten_readers_and_two_concurrent_uploads(server):
    files = {"并发甲.xlsx": ledger([100, 200], year=2024), "并发乙.xlsx": ledger([300, 400, 500], year=2024)}

    async def reader(browser) -> str:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(server, wait_until="commit", timeout=GOTO_MS)
        await settle(page, "[data-testid='stMetric']", timeout=180)
        await no_errors(page)
        value = await metric(page, "福利慰问支出")
        await page.close()
        return value

    async def uploader(browser, name: str, data: bytes) -> None:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await upload_and_load(page, server, name, data)
        await page.close()

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page()
            before = await batches(page, server)
            results = await asyncio.gather(
                *(uploader(browser, name, data) for name, data in files.items()),
                *(reader(browser) for _ in range(10)),
            )
            after = await batches(page, server)
            # uploading the same two files again adds nothing
            await asyncio.gather(*(uploader_dup(browser, name, data) for name, data in files.items()))
            again = await batches(page, server)
            await browser.close()
            return before, results[2:], after, again

    async def uploader_dup(browser, name: str, data: bytes) -> None:
        page = await browser.new_page()
        await page.goto(f"{server}/upload", wait_until="commit", timeout=GOTO_MS)
        await settle(page, "input[type=file]")
        await page.set_input_files(
            "input[type=file]", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
        )
        await settle(page, "[data-testid='stAlertContentInfo']")
        assert "已导入过" in await page.locator("[data-testid='stAlertContentInfo']").first.inner_text()
        await page.close()

    before, readers, after, again = run(main())
    assert len(readers) == 10 and all(v.endswith("万元") for v in readers)
    assert after == (before[0] + 2, before[1] + 5)
    assert again == after


def proposals_with_names() -> bytes:
    """A proposals ledger whose 附议人 column lists names (not a count), as one school wrote it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "提案"
    ws.append(["提案编号", "提案标题", "提案人", "附议人", "处理结果", "提交日期"])
    for i in range(1, 5):
        ws.append([f"T{i}", f"关于改进食堂服务的建议{i}", f"提案人{i}", "张三、李四、王五", "立案", f"2025-03-0{i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_remap_and_load_a_proposals_sheet_whose_seconders_are_names(server):
    data = proposals_with_names()
    name = "提案台账（附议人为姓名）.xlsx"

    async def main():
        async with playwright_api.async_playwright() as p:
            browser = await _browser(p)
            page = await browser.new_page(viewport={"width": 1400, "height": 1400})
            await page.goto(f"{server}/upload", wait_until="commit", timeout=GOTO_MS)
            await settle(page, "input[type=file]")
            await page.set_input_files(
                "input[type=file]", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
            )
            await settle(page, "button:has-text('保存并重新检查')")
            await choose(page, "附议人", "（不导入）")
            await page.get_by_role("button", name="保存并重新检查").click()
            await settle(page, "text=已保存 1 项表头映射")
            combo = page.get_by_role("combobox", name="附议人")
            shown = await combo.input_value() if await combo.count() else ""
            await page.screenshot(path=str(ARTIFACTS / "upload-remap.png"), full_page=True)
            school = page.locator("input[aria-label*='属于哪所学校']")
            if await school.count() and not await school.input_value():
                await school.fill("测试学校")
                await school.press("Enter")
                await settle(page)
            await page.get_by_role("button", name=re.compile(f"^导入 {re.escape(name)}")).click()
            await settle(page, "[data-testid='stAlertContentSuccess']:has-text('已导入第')")
            message = await page.locator(
                "[data-testid='stAlertContentSuccess']:has-text('已导入第')"
            ).first.inner_text()
            await browser.close()
            return shown, message

    shown, message = run(main())
    assert "已导入第" in message and "4 行" in message
    assert shown in ("", "（不导入）")
