"""Two real ``streamlit run`` servers on one lake, and the command-line loader beside them (issue 15).

Each server is its own process with its own connection to the lake (as two machines would be); a
file loaded through one server's 上传数据 page, or by ``python -m loaders`` on a third process, shows
on every server's 总览 as the truth (truth.json's 2023 plus what was loaded), read independently from
the lake.  Waits are on the page's state (tests/browser_helpers.py); a page is opened again until it
shows the figure, within a deadline that only stops a hang.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.store import Store
from dashboard import formatting as fmt
from dashboard import queries
from tests.browser_helpers import STATE_MS, goto, metric, no_errors, require_chromium, settle, streamlit_server, upload
from tests.lake_fixtures import (  # noqa: F401 - fixtures
    corpus_lake_copy,
    corpus_lake_template,
    extensions_verified_once,
    lake_template,
    postgres_server,
)
from tests.test_browser import ledger  # a small welfare ledger; other amounts, another file
from tests.test_truth import TRUTH

pytestmark = [pytest.mark.lake, pytest.mark.browser]
pytest.importorskip("playwright.async_api")
require_chromium()

ROOT = Path(__file__).resolve().parents[1]
METRIC = "[data-testid='stMetric']"
SUCCESS = "[data-testid='stAlertContentSuccess']"
YEAR = "2023"
WELFARE = "福利慰问支出"


async def upload_and_load(page, url: str, name: str, data: bytes) -> None:
    await goto(page, f"{url}/upload", "input[type=file]")
    await upload(page, name, data, "button", f"导入 {name}")
    await page.get_by_role("button", name=re.compile(f"^导入 {re.escape(name)}")).click()
    await settle(page, SUCCESS, "已导入第")


async def shows(page, url: str, expected: str) -> None:
    """Open 总览 of 2023 on ``url`` until 福利慰问支出 reads ``expected`` (the server's version check is
    at most a second old; each visit is a new session that waits for its own script run to end)."""
    deadline = time.monotonic() + STATE_MS / 1000
    while True:
        await goto(page, f"{url}/?period={YEAR}", METRIC, WELFARE)
        await no_errors(page)
        got = await metric(page, WELFARE)
        if got == expected or time.monotonic() > deadline:
            assert got == expected, (url, got, expected)
            return
        await asyncio.sleep(0.3)


@pytest.fixture()
def lake_servers(postgres_server, corpus_lake_copy, tmp_path):
    """A lake holding the corpus and two ``streamlit run`` servers on it: (lake, env, url_a, url_b)."""
    config = corpus_lake_copy
    env = postgres_server.env(config)
    with (
        streamlit_server(None, tmp_path / "a.log", env=env) as url_a,
        streamlit_server(None, tmp_path / "b.log", env=env) as url_b,
    ):
        yield config, env, url_a, url_b


def lake_welfare(config) -> float:
    """2023's welfare total, read from the lake by a connection of its own (not through a server)."""
    with Store(lake=config, read_only=True) as store:
        return queries.summary(store, queries.Filters.of(YEAR))["welfare"]["total_yuan"]


def test_two_servers_and_the_loader_on_one_lake_show_each_others_batches(lake_servers, chromium, tmp_path):
    config, env, url_a, url_b = lake_servers
    truth = TRUTH[YEAR]["welfare"]["total_yuan"]
    on_a, on_b, by_cli = [1_200, 2_800], [3_000, 500], [1_400, 100]  # 4,000 + 3,500 + 1,500 元
    cli_file = tmp_path / "命令行慰问.xlsx"
    cli_file.write_bytes(ledger(by_cli, 2023))

    async def main(browser):
        page_a = await browser.new_page(viewport={"width": 1440, "height": 1400})
        page_b = await browser.new_page(viewport={"width": 1440, "height": 1400})
        # Each server loads a file through its 上传数据 page, both at once (the lake's write lock orders them).
        await asyncio.gather(
            upload_and_load(page_a, url_a, "甲服务器慰问.xlsx", ledger(on_a, 2023)),
            upload_and_load(page_b, url_b, "乙服务器慰问.xlsx", ledger(on_b, 2023)),
        )
        expected = truth + sum(on_a) + sum(on_b)
        # Each server's 总览: the truth, its own batch and the other server's.
        await shows(page_a, url_a, fmt.seed_wan(expected))
        await shows(page_b, url_b, fmt.seed_wan(expected))
        # The command-line loader (a third process) loads a file: both servers, whose 总览 has just been drawn
        # (its figures kept for the lake's snapshot of then), show it.
        out = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "loaders", str(cli_file)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0 and "已导入第" in out.stdout, out.stdout + out.stderr
        expected += sum(by_cli)
        assert lake_welfare(config) == expected  # read from the lake by a connection of its own
        await shows(page_a, url_a, fmt.seed_wan(expected))
        await shows(page_b, url_b, fmt.seed_wan(expected))
        return expected

    assert chromium.run(main) == truth + 4_000 + 3_500 + 1_500
    with Store(lake=config, read_only=True) as store:  # three batches besides the corpus, each once
        names = set(store.query("SELECT file_name FROM batches")["file_name"])
        assert {"甲服务器慰问.xlsx", "乙服务器慰问.xlsx", "命令行慰问.xlsx"} <= names
        assert int(store.scalar("SELECT count(*) FROM batches")) == len(names)
