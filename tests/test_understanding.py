"""Ledgers nobody here has seen (issue 10): columns from header and values, structure, accounting."""

from __future__ import annotations

import json

import pytest

from core.orgs import org_in_text, same_org
from core.store import Store
from core.vocab_rules import header_rule, value_rule
from dashboard import queries
from loaders.analysis import analyse_file
from loaders.loading import load_path
from loaders.normalize import normalize_header
from loaders.structure import eligible_from_note, end_date_text
from loaders.understanding import people_count
from tests.helpers import SHARED, xlsx_bytes

DISTRICT = SHARED.parent / "ledgers-district"


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        ("起止时间", "activities", "start_date"),
        ("活动时间", "activities", "start_date"),
        ("结束时间", "activities", "end_date"),
        ("组织部门", "activities", "organizer"),
        ("负责部门", "activities", "organizer"),
        ("参与人次", "activities", "participants"),
        ("应到人数", "activities", "eligible"),
        ("发放时间", "welfare", "date"),
        ("慰问事由", "welfare", "category"),
        ("补助金额", "welfare", "amount"),
        ("年级组", "welfare", "sub_union"),
        ("颁奖单位", "awards", "grantor"),
        ("获奖等第", "awards", "grade"),
        ("获奖时间", "awards", "award_date"),
        ("处理意见", "proposals", "decision"),
        ("办理情况", "proposals", "status"),
        ("代表满意度", "proposals", "satisfaction"),
        ("附议人", "proposals", "seconders"),
    ],
)
def test_header_keyword_rules(header, kind, field):
    assert header_rule(normalize_header(header).key, kind) == field


@pytest.mark.parametrize(
    ("value", "kind", "field", "term"),
    [
        ("看望生病住院教职工", "welfare", "category", "生病住院慰问"),
        ("住院探望", "welfare", "category", "生病住院慰问"),
        ("直系亲属去世", "welfare", "category", "亲属去世慰问"),
        ("吊唁慰问", "welfare", "category", "亲属去世慰问"),
        ("教职工病故慰问", "welfare", "category", "会员去世慰问"),
        ("医疗互助", "welfare", "category", "互助保险"),
        ("职工互助保障", "welfare", "category", "互助保险"),
        ("帮扶救助", "welfare", "category", "困难补助"),
        ("夏季送清凉", "welfare", "category", "高温慰问"),
        ("节日值班慰问", "welfare", "category", "在岗慰问"),
        ("中秋节慰问品", "welfare", "category", "节日福利"),
        ("结婚贺礼", "welfare", "category", "结婚慰问"),
        ("退休欢送", "welfare", "category", "退休慰问"),
        ("生日蛋糕券", "welfare", "category", "生日慰问"),
        ("金婚纪念", "welfare", "category", None),
        ("文体类", "activities", "category", "文体活动"),
        ("志愿类", "activities", "category", "志愿服务"),
        ("省教育厅", "awards", "level", "省级"),
        ("班组", "awards", "award_type", "集体"),
        ("转为意见建议", "proposals", "decision", "作为意见建议"),
        ("暂不予立案", "proposals", "decision", "不予立案"),
        ("落实中", "proposals", "status", "办理中"),
        ("比较满意", "proposals", "satisfaction", "基本满意"),
    ],
)
def test_value_keyword_rules(value, kind, field, term):
    assert value_rule(value, kind, field) == term


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("张三、李四等6人", 6),
        ("张三、李四", 2),
        ("王建国，李秀英，赵敏", 3),
        ("何枫、胡桂、范洁园、贾昌光等8人", 8),
        ("全体教职工", None),
        ("12", None),
    ],
)
def test_people_count(text, count):
    assert people_count(text) == count


def test_notes_fill_fields():
    assert eligible_from_note("应到196人") == 196
    assert eligible_from_note("应参加 203 人，实到 180") == 203
    assert eligible_from_note("春节福利") is None
    assert end_date_text("至2024/11/14") == "2024/11/14"
    assert end_date_text("活动持续到2024年11月29日") == "2024年11月29日"


@pytest.mark.parametrize(
    ("texts", "school"),
    [
        (("滨江区实验小学工会2023年慰问金发放登记表",), "滨江区实验小学"),
        (("", "第一中学", "x.xlsx"), "第一中学"),
        (("2022年慰问金发放台账", "慰问台账", "2022年慰问金发放台账.xlsx"), None),
        (("滨江一中工会2023年活动台账",), "滨江一中"),
    ],
)
def test_school_from_where_a_person_looks(texts, school):
    assert org_in_text(*texts) == school


