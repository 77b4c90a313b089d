"""Money units written outside the header, labelled totals in full rows, 其中 lines under 合计 (probe 5).

Each ledger is built here with figures summed by hand in the comments.
"""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.analysis import analyse_file
from tests.helpers import xlsx_bytes

WELFARE_HEADER = ["序号", "日期", "分工会", "类别", "对象", "人次"]


def _welfare(title: list[object] | None, money_header: str, amounts: list[object], foot: list[list] = ()) -> bytes:
    rows = [] if title is None else [title]
    rows.append([*WELFARE_HEADER, money_header])
    for n, amount in enumerate(amounts, start=1):
        rows.append([n, dt.datetime(2023, n, 10), "语文分工会", "生病住院慰问", f"教师{n}", 1, amount])
    rows.append(["合计", None, None, None, None, len(amounts), round(sum(amounts), 2)])
    rows.extend(foot)
    return xlsx_bytes({"慰问": rows})


def _sheet(content: bytes, name: str = "a.xlsx"):
    report = analyse_file(content, name)
    assert not report.fatal and not report.error, report.fatal or report.error
    (sheet,) = report.data_sheets
    return sheet


def _amounts(sheet) -> list[float]:
    return [round(v, 2) for v in sheet.result.rows.column("amount_yuan").to_pylist()]


def _money_check(sheet):
    (check,) = [r for r in sheet.result.reconciliation if r.field == "amount"]
    return check


# --- 1. the sheet's money unit, wherever it is written -----------------------------------------------


@pytest.mark.parametrize(
    ("title", "header", "foot"),
    [
        (["城南小学2023年节日福利发放台账（金额：万元）"], "金额", []),  # W02: title （金额：万元）
        (["西湖小学2023年慰问金发放台账（万元）"], "金额", []),  # W02c: title （万元）
        (
            ["西湖小学2023年慰问金发放台账"],
            "金额",
            [[None], ["注：表中金额单位为万元。"]],
        ),  # W02d: note under the table
    ],
)
def test_wan_yuan_outside_the_header_scales_amounts_and_the_total(title, header, foot):
    # 0.2 + 0.15 + 0.05 万元 = 2,000 + 1,500 + 500 = 4,000 元
    sheet = _sheet(_welfare(title, header, [0.2, 0.15, 0.05], foot))
    assert _amounts(sheet) == [2000.0, 1500.0, 500.0]
    check = _money_check(sheet)
    assert (check.written, check.loaded, check.matches) == (4000.0, 4000.0, True)


@pytest.mark.parametrize(
    ("title", "header", "foot"),
    [
        (["城东中学2023年慰问金发放台账"], "金额（千元）", []),  # W01: header 金额（千元）
        (["城东中学2023年慰问金发放台账（单位：千元）"], "金额", []),  # title
        (["城东中学2023年慰问金发放台账"], "金额", [["说明：金额单位为千元"]]),  # note under the table
    ],
)
def test_qian_yuan_anywhere_scales_by_a_thousand(title, header, foot):
    # 3 + 0.5 + 1.5 千元 = 3,000 + 500 + 1,500 = 5,000 元; the 合计 5 千元 reads 5,000 元 too
    sheet = _sheet(_welfare(title, header, [3, 0.5, 1.5], foot))
    assert _amounts(sheet) == [3000.0, 500.0, 1500.0]
    check = _money_check(sheet)
    assert (check.written, check.loaded) == (5000.0, 5000.0)


def test_header_unit_wins_and_a_count_unit_scales_nothing():
    # Title says 万元 but the column's own header says 元: 800 + 1,200 = 2,000 元; 人次 1 + 1 stays 2.
    rows = [
        ["慰问金台账（单位：万元）"],
        [*WELFARE_HEADER, "金额（元）"],
        [1, dt.datetime(2023, 3, 1), "语文分工会", "生育慰问", "甲", 1, 800],
        [2, dt.datetime(2023, 4, 1), "语文分工会", "生育慰问", "乙", 1, 1200],
    ]
    sheet = _sheet(xlsx_bytes({"慰问": rows}))
    assert _amounts(sheet) == [800.0, 1200.0]
    assert sheet.result.rows.column("person_times").to_pylist() == [1, 1]
    # 单位：人 above a member table says nothing about money and changes no count
    members = [["会员人数（单位：人）"], ["分工会", "会员人数"], ["语文分工会", 51], ["数学分工会", 37]]
    sheet = _sheet(xlsx_bytes({"2023年": members}))
    assert sheet.result.rows.column("members").to_pylist() == [51, 37]


def test_yuan_figures_under_a_wan_yuan_title_are_warned_by_row():
    # 3000 under （单位：万元） is 3,000 万元 = 30,000,000 元 for one person: beyond the row limit, rejected;
    # 150 → 1,500,000 元 is loaded but named in the warning with row 4; 0.2 → 2,000 元 is fine.
    rows = [
        ["慰问金台账（单位：万元）"],
        [*WELFARE_HEADER, "金额"],
        [1, dt.datetime(2023, 3, 1), "语文分工会", "生育慰问", "甲", 1, 3000],
        [2, dt.datetime(2023, 4, 1), "语文分工会", "生育慰问", "乙", 1, 150],
        [3, dt.datetime(2023, 5, 1), "语文分工会", "生育慰问", "丙", 1, 0.2],
    ]
    sheet = _sheet(xlsx_bytes({"慰问": rows}))
    assert _amounts(sheet) == [1_500_000.0, 2000.0]
    assert [r.row for r in sheet.rejected] == [3]
    (warning,) = [w for w in sheet.result.warnings if "像是按元填写" in w]
    assert "“金额”" in warning and "万元" in warning and "2 行（第 3、4 行）" in warning


