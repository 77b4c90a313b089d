"""Tables of input → expected output for every normaliser and every form in DOMAIN.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.periods import Period, parse_period
from loaders.mapping import UserMappings, header_field, map_value
from loaders.normalize import (
    CellError,
    normalize_header,
    parse_count,
    parse_date,
    parse_number,
    parse_year,
    year_in_text,
)

D = dt.date


@pytest.mark.parametrize(
    ("raw", "default_year", "expected"),
    [
        (dt.datetime(2022, 3, 8, 0, 0), None, (D(2022, 3, 8), "day", None)),
        (D(2022, 3, 8), None, (D(2022, 3, 8), "day", None)),
        ("2022-03-08", None, (D(2022, 3, 8), "day", None)),
        ("2022/3/8", None, (D(2022, 3, 8), "day", None)),
        ("2022.3.8", None, (D(2022, 3, 8), "day", None)),
        ("2022年3月8日", None, (D(2022, 3, 8), "day", None)),
        ("2022年3月8号", None, (D(2022, 3, 8), "day", None)),
        (" 2022 年 3 月 8 日 ", None, (D(2022, 3, 8), "day", None)),
        ("２０２２年３月８日", None, (D(2022, 3, 8), "day", None)),
        ("2022-03-08 14:30:00", None, (D(2022, 3, 8), "day", None)),
        ("20220308", None, (D(2022, 3, 8), "day", None)),
        (44628, None, (D(2022, 3, 8), "day", None)),
        (44628.0, None, (D(2022, 3, 8), "day", None)),
        ("44628", None, (D(2022, 3, 8), "day", None)),
        ("2022年1月", None, (D(2022, 1, 1), "month", None)),
        ("2022年1月份", None, (D(2022, 1, 1), "month", None)),
        ("2022-01", None, (D(2022, 1, 1), "month", None)),
        ("2022.11", None, (D(2022, 11, 1), "month", None)),
        ("3月8日", 2021, (D(2021, 3, 8), "day", None)),
        ("3月", 2021, (D(2021, 3, 1), "month", None)),
        ("3.8", 2021, (D(2021, 3, 8), "day", None)),
        ("10月21日-22日", 2021, (D(2021, 10, 21), "day", D(2021, 10, 22))),
        ("7月5日-9日", 2021, (D(2021, 7, 5), "day", D(2021, 7, 9))),
        ("11月12日-26日", 2021, (D(2021, 11, 12), "day", D(2021, 11, 26))),
        ("2023.12.28-2024.1.2", None, (D(2023, 12, 28), "day", D(2024, 1, 2))),
        ("2022.3.8—3.10", None, (D(2022, 3, 8), "day", D(2022, 3, 10))),
        ("3月8日至10日", 2022, (D(2022, 3, 8), "day", D(2022, 3, 10))),
        ("2022年3月30日-4月2日", None, (D(2022, 3, 30), "day", D(2022, 4, 2))),
        ("", None, None),
        (None, None, None),
        ("\u3000", None, None),
    ],
)
def test_parse_date(raw, default_year, expected):
    parsed = parse_date(raw, default_year)
    assert (None if parsed is None else (parsed.value, parsed.precision, parsed.end)) == expected


@pytest.mark.parametrize(
    ("raw", "default_year", "reason"),
    [
        ("3月8日", None, "日期无法识别：“3月8日”"),
        ("下周", None, "日期无法识别：“下周”"),
        ("2022年2月30日", None, "日期不存在：“2022年2月30日”"),
        ("#VALUE!", None, "单元格为错误值 #VALUE!"),
        (12, None, "日期无法识别：“12”"),
    ],
)
def test_parse_date_rejects(raw, default_year, reason):
    with pytest.raises(CellError) as err:
        parse_date(raw, default_year)
    assert str(err.value) == reason


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        (500, None, Decimal("500.00")),
        (500.0, None, Decimal("500.00")),
        (0.08, "万元", Decimal("800.00")),
        (0.0568, "万元", Decimal("568.00")),
        (193.2508, "万元", Decimal("1932508.00")),
        ("1,500.00", None, Decimal("1500.00")),
        ("1，500", None, Decimal("1500.00")),
        ("500元", None, Decimal("500.00")),
        ("５００", None, Decimal("500.00")),
        ("¥ 1,200.5", None, Decimal("1200.50")),
        ("1.2万元", None, Decimal("12000.00")),
        ("3万", None, Decimal("30000.00")),
        ("-200", None, Decimal("-200.00")),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_number(raw, unit, expected):
    assert parse_number(raw, unit) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "不是数字：“abc”"),
        ("#REF!", "单元格为错误值 #REF!"),
        ("1.2.3", "不是数字：“1.2.3”"),
        (True, "不是数字：“True”"),
    ],
)
def test_parse_number_rejects(raw, reason):
    with pytest.raises(CellError) as err:
        parse_number(raw)
    assert str(err.value) == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12, 12), (12.0, 12), ("12", 12), ("１２", 12), ("12人", 12), ("12人次", 12), ("", None)],
)
def test_parse_count(raw, expected):
    assert parse_count(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [(-1, "人数不能为负数：“-1”"), (1.5, "人数不是整数：“1.5”")])
def test_parse_count_rejects(raw, reason):
    with pytest.raises(CellError) as err:
        parse_count(raw)
    assert str(err.value) == reason


@pytest.mark.parametrize(
    ("raw", "expected"), [(2022, 2022), (2022.0, 2022), ("2022", 2022), ("2022年", 2022), ("2022年度", 2022)]
)
def test_parse_year(raw, expected):
    assert parse_year(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2021年1月工会活动台账", 2021), ("示范学院工会2023年度慰问台账", 2023), ("2021年", 2021), ("慰问台账", None)],
)
def test_year_in_text(text, expected):
    assert year_in_text(text) == expected


@pytest.mark.parametrize(
    ("raw", "key", "unit"),
    [
        ("金额", "金额", None),
        ("金额（元）", "金额", "元"),
        ("金额(元)", "金额", "元"),
        ("发放金额(万元)", "发放金额", "万元"),
        ("金额万元", "金额", "万元"),
        ("姓 名", "姓名", None),
        ("姓\n名", "姓名", None),
        ("标准（元/人）", "标准", "元/人"),
        ("人数（人次）", "人数", "人次"),
        ("其中：女", "女", None),
        ("ＮＯ．", "no", None),
    ],
)
def test_normalize_header(raw, key, unit):
    header = normalize_header(raw)
    assert (header.key, header.unit) == (key, unit)


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("welfare", "金额", "amount"),
        ("welfare", "金额（元）", "amount"),
        ("welfare", "慰问金额", "amount"),
        ("welfare", "发放金额(万元)", "amount"),
        ("welfare", "部门", "sub_union"),
        ("welfare", "单位", "sub_union"),
        ("welfare", "姓 名", "recipient"),
        ("welfare", "发放人数", "person_times"),
        ("welfare", "标准（元/人）", "unit_rate"),
        ("welfare", "学校", "org"),
        ("welfare", "基层工会", "org"),
        ("activities", "参加人数（人次）", "participants"),
        ("activities", "应参加人数", "eligible"),
        ("awards", "所在分工会", "sub_union"),
        ("proposals", "处理结果", "decision"),
        ("budget", "预算数（元）", "budget"),
        ("welfare", "爱好", None),
    ],
)
def test_header_field(kind, header, field):
    assert header_field(normalize_header(header).key, kind) == field


@pytest.mark.parametrize(
    ("kind", "field", "raw", "expected"),
    [
        ("awards", "level", "省部级", ("省级", True)),
        ("awards", "level", "地市级", ("市级", True)),
        ("awards", "level", "区级", ("区县级", True)),
        ("awards", "level", "院级", ("校级", True)),
        ("awards", "level", " 省 级 ", ("省级", True)),
        ("awards", "award_type", "团体", ("集体", True)),
        ("proposals", "decision", "转为意见建议", ("作为意见建议", True)),
        ("proposals", "decision", "并案", ("合并", True)),
        ("proposals", "decision", "暂不予立案", ("不予立案", True)),
        ("proposals", "status", "已完成", ("已办结", True)),
        ("proposals", "status", "落实中", ("办理中", True)),
        ("welfare", "category", "住院慰问", ("生病住院慰问", True)),
        ("welfare", "category", "丧事慰问", ("亲属去世慰问", True)),
        ("welfare", "category", "光荣退休", ("退休慰问", True)),
        ("welfare", "category", "春节福利", ("节日福利", True)),
        ("welfare", "category", "防暑降温", ("高温慰问", True)),
        ("welfare", "category", "金婚纪念", ("金婚纪念", False)),
        ("awards", "level", "乡镇级", ("乡镇级", False)),
    ],
)
def test_map_value(kind, field, raw, expected):
    assert map_value(raw, kind, field) == expected


def test_user_value_mapping_wins():
    user = UserMappings(values={("welfare", "category", "金婚纪念"): "退休慰问"})
    assert map_value("金婚纪念", "welfare", "category", user) == ("退休慰问", True)


@pytest.mark.parametrize(
    ("text", "kind", "label", "start", "end"),
    [
        ("2022", "year", "2022", D(2022, 1, 1), D(2022, 12, 31)),
        ("2022年", "year", "2022", D(2022, 1, 1), D(2022, 12, 31)),
        ("2022-2023学年", "academic", "2022-2023学年", D(2022, 9, 1), D(2023, 8, 31)),
        ("2022—2023", "academic", "2022-2023学年", D(2022, 9, 1), D(2023, 8, 31)),
    ],
)
def test_parse_period(text, kind, label, start, end):
    period = parse_period(text)
    assert (period.kind, period.label, period.start, period.end) == (kind, label, start, end)


def test_previous_period():
    assert parse_period("2022-2023学年").previous() == Period("academic", 2021)
    assert parse_period("2022").previous().label == "2021"


@pytest.mark.parametrize("text", ["2022-2024学年", "去年", "22"])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError, match="无法识别的期间"):
        parse_period(text)
