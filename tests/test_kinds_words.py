"""Words clerks of other unions write: statuses, yes/no columns, one column for two fields, titles that name
the ledger, names listed in one cell.  Each ledger is written here; the figures are counted by hand."""

from __future__ import annotations

from collections import Counter

from loaders.analysis import analyse_file
from tests.helpers import xlsx_bytes


def _sheet(rows, name="表.xlsx", merged=None):
    report = analyse_file(xlsx_bytes({"Sheet1": rows}, merged={"Sheet1": merged or []}), name)
    assert report.error is None, report.error
    return report.sheets[0]


def test_partly_done_planned_and_not_done_statuses_are_not_handled():
    """落实情况 部分解决 / 列入计划 / 未办结 are not 已办结 (部分解决 holds 解决, 未办结 holds 办结)."""
    statuses = ["已解决", "部分解决", "正在解决", "列入计划", "未办结", "已解决", "留作参考"]
    rows = [["2023年第五届二次教代会提案落实情况"], ["序号", "案由", "提案人", "处理结果", "落实情况"]]
    rows += [[i + 1, f"关于改进第{i + 1}项工作的建议", "张老师", "立案", s] for i, s in enumerate(statuses)]
    sheet = _sheet(rows)
    got = Counter(sheet.result.records["status"].fillna("（空）"))
    assert got == {"已办结": 2, "办理中": 3, "未办理": 1, "留作参考": 1}


def test_a_yes_no_column_answers_its_headers_question():
    """是否立案 √/×: √ is 立案, × is 不予立案; 是否办结 是/否: 已办结 or not handled."""
    answers = [("√", "是"), ("√", "否"), ("×", ""), ("√", "是"), ("×", ""), ("√", "否")]
    rows = [["2023年提案汇总"], ["序号", "提案名称", "提案人", "提交时间", "是否立案", "是否办结"]]
    rows += [[i + 1, f"第{i + 1}号提案", "李老师", "2023-03-0" + str(i + 1), a, b] for i, (a, b) in enumerate(answers)]
    sheet = _sheet(rows)
    assert sheet.mapping["是否立案"] == "decision" and sheet.mapping["是否办结"] == "status"
    records = sheet.result.records
    assert Counter(records["decision"]) == {"立案": 4, "不予立案": 2}
    assert Counter(records["status"].fillna("（空）")) == {"已办结": 2, "未办理": 2, "（空）": 2}


def test_one_column_for_decision_and_status_gives_both():
    """处理情况 立案（已办结） / 立案，办理中 / 转意见建议 / 不予立案: the 办理状态 is read from the same cell."""
    written = ["立案（已办结）", "立案，办理中", "转意见建议", "立案 已办结", "不予立案", "立案（已办结）"]
    rows = [["2023年第八届三次教代会提案"], ["序号", "案号", "提案题目", "提案人", "处理情况"]]
    rows += [[i + 1, f"T{i + 1}", f"关于第{i + 1}件事", "王老师", w] for i, w in enumerate(written)]
    sheet = _sheet(rows)
    records = sheet.result.records
    assert Counter(records["decision"]) == {"立案": 4, "作为意见建议": 1, "不予立案": 1}
    assert Counter(records["status"].fillna("（空）")) == {"已办结": 3, "办理中": 1, "（空）": 2}
    assert any("办理状态从这一列读出" in w and "4 行" in w for w in sheet.result.warnings)


def test_names_listed_in_one_cell_count_their_people_when_the_count_is_blank():
    """慰问对象 赵磊、胡斌、马超 with 人数 blank is 3 人次; 王五等6人 is 6; one name is 1; a written 人数 wins."""
    rows = [["2023年慰问登记"], ["日期", "部门", "类别", "慰问对象", "人数", "金额（元）"]]
    rows += [
        ["2023-01-10", "语文组", "春节慰问", "赵磊、胡斌、马超", None, 1500],
        ["2023-01-11", "数学组", "春节慰问", "何勇 高峰", None, 1000],
        ["2023-02-01", "数学组", "生病住院慰问", "孙悦;谢雨;何勇;马超", None, 2000],
        ["2023-03-08", "英语组", "节日慰问", "王五等6人", None, 600],
        ["2023-04-01", "英语组", "生病住院慰问", "李敏", None, 500],
        ["2023-05-01", "英语组", "节日慰问", "刘芳/王丽华", 5, 500],
    ]
    records = _sheet(rows).result.records
    assert records["person_times"].tolist() == [3, 2, 4, 6, 1, 5]
    assert records["amount_yuan"].sum() == 6100


def test_a_drives_donor_list_takes_its_kind_name_and_year_from_the_title():
    """2023年“慈善一日捐”捐款明细: one row per donor, no date or drive column — a donations ledger of that drive."""
    amounts = [100, 50, 100, 50, 200, 100, 50]
    rows = [["2023年“慈善一日捐”捐款明细（三墩小学）"], ["序号", "姓名", "部门", "捐款金额（元）", "备注"]]
    names = ["王丽华", "张建国", "李敏", "陈晓东", "刘芳", "杨帆", "赵磊"]
    rows += [[i + 1, name, "语文分工会", a, None] for i, (name, a) in enumerate(zip(names, amounts, strict=True))]
    rows.append(["合计", None, None, sum(amounts), None])
    sheet = _sheet(rows, "一日捐.xlsx")
    assert sheet.kind == "donations"
    records = sheet.result.records
    assert records["amount_yuan"].sum() == 650 and records["donors"].sum() == 7
    assert set(records["drive"]) == {"慈善一日捐"}
    assert {d.year for d in records["date"]} == {2023}
    assert any("7 行没有日期" in w and "2023 年" in w for w in sheet.result.warnings)


def test_an_awards_list_with_level_and_grade_in_one_cell_and_a_department_column():
    """获奖级别及等次 省级 一等奖 / 市级（二等奖）: both read; 所在教研组 语文组 is where the teacher works (not a
    集体 award); 获奖教师 is the recipient; 教育部 in a 级别 column is national."""
    written = ["市级二等奖", "省级 一等奖", "市级（一等奖）", "校级优秀奖", "区级三等奖", "教育部"]
    rows = [["2023年教师竞赛获奖统计"], ["序号", "比赛名称", "获奖教师", "所在教研组", "获奖级别及等次", "获奖时间"]]
    teachers = ["黄静", "冯晨", "谢雨", "周涛", "马超", "刘芳"]
    rows += [
        [i + 1, "教学论文评比", who, "语文组" if i % 2 else "数学组", w, f"2023-0{i + 1}-01"]
        for i, (who, w) in enumerate(zip(teachers, written, strict=True))
    ]
    sheet = _sheet(rows)
    assert sheet.mapping["获奖教师"] == "recipient" and sheet.mapping["所在教研组"] == "sub_union"
    records = sheet.result.records
    assert records["level"].tolist() == ["市级", "省级", "市级", "校级", "区县级", "国家级"]
    assert records["grade"].tolist()[:5] == ["二等奖", "一等奖", "一等奖", "优秀奖", "三等奖"]
    assert records["grade"].isna().tolist()[5]
    assert set(records["award_type"]) == {"个人"}
    assert any("等次从这一列读出" in w and "5 行" in w for w in sheet.result.warnings)
