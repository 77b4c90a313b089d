"""Issue 19 on a phone: every page at 390×844 in Debian's Chromium (Playwright), screenshots in test-artifacts/.

No horizontal overflow on any page; 总览's first screen holds at least four metrics; chart toolbars are
hidden (they covered titles); the sidebar's filters open from the corner button; a link with the view in
its address (period, comparison, sub-union) opens that view.
"""

from __future__ import annotations

import urllib.parse

import pytest

from tests.browser_helpers import ARTIFACTS, PAGES, goto, no_errors, require_chromium

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.async_api")
require_chromium()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

OVERFLOW = """() => Math.max(...[document.documentElement, document.body,
    document.querySelector("[data-testid='stMain']"), document.querySelector("[data-testid='stAppViewContainer']")]
    .filter(Boolean).map(e => e.scrollWidth - e.clientWidth))"""
METRICS_ON_FIRST_SCREEN = """() => [...document.querySelectorAll("[data-testid='stMetric']")]
    .filter(e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.bottom <= 844; }).length"""


@pytest.fixture()
def server(demo_server):
    """The worker's demo server (tests/conftest.py), shared with tests/test_browser.py."""
    return demo_server


def test_every_page_fits_a_phone(server, chromium):
    async def main(browser):
        page = await browser.new_page(**PHONE)
        found = {}
        for name, path in PAGES.items():
            await goto(page, f"{server}/{path}", "[data-testid='stMainBlockContainer'] h1")
            await no_errors(page)
            found[name] = await page.evaluate(OVERFLOW)
            await page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
            if name == "overview":
                found["metrics"] = await page.evaluate(METRICS_ON_FIRST_SCREEN)
                bar = await page.query_selector(".js-plotly-plot .modebar-container")
                found["modebar"] = None if bar is None else await bar.evaluate("e => getComputedStyle(e).display")
            if name == "welfare":
                frames = await page.query_selector_all("[data-testid='stDataFrame']")
                found["tables"] = [(await f.bounding_box() or {}).get("width", 0) for f in frames]
        # the sidebar's filters stay reachable: the corner button opens them
        await goto(page, server, "[data-testid='stMetric']")
        await page.click("[data-testid='stExpandSidebarButton']")
        period = page.get_by_role("combobox", name="统计期间")
        await period.wait_for(state="visible")
        found["sidebar"] = await period.is_visible()
        await page.screenshot(path=str(ARTIFACTS / "phone-sidebar.png"))
        return found

    found = chromium.run(main)
    assert {name: found[name] for name in PAGES if found[name] > 0} == {}, "horizontal overflow"
    assert found["metrics"] >= 4, found["metrics"]
    assert found["modebar"] in (None, "none")
    assert found["tables"] and all(0 < width <= 390 for width in found["tables"]), found["tables"]
    assert found["sidebar"]


def test_desktop_keeps_four_metrics_a_row(server, chromium):
    async def main(browser):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        await goto(page, server, "[data-testid='stMetric']")
        tops = await page.evaluate(
            "() => [...document.querySelectorAll(\"[data-testid='stMetric']\")].slice(0, 4)"
            ".map(e => Math.round(e.getBoundingClientRect().top))"
        )
        return tops

    tops = chromium.run(main)
    assert len(set(tops)) == 1, tops


def test_a_copied_link_opens_the_same_view(server, chromium):
    async def main(browser):
        page = await browser.new_page(**PHONE)
        await goto(page, server, "[data-testid='stMetric']")
        query = urllib.parse.urlsplit(page.url).query  # the default view is written into the address
        default = dict(urllib.parse.parse_qsl(query))
        link = f"{server}/proposals?" + urllib.parse.urlencode({"period": "2024-2025学年", "compare": "none"})
        await goto(page, link, "[data-testid='stMetric']")
        caption = await page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
        address = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
        await page.screenshot(path=str(ARTIFACTS / "phone-link-proposals.png"))
        return default, caption, address

    default, caption, address = chromium.run(main)
    assert "period" in default and "compare" in default
    assert "2024-2025学年" in caption and "对比" not in caption
    assert address == {"period": "2024-2025学年", "compare": "none"}
