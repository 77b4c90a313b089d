"""Sheets and tables of one file that are not data: summary sheets (汇总表) repeating the other sheets."""

from __future__ import annotations

from loaders.analysis import analyse_file
from tests.helpers import xlsx_bytes

HEADER = ["日期", "分工会", "慰问类别", "慰问对象", "人次", "金额（元）"]
JAN = [
    ["2023-01-03", "数学分工会", "困难补助", "何勇", 1, 800],
    ["2023-01-16", "语文分工会", "生育慰问", "马超", 1, 500],
]
FEB = [["2023-02-16", "艺体分工会", "结婚慰问", "周涛", 1, 2000]]


def _amounts(report) -> float:
    return sum(float(s.result.records["amount_yuan"].sum()) for s in report.data_sheets)


def test_copy_sheet_is_a_summary_not_loaded():
    # 1月 800 + 500, 2月 2,000 = 3,300; “上半年汇总” copies the three rows: loading it too would give 6,600.
    data = xlsx_bytes({"1月": [HEADER, *JAN], "2月": [HEADER, *FEB], "上半年汇总": [HEADER, *JAN, *FEB]})
    report = analyse_file(data, "慰问.xlsx")
    assert [s.sheet for s in report.data_sheets] == ["1月", "2月"]
    assert _amounts(report) == 3300
    summary = next(s for s in report.sheets if s.sheet == "上半年汇总")
    assert summary.status == "skipped" and "照抄" in summary.note and "一致（3,300.00）" in summary.note


def test_month_sums_sheet_is_a_summary_and_a_difference_is_named():
    # One line per month: 1月 2 人次 1,300, 2月 1 人次 2,000 (the sums of the two month sheets).
    sums = [["月份", "人次", "金额（元）"], ["2023年1月", 2, 1300], ["2023年2月", 1, 2000]]
    data = xlsx_bytes({"1月": [HEADER, *JAN], "2月": [HEADER, *FEB], "全年合计": sums})
    report = analyse_file(data, "慰问.xlsx")
    assert [s.sheet for s in report.data_sheets] == ["1月", "2月"]
    assert "各月之和" in next(s for s in report.sheets if s.sheet == "全年合计").note
    # The same sheet with February written as 2,500: still a summary by its name, but the note warns by how much.
    wrong = [["月份", "人次", "金额（元）"], ["2023年1月", 2, 1300], ["2023年2月", 1, 2500]]
    report = analyse_file(xlsx_bytes({"1月": [HEADER, *JAN], "2月": [HEADER, *FEB], "全年合计": wrong}), "慰问.xlsx")
    note = next(s for s in report.sheets if s.sheet == "全年合计").note
    assert _amounts(report) == 3300 and "⚠" in note and "+500.00" in note


def test_a_summary_named_sheet_alone_or_with_different_rows_is_loaded():
    # The only sheet of its kind is loaded whatever its name; two month sheets with different rows both load.
    alone = analyse_file(xlsx_bytes({"上半年汇总": [HEADER, *JAN, *FEB]}), "慰问.xlsx")
    assert _amounts(alone) == 3300
    both = analyse_file(xlsx_bytes({"1月": [HEADER, *JAN], "2月": [HEADER, *FEB]}), "慰问.xlsx")
    assert _amounts(both) == 3300 and len(both.data_sheets) == 2


def test_hidden_rows_are_named_in_the_report():
    # Row 3 (马超 500) is hidden; there is no 合计, so it is kept (a filter can hide rows for a moment) and named.
    data = xlsx_bytes({"慰问": [HEADER, *JAN, *FEB]}, hidden_rows={"慰问": [3]})
    report = analyse_file(data, "慰问.xlsx")
    assert _amounts(report) == 3300
    warnings = report.data_sheets[0].result.warnings
    assert any("第3行" in w and "隐藏" in w for w in warnings), warnings


def test_a_second_table_beside_the_first_is_named_not_called_unreadable():
    """上半年 | 下半年 side by side: the right table's columns repeat the left's fields; the report names each one
    and the column it lost to (it used to call the right 日期 column's dates unreadable)."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    header = ["日期", "分工会", "类别", "对象", "金额（元）"]
    rows = [["2023年慰问金发放台账"], ["上半年", None, None, None, None, None, "下半年"], [*header, None, *header]]
    left = [
        ["2023-01-16", "语文分工会", "困难补助", "谢雨", 500],
        ["2023-02-10", "数学分工会", "生育慰问", "周涛", 1500],
        ["2023-03-08", "英语分工会", "困难补助", "孙悦", 600],
    ]
    right = [
        ["2023-07-04", "数学分工会", "困难补助", "刘芳", 800],
        ["2023-07-08", "语文分工会", "生育慰问", "何勇", 800],
        ["2023-08-01", "英语分工会", "困难补助", "李敏", 700],
    ]
    rows += [[*a, None, *b] for a, b in zip(left, right, strict=True)]
    sheet = analyse_file(xlsx_bytes({"慰问": rows}), "慰问.xlsx").sheets[0]
    assert sheet.result.records["amount_yuan"].sum() == 2600  # the left table; the right one is named below
    warnings = sheet.result.warnings
    assert any("第 7 列“日期”" in w and "第 1 列" in w and "左右并排" in w for w in warnings)
    assert any("第 11 列“金额（元）”" in w and "第 5 列" in w for w in warnings)
    assert not any("写法无法识别" in w for w in warnings)
