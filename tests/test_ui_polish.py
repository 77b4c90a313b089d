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


def _specs(at):
    import json

    return {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec) for c in at.get("plotly_chart")
    }


def _y(spec: dict) -> list:
    """The first trace's y values (Plotly sends numbers as typed arrays: dtype + base64)."""
    import base64

    import numpy as np

    y = spec["data"][0]["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def test_month_axes_have_every_month_and_count_axes_whole_ticks(app_db):
    at = start()
    at.selectbox(key="f_period_year").set_value("2024").run()
    at.switch_page("pages/activities.py").run()
    specs = _specs(at)
    events = specs["每月活动场次"]
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    assert events["data"][0]["x"] == months  # months without an activity are on the axis, at 0
    store = live_store()
    by_month = queries.activities_grouped(store, queries.Filters.of(2024), "month").set_index("key")["events"]
    expected = [int(by_month.get(m, 0)) for m in months]
    assert list(_y(events)) == expected and 0 in expected
    assert sum(expected) == queries.activity_totals(store, queries.Filters.of(2024))["events"]
    axis = events["layout"]["yaxis"]
    assert axis["tickformat"] == ",d" and axis["dtick"] == 1 and max(expected) <= 10  # no 0.2 ticks
    person_times = specs["每月参与人次"]
    assert person_times["layout"]["yaxis"]["tickformat"] == ",d" and "dtick" not in person_times["layout"]["yaxis"]
    assert "." not in "".join(person_times["data"][0]["text"])  # 554, not 554.0
    # amounts are not counts: the 万元 axis keeps its decimals
    at.switch_page("pages/welfare.py").run()
    wan = _specs(at)["按月支出（万元）"]
    assert wan["data"][0]["x"] == months and "tickformat" not in wan["layout"]["yaxis"]


def test_tables_money_with_thousands_separators_and_no_none(app_db):
    import json

    at = start()
    at.selectbox(key="f_period_year").set_value("2024").run()
    at.switch_page("pages/welfare.py").run()
    table = next(d for d in at.dataframe if "金额（元）" in d.value.columns and "类别" in d.value.columns)
    columns = json.loads(table.proto.columns)
    assert columns["金额（元）"]["type_config"]["format"] == "%,.2f"  # 514,800.00, not 514800.00
    assert columns["人次"]["type_config"]["format"] == "%,d"
    assert table.proto.placeholder == ""  # an empty cell shows empty, never None
    assert table.value["金额（元）"].max() >= 10_000
    # the report's KPI table is text: money with two decimals and a separator, counts with a separator
    at.switch_page("pages/report.py").run()
    kpi = next(d for d in at.dataframe if "指标" in d.value.columns).value.set_index("指标")
    store = live_store()
    total = queries.welfare_totals(store, queries.Filters.of(2024))["total_yuan"]
    assert kpi.loc["支出合计（元）", "2024年"] == f"{total:,.2f}" and "," in kpi.loc["支出合计（元）", "2024年"]
    events = queries.activity_totals(store, queries.Filters.of(2024))["events"]
    assert kpi.loc["活动场次（场）", "2024年"] == f"{events:,}"
    assert not kpi.isin(["None", "nan", "empty"]).any().any()


def test_no_green_plus_zero_and_one_wan_precision(app_db):
    at = start()
    at.selectbox(key="f_period_year").set_value("2025").run()
    assert at.session_state["compare"] == ("year", 2024)
    overview_wan = metric(at, "福利慰问支出")
    at.switch_page("pages/welfare.py").run()
    assert metric(at, "支出合计") == overview_wan  # the same figure written the same way on both pages
    for page in ("overview", "welfare", "activities", "proposals", "awards"):
        at.switch_page(f"pages/{page}.py").run()
        deltas = [m.proto.delta for m in at.metric]
        assert not [d for d in deltas if d in ("+0.0%", "+0.0个百分点", "+0项", "+0")], (page, deltas)
    assert fmt.metric_delta(100, 100) is None and fmt.metric_delta(101, 100) == "+1.0%"
    assert fmt.metric_points(0.5, 0.5) is None


def test_part_year_against_whole_year_says_so_on_pages_and_in_the_pack(app_db):
    from dashboard import deck, pack, sentences

    at = start()  # the demo: 2026 has data for January to October, 2025 for the whole year
    assert at.selectbox(key="f_period_year").value == "2026"
    note = "本期只有 1–10 月数据，对比期有 1–12 月数据，同比仅供参考"
    for page in ("overview", "welfare", "activities", "proposals", "awards", "report"):
        at.switch_page(f"pages/{page}.py").run()
        assert note in [i.value for i in at.info], page
    store = live_store()
    data = pack.gather(store, queries.Filters.of(2026), queries.Filters.of(2025))
    text = sentences.as_text(data)
    assert note + "。" in text
    assert "同比增长0.2%（2025年为54.848万元，两期数据月份不同，仅供参考）" in text
    assert note + "。" in sentences.as_markdown(data).replace("\\", "")
    slides = _deck_texts(deck.build_deck(data))
    closing = "\n".join(slides[-1])
    assert "说明：" + note in closing, closing
    assert "54.942万元\n福利慰问支出\n同比 +0.2%（仅供参考）" in closing  # the headline tiles
    assert "1,788人次" in closing
    # whole years on both sides: no note
    assert queries.coverage_notes(store, queries.Filters.of(2025), queries.Filters.of(2024)) == []


def _deck_texts(data: bytes) -> list[list[str]]:
    import io

    from pptx import Presentation

    prs = Presentation(io.BytesIO(data))
    return [[s.text_frame.text for s in slide.shapes if s.has_text_frame] for slide in prs.slides]


def test_closing_slide_is_complete_when_few_ledgers(tmp_path):
    """Slide 5 of a pack with only welfare and activities was three lines; now tiles, lines and 说明."""
    from core.store import Store
    from dashboard import deck, pack
    from loaders.loading import load_path

    store = Store(tmp_path / "few.duckdb")
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    for path in sorted(demo.glob("*.xlsx")):
        if "福利" in path.name or "活动" in path.name:
            load_path(store, path, org="东湖实验学校")
    data = pack.gather(store, queries.Filters.of(2025), None)
    slides = _deck_texts(deck.build_deck(data))
    closing = slides[-1]
    assert "工作总结" in closing
    welfare = queries.welfare_totals(store, queries.Filters.of(2025))
    assert any(t.startswith(f"{fmt.wan_number(welfare['total_yuan'])}万元") for t in closing)  # a tile
    assert any(t.startswith("说明：") and "提案" in t for t in closing)  # what the pack lacks
    assert sum(t.count("■") for t in closing) == 2  # welfare and activities lines


def test_sub_union_filter_says_where_it_does_not_apply(app_db):
    at = start()
    at.multiselect(key="f_subs").set_value(["后勤分工会"]).run()
    not_applied = "分工会筛选不适用于提案和经费预算决算（这两类台账不分分工会），其数字为全校合计"
    store = live_store()
    for page, said in (("proposals", True), ("welfare", True), ("overview", True), ("activities", False)):
        at.switch_page(f"pages/{page}.py").run()
        assert (not_applied in [c.value for c in at.caption]) is said, page
    at.switch_page("pages/proposals.py").run()
    everyone = queries.proposal_totals(store, queries.Filters.of(2026))["total"]
    assert metric(at, "提案总数") == fmt.count(everyone, "件") == "17件"  # the whole school's, as the caption says
    at.multiselect(key="f_subs").set_value([]).run()
    assert not_applied not in [c.value for c in at.caption]


def test_unit_name_on_the_report_page_comes_from_the_data(app_db):
    at = start()
    at.switch_page("pages/report.py").run()
    store = live_store()
    (org,) = queries.organisations(store)
    box = next(b for b in at.text_input if b.label.startswith("单位名称"))
    assert box.value == org and org.startswith("东湖实验学校") and box.value != "本校工会"


def test_file_uploader_words_are_chinese(app_db):
    at = start()
    at.switch_page("pages/upload.py").run()
    styles = "".join(h.proto.body for h in at.get("html"))
    assert 'content: "选择文件"' in styles  # instead of "Upload"
    assert 'content: "可拖入文件，每个不超过 50 MB（xlsx、xlsm、xls、csv）"' in styles  # "50MB per file • …"
    assert 'content: "松开鼠标即可添加文件"' in styles  # "Drag and drop files here"
    for selector in ("stFileUploaderDropzone", "stFileUploaderDropzoneInstructions"):
        assert f'[data-testid="{selector}"]' in styles


def test_streamlit_own_words_are_replaced_from_the_catalogue(app_db):
    """The widget CSS and the page's script carry the catalogue's Chinese (the browser test checks the
    effect); each English word replaced is still one the pinned front end writes, so an upgrade that
    renames one fails here instead of letting the English back silently."""
    import json
    from pathlib import Path

    import streamlit

    from core.labels import BROWSER_PREFIXES, BROWSER_WORDS

    at = start()
    at.switch_page("pages/welfare.py").run()
    bodies = [h.proto.body for h in at.get("html")]
    styles = "".join(bodies)
    assert 'content: "没有匹配的选项"' in styles  # "No results"
    assert 'content: "按回车键确认"' in styles  # "Press Enter to apply"
    (script,) = [b for b in bodies if "<script>" in b]
    assert json.dumps(BROWSER_WORDS, ensure_ascii=False) in script
    assert json.dumps(BROWSER_PREFIXES, ensure_ascii=False) in script
    assert BROWSER_WORDS["Clear all"] == "全部清除" and BROWSER_WORDS["Add files"] == "添加文件"
    bundle = "".join(
        f.read_text(encoding="utf-8", errors="replace")
        for f in (Path(streamlit.__file__).parent / "static" / "static" / "js").glob("*.js")
    )
    for english in [*BROWSER_WORDS, "No results", "Press Enter to", "submit form", "+Enter to"]:
        assert english in bundle, english
    for prefix in BROWSER_PREFIXES:
        assert f"`{prefix}${{" in bundle, prefix


RECOGNISED = {
    "慰问": [
        ["日期", "分工会", "类别", "姓名", "金额"],
        ["2024.3.8", "机关分工会", "看望生病住院教职工", "甲乙", 600],
        ["2024.4.8", "机关分工会", "看望生病住院教职工", "丙丁", 500],
        ["2024.5.8", "机关分工会", "结婚", "戊己", 300],
    ]
}


def test_a_value_the_loader_recognised_can_be_remapped_and_the_choice_sticks(app_db):
    import hashlib

    from tests.helpers import xlsx_bytes

    data = xlsx_bytes(RECOGNISED)
    at = start()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="uploader").set_value([("认定.xlsx", data, "application/octet-stream")]).run()
    assert not at.exception, at.exception
    boxes = {b.key.rsplit("|", 1)[-1]: b for b in at.selectbox if (b.key or "").startswith("r|")}
    # the loader's keyword rule made 看望生病住院教职工 生病住院慰问 and 结婚 结婚慰问: both offered, pre-selected
    assert boxes["看望生病住院教职工"].value == "生病住院慰问" and boxes["结婚"].value == "结婚慰问"
    assert "（2 行）" in boxes["看望生病住院教职工"].label
    boxes["看望生病住院教职工"].set_value("困难补助")
    next(b for b in at.button if b.label == "保存更改").click().run()
    assert not at.exception, at.exception
    at.run()
    boxes = {b.key.rsplit("|", 1)[-1]: b for b in at.selectbox if (b.key or "").startswith("r|")}
    assert boxes["看望生病住院教职工"].value == "困难补助"  # the choice sticks
    preview = [d.value for d in at.dataframe if "类别" in d.value.columns][-1]
    assert list(preview["类别"]) == ["困难补助", "困难补助", "结婚慰问"]
    at.button(key=f"load_{hashlib.sha256(data).hexdigest()}").click().run()
    store = live_store()
    rows = store.query(
        "SELECT category, sum(amount_yuan)::DOUBLE AS y FROM welfare WHERE batch_id = "
        "(SELECT max(batch_id) FROM batches) GROUP BY 1 ORDER BY 1"
    )
    assert dict(zip(rows["category"], rows["y"], strict=True)) == {"困难补助": 1100.0, "结婚慰问": 300.0}
    # and the next upload of the same words (another file) takes the chair's choice without asking
    other = xlsx_bytes(
        {"慰问": [*RECOGNISED["慰问"][:2], ["2024.6.1", "机关分工会", "看望生病住院教职工", "己庚", 200]]}
    )
    at.file_uploader(key="uploader").set_value([("下一次.xlsx", other, "application/octet-stream")]).run()
    preview = [d.value for d in at.dataframe if "类别" in d.value.columns][-1]
    assert set(preview["类别"]) == {"困难补助"}
