"""Checks before parsing (读取前检查): type by magic bytes, zip bombs, sheet sizes, unsafe XML.

Every check reads only the zip directory and the raw bytes of the parts, never
parses a sheet: they run before any reader, so a hostile file is refused with a
Chinese reason instead of exhausting memory in the reader.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import PurePath, PurePosixPath
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from core.labels import t
from loaders import limits

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SUFFIXES = (".xlsx", ".xlsm")
OLE_SUFFIXES = (".xls",)
TEXT_SUFFIXES = (".csv", ".txt")
ALLOWED_SUFFIXES = ZIP_SUFFIXES + OLE_SUFFIXES + TEXT_SUFFIXES

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_BAD_SHARED_INDEX = re.compile(rb't="s"><v>(?!\d{1,10}</v>)')


class FileError(Exception):
    """A whole file is refused; ``str(err)`` is the Chinese reason (without the file name)."""


def column_number(letters: bytes | str) -> int:
    """Excel column letters to a 1-based number: A → 1, Z → 26, XFD → 16384."""
    number = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        number = number * 26 + ch - 64
    return number


def check_file(data: bytes, filename: str) -> dict[str, bytes]:
    """Refuse a file before any reader opens it.

    Raises :class:`FileError` when: the extension is not .xlsx/.xlsm/.xls/.csv/.txt; the
    file exceeds UPLOAD_MB; its magic bytes do not match the extension (an OLE file
    named .xlsx is an encrypted workbook: 请先去除文件密码; a non-zip .xlsx is damaged:
    文件已损坏); a CSV holds NUL bytes; a zip's entries exceed the size caps or inflate
    more than 100× (zip bomb); a sheet declares or holds more rows, columns or cells
    than allowed; any XML part carries a DOCTYPE (entity expansion, XXE).
    Returns the worksheet parts it unzipped (part name → XML), so that the reader does
    not unzip them again; empty for .xls and CSV.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise FileError(t("file.unsupported", suffix=suffix or filename))
    if len(data) > limits.UPLOAD_MB * limits.MB:
        raise FileError(t("file.too_big", mb=limits.UPLOAD_MB))
    if not data:
        raise FileError(t("file.empty"))
    head = data[:8]
    if other := other_format(data):
        key = "file.not_text_named" if suffix in TEXT_SUFFIXES else "file.other_format"
        raise FileError(t(key, format=other))
    if suffix in ZIP_SUFFIXES:
        if head == OLE_MAGIC:
            raise FileError(t("file.encrypted"))
        if head[:4] != ZIP_MAGIC:
            raise FileError(t("file.damaged"))
        return _check_zip(data)
    elif suffix in OLE_SUFFIXES:
        if head[:4] == ZIP_MAGIC:
            raise FileError(t("file.wrong_suffix", actual=".xlsx"))
        if head != OLE_MAGIC:
            raise FileError(t("file.damaged"))
    elif data.startswith(UTF16_BOMS):
        return {}
    elif b"\x00" in data:  # anywhere: a NUL after the first 64 KB used to reach the store
        raise FileError(t("file.not_text"))
    return {}


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Files users rename to .xlsx or .csv by mistake, by their first bytes → what to call them.
_OTHER_MAGIC = (
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"{\\rtf", "RTF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
)
# Parts that name the application of an Office Open XML or OpenDocument package.
_ZIP_PARTS = (
    ("word/document.xml", "Word 文档"),
    ("ppt/presentation.xml", "PowerPoint 演示文稿"),
)
# Stream names in an OLE (old Office) file's directory, UTF-16LE.
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "Word 文档（.doc）"),
    ("PowerPoint Document".encode("utf-16-le"), "PowerPoint 演示文稿（.ppt）"),
)


