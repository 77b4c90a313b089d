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


def test_a_year_merged_over_budget_columns_is_one_record_per_year_and_said_so(tmp_path):
    """预决算对比表: 科目 merged down two rows, each year merged across 预算数 | 决算数 (figures by hand)."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["某校工会经费预算决算对比表", None, None, None, None],
        ["支出科目", "2022年", None, "2023年", None],
        [None, "预算数（万元）", "决算数（万元）", "预算数（万元）", "决算数（万元）"],
        ["职工教育支出", 1.5, 1.2, 2, 1.8],
        ["文体活动支出", 3, 2.75, 3.5, 3.6],
        ["合计", 4.5, 3.95, 5.5, 5.4],
    ]
    data = xlsx_bytes({"对比": rows}, merged={"对比": ["A2:A3", "B2:C2", "D2:E2", "A1:E1"]})
    report = analyse_file(data, "经费对比.xlsx")
    sheet = report.sheets[0]
    assert sheet.kind == "budget", sheet.note
    assert sheet.mapping["2023年/决算数（万元）"] == "final"
    records = sheet.result.records
    got = sorted(zip(records["year"], records["subject"], records["budget_yuan"], records["final_yuan"], strict=True))
    assert got == [
        (2022, "文体活动支出", 30000.0, 27500.0),
        (2022, "职工教育支出", 15000.0, 12000.0),
        (2023, "文体活动支出", 35000.0, 36000.0),
        (2023, "职工教育支出", 20000.0, 18000.0),
    ]
    assert not sheet.rejected and sheet.result.source_rows_accepted == 2
    assert any("按年度分列（2022年、2023年）" in line and "2 行成为 4 条记录" in line for line in sheet.explain())


def test_a_figure_merged_over_a_groups_rows_counts_once_and_matches_the_sheets_total():
    """慰问金 3,000 merged over three recipients is 3,000 for the three (the sheet's 合计 says 3,200), not 9,000."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["2023年慰问台账", None, None, None, None, None],
        ["日期", "分工会", "姓名", "类别", "人数", "金额（元）"],
        ["2023-01-10", "机关分工会", "张三", "春节慰问", 1, 3000],
        ["2023-01-10", "机关分工会", "李四", "春节慰问", 1, None],
        ["2023-01-10", "机关分工会", "王五", "春节慰问", 1, None],
        ["2023-03-08", "教务处分工会", "赵六", "生日慰问", 1, 200],
        ["合计", None, None, None, 4, 3200],
    ]
    # 分工会 merged too: a label, copied to each row it covers.
    data = xlsx_bytes({"慰问": rows}, merged={"慰问": ["F3:F5", "B3:B5", "A1:F1"]})
    sheet = analyse_file(data, "慰问.xlsx").sheets[0]
    records = sheet.result.records
    assert list(records["amount_yuan"]) == [3000.0, 0.0, 0.0, 200.0]
    assert records["amount_yuan"].sum() == 3200.0
    assert list(records["sub_union"]) == ["机关分工会"] * 3 + ["教务处分工会"]
    assert list(records["person_times"]) == [1, 1, 1, 1]
    assert [(r.field, r.matches) for r in sheet.result.reconciliation] == [("person_times", True), ("amount", True)]
    assert any("第 3–5 行是一个合并单元格（3000）" in w for w in sheet.result.warnings)


