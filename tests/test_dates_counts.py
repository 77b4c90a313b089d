"""Dates and counts written the way other unions' clerks write them (probe 5: A01, W04, W05, W10, A03, PUB01).

Each ledger is built here; the figures are counted by hand from the rows written below.
"""

from __future__ import annotations

import datetime as dt

from loaders.analysis import analyse_file
from tests.helpers import xlsx_bytes

ACTIVITY_HEADER = ["活动名称", "活动日期", "类别", "参与人数", "应参加人数"]


def test_academic_year_title_puts_months_before_september_in_the_second_year():
    # 2023—2024学年: 9月8日 and 12月1日 are in 2023; 1月5日, 3月8日 and 6月1日 are in 2024.
    rows = [
        ["教师节座谈", "9月8日", "文体活动", 40, 50],
        ["冬季长跑", "12月1日", "文体活动", 30, 50],
        ["迎新年联欢", "1月5日", "文体活动", 45, 50],
        ["三八节活动", "3月8日", "文体活动", 20, 30],
        ["端午包粽子", "6月1日", "文体活动", 35, 50],
    ]
    sheet = analyse_file(
        xlsx_bytes({"活动": [["钱塘小学2023—2024学年工会活动台账"], ACTIVITY_HEADER, *rows]}), "a.xlsx"
    ).sheets[0]
    assert sheet.accepted == 5
    dates = [d.date() if hasattr(d, "date") else d for d in sheet.result.records["start_date"].tolist()]
    assert dates == [
        dt.date(2023, 9, 8),
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 5),
        dt.date(2024, 3, 8),
        dt.date(2024, 6, 1),
    ]
    assert any("2023-2024学年" in w and "1–8 月计入 2024 年" in w for w in sheet.result.warnings)


def test_calendar_year_title_keeps_yearless_dates_in_that_year():
    rows = [["教师节座谈", "9月8日", "文体活动", 40, 50], ["三八节活动", "3月8日", "文体活动", 20, 30]]
    sheet = analyse_file(xlsx_bytes({"活动": [["2023年工会活动台账"], ACTIVITY_HEADER, *rows]}), "a.xlsx").sheets[0]
    dates = [d.date() if hasattr(d, "date") else d for d in sheet.result.records["start_date"].tolist()]
    assert dates == [dt.date(2023, 9, 8), dt.date(2023, 3, 8)]
    assert not any("学年" in w for w in sheet.result.warnings)


def _records(rows, header, title="2023年慰问台账", name="w.xlsx"):
    sheet = analyse_file(xlsx_bytes({"慰问": [[title], header, *rows]}), name).sheets[0]
    return sheet


def test_two_digit_years_read_year_first_with_a_warning():
    # 23/3/8 → 2023-03-08, 22/12/5 → 2022-12-05; amounts 2022: 500, 2023: 300 + 200 = 500.
    rows = [["22/12/5", "春节福利", 1, 500], ["23/3/8", "三八节", 1, 300], ["23.4.1", "生日慰问", 1, 200]]
    sheet = _records(rows, ["日期", "类别", "人数", "金额"], title="慰问台账")
    assert sheet.accepted == 3 and not sheet.rejected
    dates = [d.date() if hasattr(d, "date") else d for d in sheet.result.records["date"].tolist()]
    assert dates == [dt.date(2022, 12, 5), dt.date(2023, 3, 8), dt.date(2023, 4, 1)]
    assert any("两位年份" in w and "第 3、4、5 行" in w for w in sheet.result.warnings)


def test_chinese_numeral_dates_and_counts():
    # 三月八日 / 十二月二十五日 with the year in the title; 人数 三十五 + 十 + 35人 = 80.
    rows = [
        ["三月八日", "三八节", "三十五", 3500],
        ["十二月二十五日", "生日慰问", "十", 1000],
        ["6月1日", "生日慰问", "35人", 700],
    ]
    sheet = _records(rows, ["日期", "类别", "人数", "金额"])
    assert sheet.accepted == 3 and not sheet.rejected
    records = sheet.result.records
    dates = [d.date() if hasattr(d, "date") else d for d in records["date"].tolist()]
    assert dates == [dt.date(2023, 3, 8), dt.date(2023, 12, 25), dt.date(2023, 6, 1)]
    assert records["person_times"].tolist() == [35, 10, 35]


def test_bracketed_count_and_lower_bound_reads():
    from loaders.normalize import parse_count

    assert parse_count("全体(86人)") == 86
    assert parse_count("全体（86人）") == 86
    assert parse_count("10万+") == 100_000
    assert parse_count("一百零八") == 108
    rows = [
        ["开学慰问", "2023-09-01", "文体活动", 80, "全体(86人)"],
        ["春游", "2023-04-01", "文体活动", 70, "全体(86人)"],
    ]
    sheet = analyse_file(xlsx_bytes({"活动": [["2023年活动"], ACTIVITY_HEADER, *rows]}), "a.xlsx").sheets[0]
    assert sheet.result.records["eligible"].tolist() == [86, 86]  # 172 eligible in all


def test_a_recognised_header_with_unreadable_values_says_so():
    # 日期 and 人数 are plain headers; their values are in a form no parser reads.
    rows = [["春节福利", "a日", "十x", 500], ["生日慰问", "b日", "y", 300], ["三八节", "c日", "z", 200]]
    sheet = _records(rows, ["类别", "日期", "人数", "金额"])
    warnings = sheet.result.warnings
    assert any("“日期”列的表头识别为“日期”" in w and "“a日”、“b日”、“c日”" in w for w in warnings)
    assert any("“人数”列的表头识别为" in w and "“十x”" in w for w in warnings)
    assert not any("没有识别为任何字段" in w for w in warnings)
