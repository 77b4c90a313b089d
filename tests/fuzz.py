"""Fuzz generator (issue 12): hostile and careless ledgers, each with the Chinese message it must get.

``cases()`` returns name → (file name, bytes, expected message fragment).  Every case is
refused whole (a FileError message) or has its bad row rejected with a reason; none may
change the figures or crash.  ``python -m tests.fuzz OUT`` writes the cases to a folder,
for ``python -m loaders OUT/<case>`` by hand.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import xlsxwriter

HEADER = ["日期", "分工会", "类别", "对象姓名", "人次", "金额（元）"]
GOOD = ["2022-03-08", "语文组", "生病住院慰问", "张三", 1, 500]


def _workbook(rows: list[list[object]], title: str = "2022年慰问金发放台账") -> bytes:
    """A welfare ledger written by xlsxwriter (shared strings, as Excel writes them)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("慰问")
    for r, row in enumerate([[title], HEADER, *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return buf.getvalue()


def _patch(data: bytes, part: str, edit) -> bytes:
    """``data`` with one zip part rewritten by ``edit(bytes) -> bytes`` (the rest copied as is)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = src.read(name)
            dst.writestr(name, edit(content) if name == part else content)
    return out.getvalue()


def _shared_index(value: str) -> bytes:
    def edit(xml: bytes) -> bytes:
        return re.sub(rb'(<c r="D3" t="s"><v>)\d+(</v>)', lambda m: m.group(1) + value.encode() + m.group(2), xml)

    return _patch(_workbook([GOOD]), "xl/worksheets/sheet1.xml", edit)


def _corrupt_deflate() -> bytes:
    data = bytearray(_workbook([GOOD] * 50))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        data[i] ^= 0x5A
    return bytes(data)


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _row(**changes: object) -> list[object]:
    row = dict(zip(HEADER, GOOD, strict=True))
    row.update({HEADER[int(k[1:])]: v for k, v in changes.items()})
    return list(row.values())


ROW_CASES: dict[str, tuple[list[object], str]] = {
    "amount_1e16": (_row(c5=1e16), "金额超出合理范围"),
    "amount_18_digits": (_row(c5="123456789012345678"), "金额超出合理范围"),
    "amount_text_1e15": (_row(c5="1,000,000,000,000,000元"), "金额超出合理范围"),
    "amount_40_digits": (_row(c5="9" * 40), "数值过大"),
    "amount_wan_huge": (_row(c5="99999999999万元"), "金额超出合理范围"),
    "count_3e9": (_row(c4=3_000_000_000), "人数超出合理范围"),
    "count_1e20": (_row(c4=1e20), "人数超出合理范围"),
    "date_1900": (_row(c0="1900-01-01"), "日期超出合理范围"),
    "date_2099": (_row(c0="2099-12-31"), "日期超出合理范围"),
    "range_reversed": (_row(c0="2022.3.10-2022.3.8"), "早于开始日期"),
}

FILE_CASES: dict[str, tuple[str, object, str]] = {
    "shared_index_negative": ("neg.xlsx", lambda: _shared_index("-1"), "共享字符串索引无效"),
    "shared_index_text": ("abc.xlsx", lambda: _shared_index("abc"), "共享字符串索引无效"),
    "shared_index_huge": ("huge.xlsx", lambda: _shared_index(str(2**64 + 1)), "共享字符串索引无效"),
    "shared_index_past_end": ("past.xlsx", lambda: _shared_index("500"), "文件已损坏"),
    "corrupt_deflate": ("zlib.xlsx", _corrupt_deflate, "文件已损坏"),
    "garbage_workbook_xml": (
        "wb.xlsx",
        lambda: _patch(_workbook([GOOD]), "xl/workbook.xml", lambda _: b"<workbook><sheets><sheet"),
        "文件已损坏",
    ),
    "header_only": ("header.xlsx", lambda: _workbook([]), "没有数据行"),
    "docx_renamed": ("report.xlsx", _docx, "Word 文档"),
    "pdf_renamed": ("report.xlsx", lambda: b"%PDF-1.7\n" + b"x" * 100, "PDF 文档"),
    "png_renamed": ("photo.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG 图片"),
    "csv_rows_over_cap": ("rows.csv", lambda: ("日期,金额\n" + "2022-03-08,1\n" * 300_001).encode(), "行的上限"),
    "csv_columns_10000": ("wide.csv", lambda: "\n".join([",".join(["x"] * 10_000)] * 21).encode(), "列的上限"),
    "csv_cell_49mb": ("cell.csv", lambda: ("日期,对象姓名\n2022-03-08," + "张" * 40_000 + "\n").encode(), "字符的上限"),
    "csv_nul_late": ("nul.csv", lambda: ("日期,金额\n" + "2022-03-08,1\n" * 7000 + "x\x00y,1\n").encode(), "不是文本"),
}


def cases() -> dict[str, tuple[str, bytes, str]]:
    """name → (file name, content, expected Chinese message fragment)."""
    out = {name: (f"{name}.xlsx", _workbook([GOOD, row]), msg) for name, (row, msg) in ROW_CASES.items()}
    out.update({name: (file_name, make(), msg) for name, (file_name, make, msg) in FILE_CASES.items()})
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for name, (file_name, data, _) in cases().items():
        (folder / name).mkdir(exist_ok=True)
        (folder / name / file_name).write_bytes(data)