@pytest.mark.parametrize("bad_rows", [[0], [0, 1]])
def test_a_merged_figure_whose_first_row_is_rejected_moves_to_the_groups_first_imported_row(bad_rows):
    """慰问金 3,000 merged over three recipients, the first (or first two) without a date: rejected, and the
    3,000 goes to the group's first imported row, so 只导入合格行 loads 3,200 like the sheet's 合计."""
    rows = [
        ["2023年慰问台账", None, None, None, None, None],
        ["日期", "分工会", "姓名", "类别", "人数", "金额（元）"],
        ["2023-01-10", "机关分工会", "张三", "春节慰问", 1, 3000],
        ["2023-01-10", "机关分工会", "李四", "春节慰问", 1, None],
        ["2023-01-10", "机关分工会", "王五", "春节慰问", 1, None],
        ["2023-03-08", "教务处分工会", "赵六", "生日慰问", 1, 200],
        ["合计", None, None, None, 4, 3200],
    ]
    for i in bad_rows:
        rows[2 + i][0] = "待补"
    data = xlsx_bytes({"慰问": rows}, merged={"慰问": ["F3:F5", "A1:F1"]})
    sheet = analyse_file(data, "慰问.xlsx").sheets[0]
    into = 3 + len(bad_rows)  # spreadsheet row of the first imported recipient
    assert [r.row for r in sheet.rejected] == [3 + i for i in bad_rows]
    assert sheet.result.records["amount_yuan"].tolist() == [3000.0] + [0.0] * (2 - len(bad_rows)) + [200.0]
    assert [(r.field, r.matches) for r in sheet.result.reconciliation if r.field == "amount"] == [("amount", True)]
    said = f"第 3–5 行是一个合并单元格（3000）：按这几行合计一笔计入第 {into} 行"
    assert any(said in w for w in sheet.result.warnings)
    store = Store(":memory:")
    assert commit_file(store, analyse_file(data, "慰问.xlsx"), accept_valid=True).status == "loaded"
    assert queries.welfare_totals(store, queries.Filters.of("2023"))["total_yuan"] == 3200.0


def test_a_proposals_list_without_dates_takes_its_year_and_session_from_where_a_person_reads_them():
    """提案一览表 with no date column: the year from the file name, the session from the title, 附议人 counted."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["第五届二次教代会提案处理情况一览表", None, None, None, None],
        ["提案号", "案由", "提案人", "附议人", "处理意见"],
        ["1", "关于改善食堂伙食的建议", "张三", "李四、王五", "立案"],
        ["2", "关于增设教工停车位", "赵六", "钱七", "转为意见建议"],
        ["3", "关于提高课时津贴", "孙八", None, "不予立案"],
    ]
    sheet = analyse_file(xlsx_bytes({"提案": rows}), "2023年提案.xlsx").sheets[0]
    records = sheet.result.records
    assert not sheet.rejected
    assert list(records["session"]) == ["第五届二次教代会"] * 3
    assert {str(d) for d in records["session_date"]} == {"2023-01-01"}
    assert list(records["seconders"].fillna(-1)) == [2, 1, -1]
    assert any("3 行没有会议日期或提交日期" in w and "2023 年" in w for w in sheet.result.warnings)
    # Without a year anywhere a person would look, the rows still say what is missing.
    undated = analyse_file(xlsx_bytes({"提案": rows}), "提案.xlsx").sheets[0]
    assert len(undated.rejected) == 3 and "缺少会议日期" in undated.rejected[0].reason


@pytest.mark.parametrize(
    ("text", "grantor", "level"),
    [
        ("教育部", True, "国家级"),
        ("中华全国总工会", True, "国家级"),
        ("浙江省教育厅", True, "省级"),
        ("浙江省杭州市西湖区教育局", True, "区县级"),  # the last place named is the granting body's
        ("杭州市妇联", True, "市级"),
        ("滨江区第一中学", True, "校级"),  # a school names its district and is a school
        ("校工会", True, "校级"),
        ("全国优秀教师", False, "国家级"),
        ("市三八红旗集体", False, "市级"),  # 红旗 is no 旗 (banner, a county) in a name
        ("杭州市优秀教师", False, "市级"),
        ("区教学能手", False, "区县级"),
        ("优秀社区工作者", False, None),  # 社区 is no district
        ("师德标兵", False, None),
    ],
)
def test_an_awards_level_is_read_from_the_granting_body_or_the_name(text, grantor, level):
    from core.vocab_rules import award_level_in

    assert award_level_in(text, grantor=grantor) == level


def test_awards_without_level_or_type_columns_are_inferred_and_said_so():
    """获奖统计 with 授予单位 but no 级别 / 类型: levels and types as a person reads them, a warning with the counts."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["2023年度教职工获奖情况统计", None, None, None, None],
        ["序号", "获奖人/集体", "荣誉称号", "授予单位", "获奖时间"],
        [1, "张三", "优秀教师", "浙江省教育厅", "2023.9"],
        [2, "语文教研组", "三八红旗集体", "杭州市妇联", "2023年3月"],
        [3, "李四", "全国优秀教师", None, "2023-09-10"],
        [4, "王五", "教学能手", "西湖区教育局", "2023年"],
        [5, "赵六、钱七", "优秀班主任", "本校", "2023.6"],
        [6, "孙八", "师德标兵", None, "2023.6"],
    ]
    sheet = analyse_file(xlsx_bytes({"获奖": rows}), "获奖.xlsx").sheets[0]
    records = sheet.result.records
    assert not sheet.rejected
    assert list(records["level"].fillna("-")) == ["省级", "市级", "国家级", "区县级", "校级", "-"]
    assert list(records["award_type"].fillna("-")) == ["个人", "集体", "个人", "个人", "-", "个人"]
    # 2023年 alone: the award's year, no day.
    assert list(records["year"]) == [2023] * 6 and records["award_date"].isna().tolist()[3]
    warnings = sheet.result.warnings
    assert any("5 行没有填级别" in w and "省级 1" in w and "校级 1" in w for w in warnings), warnings
    assert any("5 行没有填类型（个人/集体）" in w and "个人 4、集体 1" in w for w in warnings), warnings


