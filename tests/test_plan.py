"""Issue 19: targets (年度目标), the Word work-report draft, and the view in the page address."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from core.periods import Period
from core.store import Store
from dashboard import deck, docx_report, pack, queries, sentences, targets, workbook
from tests.cli_inprocess import run_cli

ROOT = Path(__file__).resolve().parents[1]
TOML = """# 2022 的年度目标
[period."2022"]
"welfare.total_yuan" = { at_most = 1700000 }
"activities.person_times" = { at_least = 5000 }
"proposals.已办结" = { at_least = 10 }
"办结率" = { at_least = 0.9 }
"members" = { at_least = 700 }
"""
EXPECTED_MET = {
    "welfare.total_yuan": False,  # 1,806,789 元 > 1,700,000
    "activities.person_times": False,  # 3,512 < 5,000
    "proposals.已办结": True,
    "办结率": True,
    "members": True,  # 702
}


def cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m dashboard`` in this process (tests/cli_inprocess.py: what the command does is tested)."""
    return run_cli(*args)


@pytest.fixture()
def planned_db(corpus_db, tmp_path):
    """A copy of the corpus store with the 2022 targets of TOML imported."""
    path = tmp_path / "planned.duckdb"
    shutil.copy(corpus_db, path)
    with Store(path) as store:
        targets.import_text(store, TOML)
    return path


# --- import / export -----------------------------------------------------------------------------


def test_import_export_round_trip_and_summary_json(corpus_db, tmp_path):
    path = tmp_path / "u.duckdb"
    shutil.copy(corpus_db, path)
    source = tmp_path / "targets.toml"
    source.write_text(TOML, encoding="utf-8")
    assert cli("targets", "import", str(source), "--db", str(path)).returncode == 0
    out = tmp_path / "out.toml"
    assert cli("targets", "export", "--out", str(out), "--db", str(path)).returncode == 0
    assert sorted(targets.parse_toml(out.read_text(encoding="utf-8")), key=str) == sorted(
        targets.parse_toml(TOML), key=str
    )
    # importing the export again changes nothing
    with Store(path) as store:
        before = targets.load(store)
        targets.import_text(store, out.read_text(encoding="utf-8"))
        assert targets.load(store) == before
    result = json.loads(cli("summary", "--period", "2022", "--db", str(path), "--json").stdout)
    assert {k: v["met"] for k, v in result["targets"].items()} == EXPECTED_MET
    assert result["targets"]["welfare.total_yuan"] == {
        "target": 1700000.0,
        "direction": "at_most",
        "actual": result["welfare"]["total_yuan"],
        "met": False,
    }
    # a period without targets keeps the truth.json shape
    assert "targets" not in json.loads(cli("summary", "--period", "2021", "--db", str(path), "--json").stdout)


