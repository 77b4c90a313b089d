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