# --- 2. a labelled total in a full row ------------------------------------------------------------------

MEMBERS = [
    ["语文分工会", 51, 25],
    ["综合计划科分工会", 37, 18],
    ["英语分工会", 43, 21],
]  # 51+37+43 = 131; 25+18+21 = 64


def test_full_row_school_total_is_skipped_and_reconciled():
    # M04: 全校合计 131 64 fills all three cells; 综合计划科 holds 合计 mid-text and stays data.
    rows = [["2023年末会员人数"], ["分工会", "会员人数", "其中女"], *MEMBERS, ["全校合计", 131, 64]]
    sheet = _sheet(xlsx_bytes({"2023年": rows}))
    assert sheet.result.rows.column("members").to_pylist() == [51, 37, 43]
    (check,) = sheet.result.reconciliation
    assert (check.written, check.loaded, check.matches, check.row) == (131.0, 131.0, True, 6)


def test_full_row_total_that_does_not_add_up_is_skipped_and_said():
    # 全校合计 written as 140 while the rows sum to 131: still a total (not a 4th branch), shown 相差 -9.
    rows = [["2023年末会员人数"], ["分工会", "会员人数", "其中女"], *MEMBERS, ["全校合计", 140, 64]]
    sheet = _sheet(xlsx_bytes({"2023年": rows}))
    assert sum(sheet.result.rows.column("members").to_pylist()) == 131
    (check,) = sheet.result.reconciliation
    assert (check.written, check.loaded, check.matches, check.difference) == (140.0, 131.0, False, -9.0)
    assert any("合计" in line and "✗" in line or "相差" in line for line in sheet.explain())


def test_budget_total_labelled_zhichu_heji_is_not_a_subject():
    # B04: 30,000 + 110,000 + 12,000 = 152,000 budget; 27,400 + 104,600 + 9,800 = 141,800 final.
    rows = [
        ["闲林中学工会2023年经费预决算"],
        ["科目", "预算数", "决算数"],
        ["职工教育支出", 30000, 27400],
        ["文体活动支出", 110000, 104600],
        ["宣传活动支出", 12000, 9800],
        ["支出合计", 152000, 141800],
    ]
    sheet = _sheet(xlsx_bytes({"2023年": rows}))
    frame = sheet.result.rows
    assert frame.column("subject").to_pylist() == ["职工教育支出", "文体活动支出", "宣传活动支出"]
    assert sum(frame.column("budget_yuan").to_pylist()) == 152000
    assert sum(frame.column("final_yuan").to_pylist()) == 141800


# --- 3. 其中 breakdown lines under the total --------------------------------------------------------------


def test_breakdown_lines_under_the_total_are_skipped_with_a_reason():
    # W11: 1,000 + 3,000 + 500 = 4,500 元, 3 人次; the 其中 lines restate 4,500 by category.
    rows = [
        ["临平中学2023年慰问金发放台账"],
        [*WELFARE_HEADER, "金额（元）"],
        [1, dt.datetime(2023, 1, 2), "英语分工会", "生育慰问", "赵磊", 1, 1000],
        [2, dt.datetime(2023, 1, 12), "艺体分工会", "困难补助", "郭佳", 1, 3000],
        [3, dt.datetime(2023, 2, 3), "语文分工会", "生育慰问", "徐明", 1, 500],
        ["合计", None, None, None, None, 3, 4500],
        [None, None, None, "其中：生育慰问", None, 2, 1500],
        [None, None, None, "其中：困难补助", None, 1, 3000],
    ]
    report = analyse_file(xlsx_bytes({"慰问": rows}), "a.xlsx")
    assert not report.fatal
    (sheet,) = report.data_sheets
    assert sheet.rejected == []
    assert _amounts(sheet) == [1000.0, 3000.0, 500.0]
    assert dict(sheet.result.skipped) == {"合计/小计行": 1, "合计下的“其中”分项行": 2}
    assert _money_check(sheet).matches


def test_budget_in_qian_yuan_with_an_income_section_loads_the_expense_subjects():
    # B02: 单位：千元 under the title; 一、收入 rows are income.  Expense: 30 + 110 = 140 千元 = 140,000 元
    # budget, 27.4 + 104.6 = 132 千元 = 132,000 元 final; 会费收入 60 千元 is not a subject.
    rows = [
        ["良渚小学工会2024年经费收支预决算表"],
        ["单位：千元"],
        ["科目", "预算数", "决算数"],
        ["一、收入"],
        ["会费收入", 60, 61.2],
        ["收入合计", 60, 61.2],
        ["二、支出"],
        ["职工教育支出", 30, 27.4],
        ["文体活动支出", 110, 104.6],
        ["支出合计", 140, 132],
    ]
    sheet = _sheet(xlsx_bytes({"2024年预算": rows}))
    frame = sheet.result.rows
    assert frame.column("subject").to_pylist() == ["职工教育支出", "文体活动支出"]
    assert frame.column("budget_yuan").to_pylist() == [30000.0, 110000.0]
    assert frame.column("final_yuan").to_pylist() == [27400.0, 104600.0]
    assert sheet.result.skipped["收入段（只计支出科目）"] == 1