def test_two_spellings_of_one_school():
    assert same_org("滨江一中", "滨江区第一中学")
    assert same_org("实验小学", "滨江区实验小学")
    assert same_org("社区学院", "滨江区社区学院")
    assert not same_org("实验小学", "滨江区第一中学")


def _load(store, tmp_path, name, sheets, **kw):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(sheets, **kw))
    return load_path(store, path, isolated=False)


def test_generic_header_whose_values_are_categories(store, tmp_path):
    rows = [["时间", "部门", "项目", "姓名", "人数", "金额"]]
    rows += [[f"2023-03-0{i % 9 + 1}", "教务处", c, "", 3, 300] for i, c in enumerate(["节日福利", "住院探望"] * 6)]
    report, result = _load(store, tmp_path, "w.xlsx", {"慰问": rows})
    assert result.status == "loaded", result.message
    by_category = queries.summary(store, queries.Filters.of(2023))["welfare"]["by_category"]
    assert by_category == {"生病住院慰问": 1800.0, "节日福利": 1800.0}
    decisions = {h: (f, src) for h, f, src, _ in report.sheets[0].decisions}
    assert decisions["项目"] == ("category", "取值")


def test_seconders_listed_by_name_give_a_count(store, tmp_path):
    header = ["届次", "会议日期", "案号", "案由", "提案人", "附议人", "处理意见", "办理情况"]
    rows = [
        ["第五届三次", "2023-03-10", "1", "关于甲的提案", "高维弘", "何枫、胡桂、范洁园等8人", "立案", "已完成"],
        ["第五届三次", "2023-03-10", "2", "关于乙的提案", "熊哲", "周薇婉、许菲荣", "并案", "已答复"],
        ["第五届三次", "2023-03-10", "3", "关于丙的提案", "郑朋良", "黄朗永、任梅、赵天", "转为意见建议", "落实中"],
    ]
    report, result = _load(store, tmp_path, "p.xlsx", {"提案": [header, *rows]})
    assert result.status == "loaded", result.message
    seconders = store.query("SELECT seconders FROM proposals ORDER BY proposal_no")["seconders"].tolist()
    assert seconders == [8, 2, 3]
    p = queries.summary(store, queries.Filters.of(2023))["proposals"]
    assert (p["立案"], p["合并"], p["作为意见建议"], p["已办结"]) == (1, 1, 1, 1)


def test_optional_field_never_rejects_and_warns(tmp_path):
    header = ["活动名称", "活动日期", "参加人数", "经费", "备注"]
    rows = [["春游", "2023-04-01", 50, "免费", "应到60人"], ["讲座", "2023-05-01", 30, 900, ""]]
    report = analyse_file(xlsx_bytes({"活动": [header, *rows]}), "a.xlsx")
    sheet = report.sheets[0]
    assert sheet.accepted == 2 and not sheet.rejected
    assert any("经费" in w and "免费" in w for w in sheet.result.warnings)
    records = sheet.result.records
    assert records["cost_yuan"].isna().tolist() == [True, False]
    assert records["eligible"].tolist()[0] == 60  # 应到60人 in the note


def test_subtotals_anywhere_totals_without_label_and_reconciliation(store, tmp_path):
    header = ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）"]
    rows = [
        [1, "2023-01-05", "机关", "春节福利", "", 10, 1000],
        [2, "2023-01-20", "教务处", "春节福利", "", 5, 500],
        [None, "1月小计", None, None, None, 15, 1500],
        [3, "2023-02-03", "机关", "生日慰问", "", 2, 400],
        [None, None, None, None, None, 17, 1900],  # the clerk's total, no label
        ["制表人：张老师"],
    ]
    report, result = _load(store, tmp_path, "w.xlsx", {"慰问": [["2023年慰问台账"], header, *rows]})
    assert result.status == "loaded", result.message
    sheet = report.sheets[0]
    r = sheet.result
    assert (r.seen, r.source_rows_accepted, len(r.rejected), sum(r.skipped.values())) == (6, 3, 0, 3)
    assert [(x.field, x.written, x.loaded, x.matches) for x in r.reconciliation] == [
        ("person_times", 17.0, 17.0, True),
        ("amount", 1900.0, 1900.0, True),
    ]
    assert queries.summary(store, queries.Filters.of(2023))["welfare"]["total_yuan"] == 1900.0
    assert any("行数核对 ✓" in line for line in sheet.explain())


