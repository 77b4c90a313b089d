"""Warm-up (预热) for the reading forkserver: importing this module reads one tiny ledger.

pandas and pyarrow import parts of themselves on first use (string kernels, compute
functions).  The forkserver imports this module once, so every parsing child forked
from it starts with them loaded instead of paying for them on each upload.
"""

from __future__ import annotations

import io

import openpyxl

from loaders.analysis import analyse_file


def _tiny_ledger() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年慰问台账"])
    sheet.append(["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）", "备注"])
    sheet.append([1, "2024.3.8", "机关分工会", "住院慰问", "张三", None, "500元", ""])
    sheet.append([2, "2024年3月9日", "机关分工会", "结婚慰问", "李四", 1, 800, ""])
    sheet.append(["合计", None, None, None, None, 2, 1300, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


analyse_file(_tiny_ledger(), "warm-up.xlsx")
