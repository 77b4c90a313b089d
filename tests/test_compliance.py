"""经费合规检查 (issue 14): a ledger built for the purpose, each rule flags exactly its rows and none else.

The ledger is written with openpyxl and loaded with the real loader; every row says which rule
(if any) must flag it, in which period.  The CLI's JSON, the page (AppTest), the paragraph and
the workbook are checked against the same expectations.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.labels import t
from core.store import Store
from dashboard import compliance, compliance_export
from dashboard.__main__ import main as cli
from dashboard.queries import Filters
from loaders.loading import load_path
from tests.helpers import app_store
from tests.test_pages import ROOT
from tests.test_pages import v2_navigation_only as v2_navigation_only  # autouse fixture for AppTest

ORG = "测试学校工会"
# The issue's own format: Chinese keys unquoted (TOML 1.1 style); the parser quotes them for tomllib.
RULES = """name = "测试规则"
source = "测试用规则，非正式文件"

[per_payment]          # 元/人/次
结婚慰问 = 600
生病住院慰问 = 1000
高温慰问 = 200

[per_person_year]      # 元/人/年
节日福利 = 1500
生日慰问 = 300

[duplicate]
window_days = 30

[forbidden]
words = ["购物卡", "现金"]

[budget]
overrun_ratio = 1.0
"""

D = dt.date
# (日期, 分工会, 类别, 项目, 姓名, 人数, 金额, 备注) → (rule that must flag the row, or None)
WELFARE = [
    # per_payment, one person: over, equal to the cap, just under
    ((D(2024, 3, 1), "机关分工会", "结婚慰问", "慰问金", "张三", 1, 800, None), "per_payment"),
    ((D(2024, 3, 2), "机关分工会", "结婚慰问", "慰问金", "李四", 1, 600, None), None),
    ((D(2024, 3, 3), "机关分工会", "生病住院慰问", "慰问品", "王五", 1, 999.99, None), None),
    # per_payment, group rows per capita: 250 > 200; 200 = 200; 166.67 < 200
    ((D(2024, 7, 15), "后勤分工会", "高温慰问", "防暑用品", None, 10, 2500, None), "per_payment"),
    ((D(2024, 7, 16), "教务分工会", "高温慰问", "防暑用品", None, 10, 2000, None), None),
    ((D(2024, 7, 17), "机关分工会", "高温慰问", "防暑用品", None, 3, 500, None), None),
    # per_person_year, group rows: 语文组 800 + 400 + 300 = 1500 (equal) then +100 → first exceeded
    ((D(2024, 2, 1), "语文组分工会", "节日福利", "春节慰问品", None, 50, 40000, None), None),
    ((D(2024, 6, 10), "语文组分工会", "节日福利", "端午粽子", None, 50, 20000, None), None),
    ((D(2024, 9, 15), "语文组分工会", "节日福利", "中秋月饼", None, 50, 15000, None), None),
    ((D(2024, 12, 20), "语文组分工会", "节日福利", "元旦水果", None, 50, 5000, None), "per_person_year"),
    # the year crossing: 2025 starts from zero again
    ((D(2025, 1, 5), "语文组分工会", "节日福利", "春节慰问品", None, 50, 10000, None), None),
    # 数学组: 1,100 + 300 = 1,400 a head, under the cap; but a shopping card is forbidden
    ((D(2024, 2, 1), "数学组分工会", "节日福利", "春节慰问品", None, 40, 44000, None), None),
    ((D(2024, 9, 10), "数学组分工会", "节日福利", "中秋购物卡", None, 40, 12000, None), "forbidden"),
    # a forbidden word in 备注 of a 节日福利 row; the same word in another category is not checked
    ((D(2024, 10, 1), "后勤分工会", "节日福利", "国庆慰问", None, 20, 4000, "以现金形式发放"), "forbidden"),
    ((D(2024, 6, 1), "机关分工会", "困难补助", "现金", "钱十", 1, 300, None), None),
    # per_person_year, one person: 200 + 200 > 300, half a year apart (no duplicate)
    ((D(2024, 4, 1), "机关分工会", "生日慰问", "蛋糕券", "赵六", 1, 200, None), None),
    ((D(2024, 10, 1), "机关分工会", "生日慰问", "蛋糕券", "赵六", 1, 200, None), "per_person_year"),
    # duplicate: 19 days (inside), then 73 days (outside)
    ((D(2024, 5, 1), "教务分工会", "生病住院慰问", "慰问金", "孙七", 1, 500, None), None),
    ((D(2024, 5, 20), "教务分工会", "生病住院慰问", "慰问金", "孙七", 1, 500, None), "duplicate"),
    ((D(2024, 8, 1), "教务分工会", "生病住院慰问", "慰问金", "孙七", 1, 500, None), None),
    # duplicate: exactly 30 days (inside, inclusive), then 31 days (outside)
    ((D(2024, 9, 1), "教务分工会", "困难补助", "补助金", "吴九", 1, 500, None), None),
    ((D(2024, 10, 1), "教务分工会", "困难补助", "补助金", "吴九", 1, 500, None), "duplicate"),
    ((D(2024, 11, 1), "教务分工会", "困难补助", "补助金", "吴九", 1, 500, None), None),
    # duplicate across the new year: flagged in 2025, the later payment
    ((D(2024, 12, 25), "后勤分工会", "生病住院慰问", "慰问金", "周八", 1, 800, None), None),
    ((D(2025, 1, 10), "后勤分工会", "生病住院慰问", "慰问金", "周八", 1, 800, None), "duplicate"),
    # the same name in another sub-union is another person
    ((D(2024, 5, 25), "后勤分工会", "生病住院慰问", "慰问金", "孙七", 1, 500, None), None),
]
# (年度, 科目编码, 支出科目, 预算数, 决算数) → rule
BUDGET = [
    ((2024, "30101", "职工集体福利", 100000, 120000), "budget"),
    ((2024, "30102", "文体活动", 50000, 50000), None),
    ((2024, "30103", "送温暖", 30000, 20000), None),
    ((2025, "30101", "职工集体福利", 100000, 150000), "budget"),
]
WELFARE_FIRST_ROW = 3  # title row, header row, then data
BUDGET_FIRST_ROW = 3


def expected(year: int) -> set[tuple[str, str, int]]:
    """(rule, file, spreadsheet row) of every flag the period ``year`` must show."""
    out = set()
    for i, (row, rule) in enumerate(WELFARE):
        if rule and row[0].year == year:
            out.add((rule, "福利台账.xlsx", WELFARE_FIRST_ROW + i))
    for i, (row, rule) in enumerate(BUDGET):
        if rule and row[0] == year:
            out.add((rule, "经费预算决算表.xlsx", BUDGET_FIRST_ROW + i))
    return out


def _workbook(title: str, header: list[str], rows: list[tuple]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    return wb


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory):
    """Path of a store holding the purpose-built ledgers (closed, so the CLI and the app may open it)."""
    folder = tmp_path_factory.mktemp("compliance")
    welfare = _workbook(
        "慰问福利发放台账",
        ["日期", "分工会", "类别", "项目", "姓名", "人数", "金额（元）", "备注"],
        [row for row, _ in WELFARE],
    )
    welfare.save(folder / "福利台账.xlsx")
    budget = _workbook(
        "工会经费预算决算表", ["年度", "科目编码", "支出科目", "预算数（元）", "决算数（元）"], [r for r, _ in BUDGET]
    )
    budget.save(folder / "经费预算决算表.xlsx")
    path = folder / "union.duckdb"
    with Store(path) as store:
        for name in ("福利台账.xlsx", "经费预算决算表.xlsx"):
            report, result = load_path(store, folder / name, org=ORG)
            assert result.status == "loaded" and report.rejected_rows == 0, (name, result.message)
        assert store.row_count("welfare") == len(WELFARE)
        assert store.row_count("budget") == len(BUDGET)
    (folder / "rules.toml").write_text(RULES, encoding="utf-8")
    return path


def _flags(path, period) -> pd.DataFrame:
    with Store(path, read_only=True) as store:
        return compliance.check(store, Filters.of(period), compliance.parse_rules(RULES))


@pytest.mark.parametrize("year", [2024, 2025])
def test_each_rule_flags_exactly_its_rows(ledger_db, year):
    flags = _flags(ledger_db, year)
    got = set(zip(flags["rule"], flags["source_file"], flags["source_row"], strict=True))
    assert got == expected(year)
    assert len(flags) == len(got)  # no row flagged twice by the same rule


def test_academic_year_sums_calendar_years_and_looks_back_before_the_period(ledger_db):
    """2024-2025学年 (2024-09-01 to 2025-08-31): 赵六's April birthday still counts for 2024's cap."""
    flags = _flags(ledger_db, "2024-2025学年")
    got = set(zip(flags["rule"], flags["source_file"], flags["source_row"], strict=True))
    start, end = D(2024, 9, 1), D(2025, 8, 31)
    want = {
        (rule, "福利台账.xlsx", WELFARE_FIRST_ROW + i)
        for i, (row, rule) in enumerate(WELFARE)
        if rule and start <= row[0] <= end
    }
    assert got == want | {("budget", "经费预算决算表.xlsx", BUDGET_FIRST_ROW)}  # the 2024 budget year
    assert ("per_person_year", "福利台账.xlsx", WELFARE_FIRST_ROW + 16) in got


def test_amounts_limits_and_excess(ledger_db):
    flags = _flags(ledger_db, 2024).set_index(["rule", "source_row"])
    group = flags.loc[("per_payment", WELFARE_FIRST_ROW + 3)]  # 2,500 元 for 10 people
    assert (group["amount_yuan"], group["limit_yuan"], group["excess_yuan"]) == (250.0, 200.0, 500.0)
    assert group["message"] == "高温慰问10人次共2,500元，人均250元，超过标准200元/人，人均超出50元"
    single = flags.loc[("per_payment", WELFARE_FIRST_ROW)]
    assert (single["amount_yuan"], single["limit_yuan"], single["excess_yuan"]) == (800.0, 600.0, 200.0)
    year = flags.loc[("per_person_year", WELFARE_FIRST_ROW + 9)]  # 语文组: 1,600 a head in 2024
    assert (year["amount_yuan"], year["limit_yuan"], year["excess_yuan"]) == (1600.0, 1500.0, 5000.0)  # × 50
    birthday = flags.loc[("per_person_year", WELFARE_FIRST_ROW + 16)]
    assert birthday["message"] == "2024年生日慰问累计至本行400元、全年400元，超过年度标准300元/人，超出100元"
    dup = flags.loc[("duplicate", WELFARE_FIRST_ROW + 21)]
    assert dup["message"] == "同一人的困难补助相隔30天再次发放（前一笔：2024-09-01，福利台账.xlsx“台账”第23行）"
    assert flags.loc[("forbidden", WELFARE_FIRST_ROW + 13)]["message"].endswith(
        "写有“现金”：节日慰问品应发实物，不得发放现金、购物卡等"
    )
    budget = flags.loc[("budget", BUDGET_FIRST_ROW)]
    assert (budget["amount_yuan"], budget["limit_yuan"], budget["excess_yuan"]) == (120000.0, 100000.0, 20000.0)
    assert set(flags["severity"]) == {"高", "中"}


def test_cli_json_has_the_issues_shape(ledger_db, capsys):
    rules_file = ledger_db.parent / "rules.toml"
    code = cli(["compliance", "--period", "2024", "--rules", str(rules_file), "--db", str(ledger_db), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rules"] == {"name": "测试规则", "source": "测试用规则，非正式文件"}
    keys = {"rule", "category", "source_file", "source_sheet", "source_row", "amount_yuan", "limit_yuan", "message"}
    assert all(set(flag) == keys for flag in out["flags"])
    assert {(f["rule"], f["source_file"], f["source_row"]) for f in out["flags"]} == expected(2024)
    assert all(isinstance(f["source_row"], int) and f["source_sheet"] == "台账" for f in out["flags"])
    forbidden = [f for f in out["flags"] if f["rule"] == "forbidden"]
    assert all(f["limit_yuan"] is None for f in forbidden)


def test_cli_refuses_a_bad_rule_file_naming_the_line(ledger_db, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(RULES.replace("高温慰问 = 200", "高温慰问 = 二百"), encoding="utf-8")
    assert cli(["compliance", "--period", "2024", "--rules", str(bad), "--db", str(ledger_db), "--json"]) == 2
    assert "规则文件第 7 行格式有误" in capsys.readouterr().err


def test_paragraph(ledger_db):
    f = Filters.of(2024)
    with Store(ledger_db, read_only=True) as store:
        rules = compliance.parse_rules(RULES)
        text = compliance.paragraph(f, rules, compliance.check(store, f, rules), compliance.welfare_spend(store, f))
    assert text == (
        "经审查，2024年福利慰问支出共24笔、合计15.24万元，对照“测试规则”逐笔核对，"
        "共发现超标准发放2笔、金额3,300元（超出标准700元）；超过年度人均标准2处、超出5,100元（按人次计）；"
        "重复发放2笔、金额1,000元；节日福利发放现金、购物卡等2笔、金额16,000元；"
        "决算超过预算的科目1个、超支20,000元。上述问题已逐笔列出（见附表），请相关分工会核实并整改。"
    )


# --- rule files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nsource = "y"\n[per_payment]\n结婚慰问 = abc\n', "规则文件第 4 行格式有误"),
        ('name = "x"\nsource = "y"\n[per_payment]\n结婚慰问 = -5\n', "规则文件第 4 行：“结婚慰问”应为不小于 0 的数字"),
        ('name = "x"\nsource = "y"\n\n[per_paymnt]\n', "规则文件第 4 行：不认识的设置“per_paymnt”"),
        ('name = "x"\n[budget]\noverrun_ratio = 1\n', "规则文件第 1 行：缺少“source”"),
        ('name = "x"\nsource = "y"\n[duplicate]\nwindow_days = 7.5\n', "规则文件第 4 行：“window_days”应为整数天数"),
        ('name = "x"\nsource = "y"\n[forbidden]\nwords = "现金"\n', "规则文件第 4 行：“words”应为文字列表"),
        ('name = "x"\nsource = "y"\n[budget]\noverrun = 1\n', "规则文件第 4 行：不认识的设置“budget.overrun”"),
    ],
)
def test_bad_rule_files_are_refused_naming_the_line(text, message):
    with pytest.raises(compliance.RulesError) as err:
        compliance.parse_rules(text)
    assert str(err.value).startswith(message), str(err.value)


def test_rule_file_aliases_and_unknown_categories():
    rules = compliance.parse_rules('name = "x"\nsource = "y"\n[per_person_year]\n"春节福利" = 1000\n献血慰问 = 300\n')
    assert rules.per_person_year == {"节日福利": 1000.0, "献血慰问": 300.0}
    assert rules.warnings == ("“献血慰问”不是标准福利类别，只对台账中类别写作“献血慰问”的行生效",)
    assert rules.window_days is None and rules.overrun_ratio is None and not rules.forbidden_words


def test_presets_name_their_sources():
    presets = compliance.presets()
    assert list(presets)[0] == "generic" and {"anhui-2018", "fujian-2018", "hubei-2018"} <= set(presets)
    assert (
        not presets["generic"].has_caps
        and "全国总工会《基层工会经费收支管理办法》（2017年）" in presets["generic"].source
    )
    for key, rules in presets.items():
        assert rules.name and rules.source and not rules.warnings, key
        if key != "generic":
            assert rules.source.startswith("《") and rules.source_url.startswith("http"), key
    assert presets["anhui-2018"].per_person_year["节日福利"] == 1500
    assert presets["fujian-2018"].per_person_year["节日福利"] == 1300
    assert presets["hubei-2018"].per_person_year["节日福利"] == 1200


def test_saved_rules_are_the_default(store):
    assert compliance.default_rules(store).name == compliance.presets()["generic"].name
    compliance.save_rules(store, RULES)
    assert compliance.default_rules(store).name == "测试规则"
    with pytest.raises(compliance.RulesError):
        compliance.save_rules(store, "name = ")
    assert compliance.saved_rules(store).text == RULES


# --- export and page ------------------------------------------------------------------------


def test_workbook_masks_names_and_neutralises_formulas(ledger_db):
    f = Filters.of(2024)
    with Store(ledger_db, read_only=True) as store:
        rules = compliance.parse_rules(RULES)
        flags = compliance.check(store, f, rules)
    flags.loc[0, "sub_union"] = '=HYPERLINK("http://x")'
    data = compliance_export.build_workbook(ORG, f, rules, flags, "经审查……")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "问题明细"]
    assert wb["汇总"]["A1"].value == f"{ORG}2024年经费合规检查核查表"
    rows = list(wb["问题明细"].iter_rows(min_row=3, values_only=True))
    header = next(wb["问题明细"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert len(rows) == len(flags)
    names = [r[header.index("对象")] for r in rows if r[header.index("对象")]]
    assert names and all(n[1:] == "*" * (len(n) - 1) for n in names)
    assert rows[0][header.index("分工会")] == '\'=HYPERLINK("http://x")'
    formulas = [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas


@pytest.fixture()
def page_db(ledger_db, tmp_path, monkeypatch):
    """A copy of the ledger store with the test rules saved as the union's own set, opened by the app."""
    path = tmp_path / "page.duckdb"
    shutil.copy(ledger_db, path)
    with Store(path) as store:
        compliance.save_rules(store, RULES)
    with app_store(path, monkeypatch):
        yield path