def test_reconciliation_reports_a_difference_and_still_loads(tmp_path):
    header = ["日期", "类别", "人数", "金额"]
    rows = [["2023-01-05", "春节福利", 10, 1000], ["2023-01-06", "春节福利", 5, 500], ["合计", None, 15, 1600]]
    sheet = analyse_file(xlsx_bytes({"s": [header, *rows]}), "a.xlsx").sheets[0]
    assert sheet.accepted == 2
    amount = next(x for x in sheet.result.reconciliation if x.field == "amount")
    assert (amount.written, amount.loaded, amount.difference) == (1600.0, 1500.0, -100.0)
    assert any("相差 -100.00元" in line for line in sheet.explain())


def test_warnings_for_missing_category_and_unmapped_data_column(tmp_path):
    header = ["日期", "分工会", "姓名", "金额", "审批意见"]
    rows = [[f"2023-01-0{i}", "机关", "张三", 100, f"同意{i}"] for i in range(1, 7)]
    sheet = analyse_file(xlsx_bytes({"s": [header, *rows]}), "a.xlsx").sheets[0]
    warnings = sheet.result.warnings
    assert any("类别" in w for w in warnings)
    assert any("审批意见" in w for w in warnings)


def test_merged_school_cells_are_filled_down(store, tmp_path):
    header = ["学校", "部门", "2023年末会员数", "2024年末会员数"]
    rows = [["甲小学", "校长室", 8, 8], [None, "教导处", 10, 11], ["乙中学", "总务处", 20, 21], [None, "语文组", 5, 6]]
    _, result = _load(store, tmp_path, "m.xlsx", {"会员": [header, *rows]}, merged={"会员": ["A2:A3", "A4:A5"]})
    assert result.status == "loaded", result.message
    counts = store.query("SELECT org, year, sum(members) AS n FROM member_counts GROUP BY ALL ORDER BY ALL")
    assert [tuple(r) for r in counts.itertuples(index=False)] == [
        ("乙中学", 2023, 25),
        ("乙中学", 2024, 27),
        ("甲小学", 2023, 18),
        ("甲小学", 2024, 19),
    ]


@pytest.fixture(scope="module")
def district_db(tmp_path_factory):
    if not DISTRICT.is_dir():
        pytest.skip("../shared/ledgers-district is not beside the checkout")
    path = tmp_path_factory.mktemp("district") / "d.duckdb"
    with Store(path) as store:
        for file in sorted(p for p in DISTRICT.iterdir() if p.suffix in (".xlsx", ".xls", ".csv")):
            _, result = load_path(store, file, isolated=False)
            assert result.status == "loaded", (file.name, result.message)
    return path


def _flat(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _compare(got: dict, want: dict) -> list[str]:
    flat = dict(_flat(got))
    return [f"{k}: {flat.get(k)} != {v}" for k, v in _flat(want) if flat.get(k, 0) != pytest.approx(v, abs=0.005)]


def test_district_of_other_clerks_without_any_mapping(district_db):
    """Other clerks' words and layouts, no mapping: every figure of truth.json, summed over the district."""
    truth = json.loads((DISTRICT / "truth.json").read_text(encoding="utf-8"))
    with Store(district_db, read_only=True) as store:
        wrong = [
            f"{p} {m}"
            for p, want in truth.items()
            for m in _compare(queries.summary(store, queries.Filters.of(p)), want)
        ]
    assert wrong == []


def test_district_school_by_school(district_db):
    """Each school's rows go to that school (学校 column, title, sheet or file name; 一中 = 第一中学)."""
    truth = json.loads((DISTRICT / "truth_by_school.json").read_text(encoding="utf-8"))["by_school"]
    with Store(district_db, read_only=True) as store:
        assert set(queries.organisations(store)) == set(truth)
        wrong = [
            f"{school} {p} {m}"
            for school, periods in truth.items()
            for p, want in periods.items()
            for m in _compare(queries.summary(store, queries.Filters.of(p, school)), want)
        ]
    assert wrong == []
