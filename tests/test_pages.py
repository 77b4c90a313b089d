"""AppTest for every page on the demo database: no exception, and the figures equal the queries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from core.store import Store
from dashboard import formatting as fmt
from dashboard import queries
from tests.conftest import copy_store
from tests.helpers import app_store

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "welfare", "activities", "proposals", "awards", "outreach", "report", "upload", "manage"]


@pytest.fixture(autouse=True)
def v2_navigation_only(monkeypatch):
    """Work around AppTest 1.67: it resets PagesManager.uses_pages_directory before every run, so a
    rerun of an app whose folder has pages/ (our fixed layout) runs the page file alone, as in the
    old pages-directory mode, without streamlit_app.py's st.navigation and sidebar.  The real server
    sets the flag to False once st.navigation is called; we do the same after each construction."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture()
def app_db(demo_template, tmp_path, monkeypatch):
    """A database as the app leaves it after its first start (the demo data), private to the test."""
    path = copy_store(demo_template, tmp_path / "app.duckdb")
    with app_store(path, monkeypatch):
        yield path


def start() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def live_store() -> Store:
    from dashboard.app import get_store

    return get_store()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(app_db, page):
    at = start()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if page not in ("upload", "manage", "report"):
        assert at.get("plotly_chart"), "every dashboard page draws charts"


def test_overview_metrics_equal_summary(app_db):
    at = start()
    store = live_store()
    period = at.selectbox(key="f_period_year").value
    expected = queries.summary(store, queries.Filters.of(period))
    assert metric(at, "福利慰问支出") == fmt.seed_wan(expected["welfare"]["total_yuan"])
    assert metric(at, "慰问/福利人次") == fmt.count(expected["welfare"]["person_times"], "人次")
    assert metric(at, "活动参与人次") == fmt.count(expected["activities"]["person_times"], "人次")
    assert metric(at, "提案总数") == fmt.count(expected["proposals"]["total"], "件")
    assert metric(at, "获奖总数") == fmt.count(expected["awards"]["total"], "项")
    for level, n in expected["awards"]["by_level"].items():
        assert metric(at, level) == fmt.count(n, "项")


def test_period_and_sub_union_filters_change_figures(app_db):
    at = start()
    store = live_store()
    at.selectbox(key="f_period_year").set_value("2024").run()
    assert metric(at, "福利慰问支出") == fmt.seed_wan(
        queries.welfare_totals(store, queries.Filters.of(2024))["total_yuan"]
    )
    at.multiselect(key="f_subs").set_value(["后勤分工会"]).run()
    only = queries.welfare_totals(store, queries.Filters.of(2024, sub_unions=("后勤分工会",)))["total_yuan"]
    everyone = queries.welfare_totals(store, queries.Filters.of(2024))["total_yuan"]
    assert 0 < only < everyone
    assert metric(at, "福利慰问支出") == fmt.seed_wan(only)
    at.radio(key="f_kind").set_value("学年").run()
    academic = at.selectbox(key="f_period_academic").value
    assert academic.endswith("学年")
    expected = queries.welfare_totals(store, queries.Filters.of(academic, sub_unions=("后勤分工会",)))
    assert metric(at, "福利慰问支出") == fmt.seed_wan(expected["total_yuan"])


