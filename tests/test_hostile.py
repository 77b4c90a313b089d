"""A hostile-file corpus made here, each file with the message it must get, and nothing written."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from core.store import Store
from loaders import limits
from loaders.analysis import analyse_file
from loaders.loading import commit_file
from loaders.safety import FileError, check_file, defusedxml_ready
from loaders.sandbox import analyse_isolated
from tests.helpers import store_content, xlsx_bytes

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）"]


def good_xlsx() -> bytes:
    return xlsx_bytes({"慰问": [HEADER, [1, "2022.3.8", "机关分工会", "结婚慰问", "张三", 1, 800]]})


def replace_part(data: bytes, part: str, content: bytes) -> bytes:
    """A copy of an .xlsx with one part's bytes replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != part:
                dst.writestr(item, src.read(item))
        dst.writestr(part, content)
    return out.getvalue()


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol3;</t></si></sst>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&xxe;</t></si></sst>"""


def far_cell() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "日期"
    wb.active["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wide() -> bytes:
    header = [*HEADER, *[f"备注{i}" for i in range(2_000 - len(HEADER))]]
    return xlsx_bytes({"宽表": [header, [1, "2022.3.8", "机关分工会", "结婚慰问", "张三", 1, 800]]})


def oversized_string() -> bytes:
    """One 5 MB cell text (openpyxl would cut it to Excel's 32,767 characters, so the XML is written here).

    It deflates to about 5 KB: a 1000× ratio, the shape of the 300 KB file holding a 300 MB string.
    """
    data = good_xlsx()
    xml = sheet_xml(data).replace(b"<is><t>&#24352;&#19977;</t></is>", b"<is><t>" + b"a" * 5_000_000 + b"</t></is>")
    assert len(xml) > 5_000_000
    return replace_part(data, "xl/worksheets/sheet1.xml", xml)


CASES = {
    "renamed_csv.xlsx": (lambda: "日期,金额\n2022-03-08,500\n".encode(), "文件已损坏"),
    "renamed_xlsx.xls": (good_xlsx, "文件内容与扩展名不符"),
    "truncated.xlsx": (lambda: good_xlsx()[: len(good_xlsx()) // 2], "文件已损坏"),
    "encrypted.xlsx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "请先去除文件密码"),
    "far_cell.xlsx": (far_cell, "的范围过大（1,048,576 行 × 16,384 列"),
    "billion_laughs.xlsx": (lambda: replace_part(good_xlsx(), "xl/sharedStrings.xml", BILLION_LAUGHS), "不安全的 XML"),
    "xxe.xlsx": (lambda: replace_part(good_xlsx(), "xl/sharedStrings.xml", XXE), "不安全的 XML"),
    "oversized_string.xlsx": (oversized_string, "压缩比超过 100 倍，疑似压缩炸弹"),
    "two_thousand_columns.xlsx": (wide, "有 2,000 列，超过 200 列的上限"),
    "empty.xlsx": (lambda: b"", "文件是空的"),
    "binary.csv": (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "CSV 文件内容不是文本"),
    "macro.xlsb": (good_xlsx, "不支持的文件类型“.xlsb”"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_refused_with_message(name):
    make, expected = CASES[name]
    with pytest.raises(FileError) as err:
        check_file(make(), name)
    assert expected in str(err.value)


@pytest.mark.parametrize("name", ["far_cell.xlsx", "billion_laughs.xlsx", "encrypted.xlsx", "truncated.xlsx"])
def test_hostile_file_through_the_isolated_reader_writes_nothing(store, name):
    make, expected = CASES[name]
    before = store_content(store)
    report = analyse_isolated(make(), name)
    assert expected in report.error
    result = commit_file(store, report)
    assert result.status == "refused" and expected in result.message
    assert store_content(store) == before


def test_reader_crash_is_contained_in_the_subprocess():
    """Without the pre-parse check the far cell makes python-calamine abort: only the child dies."""
    report = analyse_isolated(far_cell(), "far_cell.xlsx", check=False)
    assert report.error == "读取该文件时读取程序异常退出（文件过大或格式异常），未导入任何数据"


def test_reader_time_limit():
    report = analyse_isolated(good_xlsx(), "slow.xlsx", seconds=0.0001)
    assert report.error == "读取该文件超过 0 秒，已停止，未导入任何数据"
    # a real ledger within the limit reads normally in the child
    ok = analyse_isolated(good_xlsx(), "ok.xlsx")
    assert ok.error is None and ok.accepted_rows == 1


def test_bad_row_at_5000_rejected_and_nothing_written(store):
    rows = [HEADER] + [[i, "2022.3.8", "机关分工会", "结婚慰问", f"员工{i}", 1, 800] for i in range(1, 5_000)]
    rows[4_999][6] = "八百"  # spreadsheet row 5000 (header is row 1)
    report = analyse_isolated(xlsx_bytes({"慰问": rows}), "big.xlsx")
    assert [(r.row, r.reason) for r in report.sheets[0].rejected] == [(5_000, "金额（元）：不是数字：“八百”")]
    assert report.accepted_rows == 4_998
    before = store_content(store)
    assert commit_file(store, report).status == "refused"
    assert store_content(store) == before


def test_values_kept_exactly():
    names = ["NA", "None", "null", "007", "😀", "<script>alert(1)</script>", "**粗**", "[链接](http://x)"]
    rows = [HEADER] + [[i, "2022.3.8", "机关分工会", "结婚慰问", n, 1, 800] for i, n in enumerate(names, 1)]
    report = analyse_file(xlsx_bytes({"慰问": rows}), "names.xlsx")
    assert report.sheets[0].result.records["recipient"].tolist() == names


def test_defusedxml_checked():
    assert defusedxml_ready()


def test_limits_stated_once_and_matching():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.UPLOAD_MB
    readme = (ROOT / "README.md").read_text()
    assert limits.limits_text() in readme
    assert re.search(rf"{limits.UPLOAD_MB}\s*MB", readme)


def test_store_rejects_sql_in_identifiers(tmp_path):
    from core.store import quote_ident

    with Store(tmp_path / "q.duckdb") as store:
        name = 'x"; DROP TABLE welfare; --'
        assert quote_ident(name) == '"x""; DROP TABLE welfare; --"'
        assert store.query(f"SELECT 1 AS {quote_ident(name)}").columns.tolist() == [name]
        assert store.row_count("welfare") == 0
