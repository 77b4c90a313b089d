"""Issue 11, the smaller things a chair notices: every visible word Chinese, one number format, honest filters."""

from __future__ import annotations

from dashboard import formatting as fmt
from dashboard import queries
from tests import test_pages as _pages
from tests.test_pages import live_store, metric, start

app_db = _pages.app_db  # fixtures shared with the page tests
v2_navigation_only = _pages.v2_navigation_only


def test_every_sub_union_chosen_is_no_filter_and_there_is_no_select_all(app_db):
    at = start()
    at.selectbox(key="f_period_year").set_value("2024").run()
    at.switch_page("pages/activities.py").run()
    store = live_store()
    everyone = queries.activity_totals(store, queries.Filters.of(2024))["person_times"]
    assert everyone == 2418  # the demo's 2024 person-times, rows without a sub-union included
    assert metric(at, "参与人次") == fmt.count(everyone, "人次")
    box = at.multiselect(key="f_subs")
    assert box.proto.select_all == 0  # no English "Select all" in the list
    assert box.placeholder == "全部分工会"
    box.set_value(list(box.options)).run()
    assert not at.exception, at.exception
    assert metric(at, "参与人次") == "2,418人次"  # was 509: rows without a sub-union dropped
    assert not any("分工会：" in c.value for c in at.caption)  # the caption does not list every sub-union
    at.multiselect(key="f_subs").set_value(["后勤分工会"]).run()
    one = queries.activity_totals(store, queries.Filters.of(2024, sub_unions=("后勤分工会",)))["person_times"]
    assert 0 < one < everyone
    assert metric(at, "参与人次") == fmt.count(one, "人次")