def other_format(data: bytes) -> str | None:
    """The kind of a file that is not a spreadsheet or text (Word, PDF, image …), else None.

    Looks at the first bytes, the part names of a zip package and the stream names of an
    OLE file; an encrypted workbook (OLE with EncryptedPackage) is not named here.
    """
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return name
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        if "xl/workbook.xml" in names:
            return None
        for part, name in _ZIP_PARTS:
            if part in names:
                return name
        if "mimetype" in names:
            return "OpenDocument 文档"
        return "ZIP 压缩包"
    if data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") not in data[: 65536 * 8]:
        for stream, name in _OLE_STREAMS:
            if stream in data:
                return name
    return None


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name as the user sees it (xl/worksheets/sheet1.xml → 慰问台账).

    Reads only xl/workbook.xml and its relationships, with defusedxml.  Raises ValueError
    (or defusedxml's errors, subclasses of it) for malformed parts.
    """
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[part] = sheet.get("name", part)
    return parts


def _check_zip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileError(t("file.damaged")) from None
    with archive:
        entries = archive.infolist()
        total = sum(e.file_size for e in entries)
        if total > limits.UNCOMPRESSED_MB * limits.MB:
            raise FileError(t("file.unzipped_too_big", mb=limits.UNCOMPRESSED_MB))
        for entry in entries:
            if entry.file_size > limits.ENTRY_MB * limits.MB:
                raise FileError(t("file.entry_too_big", part=entry.filename, mb=limits.ENTRY_MB))
            if (
                entry.file_size > limits.RATIO_CHECK_MB * limits.MB
                and entry.compress_size / entry.file_size < limits.MIN_INFLATE_RATIO
            ):
                raise FileError(t("file.zip_bomb", part=entry.filename, ratio=int(1 / limits.MIN_INFLATE_RATIO)))
        names = {e.filename for e in entries}
        if "xl/workbook.xml" not in names:
            raise FileError(t("file.damaged"))
        try:
            xml = {e.filename: archive.read(e) for e in entries if e.filename.endswith((".xml", ".rels", ".vml"))}
            for part, content in xml.items():
                _check_doctype(part, content)
            names = sheet_parts(archive)
            for part, name in names.items():
                if part in xml:
                    _check_sheet(name, xml[part])
            return {part: xml[part] for part in names if part in xml}
        except (zipfile.BadZipFile, zlib.error, ParseError, EOFError, OSError, KeyError, ValueError) as err:
            raise FileError(t("file.damaged") + f"（{type(err).__name__}）") from None


def _check_doctype(name: str, xml: bytes) -> None:
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml[:65536]:
        raise FileError(t("file.unsafe_xml", part=name))


def _check_sheet(sheet: str, xml: bytes) -> None:
    head = xml[:4096]
    dim_rows = dim_cols = 0
    if m := _DIMENSION.search(head):
        first_col, first_row, last_col, last_row = m.groups()
        dim_cols = column_number(last_col or first_col or b"A")
        dim_rows = int(last_row or first_row or 0)
    # The last <row> holds the highest row number; the first rows (the header) and the last
    # hold the columns a ledger uses.  Only those stretches are scanned, never the whole part.
    rows = cols = 0
    last = xml.rfind(b"<row ")
    refs = _CELL_REF.findall(xml[: 256 * 1024]) + (_CELL_REF.findall(xml[last:]) if last >= 0 else [])
    if refs:
        rows = max(int(r) for _, r in refs)
        cols = max(column_number(c) for c, _ in refs)
    # Readers allocate the whole range from A1 to the farthest cell (A1:XFD1048576 is 17 billion cells).
    if max(rows, dim_rows) * max(cols, dim_cols) > limits.MAX_RANGE_CELLS:
        raise FileError(
            t("file.range_too_big", part=sheet, rows=f"{max(rows, dim_rows):,}", cols=f"{max(cols, dim_cols):,}")
        )
    if rows > limits.MAX_ROWS:
        raise FileError(t("file.rows_too_many", part=sheet, rows=f"{rows:,}", limit=f"{limits.MAX_ROWS:,}"))
    if cols > limits.MAX_COLUMNS:
        raise FileError(t("file.columns_too_many", part=sheet, cols=f"{cols:,}", limit=limits.MAX_COLUMNS))
    if xml.count(b"<c ") > limits.MAX_CELLS:
        raise FileError(t("file.cells_too_many", part=sheet, limit=f"{limits.MAX_CELLS:,}"))
    # A shared-string index that is not a small whole number (-1, abc, 2^64+1): readers take
    # it as string 0 (the title) in silence.  An index past the table is the reader's error.
    if _BAD_SHARED_INDEX.search(xml):
        raise FileError(t("file.bad_shared_index", sheet=sheet))


def defusedxml_ready() -> bool:
    """True when defusedxml is installed and refuses an entity declaration (checked at start)."""
    try:
        SafeET.fromstring('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    except defusedxml.EntitiesForbidden:
        return True
    return False
