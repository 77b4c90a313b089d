"""One definition of every figure: 已办结 is the same number in summary, page, sentences, workbook and deck."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from core.store import Store
from core.vocab import ACCEPTED_DECISIONS, HANDLED_STATUSES
from dashboard import deck, pack, queries, sentences, workbook
from loaders.loading import load_path
from tests.helpers import xlsx_bytes
from tests.test_pages import ROOT, metric, v2_navigation_only  # noqa: F401 (fixture)

HEADER = ["序号", "会议届次", "会议日期", "提案编号", "提案标题", "提案人", "处理结果", "承办部门", "办理状态"]
# (处理结果, 办理状态): 已落实 rows are handled too; 不予立案 and 合并 are not accepted.
ROWS = [
    ("立案", "已办结"),
    ("立案", "已落实"),
    ("立案", "已落实"),
    ("作为意见建议", "已办结"),
    ("作为意见建议", "已落实"),
    ("作为意见建议", "办理中"),
    ("立案", "办理中"),
    ("不予立案", ""),
    ("合并", ""),
]
EXPECTED_HANDLED = sum(1 for d, s in ROWS if d in ACCEPTED_DECISIONS and s in HANDLED_STATUSES)  # 5
EXPECTED_ACCEPTED = sum(1 for d, _ in ROWS if d in ACCEPTED_DECISIONS)  # 7


@pytest.fixture()
def handled_db(tmp_path, monkeypatch):
    rows = [
        [i, "第五届二次教代会", "2023-03-10", f"5-2-{i:02d}", f"关于事项{i}的提案", f"提案人{i}", d, "总务处", s]
        for i, (d, s) in enumerate(ROWS, start=1)
    ]
    path = tmp_path / "提案台账.xlsx"
    path.write_bytes(xlsx_bytes({"提案": [["2023年教代会提案台账"], HEADER, *rows]}))
    db = tmp_path / "kpi.duckdb"
    with Store(db) as store:
        _, result = load_path(store, path, org="某校工会")
        assert result.status == "loaded", result.message
    monkeypatch.setenv("UNION_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db
    st.cache_resource.clear()
    st.cache_data.clear()


def test_handled_is_one_number_in_five_places(handled_db):
    assert EXPECTED_HANDLED == 5
    filters = queries.Filters.of(2023)
    with Store(handled_db, read_only=True) as store:
        summary = queries.summary(store, filters)
        data = pack.gather(store, filters, None)
        rows = pack.detail_rows(store, filters)
    # 1. summary --json
    assert summary["proposals"]["已办结"] == EXPECTED_HANDLED
    assert data.current.proposals["completion_rate"] == pytest.approx(EXPECTED_HANDLED / EXPECTED_ACCEPTED)
    # 2. the sentences
    text = sentences.as_text(data)
    assert f"立案及作为意见建议的{EXPECTED_ACCEPTED}件提案已办结{EXPECTED_HANDLED}件" in text
    assert re.findall(r"已办结(\d+)件", text) == [str(EXPECTED_HANDLED)]
    # 3. the workbook's KPI table
    wb = openpyxl.load_workbook(io.BytesIO(workbook.build_workbook(data, rows)))
    kpi = {row[1]: row[2] for row in wb.worksheets[0].iter_rows(values_only=True) if row[1]}
    assert kpi["已办结（件）"] == EXPECTED_HANDLED
    # 4. the deck's proposal table
    prs = Presentation(io.BytesIO(deck.build_deck(data)))
    cells = {
        row.cells[0].text: row.cells[1].text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
    }
    assert cells["已办结（件）"] == str(EXPECTED_HANDLED)
    # 5. the 提案办理 page
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/proposals.py").run()
    at.selectbox(key="f_period_year").set_value("2023").run()
    assert not at.exception, at.exception
    assert metric(at, "已办结") == f"{EXPECTED_HANDLED}件"