def test_activities_without_a_category_take_it_from_their_names_and_say_so():
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["XX学校工会2023年活动开展情况登记表", None, None, None],
        ["活动时间", "活动名称", "参加人数", "经费（元）"],
        ["3月8日", "三八节趣味运动会", "86人", "3,200"],
        ["5月", "教职工羽毛球比赛", "32人次", "800元"],
        ["2023.6.1", "庆六一亲子活动", "约60", "1500"],
        ["2023.7.1", "暑期疗休养", "40", "20000"],
    ]
    sheet = analyse_file(xlsx_bytes({"活动": rows}), "2023活动.xlsx").sheets[0]
    records = sheet.result.records
    assert list(records["category"].fillna("-")) == ["文体活动", "竞赛", "-", "疗休养"]
    assert list(records["participants"]) == [86, 32, 60, 40]
    assert any("3 行没有填类别：按活动名称推断为 文体活动 1、竞赛 1、疗休养 1" in w for w in sheet.result.warnings)


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


@pytest.mark.parametrize("merged", [["A2:E2"], []])
def test_one_year_line_over_the_header_is_the_sheets_year_not_a_group(merged):
    """A 2023年 line merged (or not) over the whole header: the headers stay as written, 3月8日 is in 2023."""
    from loaders.analysis import analyse_file
    from tests.helpers import xlsx_bytes

    rows = [
        ["慰问金发放表", None, None, None, None],
        ["2023年", None, None, None, None],
        ["日期", "部门", "姓名", "类别", "金额"],
        ["2023-01-10", "机关", "张三", "住院慰问", 500],
        ["3月8日", "教务处", "李四", "生日慰问", 300],
    ]
    sheet = analyse_file(xlsx_bytes({"慰问": rows}, merged={"慰问": merged}), "慰问.xlsx").sheets[0]
    assert list(sheet.mapping) == ["日期", "部门", "姓名", "类别", "金额"]
    assert [str(d) for d in sheet.result.records["date"]] == ["2023-01-10", "2023-03-08"]
    assert not any("按年度分列" in line for line in sheet.explain())


def test_award_inference_leaves_what_names_no_place_or_group_alone():
    """Review findings: 联盟, 市场, 市民, 地区, 区域 name no place; 中国梦 / 中华经典 name no national body;
    优秀教研组长 is one person; 王会 and 李科 are people, 后勤处 is a group."""
    from core.vocab_rules import award_level_in, award_type_in

    for grantor in ("区域教研联盟", "长三角教育联盟", "市场监督管理局", "市民中心", "某某地区教育局"):
        assert award_level_in(grantor, grantor=True) is None, grantor
    for title in ("中国梦主题征文", "中华经典诵读", "市场营销技能大赛", "市民满意教师", "区域名师"):
        assert award_level_in(title) is None, title
    assert award_level_in("中国教育学会", grantor=True) == "国家级"
    assert [award_type_in(r, t) for r, t in [("张三", "优秀教研组长"), ("李四", "优秀党支部书记")]] == ["个人", "个人"]
    assert [award_type_in(r, None) for r in ("王会", "李科", "张永科", "后勤处", "语文教研组")] == [
        "个人",
        "个人",
        "个人",
        "集体",
        "集体",
    ]
    assert award_type_in(None, "模范职工之家") == "集体"
