"""The congress pack: deck charts, sentences and workbook agree with truth.json; no names; no formulas."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from pptx import Presentation

from core.store import Store
from core.vocab import DECISION_ORDER, LEVEL_ORDER
from dashboard import deck, pack, queries, sentences, workbook
from dashboard.formatting import formula_safe, seed_wan
from loaders.analysis import analyse_file
from loaders.loading import commit_file
from tests.cli_inprocess import run_cli
from tests.helpers import SHARED, xlsx_bytes

TRUTH = json.loads((SHARED / "truth.json").read_text()) if SHARED.is_dir() else {}


@pytest.fixture(scope="module")
def pack_2022(corpus_db):
    with Store(corpus_db, read_only=True) as store:
        data = pack.gather(store, queries.Filters.of(2022), queries.Filters.of(2021))
        rows = pack.detail_rows(store, queries.Filters.of(2022))
        names = {
            n for n in queries.welfare_rows(store, queries.Filters.of(2022))["recipient"].dropna() if 2 <= len(n) <= 4
        }
    return data, rows, names


def _charts(prs):
    return {
        slide.shapes[1].text_frame.text if slide.shapes[1].has_text_frame else "": shape.chart
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart
    }


def _all_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.has_chart:
                parts += [str(c) for c in shape.chart.plots[0].categories]
    return "\n".join(parts)


def test_deck_has_native_charts_matching_truth(pack_2022):
    data, _, _ = pack_2022
    prs = Presentation(io.BytesIO(deck.build_deck(data)))
    assert len(prs.slides) == 6  # title, four areas, summary
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=0.01)
    charts = _charts(prs)
    assert set(charts) == {"福利慰问", "活动参与", "提案办理", "评优获奖"}
    now, before = TRUTH["2022"], TRUTH["2021"]

    welfare = charts["福利慰问"].plots[0]
    categories = list(welfare.categories)
    assert set(categories) == set(now["welfare"]["by_category"])
    values = dict(zip(categories, welfare.series[0].values, strict=True))
    for category, yuan in now["welfare"]["by_category"].items():
        assert values[category] == pytest.approx(yuan / 10_000, abs=1e-4)
    previous = dict(zip(categories, welfare.series[1].values, strict=True))
    assert previous["生病住院慰问"] == pytest.approx(
        before["welfare"]["by_category"]["生病住院慰问"] / 10_000, abs=1e-4
    )

    proposals = charts["提案办理"].plots[0]
    assert list(proposals.categories) == list(DECISION_ORDER)
    assert list(proposals.series[0].values) == [now["proposals"][d] for d in DECISION_ORDER]
    assert list(proposals.series[1].values) == [before["proposals"][d] for d in DECISION_ORDER]

    awards = charts["评优获奖"].plots[0]
    assert list(awards.series[0].values) == [now["awards"]["by_level"][lv] for lv in LEVEL_ORDER]

    activities = charts["活动参与"].plots[0]
    assert sum(activities.series[0].values) == now["activities"]["person_times"]


# What each chart of the deck counts (its title names the unit) and the number formats the pages give
# that unit: (unit, data labels, value axis).  Counts whole with a thousands separator; 万元 to 2
# decimals like the pages' bar labels, plain axis ticks.
CHART_FORMATS = {
    "福利慰问": ("万元", "#,##0.00", "General"),
    "活动参与": ("人次", "#,##0", "#,##0"),
    "提案办理": ("件", "#,##0", "#,##0"),
    "评优获奖": ("项", "#,##0", "#,##0"),
}


def _chart_formats_match_units(prs) -> set[str]:
    """Assert each chart's number formats are its unit's (CHART_FORMATS); the areas whose axis steps by 1."""
    charts = _charts(prs)
    assert set(charts) == set(CHART_FORMATS)
    step_one = set()
    for area, chart in charts.items():
        unit, labels, axis = CHART_FORMATS[area]
        assert unit in chart.chart_title.text_frame.text, area
        plot = chart.plots[0]
        assert (plot.data_labels.number_format, plot.data_labels.number_format_is_linked) == (labels, False), area
        ticks = chart.value_axis.tick_labels
        assert (ticks.number_format, ticks.number_format_is_linked) == (axis, False), area
        # The values' own format (the chart's embedded sheet, what "linked to source" would show).
        codes = {code.text for code in chart._chartSpace.xpath(".//c:val//c:formatCode")}
        assert codes == {labels}, area
        values = [v for series in plot.series for v in series.values]
        if unit != "万元":  # a count: whole values, and whole ticks (a step of 1 up to 10)
            assert all(float(v).is_integer() for v in values), area
            assert chart.value_axis.major_unit == (1 if max(values) <= 10 else None), area
        if chart.value_axis.major_unit == 1:
            step_one.add(area)
    return step_one


def test_each_chart_numbers_as_its_unit(pack_2022):
    data, _, _ = pack_2022
    assert _chart_formats_match_units(Presentation(io.BytesIO(deck.build_deck(data)))) == set()  # counts > 10


def test_small_counts_tick_whole_numbers_in_the_demo_deck(demo_ledgers_db):
    with Store(demo_ledgers_db, read_only=True) as store:
        data = pack.gather(store, queries.Filters.of(2025), queries.Filters.of(2024))
    # The demo's 2025 proposals and awards are at most 8 per bar: a step of 0.5 would show "0, 1, 1, 2".
    step_one = _chart_formats_match_units(Presentation(io.BytesIO(deck.build_deck(data))))
    assert step_one == {"提案办理", "评优获奖"}


@pytest.mark.parametrize(
    ("unit", "formats"),
    [
        ("人次", ("#,##0", "#,##0")),
        ("件", ("#,##0", "#,##0")),
        ("项", ("#,##0", "#,##0")),
        ("场", ("#,##0", "#,##0")),
        ("人", ("#,##0", "#,##0")),
        ("元", ("#,##0", "#,##0")),
        ("万元", ("#,##0.00", "General")),
        ("%", ("0.0%", "0%")),
    ],
)
def test_number_formats_by_unit(unit, formats):
    assert deck.number_formats(unit) == formats


def test_a_chart_in_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="公里"):
        deck.number_formats("公里")


def test_deck_has_no_personal_names_and_east_asian_font(pack_2022):
    data, _, names = pack_2022
    blob = deck.build_deck(data)
    text = _all_text(Presentation(io.BytesIO(blob)))
    assert names, "the corpus names people"
    assert not [n for n in names if n in text]
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        slide_xml = z.read("ppt/slides/slide2.xml").decode()
    assert '<a:ea typeface="Microsoft YaHei"/>' in slide_xml


def test_sentences_quote_truth(pack_2022):
    data, _, _ = pack_2022
    text = sentences.as_text(data)
    now, before = TRUTH["2022"], TRUTH["2021"]
    cats = now["welfare"]["by_category"]
    relief = ["生病住院慰问", "亲属去世慰问", "结婚慰问", "生育慰问", "退休慰问"]
    assert f"发放慰问金（品）{seed_wan(sum(cats[c] for c in relief))}" in text
    assert "13.0989万元" in text  # seed report 002
    assert "看望慰问39位生病住院、18位亲人去世、6位结婚、14位生育、25位退休教职工" in text
    assert f"发放补助金{seed_wan(cats['困难补助'])}" in text
    assert f"共计{seed_wan(cats['节日福利'] + cats['生日慰问'] + cats['观影福利'])}" in text
    growth = (now["welfare"]["total_yuan"] - before["welfare"]["total_yuan"]) / before["welfare"]["total_yuan"]
    assert (
        f"共发放福利慰问{seed_wan(now['welfare']['total_yuan'])}，惠及{now['welfare']['person_times']}人次，"
        f"同比增长{growth * 100:.1f}%（2021年为{seed_wan(before['welfare']['total_yuan'])}）"
    ) in text
    p = now["proposals"]
    assert (
        f"共征集提案{p['total']}件，其中立案{p['立案']}件，作为意见建议{p['作为意见建议']}件，"
        f"不予立案{p['不予立案']}件，合并{p['合并']}件" in text
    )
    assert "办结率100%" in text
    assert f"获得各级各类荣誉{now['awards']['total']}项" in text
    assert (
        f"共组织开展各类活动{now['activities']['events']}场，参与教职工{now['activities']['person_times']}人次" in text
    )
    assert f"工会会员{now['members']}人" in text


def test_areas_without_data_are_left_out(store):
    rows = [["日期", "分工会", "类别", "姓名", "金额"], ["2024.3.8", "机关", "结婚慰问", "甲", 800]]
    commit_file(store, analyse_file(xlsx_bytes({"慰问": rows}), "w.xlsx"))
    data = pack.gather(store, queries.Filters.of(2024), None)
    areas = {s.area for s in sentences.sentences(data)}
    assert areas == {"福利慰问"}
    text = sentences.as_text(data)
    assert "【提案办理】" not in text and "征集提案" not in text  # no sentence about proposals …
    assert "本期无活动台账、提案台账" in text  # … and the note says why
    prs = Presentation(io.BytesIO(deck.build_deck(data)))
    assert set(_charts(prs)) == {"福利慰问"}


def test_workbook_tables_and_masked_rows(pack_2022):
    data, rows, names = pack_2022
    wb = openpyxl.load_workbook(io.BytesIO(workbook.build_workbook(data, rows)))
    assert wb.sheetnames == ["概览", "福利慰问", "活动参与", "提案办理", "评优获奖", "福利慰问明细", "获奖名单"]
    kpis = {(r[0], r[1]): r[2:] for r in wb["概览"].iter_rows(min_row=5, values_only=True) if r[1]}
    assert kpis[("福利慰问", "支出合计（元）")][0] == TRUTH["2022"]["welfare"]["total_yuan"]
    assert kpis[("福利慰问", "支出合计（元）")][1] == TRUTH["2021"]["welfare"]["total_yuan"]
    assert kpis[("提案办理", "立案（件）")][:2] == (3, 4)
    assert kpis[("评优获奖", "市级（项）")][0] == 12
    detail = [r[4] for r in wb["福利慰问明细"].iter_rows(min_row=3, values_only=True)]
    assert not names & set(detail)
    assert sum(r[6] for r in wb["福利慰问明细"].iter_rows(min_row=3, values_only=True)) == pytest.approx(
        TRUTH["2022"]["welfare"]["total_yuan"]
    )


HOSTILE = ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(A1)", "\tTAB", "\rCR"]


def test_exports_neutralise_formula_text(store):
    rows = [["日期", "分工会", "类别", "姓名", "金额"]]
    rows += [["2024.3.8", h, h, "甲", 100 + i] for i, h in enumerate(HOSTILE)]
    commit_file(store, analyse_file(xlsx_bytes({"慰问": rows}), "hostile.xlsx"))
    f = queries.Filters.of(2024)
    data = pack.gather(store, f, None)
    book = workbook.build_workbook(data, pack.detail_rows(store, f))
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode(), name
    wb = openpyxl.load_workbook(io.BytesIO(book))
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for h in HOSTILE:
        # the loaders strip surrounding whitespace, so tab/CR values arrive without it
        assert ("'" + h if h.strip() == h else h.strip()) in cells
    blob = deck.build_deck(data)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        embedded = [n for n in z.namelist() if n.endswith(".xlsx")]
        assert embedded
        for name in embedded:
            with zipfile.ZipFile(io.BytesIO(z.read(name))) as inner:
                for part in inner.namelist():
                    if part.startswith("xl/worksheets/"):
                        assert not re.search(r"<f>|<f ", inner.read(part).decode()), part


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("1-2", "1-2"),
        (5, 5),
    ],
)
def test_neutralise(value, expected):
    assert workbook.neutralise(value) == expected
    if isinstance(value, str):
        assert formula_safe(value) == expected


def test_report_command_writes_each_format(corpus_db, tmp_path):
    for suffix in (".pptx", ".md", ".txt", ".xlsx"):
        out = tmp_path / f"pack{suffix}"
        done = run_cli("report", "--period", "2022", "--compare", "2021", "--db", str(corpus_db), "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 0 and "已生成" in done.stdout
    assert "13.0989万元" in (tmp_path / "pack.md").read_text(encoding="utf-8")
    assert len(Presentation(str(tmp_path / "pack.pptx")).slides) == 6