def test_page_shows_flags_by_rule_and_the_paragraph(page_db):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/compliance.py").run()
    at.selectbox(key="f_period_year").set_value("2024").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="c_rules").value == "__own__"
    tables = [d.value for d in at.dataframe if "说明" in d.value.columns]
    shown = pd.concat(tables)
    got = {(r, f, int(n)) for r, f, n in zip(shown["规则"], shown["来源文件"], shown["行号"], strict=True)}
    labels = {rule: t(f"compliance.rule.{rule}") for rule in compliance.RULES}
    assert got == {(labels[rule], file, row) for rule, file, row in expected(2024)}
    assert len(tables) == 5  # one table per rule with flags
    names = [n for n in shown["对象"] if isinstance(n, str)]
    assert names and all(n[1:] == "*" * (len(n) - 1) for n in names)
    paragraph = at.code[0].value
    assert paragraph.startswith("经审查，2024年福利慰问支出共24笔") and "共发现超标准发放2笔、金额3,300元" in paragraph
    assert {m.label: m.value for m in at.metric}["重复发放"] == "2笔"
    at.toggle[0].set_value(True).run()
    shown = pd.concat([d.value for d in at.dataframe if "说明" in d.value.columns])
    assert "张三" in set(shown["对象"])


def test_flag_table_masks_people_not_groups():
    flags = pd.DataFrame(
        {
            **{c: [None, None] for c in compliance.FLAG_COLUMNS},
            "rule": ["per_payment", "per_person_year"],
            "recipient": ["张三", "全体会员"],
            "person_times": [1, 40],
        }
    )
    shown = compliance_export.flag_table(flags, drop_empty=True)
    assert list(shown["对象"]) == ["张*", "全体会员"]
    assert "日期" not in shown.columns and "行号" not in shown.columns
    assert list(compliance_export.flag_table(flags, reveal=True)["对象"]) == ["张三", "全体会员"]
