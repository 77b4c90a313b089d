"""Ledger templates (台账模板): one .xlsx per kind with the standard headers, an example row and notes."""

from __future__ import annotations

import datetime as dt
import functools
import io

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from core.labels import kind_label

TEMPLATES: dict[str, tuple[list[str], list[object]]] = {
    "welfare": (
        ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）", "经办人", "备注"],
        [1, dt.date(2025, 3, 8), "机关分工会", "生病住院慰问", "张三", 1, 500, "李四", "住院慰问"],
    ),
    "activities": (
        [
            "序号",
            "活动名称",
            "开始日期",
            "结束日期",
            "主办单位",
            "活动类别",
            "参加人数（人次）",
            "应参加人数",
            "经费（元）",
            "备注",
        ],
        [1, "教职工羽毛球赛", dt.date(2025, 5, 10), dt.date(2025, 5, 11), "校工会", "文体活动", 120, 300, 6000, ""],
    ),
    "member_counts": (
        ["序号", "分工会", "年度", "会员人数", "其中：女", "备注"],
        [1, "机关分工会", 2025, 120, 64, ""],
    ),
    "roster": (
        ["序号", "工号", "姓名", "性别", "出生年月", "分工会", "入会日期", "状态"],
        [1, "2008013", "张三", "男", "1985-06", "机关分工会", dt.date(2008, 9, 1), "在职"],
    ),
    "proposals": (
        [
            "序号",
            "会议届次",
            "会议日期",
            "提案编号",
            "提案标题",
            "提案人",
            "附议人数",
            "提案类别",
            "处理结果",
            "承办部门",
            "办理状态",
            "提交日期",
            "答复日期",
            "满意度",
            "备注",
        ],
        [
            1,
            "第五届三次教代会",
            dt.date(2025, 3, 14),
            "5-3-01",
            "关于改善教工食堂伙食的建议",
            "张三",
            5,
            "后勤保障",
            "立案",
            "总务处",
            "已办结",
            dt.date(2025, 3, 1),
            dt.date(2025, 5, 20),
            "满意",
            "",
        ],
    ),
    "awards": (
        ["序号", "年度", "荣誉名称", "级别", "类型", "获奖对象", "所在分工会", "授予单位", "等次", "获奖日期", "备注"],
        [1, 2025, "市优秀工会工作者", "市级", "个人", "张三", "机关分工会", "市总工会", "", dt.date(2025, 4, 28), ""],
    ),
    "budget": (
        ["序号", "科目编码", "支出科目", "预算数（元）", "决算数（元）", "执行率", "备注"],
        [1, "50101", "职工教育支出", 50000, 48000, 0.96, ""],
    ),
    "donations": (
        ["序号", "日期", "活动名称", "分工会", "捐款人", "工号", "捐款人数", "金额（元）", "去向", "备注"],
        [1, dt.date(2025, 5, 19), "慈善一日捐", "机关分工会", "", "", 95, 19350, "市慈善总会", ""],
    ),
    "publicity": (
        ["序号", "发布日期", "标题", "发布渠道", "类型", "作者", "供稿单位", "阅读量", "备注"],
        [1, dt.date(2025, 3, 8), "校工会举办三八妇女节健步走活动", "微信公众号", "新闻", "张三", "校工会", 860, ""],
    ),
}

NOTES = [
    "填表说明：",
    "1. 第二行是标准表头，请勿修改；每行一笔记录，从第三行起填写（示例行可删除）。",
    "2. 日期可写 2025-03-08、2025.3.8 或 2025年3月8日；金额单位为元。",
    "3. 合计行、空行会被自动跳过；不合格的行会在上传时列出行号和原因。",
    "4. 类别、级别、处理结果、办理状态请尽量使用标准用语（如 省级、立案、已办结）。",
    "5. 捐款台账：一次捐款活动可按分工会各填一行（填捐款人数），也可按捐款人各填一行（填姓名和工号）；"
    "同一活动的“活动名称”“去向”可以合并单元格，只在第一行填写。",
    "6. 宣传台账：每条稿件在每个渠道发布一行；发布渠道用 微信公众号、学校网站、上级工会网站、学习强国、报刊、其他，"
    "类型用 新闻、通知、知识、文娱、养生、其他。",
]


@functools.cache
def template_bytes(kind: str) -> bytes:
    """The .xlsx template of ``kind``: sheet 1 the ledger (title, header, example), sheet 2 填表说明.

    Made once per process (nine workbooks cost ~100 ms, and 数据管理 offers them on every run).
    """
    headers, example = TEMPLATES[kind]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = kind_label(kind)[:31].replace("/", "、")
    ws.append([f"{kind_label(kind)}（模板）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    ws.append(example)
    for cell in ws[3]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    for i in range(1, len(headers) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = 16
    notes = wb.create_sheet("填表说明")
    for line in NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
