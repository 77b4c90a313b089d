"""Loading behaviour: rejected rows, all-or-nothing batches, duplicates, removal, layouts clerks write."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.store import Store
from dashboard import queries
from loaders.analysis import analyse_file
from loaders.loading import commit_file, load_path, load_user_mappings, remove_batch, save_value_mapping
from tests.helpers import store_content, xlsx_bytes

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）", "备注"]


def welfare_file(rows: list[list[object]], title: str = "2022年慰问台账") -> bytes:
    return xlsx_bytes({"2022年": [[title], HEADER, *rows]}, merged={"2022年": ["A1:H1"]})


def total(store: Store, period: str = "2022") -> float:
    return queries.welfare_totals(store, queries.Filters.of(period))["total_yuan"]


GOOD = [
    [1, dt.date(2022, 3, 8), "机关分工会", "住院慰问", "张三", None, 500, ""],
    [2, "2022年4月1日", "后勤分工会", "生育慰问", "李四", 1, "1,000元", ""],
]


def test_rejected_rows_carry_row_number_and_reason(store):
    rows = [
        *GOOD,
        [3, "2022.5.1", "机关分工会", "结婚慰问", "王五", 1, "abc", ""],
        [4, None, "机关分工会", "结婚慰问", "赵六", 1, 600, ""],
        [5, "2022.5.2", "机关分工会", "结婚慰问", "钱七", 1, -600, ""],
        [6, "2022.5.3", "机关分工会", "结婚慰问", "孙八", 1, "#VALUE!", ""],
        ["合计", None, None, None, None, 2, 1500, None],
        ["制表人：陈立华  审核：周晓燕"],
    ]
    report = analyse_file(welfare_file(rows), "bad.xlsx")
    sheet = report.sheets[0]
    got = [(r.row, r.reason) for r in sheet.rejected]
    assert got == [
        (5, "金额（元）：不是数字：“abc”"),
        (6, "缺少日期"),
        (7, "金额（元）为负数：“-600.00”"),
        (8, "金额（元）：单元格为错误值 #VALUE!"),
    ]
    assert sheet.accepted == 2
    assert dict(sheet.result.skipped) == {"合计/小计行": 1, "制表/签名/备注行": 1}
    before = store_content(store)
    result = commit_file(store, report)
    assert result.status == "refused" and "4 行不合格" in result.message
    assert store_content(store) == before


def test_accept_valid_keeps_rejected_rows_in_batch(store):
    rows = [*GOOD, [3, "2022.5.1", "机关分工会", "结婚慰问", "王五", 1, "abc", ""]]
    report = analyse_file(welfare_file(rows), "bad.xlsx")
    result = commit_file(store, report, accept_valid=True)
    assert result.status == "loaded"
    assert total(store) == 1500.0
    kept = store.query("SELECT source_row, reason, raw FROM rejected_rows WHERE batch_id = ?", [result.batch_id])
    assert list(kept["source_row"]) == [5]
    assert json.loads(kept["raw"][0]) == {
        "序号": "3",
        "日期": "2022.5.1",
        "分工会": "机关分工会",
        "类别": "结婚慰问",
        "姓名": "王五",
        "人数": "1",
        "金额（元）": "abc",
    }


def test_formula_without_cached_value_is_reported():
    rows = [HEADER, [1, "2022.3.8", "机关分工会", "结婚慰问", "张三", 1, "=SUM(1,2)", ""]]
    sheet = analyse_file(xlsx_bytes({"s": rows}, formulas=True), "f.xlsx").sheets[0]
    assert [(r.row, r.reason) for r in sheet.rejected] == [
        (2, "金额（元）：公式没有计算结果（请在 Excel/WPS 中打开并保存后再上传）：G2")
    ]


def test_same_file_twice_adds_nothing(store):
    data = welfare_file(GOOD)
    first = commit_file(store, analyse_file(data, "a.xlsx"))
    before = store_content(store)
    second = commit_file(store, analyse_file(data, "renamed copy.xlsx"))
    assert (first.status, second.status) == ("loaded", "duplicate")
    assert "已导入过" in second.message
    assert store_content(store) == before
    assert total(store) == 1500.0


def test_remove_batch_restores_previous_figures(store):
    commit_file(store, analyse_file(welfare_file(GOOD), "a.xlsx"))
    before = total(store)
    version = store.data_version()
    extra = commit_file(
        store, analyse_file(welfare_file([[1, "2022.6.1", "机关分工会", "高温慰问", "", 10, 600, ""]]), "b.xlsx")
    )
    assert total(store) == before + 600
    assert store.data_version() > version
    assert remove_batch(store, extra.batch_id)
    assert total(store) == before
    assert not remove_batch(store, extra.batch_id)


def test_failing_write_leaves_nothing(store, monkeypatch):
    """A failure in the middle of a batch (after the batch row was written) rolls everything back."""
    report = analyse_file(
        xlsx_bytes({"a": [HEADER, *GOOD], "b": [HEADER, [1, "2022.6.1", "机关分工会", "高温慰问", "", 10, 600, ""]]}),
        "two.xlsx",
    )
    before = store_content(store)
    calls = []
    real = Store.insert_frame

    def failing(self, cur, kind, frame):
        calls.append(kind)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(self, cur, kind, frame)

    monkeypatch.setattr(Store, "insert_frame", failing)
    with pytest.raises(RuntimeError):
        commit_file(store, report)
    assert store_content(store) == before


def test_unrecognised_file_names_its_headers(store):
    report = analyse_file(xlsx_bytes({"Sheet1": [["编号", "爱好", "籍贯"], [1, "钓鱼", "江苏"]]}), "odd.xlsx")
    assert report.fatal == "工作表“Sheet1”：无法识别台账类型。找到的表头：编号、爱好、籍贯"
    assert commit_file(store, report).status == "refused"


def test_instruction_sheet_skipped_with_note():
    data = xlsx_bytes({"填表说明": [["请按模板填写"], ["金额单位为元"]], "台账": [HEADER, *GOOD]})
    report = analyse_file(data, "x.xlsx")
    assert [(s.sheet, s.status) for s in report.sheets] == [("填表说明", "skipped"), ("台账", "data")]
    assert report.sheets[0].note == "说明页，不是台账，已跳过"


def test_two_row_merged_header_in_wan_yuan():
    rows = [
        ["2023年慰问台账"],
        ["金额单位：万元"],
        ["序号", "日期", "分工会", "类别", "对象", "发放情况", None, "备注"],
        [None, None, None, None, None, "人数（人次）", "金额（万元）", None],
        [1, "2023.1.2", "机关分工会", "生育慰问", "徐昌", 1, 0.08, ""],
        [2, "2023/3/8", "机关分工会", "节日慰问", "", 120, 2.4, ""],
    ]
    data = xlsx_bytes({"2023": rows}, merged={"2023": ["A1:H1", "A2:H2", "F3:G3", "A3:A4", "B3:B4"]})
    sheet = analyse_file(data, "w.xlsx").sheets[0]
    records = sheet.result.records
    assert list(records["amount_yuan"]) == [800.0, 24000.0]
    assert list(records["person_times"]) == [1, 120]
    assert list(records["category"]) == ["生育慰问", "节日福利"]
    assert list(records["source_row"]) == [5, 6]


def test_gbk_csv_and_utf8_bom_csv():
    text = "日期,部门,类别,姓名,金额\n2022-03-08,机关分工会,丧事慰问,NA,500\n"
    for encoding in ("gbk", "utf-8-sig", "gb18030"):
        sheet = analyse_file(text.encode(encoding), "慰问.csv").sheets[0]
        assert sheet.kind == "welfare"
        assert sheet.result.records["recipient"].tolist() == ["NA"]  # a name, not a missing value
        assert sheet.result.records["category"].tolist() == ["亲属去世慰问"]


def test_legacy_xls_file(store):
    report, result = load_path(store, FIXTURES / "2022年慰问台账（旧版）.xls")
    assert result.status == "loaded"
    assert total(store) == 1500.0


def test_district_summary_takes_school_from_column(store):
    rows = [
        ["学校", "日期", "单位", "类别", "姓名", "金额"],
        ["第一中学", "2022.3.8", "语文组", "结婚慰问", "甲", 500],
        ["第二小学", "2022.3.9", "数学组", "结婚慰问", "乙", 700],
    ]
    commit_file(store, analyse_file(xlsx_bytes({"区汇总": rows}), "district.xlsx"))
    assert queries.organisations(store) == ["第一中学", "第二小学"]
    assert queries.welfare_totals(store, queries.Filters.of(2022, "第二小学"))["total_yuan"] == 700.0


def test_headcount_with_one_column_per_year(store):
    rows = [["会员人数统计"], ["分工会", "2021年", "2022年"], ["机关分工会", 100, 110], ["后勤分工会", 50, 52]]
    commit_file(store, analyse_file(xlsx_bytes({"人数": rows}), "members.xlsx"))
    assert queries.members_total(store, queries.Filters.of(2021)) == 150
    assert queries.members_total(store, queries.Filters.of(2022)) == 162


def test_unknown_values_kept_and_mapping_remembered(store):
    rows = [[1, "2022.3.8", "机关分工会", "金婚纪念", "张三", 1, 300, ""]]
    report = analyse_file(welfare_file(rows), "a.xlsx")
    assert dict(report.sheets[0].result.unknown_values) == {("category", "金婚纪念"): 1}
    commit_file(store, report)
    assert queries.welfare_by_category(store, queries.Filters.of(2022))["category"].tolist() == ["金婚纪念"]
    save_value_mapping(store, "welfare", "category", "金婚纪念", "退休慰问")
    assert queries.welfare_by_category(store, queries.Filters.of(2022))["category"].tolist() == ["退休慰问"]
    again = analyse_file(welfare_file(rows, title="2022年慰问台账（二）"), "b.xlsx", user=load_user_mappings(store))
    assert again.sheets[0].result.records["category"].tolist() == ["退休慰问"]
    assert not again.sheets[0].result.unknown_values


def test_hostile_names_stored_verbatim(store):
    names = ["'); DROP TABLE welfare; --", '=HYPERLINK("x")', "<b>粗</b>", "😀", "None", "007"]
    rows = [[i, "2022.3.8", "机关分工会", "结婚慰问", n, 1, 100, ""] for i, n in enumerate(names, 1)]
    commit_file(store, analyse_file(welfare_file(rows), "a.xlsx"))
    assert queries.welfare_rows(store, queries.Filters.of(2022))["recipient"].tolist() == names


def test_command_line_loads_folder_and_reports_rejects(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xlsx").write_bytes(welfare_file(GOOD))
    (folder / "bad.xlsx").write_bytes(welfare_file([[1, "2022.5.1", "机关分工会", "结婚慰问", "王五", 1, "abc", ""]]))
    db = tmp_path / "cli.duckdb"
    cmd = [sys.executable, "-m", "loaders", str(folder), "--db", str(db)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 1
    assert "bad.xlsx：有 1 行不合格，整个文件未导入" in out.stdout
    assert "第 3 行：金额（元）：不是数字：“abc”" in out.stdout
    again = subprocess.run([*cmd, "--accept-valid"], capture_output=True, text=True)
    assert again.returncode == 1  # a row was still rejected, though the file loaded
    assert "bad.xlsx：已导入第" in again.stdout and "good.xlsx：该文件已导入过" in again.stdout


def test_hidden_column_does_not_double_count():
    """A hidden helper column with the amount in 万元 beside the visible 金额（元）: the visible one counts."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "分工会", "类别", "姓名", "金额（万元）", "金额（元）"])
    sheet.append(["2022.3.8", "机关分工会", "结婚慰问", "张三", 0.05, 800])  # the hidden copy is stale
    sheet.column_dimensions["E"].hidden = True
    buf = io.BytesIO()
    book.save(buf)
    records = analyse_file(buf.getvalue(), "hidden.xlsx").sheets[0].result.records
    assert records["amount_yuan"].tolist() == [800.0]
    # with only a hidden amount column, it is used
    book2 = openpyxl.Workbook()
    sheet2 = book2.active
    sheet2.append(["日期", "分工会", "类别", "姓名", "金额（元）"])
    sheet2.append(["2022.3.8", "机关分工会", "结婚慰问", "张三", 600])
    sheet2.column_dimensions["E"].hidden = True
    buf2 = io.BytesIO()
    book2.save(buf2)
    assert analyse_file(buf2.getvalue(), "h2.xlsx").sheets[0].result.records["amount_yuan"].tolist() == [600.0]


def test_sheet_result_travels_as_arrow_and_reads_as_a_frame(tmp_path):
    """The accepted records stay the Arrow table validation built: the report pickles (the reading child's
    pipe) without a DataFrame made from it, and ``records`` is that table as pandas."""
    import pickle

    import pyarrow as pa

    from benchmarks.runs import write_ledger
    from loaders.analysis import analyse_file

    path = tmp_path / "ledger.xlsx"
    total = write_ledger(path, 40)
    report = analyse_file(path.read_bytes(), path.name)
    result = report.data_sheets[0].result
    assert isinstance(result.table, pa.Table) and result.accepted == 40
    frame = result.records  # made on first use, kept
    assert result.records is frame and float(frame["amount_yuan"].sum()) == total
    back = pickle.loads(pickle.dumps(report))
    assert "_records" not in back.data_sheets[0].result.__dict__
    assert back.data_sheets[0].result.table.equals(result.table)
    assert back.data_sheets[0].result.records.equals(frame)
