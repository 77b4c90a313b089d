"""Issue 19 on a phone (390×844) in Debian's Chromium (Playwright), screenshots in test-artifacts/: a link
with the view in its address (period, comparison, sub-union) opens that view.

The phone checks of every page (no horizontal overflow, 总览's first screen holds at least four metrics,
chart toolbars hidden, the sidebar's filters open from the corner button, tables inside the width) and
the desktop's four metrics a row are made on the same visit of each page as tests/test_browser.py's
other checks: test_every_page_opens_in_chinese_and_fits_a_phone (issue 16).
"""

from __future__ import annotations

import urllib.parse

import pytest

from tests.browser_helpers import ARTIFACTS, goto, require_chromium

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.async_api")
require_chromium()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture()
def server(demo_server):
    """The worker's demo server (tests/conftest.py), shared with tests/test_browser.py."""
    return demo_server


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