@pytest.mark.parametrize(
    ("text", "line", "word"),
    [
        ('[period."2022"]\n"welfare.total_yuan" = { at_most = 1 }\n"welfare.no_such" = { at_least = 3 }\n', 3, "指标"),
        ('[period."2022"]\n"members" = { about = 3 }\n', 2, "方向"),
        (
            '[period."2022"]\n"members" = { at_least = 3 }\n\n[period."二〇二二"]\n"members" = { at_least = 1 }\n',
            4,
            "期间",
        ),
        ('[period."2022"]\n"members" = { at_least = "many" }\n', 2, "数值"),
        ('[period."2022"]\n"members" = { at_least = 3\n', 2, "格式"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_stored(store, tmp_path, text, line, word):
    targets.import_text(store, '[period."2021"]\n"members" = { at_least = 1 }\n')
    with pytest.raises(targets.TargetError, match=rf"第{line}行|line {line}") as err:
        targets.import_text(store, text)
    assert word in str(err.value)
    assert [t.period.label for t in targets.load(store)] == ["2021"]


def test_command_line_refuses_a_bad_file(corpus_db, tmp_path):
    path = tmp_path / "u.duckdb"
    shutil.copy(corpus_db, path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[period."2022"]\n"members" = { at_least = 3 }\n"proposals.unknown" = { at_least = 1 }\n', "utf-8")
    out = cli("targets", "import", str(bad), "--db", str(path))
    assert out.returncode == 2 and "第3行" in out.stderr and "未导入" in out.stderr
    with Store(path, read_only=True) as store:
        assert targets.load(store) == []


def test_the_editable_table_round_trips_and_names_the_bad_row():
    parsed = targets.parse_toml(TOML)
    assert targets.from_table(targets.as_table(parsed)) == parsed
    frame = targets.as_table(parsed)
    frame.loc[2, "direction"] = "大约"
    with pytest.raises(targets.TargetError, match="第3行"):
        targets.from_table(frame)


def test_a_running_period_is_judged_pro_rata():
    period = Period("year", 2030)
    goals = [
        targets.Target(period, "activities.person_times", "at_least", 1000),
        targets.Target(period, "welfare.total_yuan", "at_most", 100_000),
        targets.Target(period, "参与率", "at_least", 0.9),
    ]
    actuals = {"activities.person_times": 600.0, "welfare.total_yuan": 60_000.0, "参与率": 0.8}
    on_july_1 = targets.judge(goals, actuals, period, dt.date(2030, 7, 1))  # 182/365 elapsed
    by = {s.figure: s for s in on_july_1}
    assert by["activities.person_times"].running and not by["activities.person_times"].met
    assert by["activities.person_times"].on_track  # 600 ≥ 1000 × 0.5
    assert not by["welfare.total_yuan"].on_track  # 60,000 > 100,000 × 0.5
    assert not by["参与率"].on_track  # a rate is judged as it stands
    assert "期间已过50%" in by["activities.person_times"].running_note
    assert "进度正常" in targets.sentence(by["activities.person_times"])


# --- the five places agree -------------------------------------------------------------------------


def _verdict_words(met: bool) -> str:
    return "达到目标" if met else "未达到目标"


def test_page_sentences_deck_workbook_and_summary_agree(planned_db, monkeypatch):
    with Store(planned_db, read_only=True) as store:
        current = queries.Filters.of("2022")
        data = pack.gather(store, current, current.with_period(Period("year", 2021)))
        statuses = {s.figure: s for s in data.current.targets}
        summary_json = targets.as_json(targets.evaluate(store, current))
    assert {k: s.met for k, s in statuses.items()} == EXPECTED_MET
    # summary
    assert {k: v["met"] for k, v in summary_json.items()} == EXPECTED_MET
    # sentences
    text = sentences.as_text(data)
    for figure, status in statuses.items():
        said = targets.sentence(status)
        assert said in text
        assert ("达到年初目标" in said) == EXPECTED_MET[figure]
        if not EXPECTED_MET[figure]:
            assert "尚差" in said or "超出" in said
    assert "距年初目标（不低于5,000人次）尚差1,488人次" in text
    # deck
    prs = Presentation(io.BytesIO(deck.build_deck(data)))
    table_rows = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    cells = [c.text for c in row.cells]
                    table_rows[cells[0]] = cells
    for status in statuses.values():
        assert table_rows[status.name][3] == _verdict_words(status.met)
    # workbook
    wb = openpyxl.load_workbook(io.BytesIO(workbook.build_workbook(data)))
    sheet = {row[0]: row for row in wb["年度目标"].iter_rows(values_only=True) if row and row[0]}
    for status in statuses.values():
        assert sheet[status.name][3] == _verdict_words(status.met)
    # page (总览 and the area pages): AppTest on the same store, the period from the address
    monkeypatch.setenv("UNION_DB", str(planned_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        for page, figures in (
            ("overview", list(statuses)),
            ("welfare", ["welfare.total_yuan"]),
            ("activities", ["activities.person_times"]),
            ("proposals", ["proposals.已办结", "办结率"]),
        ):
            at = _app(page, {"period": "2022"})
            shown = {m.label: m for m in at.metric}
            for figure in figures:
                status = statuses[figure]
                assert shown[status.name].value == status.show(status.actual)
                assert _verdict_words(status.met) in shown[status.name].delta
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


# --- the Word report ---------------------------------------------------------------------------------


def _docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _number(text: str) -> float:
    return float(text.replace(",", "").removesuffix("%"))


def test_word_report_holds_every_sentence_the_summary_figures_and_no_name(planned_db, tmp_path):
    out = tmp_path / "report.docx"
    md = tmp_path / "report.md"
    assert cli("report", "--period", "2022", "--db", str(planned_db), "--out", str(out)).returncode == 0
    assert cli("report", "--period", "2022", "--db", str(planned_db), "--out", str(md)).returncode == 0
    document = docx.Document(str(out))
    text = _docx_text(document)
    with Store(planned_db, read_only=True) as store:
        current = queries.Filters.of("2022")
        data = pack.gather(store, current, current.with_period(Period("year", 2021)))
        summary = queries.summary(store, current)
        previous = queries.summary(store, current.with_period(Period("year", 2021)))
        names = set(queries.welfare_rows(store, current)["recipient"].dropna()) | set(
            queries.award_rows(store, current)["recipient"].dropna()
        )
    # every sentence of the .md report (the .md escapes markup; the sentences are the same texts)
    said = sentences.sentences(data)
    assert said and all(s.text in text for s in said)
    assert "达到年初目标" in text and "尚差" in text
    md_text = md.read_text(encoding="utf-8")
    for paragraph in md_text.split("\n\n")[2:]:
        if not paragraph.startswith("#"):
            plain = re.sub(r"\\(.)", r"\1", paragraph.strip())
            assert plain in text
    # the title, heading styles, east-Asian fonts
    assert document.paragraphs[0].style.name == "Title"
    # the union named by the ledgers' own titles (示范职业技术学院工会), not a placeholder
    assert document.paragraphs[0].text == "示范职业技术学院工会2022年度工作报告（数据部分）"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、福利慰问", "二、文体活动", "三、民主管理与提案", "四、评优表彰", "五、组织建设与会员"]
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋"
    heading = document.styles["Heading 1"].element.rPr.rFonts
    assert heading.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"
    # tables: figures equal summary (current and comparison column)
    rows = {}
    for table in document.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            rows.setdefault(cells[0], cells)
    expect = {
        "支出合计（元）": ("welfare", "total_yuan"),
        "惠及人次": ("welfare", "person_times"),
        "活动场次（场）": ("activities", "events"),
        "参与人次": ("activities", "person_times"),
        "提案总数（件）": ("proposals", "total"),
        "立案（件）": ("proposals", "立案"),
        "作为意见建议（件）": ("proposals", "作为意见建议"),
        "不予立案（件）": ("proposals", "不予立案"),
        "已办结（件）": ("proposals", "已办结"),
        "获奖总数（项）": ("awards", "total"),
        "个人（项）": ("awards", "个人"),
        "集体（项）": ("awards", "集体"),
    }
    for name, (area, key) in expect.items():
        assert _number(rows[name][1]) == summary[area][key], name
        assert _number(rows[name][2]) == previous[area][key], name
    for category, amount in summary["welfare"]["by_category"].items():
        assert _number(rows[category][1]) == amount
    for level, n in summary["awards"]["by_level"].items():
        assert _number(rows[f"{level}（项）"][1]) == n
    assert _number(rows["会员人数（人）"][1]) == summary["members"]
    # no full name of any recipient (names of two or more characters)
    leaked = [n for n in names if len(n) >= 2 and n in text and not n.endswith("工会")]
    assert not leaked, leaked[:5]


def test_word_report_notes_a_missing_ledger(store):
    data = pack.gather(store, queries.Filters.of("2022"), None)
    document = docx.Document(io.BytesIO(docx_report.build_docx(data)))
    text = _docx_text(document)
    assert "未导入慰问/福利台账" in text and "未导入提案台账" in text


def test_sections_are_data(store):
    """A section appended to SECTIONS (as donations will be) appears when present, and not when optional and empty."""
    extra = docx_report.Section(
        "捐款", "捐款", "捐款台账", lambda f: True, lambda p: [("捐款", [["指标", "2022"], ["捐款人次", "3"]])]
    )
    hidden = docx_report.Section("宣传", "宣传", "宣传台账", lambda f: False, lambda p: [], optional=True)
    saved = list(docx_report.SECTIONS)
    docx_report.SECTIONS.extend([extra, hidden])
    try:
        data = pack.gather(store, queries.Filters.of("2022"), None)
        document = docx.Document(io.BytesIO(docx_report.build_docx(data)))
    finally:
        docx_report.SECTIONS[:] = saved
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "六、捐款" and "宣传" not in "".join(headings)


# --- the view in the page address -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def v2_navigation_only(monkeypatch):
    """As in test_pages: AppTest 1.67 resets PagesManager.uses_pages_directory before every run."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def _app(page: str, params: dict[str, object]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_with_query_parameters_opens_the_same_view(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_DB", str(tmp_path / "app.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        first = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        first.run()
        years = first.selectbox(key="f_period_year").options
        subs = first.multiselect(key="f_subs").options
        assert len(years) >= 2 and subs
        oldest = years[-1]
        # choose a view by hand: the oldest year, no comparison, one sub-union → the address follows
        first.selectbox(key="f_period_year").select(oldest).run()
        first.selectbox(key=f"f_compare_year_{oldest}").select(None).run()
        first.multiselect(key="f_subs").select(subs[0]).run()
        address = {k: first.query_params[k] for k in first.query_params}
        assert address["period"] in (oldest, [oldest]) and address["compare"] in ("none", ["none"])
        # a new session opened with that address shows the same view and the same figures
        again = _app("overview", address)
        assert again.session_state["filters"] == first.session_state["filters"]
        assert again.session_state["compare"] is None
        assert [m.value for m in again.metric] == [m.value for m in first.metric]
        # an academic year and a comparison from the address, on another page
        academic = _app("proposals", {"period": "2024-2025学年", "compare": "none"})
        assert academic.session_state["filters"][0] == ("academic", 2024)
        # nonsense is ignored: the default view
        default = _app("overview", {"period": "1999", "sub": "不存在的分工会"})
        assert default.session_state["filters"][0] == ("year", int(years[0]))
        assert default.session_state["filters"][2] == ()
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
