"""The page before the sidebar (issue 16): the router chooses the view (期间, 对比期, 学校, 分工会) from session
state and the page address, runs the page with it, then draws the sidebar's widgets showing that same view.

The browser loads each element type's code when the first element of that type arrives, on six connections
per server: with the sidebar first, st.metric's code waited behind some 28 files of the sidebar widgets'.
The view must hold on every page and every rerun, 上传台账 included (it stops early before a file is chosen),
and what a load changes (new periods) shows in the sidebar of the same run.
"""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest, local_script_runner

from core.labels import t
from core.store import Store
from dashboard import formatting as fmt
from dashboard import queries
from tests.helpers import app_store
from tests.test_pages import PAGES, ROOT, _file_total, live_store, metric, start
from tests.test_pages import app_db as app_db  # fixture: the demo database, private to the test
from tests.test_pages import v2_navigation_only as v2_navigation_only  # autouse fixture for AppTest

MAIN, SIDEBAR = 0, 1  # the root containers of a delta path (Streamlit's RootContainer)
WIDGETS = ("selectbox", "radio", "multiselect")
LOAD_2022 = "2022年慰问金发放台账.xlsx"  # a corpus ledger of a year the demo data lacks (2024–2026)


@pytest.fixture()
def deltas(monkeypatch):
    """The elements of each AppTest run in the order the script sent them: [(root container, element type)]."""
    runs: list[list[tuple[int, str]]] = []
    parse = local_script_runner.parse_tree_from_messages

    def recording(messages):
        runs.append(
            [
                (m.metadata.delta_path[0], m.delta.new_element.WhichOneof("type"))
                for m in messages
                if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
            ]
        )
        return parse(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", recording)
    return runs


def first(sent: list[tuple[int, str]], root: int, types: tuple[str, ...]) -> int:
    return next(i for i, (r, kind) in enumerate(sent) if r == root and kind in types)


def sidebar_view(at: AppTest) -> tuple[str, str, object, list[str]]:
    """What the sidebar's widgets show: (期间类型, 期间, 对比期, 分工会)."""
    kind = at.sidebar.radio(key="f_kind").value
    key = "year" if kind == t("period.kind.year") else "academic"
    period = at.sidebar.selectbox(key=f"f_period_{key}").value
    start_year = int(period[:4])
    compare = at.sidebar.selectbox(key=f"f_compare_{key}_{start_year}").value
    return kind, period, compare, list(at.sidebar.multiselect(key="f_subs").value)


def test_the_page_is_sent_before_the_sidebar_widgets(app_db, deltas):
    at = start()
    sent = deltas[-1]
    assert first(sent, MAIN, ("metric",)) < first(sent, SIDEBAR, WIDGETS), sent[:40]
    assert first(sent, MAIN, ("plotly_chart",)) < first(sent, SIDEBAR, WIDGETS)
    assert not [kind for root, kind in sent[first(sent, SIDEBAR, WIDGETS) :] if root == MAIN], "main after widgets"
    # 上传台账 stops before a file is chosen: its sidebar is drawn all the same
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    sent = deltas[-1]
    assert first(sent, MAIN, ("file_uploader",)) < first(sent, SIDEBAR, WIDGETS)
    assert at.sidebar.selectbox(key="f_period_year").options


def test_the_chosen_view_holds_on_every_page_upload_included_and_after_a_load(app_db, corpus_dir):
    at = start()
    store = live_store()
    default_proposals = metric(at, "提案总数")
    at.selectbox(key="f_period_year").set_value("2024").run()
    at.selectbox(key="f_compare_year_2024").set_value(None).run()
    at.multiselect(key="f_subs").set_value(["后勤分工会"]).run()
    chosen = queries.Filters.of(2024, sub_unions=("后勤分工会",))
    view = ("自然年", "2024", None, ["后勤分工会"])
    for page in [*PAGES, "overview"]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.error, (page, [e.value for e in [*at.exception, *at.error]])
        assert at.session_state["filters"] == (("year", 2024), None, ("后勤分工会",)), page
        assert at.session_state["compare"] is None, page
        assert sidebar_view(at) == view, page
    at.switch_page("pages/proposals.py").run()
    expected = fmt.count(queries.summary(store, chosen)["proposals"]["total"], "件")
    assert metric(at, "提案总数") == expected != default_proposals
    # a load on 上传台账: the year it brings is offered in the sidebar of the same run; the view holds
    path = corpus_dir / LOAD_2022
    data = path.read_bytes()
    at.switch_page("pages/upload.py").run()
    assert "2022" not in at.sidebar.selectbox(key="f_period_year").options
    at.file_uploader(key="uploader").set_value((path.name, data, "application/octet-stream")).run()
    at.button(key=f"load_{hashlib.sha256(data).hexdigest()}").click().run()
    assert any("已导入第" in s.value for s in at.success), [s.value for s in at.success]
    assert "2022" in at.sidebar.selectbox(key="f_period_year").options
    assert sidebar_view(at) == view
    at.switch_page("pages/overview.py").run()
    assert sidebar_view(at) == view
    assert metric(at, "福利慰问支出") == fmt.seed_wan(queries.welfare_totals(store, chosen)["total_yuan"])
    # the new year, chosen in the sidebar, is the one the pages read: the file's own 合计
    at.multiselect(key="f_subs").set_value([]).run()
    at.selectbox(key="f_period_year").set_value("2022").run()
    at.switch_page("pages/welfare.py").run()
    assert at.session_state["filters"] == (("year", 2022), None, ())
    total = queries.welfare_totals(store, queries.Filters.of(2022))["total_yuan"]
    assert total == pytest.approx(_file_total(path), abs=0.005)
    at.switch_page("pages/overview.py").run()
    assert metric(at, "福利慰问支出") == fmt.seed_wan(total)


def test_a_link_opens_its_view_on_the_page_first_run_and_the_widgets_agree(app_db):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params.update({"period": "2024-2025学年", "compare": "none", "sub": "后勤分工会"})
    at.switch_page("pages/proposals.py").run()
    assert not at.exception, at.exception
    assert at.session_state["filters"] == (("academic", 2024), None, ("后勤分工会",))
    assert at.session_state["compare"] is None
    assert sidebar_view(at) == ("学年", "2024-2025学年", None, ["后勤分工会"])
    expected = queries.summary(live_store(), queries.Filters.of("2024-2025学年", sub_unions=("后勤分工会",)))
    assert metric(at, "提案总数") == fmt.count(expected["proposals"]["total"], "件")
    # the kind switched by hand keeps each kind's own period key; the address follows the widgets
    at.radio(key="f_kind").set_value("自然年").run()
    assert at.session_state["filters"][0] == ("year", int(at.sidebar.selectbox(key="f_period_year").value))
    year = at.sidebar.selectbox(key="f_period_year").value
    assert at.query_params["period"] in (year, [year])


def test_an_empty_store_says_so_and_a_first_load_shows_its_period_at_once(tmp_path, monkeypatch, corpus_dir):
    path = tmp_path / "empty.duckdb"
    with Store(path) as store:
        store.set_meta("demo", "cleared")  # no demo data on this first start
    with app_store(path, monkeypatch):
        at = start()
        assert [i.value for i in at.info if i.value == t("app.no_data")]
        assert [i.value for i in at.sidebar.info] == [t("sidebar.empty")]
        assert not at.metric and not at.sidebar.selectbox
        assert at.session_state["filters"] is None
        ledger = corpus_dir / LOAD_2022
        data = ledger.read_bytes()
        at.switch_page("pages/upload.py").run()
        at.file_uploader(key="uploader").set_value((ledger.name, data, "application/octet-stream")).run()
        school = [box for box in at.text_input if str(box.key).startswith("org|")]
        if school and not school[0].value:  # no school in the store yet: the file's school is asked for
            school[0].input("测试学校").run()
        at.button(key=f"load_{hashlib.sha256(data).hexdigest()}").click().run()
        assert not at.exception, at.exception
        assert any("已导入第" in s.value for s in at.success), [s.value for s in at.success]
        assert at.sidebar.selectbox(key="f_period_year").value == "2022"
        at.switch_page("pages/overview.py").run()
        assert at.session_state["filters"] == (("year", 2022), None, ())
        total = queries.welfare_totals(live_store(), queries.Filters.of(2022))["total_yuan"]
        assert total == pytest.approx(_file_total(ledger), abs=0.005)
        assert metric(at, "福利慰问支出") == fmt.seed_wan(total)


# The file names of element code the browser fetched, with when it asked (startTime) and when the request
# got a connection (requestStart), ms from navigation start (Resource Timing).
CODE_REQUESTS = r"""() => performance.getEntriesByType('resource')
  .map(e => [(e.name.match(/\/(Metric|PlotlyChart|Selectbox|Radio|Multiselect)\.[^/]*\.js$/) || [])[1],
             e.startTime, e.requestStart])
  .filter(e => e[0])"""


@pytest.mark.browser
def test_the_browser_asks_for_the_metric_code_before_the_sidebar_widgets(demo_server, chromium):
    pytest.importorskip("playwright.async_api")
    from tests.browser_helpers import goto, require_chromium

    require_chromium()

    async def main(browser):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        await goto(page, demo_server, "[data-testid='stSidebar'] [data-testid='stSelectbox']")
        await page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
        return await page.evaluate(CODE_REQUESTS)

    asked = {name: (start, request) for name, start, request in chromium.run(main)}
    assert {"Metric", "Selectbox", "Radio", "Multiselect"} <= set(asked), asked
    widgets = min(asked[name][0] for name in ("Selectbox", "Radio", "Multiselect"))
    assert asked["Metric"][0] < widgets, asked
    # (Not the chart's: the front end may start drawing a Plotly chart after widgets that arrived later.)