def _file_total(path: Path) -> float:
    """The file's own 合计 row (amount column), read with openpyxl: an independent figure."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    for row in ws.iter_rows(values_only=True):
        if row[0] == "合计":
            return float(row[6])
    raise AssertionError("no 合计 row")


def test_upload_page_loads_a_ledger_and_totals_move_by_its_amount(app_db, corpus_dir):
    path = corpus_dir / "2022年慰问金发放台账.xlsx"
    at = start()
    store = live_store()
    before = queries.welfare_totals(store, queries.Filters.of(2022))["total_yuan"]
    at.switch_page("pages/upload.py").run()
    data = path.read_bytes()
    at.file_uploader(key="uploader").set_value((path.name, data, "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.button(key=f"load_{hashlib.sha256(data).hexdigest()}").click().run()
    assert any("已导入第" in s.value for s in at.success), [s.value for s in at.success]
    after = queries.welfare_totals(store, queries.Filters.of(2022))["total_yuan"]
    assert after - before == pytest.approx(_file_total(path), abs=0.005)
    # uploading it again is refused as a duplicate
    at.run()
    assert any("已导入过" in i.value for i in at.info)


def test_upload_page_shows_rejected_rows_and_writes_nothing(app_db):
    from tests.helpers import xlsx_bytes

    data = xlsx_bytes(
        {"慰问": [["日期", "分工会", "类别", "姓名", "金额"], ["2024.3.8", "机关", "结婚慰问", "甲", "abc"]]}
    )
    at = start()
    store = live_store()
    version = store.data_version()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="uploader").set_value(("坏文件.xlsx", data, "application/octet-stream")).run()
    assert any("1 行不合格" in w.value for w in at.warning)
    button = at.button(key=f"load_{hashlib.sha256(data).hexdigest()}")
    assert button.disabled
    assert store.data_version() == version


def test_welfare_rows_masked_by_default(app_db):
    at = start()
    at.switch_page("pages/welfare.py").run()
    frames = [d.value for d in at.dataframe if "对象" in d.value.columns]
    assert frames, "the row table is there"
    names = [n for n in frames[0]["对象"] if isinstance(n, str) and 2 <= len(n) <= 4]
    assert names and all(n[1:] == "*" * (len(n) - 1) for n in names)


def test_a_row_view_longer_than_the_limit_shows_the_first_rows_and_says_so(app_db, monkeypatch):
    """A district's year holds far more rows than a page should send: the view keeps the first
    ROW_VIEW_LIMIT by date and a caption says so; the figures above still count every row."""
    from core.labels import t
    from dashboard import queries

    monkeypatch.setattr(queries, "ROW_VIEW_LIMIT", 7)
    at = start()
    at.switch_page("pages/welfare.py").run()
    year = int(str(at.selectbox(key="f_period_year").value)[:4])
    store = live_store()
    first = store.query("SELECT date FROM welfare WHERE year(date) = ? ORDER BY date LIMIT 7", [year])
    assert store.scalar("SELECT count(*) FROM welfare WHERE year(date) = ?", [year]) > 7
    frame = next(d.value for d in at.dataframe if "对象" in d.value.columns)
    shown = [str(d)[:10] for d in frame["日期"]]
    assert len(frame) == 7 and shown == [str(d)[:10] for d in first["date"]]  # the earliest seven
    assert any(c.value == t("rows.limited", n="7") for c in at.caption)


def test_current_academic_year_is_selectable_and_shows_its_figures(app_db):
    """Today (2026-11-27 in the demo) lies in 2026-2027学年: its 160,300 元 and 5 activities must be reachable."""
    at = start()
    store = live_store()
    at.radio(key="f_kind").set_value("学年").run()
    period = at.selectbox(key="f_period_academic")
    assert "2026-2027学年" in period.options
    # every academic year holding a dated row is offered, counted from dates (independently of the app's query)
    starts = store.query(
        """SELECT DISTINCT CASE WHEN month(d) >= 9 THEN year(d) ELSE year(d) - 1 END AS y FROM (
             SELECT date AS d FROM welfare UNION ALL SELECT start_date FROM activities
             UNION ALL SELECT coalesce(session_date, submit_date) FROM proposals
             UNION ALL SELECT award_date FROM awards) WHERE d IS NOT NULL ORDER BY y DESC"""
    )["y"]
    assert period.options == [f"{y}-{y + 1}学年" for y in starts]
    period.set_value("2026-2027学年").run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    # the comparison period defaults to the previous academic year, kept as plain data
    assert at.selectbox(key="f_compare_academic_2026").value == ("academic", 2025)
    assert at.session_state["compare"] == ("academic", 2025)
    assert at.session_state["filters"] == (("academic", 2026), None, ())

    welfare_yuan, person_times = store.query(
        "SELECT sum(amount_yuan)::DOUBLE, sum(person_times)::BIGINT FROM welfare "
        "WHERE date BETWEEN DATE '2026-09-01' AND DATE '2027-08-31'"
    ).iloc[0]
    events, participants = store.query(
        "SELECT count(*), sum(participants)::BIGINT FROM activities "
        "WHERE start_date BETWEEN DATE '2026-09-01' AND DATE '2027-08-31'"
    ).iloc[0]
    assert (welfare_yuan, events) == (160_300, 5)
    assert metric(at, "福利慰问支出") == fmt.seed_wan(welfare_yuan) == "16.03万元"
    assert metric(at, "慰问/福利人次") == fmt.count(person_times, "人次")
    assert metric(at, "活动参与人次") == fmt.count(participants, "人次")
    help_text = next(m.proto.help for m in at.metric if m.label == "活动参与人次")
    assert help_text == f"共 {events} 场活动" == "共 5 场活动"
    assert "统计期间：2026-2027学年（2026-09-01 至 2027-08-31） ｜ 对比：2025-2026学年" in [c.value for c in at.caption]

    at.switch_page("pages/activities.py").run()
    assert metric(at, "活动场次") == "5场"


def test_comparison_options_are_computed_periods():
    from core.periods import Period
    from dashboard.app import compare_options

    available = [Period("academic", y) for y in (2026, 2025, 2024, 2023)]
    options, default = compare_options(Period("academic", 2026), available)
    assert options == [("academic", 2025), ("academic", 2024), ("academic", 2023), None]
    previous = Period("academic", 2026).previous()
    assert options[default] == (previous.kind, previous.start_year)
    # a gap: the previous period has no data, so the newest earlier one is the default
    options, default = compare_options(Period("year", 2026), [Period("year", 2026), Period("year", 2023)])
    assert options == [("year", 2023), None] and default == 0
    # the earliest period compares with nothing
    options, default = compare_options(Period("year", 2023), [Period("year", 2026), Period("year", 2023)])
    assert options == [None] and default == 0


def test_outreach_page_figures_equal_queries(app_db):
    """捐款与宣传 on the demo (2025: roster, drives, items): metrics equal the queries; names masked."""
    at = start()
    store = live_store()
    at.selectbox(key="f_period_year").set_value("2025").run()
    at.switch_page("pages/outreach.py").run()
    assert not at.exception, [e.value for e in at.exception]
    f = queries.Filters.of(2025)
    donations = queries.donation_totals(store, f)
    assert metric(at, "捐款活动") == fmt.count(donations["drives"], "次")
    assert metric(at, "捐款人次") == fmt.count(donations["person_times"], "人次")
    assert metric(at, "募集捐款") == fmt.seed_wan(donations["total_yuan"])
    publicity = queries.publicity_totals(store, f)
    assert metric(at, "宣传稿件") == fmt.count(publicity["items"], "篇")
    assert metric(at, "微信推文") == fmt.count(publicity["by_channel"]["微信公众号"], "篇")
    reach = queries.reach(store, f)
    assert metric(at, "名册会员") == fmt.count(reach["members"], "人")
    assert metric(at, "服务到的会员") == fmt.count(reach["reached"], "人")
    assert metric(at, "覆盖面") == fmt.pct(reach["share"])
    # the never-reached list is masked until asked
    names = set(reach["never"]["name"])
    shown = {v for df in at.dataframe for col in df.value.columns for v in df.value[col].astype(str)}
    assert not names & shown
    # the rows behind a figure (溯源): nothing of it is computed or sent while its expander is closed
    assert "outreach_sources" not in {s.key for s in at.selectbox}
    at.session_state["outreach_sources_open"] = True
    at.run()
    sources = at.selectbox(key="outreach_sources")
    sources.set_value("donations.total_yuan").run()
    assert not at.exception
    assert any("募集捐款" in m.value for m in at.markdown)


def test_overview_has_a_line_for_donations_publicity_reach(app_db):
    at = start()
    at.selectbox(key="f_period_year").set_value("2025").run()
    store = live_store()
    summary = queries.summary(store, queries.Filters.of(2025))
    assert metric(at, "爱心捐款") == fmt.seed_wan(summary["donations"]["total_yuan"])
    assert metric(at, "宣传稿件") == fmt.count(summary["publicity"]["items"], "篇")
    assert metric(at, "会员覆盖面") == fmt.pct(summary["reach"]["share"])
    at.selectbox(key="f_period_year").set_value("2024").run()
    assert metric(at, "会员覆盖面") == "—"


def test_overview_sources_are_computed_only_when_opened(app_db):
    at = start()
    at.selectbox(key="f_period_year").set_value("2025").run()
    # closed (the default): no picker and no table on 总览 (so the browser loads no data grid for it)
    assert "overview_sources" not in {s.key for s in at.selectbox}
    assert not at.dataframe
    at.session_state["overview_sources_open"] = True
    at.run()
    at.selectbox(key="overview_sources").set_value("welfare.total_yuan").run()
    assert not at.exception, at.exception
    rows = live_store().scalar("SELECT count(*) FROM welfare WHERE year(date) = 2025")
    assert rows > 0
    assert len(at.dataframe[-1].value) == rows  # the rows behind 福利慰问支出 in 2025
