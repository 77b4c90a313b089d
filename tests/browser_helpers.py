"""What the real-browser tests share: Debian's Chromium, `streamlit run` on a database of its own, and waits
on the page's own state (Streamlit's script-run state, stale elements, a given element or text), never
on fixed sleeps, so a busy machine makes the tests slower but cannot fail them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.browser import server  # one definition for the benchmark and the tests
from core.labels import BROWSER_WORDS

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
}  # every page of the single-user app: name → URL path
# Deadlines, not waits: every wait below returns as soon as the page is in the state asked for.
# They only stop a test that hangs: a 2-core machine shared with other jobs (load 30 seen here) took
# over 3 minutes for ten readers and two uploads at once, so they are 10 minutes.
GOTO_MS = 300_000
STATE_MS = 300_000
SERVER_S = 600

# The page is idle (Streamlit's script run is over, no element stale or a skeleton) and holds `selector`
# (any element when null) whose text contains `text` (when given).
_IDLE_WITH = """([selector, text]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (document.querySelector("[data-stale='true'], [data-testid='stSkeleton'], [data-testid='stStatusWidget']"))
    return false;
  const found = selector ? Array.from(document.querySelectorAll(selector)) : [document.body];
  return found.some((e) => !text || (e.innerText || "").includes(text));
}"""


def require_chromium() -> None:
    """Skip the module without Debian's chromium (CI must have it: .ci/run installs it)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must have Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@contextlib.contextmanager
def streamlit_server(
    db: Path | None, log_path: Path, script: str = "streamlit_app.py", env: dict[str, str] | None = None
) -> Iterator[str]:
    """`streamlit run` on 127.0.0.1 and a free port with its own database; yields the URL once it answers.

    ``env`` (with ``db`` None): the server's whole environment instead, e.g. a lake's (UNION_STORE=ducklake).
    The benchmark's :func:`benchmarks.browser.server`, with the tests' longer deadline.
    """
    with server(ROOT / script, db, log_path, env=env, deadline_s=SERVER_S) as (url, _):
        ARTIFACTS.mkdir(exist_ok=True)
        yield url


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


class Chromium:
    """One Chromium for a test worker (tests/conftest.py), on its own event loop: ``run(main)`` awaits
    ``main(browser)``.

    Each test opens its own pages (each page a new browser context, so a new Streamlit session).
    """

    def __init__(self) -> None:
        from playwright.async_api import async_playwright

        self.loop = asyncio.new_event_loop()
        self.playwright = self.loop.run_until_complete(async_playwright().start())
        self.browser = self.loop.run_until_complete(launch(self.playwright))

    def run(self, main):
        """Await ``main(browser)``; then close every page it opened (ending their sessions)."""

        async def run_and_close():
            try:
                return await main(self.browser)
            finally:
                for context in self.browser.contexts:
                    await context.close()

        return self.loop.run_until_complete(run_and_close())

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.browser.close())
            self.loop.run_until_complete(self.playwright.stop())
        finally:
            self.loop.close()


async def settle(page, need: str | None = None, text: str | None = None) -> None:
    """Wait until the script run is over (no stale element) and ``need`` (a CSS selector) holds ``text``.

    After an action, pass the element or text that only its run produces: the run may not have
    started yet when this is called, and an idle page alone does not say that it has finished.
    """
    await page.wait_for_function(_IDLE_WITH, arg=[need, text], timeout=STATE_MS)


async def goto(page, url: str, need: str | None, text: str | None = None) -> None:
    """Open ``url`` and wait for ``need`` (and ``text``) once its first script run is over."""
    await page.goto(url, wait_until="commit", timeout=GOTO_MS)
    await settle(page, need, text)


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


async def choose(page, label: str, option: str, need: str | None = None, text: str | None = None) -> None:
    """Pick ``option`` in the select box ``label``; then wait for ``need``/``text`` (what the rerun shows)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    combo = page.get_by_role("combobox", name=label)
    deadline = time.monotonic() + STATE_MS / 1000
    while True:
        # A rerun that was still drawing can replace the box and close its list as it opens: wait for the
        # page to be idle, open the list, and open it again if the option did not appear.
        await settle(page)
        await combo.click()
        try:
            await page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            await page.keyboard.press("Escape")
    await settle(page, need, text)


async def upload(page, name: str, data: bytes, need: str, text: str | None = None) -> None:
    """Give ``data`` as the file ``name`` to the page's file input; wait for ``need``/``text``."""
    await page.set_input_files(
        "input[type=file]", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    await settle(page, need, text)


# Streamlit's own English (issue 11): words the pinned Streamlit (1.67) and Plotly show or put in an
# attribute a hover or a screen reader reads.  core/labels.py's BROWSER_WORDS and the widget CSS replace
# them (dashboard/app.py); the uploader's are the UPLOADER_CSS ones.
STREAMLIT_ENGLISH = sorted(
    {
        *BROWSER_WORDS,
        "No results",
        "Press Enter to apply",
        "Press Enter to submit form",
        "Upload",
        "Browse files",
        "Drag and drop files here",
        "Limit 200MB per file",
        "50MB per file",
        "Deploy",
    }
)
# (where, text) of each of `words` that a person can see (a text node with a size and a font size, not
# a Material icon's name) or that is an attribute a hover or a screen reader shows, anywhere on the page.
_ENGLISH_SHOWN = """(words) => {
  const wanted = new Set(words);
  const found = [];
  for (const e of document.querySelectorAll("[aria-label], [title], [placeholder], [data-title]")) {
    for (const name of ["aria-label", "title", "placeholder", "data-title"]) {
      const value = (e.getAttribute(name) || "").trim();
      if (wanted.has(value) || /^(Help for|Remove) /.test(value)) found.push([name, value]);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const parent = node.parentElement;
    if (!wanted.has(text) || !parent || parent.closest("[data-testid='stIconMaterial'], script, style")) continue;
    const box = parent.getBoundingClientRect();
    const style = getComputedStyle(parent);
    if (box.width > 1 && box.height > 1 && style.visibility !== "hidden" && parseFloat(style.fontSize) > 0)
      found.push(["text", text]);
  }
  return found;
}"""


async def no_streamlit_english(page, where: str) -> None:
    """Wait until none of STREAMLIT_ENGLISH is shown (the page's script puts the Chinese in within a
    moment of Streamlit drawing); past a minute, fail naming what is still English."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_function(
            f"(w) => ({_ENGLISH_SHOWN})(w).length === 0", arg=STREAMLIT_ENGLISH, timeout=60_000
        )
    except PlaywrightTimeout:
        pass
    assert await page.evaluate(_ENGLISH_SHOWN, STREAMLIT_ENGLISH) == [], where
