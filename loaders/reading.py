"""Reading (读取): a ledger file's bytes into one table of cell texts per sheet.

.xlsx / .xlsm go through fastexcel (Rust calamine to Arrow in one call: 0.95 s for
100,000 rows here, against 18 s for pandas + openpyxl, MEASURED.md), every cell as
text so that one column may hold dates, numbers and words as clerks mix them; .xls
through python-calamine; .csv through pandas with UTF-8, UTF-8-BOM or GBK/GB18030.
No parsing of cell values here: this module picks the reader, turns its failures into
Chinese messages, and adds what readers leave out (merged ranges, error values and
formulas without a cached value) from a scan of the sheet XML.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

import fastexcel
import pandas as pd
import python_calamine as pc

from core.labels import t
from core.text import strip_invisible_column
from loaders import limits
from loaders.safety import FileError, check_file, column_number, sheet_parts

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + CSV_SUFFIXES
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode 文本" export: UTF-16 with BOM, tab-separated
# Errors a damaged container raises from the zip, inflate and XML layers (文件已损坏, never a bug of ours).
DAMAGED = (zipfile.BadZipFile, zlib.error, ParseError, EOFError, KeyError, ValueError, OSError)
Merged = tuple[tuple[int, int], tuple[int, int]]


class UncachedFormula(str):
    """A formula cell saved without its computed value (公式无计算结果).

    The text is a NUL and the cell reference, so it never equals a typed value; ``cell``
    is the reference (B7) for the message.
    """

    @property
    def cell(self) -> str:
        return self[1:]


@dataclass
class RawSheet:
    """One sheet as read: ``frame.iat[i, j]`` is the cell at spreadsheet row i+1.

    Cells are text (dates as "2022-03-08 00:00:00", numbers as "800" or "0.08"), None
    when empty, or an :class:`UncachedFormula`.  Column 0 is the sheet's first used
    column.  ``merged`` holds zero-based ((row0, col0), (row1, col1)) ranges in the
    frame's coordinates.
    """

    name: str
    frame: pd.DataFrame
    visible: bool = True
    merged: list[Merged] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)  # frame columns the clerk hid
    hidden_rows: set[int] = field(default_factory=set)  # frame rows (zero-based sheet rows) the clerk hid

    def head(self, n: int) -> list[list[object]]:
        """The first ``n`` rows as lists (None for empty cells)."""
        top = self.frame.head(n).astype(object)
        return top.where(top.notna(), None).to_numpy().tolist()

    @property
    def height(self) -> int:
        return len(self.frame)


def suffix_of(filename: str) -> str:
    """The lower-cased extension of ``filename`` ('.xlsx'), '' when there is none."""
    return PurePath(filename).suffix.lower()


def read_sheets(data: bytes, filename: str, check: bool | str = True) -> list[RawSheet]:
    """Read every sheet of a ledger file.

    ``filename`` decides the reader by its extension and names CSV sheets.
    Raises :class:`FileError` with a Chinese reason for anything :func:`check_file`
    refuses (type, size, zip bomb, unsafe XML, oversized sheet), an encrypted workbook
    (请先去除文件密码), a damaged file (文件已损坏) or an undecodable CSV.

    ``check="alongside"`` (only in the disposable reading child of loaders.sandbox): the .xlsx
    reader starts first and the checks run beside it on the other core; their refusal is raised
    as soon as they find it, whatever the reader is doing, and the child is then killed with it.
    """
    suffix = suffix_of(filename)
    alongside = check == "alongside" and suffix in (".xlsx", ".xlsm") and data[:4] == b"PK\x03\x04"
    # check=False only in tests that show what the subprocess guard catches without the checks
    parts = check_file(data, filename) if check and not alongside else None
    if suffix in CSV_SUFFIXES:
        return [_clean(_read_csv(data, PurePath(filename).stem))]
    if suffix == ".xls":
        return [_clean(sheet) for sheet in _read_xls(data)]
    # The reader (Rust, without the GIL) and the scan of the sheet XML for what it leaves out run
    # side by side: both only read ``data``, which check_file has passed (or passes now, alongside,
    # before anything read is used; or the caller checks).
    loaded: dict[str, object] = {}
    reader_thread = threading.Thread(target=_load_all, args=(data, loaded), daemon=True)
    reader_thread.start()
    if alongside:
        parts = check_file(data, filename)  # a refusal leaves the reader thread to die with the child
    try:
        extras = scan_sheet_xml(data, parts)
    except DAMAGED as err:
        raise FileError(t("file.damaged") + f"（{type(err).__name__}）") from None
    finally:
        reader_thread.join()
    if "error" in loaded:
        raise loaded["error"]
    sheets = []
    for name, sheet, table in loaded["sheets"]:
        frame = table.to_pandas() if table.num_columns else pd.DataFrame()
        frame.columns = range(frame.shape[1])
        first_col = sheet.available_columns()[0].absolute_index if frame.shape[1] else 0
        special, merged, hidden, hidden_rows = extras.get(name, ({}, [], set(), set()))
        # Invisible characters go before the overlay: an uncached formula's marker starts with NUL.
        frame = _overlay(_clean_frame(frame), special, first_col)
        merged = [((r0, c0 - first_col), (r1, c1 - first_col)) for (r0, c0), (r1, c1) in merged]
        sheets.append(
            RawSheet(
                name=name,
                frame=frame,
                visible=sheet.visible == "visible",
                merged=merged,
                hidden_columns={c - first_col for c in hidden if c >= first_col},
                hidden_rows=hidden_rows,
            )
        )
    return sheets


def _load_all(data: bytes, out: dict[str, object]) -> None:
    """Every sheet through fastexcel as Arrow text columns into ``out["sheets"]`` (name, sheet, table).

    Runs in a thread: what it raises goes to ``out["error"]`` for :func:`read_sheets` to raise.
    """
    try:
        try:
            reader = fastexcel.read_excel(data)
            names = reader.sheet_names
        except fastexcel.FastExcelError as err:
            raise _reader_error(err, None) from None
        sheets = []
        for name in names:
            try:
                sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string", whitespace_as_null=True)
                sheets.append((name, sheet, sheet.to_arrow()))
            except fastexcel.FastExcelError as err:
                raise _reader_error(err, name) from None
        out["sheets"] = sheets
    except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread, as if read there
        out["error"] = err


def _reader_error(err: Exception, sheet: str | None) -> FileError:
    message = str(err).lower()
    if "password" in message or "encrypt" in message:
        return FileError(t("file.encrypted"))
    if sheet is not None:
        return FileError(t("file.damaged_sheet", sheet=sheet) + f"（{type(err).__name__}）")
    return FileError(t("file.damaged") + f"（{type(err).__name__}）")


def _clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell without invisible and control characters (core.text), column by column."""
    for j in frame.columns:
        cleaned = strip_invisible_column(frame[j])
        if cleaned is not frame[j]:
            frame[j] = cleaned
    return frame


def _clean(sheet: RawSheet) -> RawSheet:
    sheet.frame = _clean_frame(sheet.frame)
    return sheet


def _overlay(frame: pd.DataFrame, special: dict[tuple[int, int], str], first_col: int) -> pd.DataFrame:
    """Put error values and uncached formulas, which readers return as empty, into their cells."""
    for (row, col), value in special.items():
        j = col - first_col
        if 0 <= j < frame.shape[1] and row < len(frame) and pd.isna(frame.iat[row, j]):
            if frame[j].dtype != object:
                frame[j] = frame[j].astype(object)
            frame.iat[row, j] = value
    return frame


def _text(value: object) -> str | None:
    """A calamine cell as the text fastexcel would give (dates ISO, integral floats without .0)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text.strip() else None


def _read_xls(data: bytes) -> list[RawSheet]:
    try:
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = [[_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            sheets.append(
                RawSheet(
                    name=meta.name,
                    frame=pd.DataFrame(rows, dtype=object),
                    visible=meta.visible == pc.SheetVisibleEnum.Visible,
                    merged=list(sheet.merged_cell_ranges or []),
                )
            )
        return sheets
    except pc.PasswordError:
        raise FileError(t("file.encrypted")) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError) as err:
        raise FileError(t("file.damaged") + f"（{type(err).__name__}）") from None


def _decode(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileError(t("file.encoding")) from None
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(t("file.encoding"))


def _read_csv(data: bytes, name: str) -> RawSheet:
    """A CSV or tab-separated text file as one sheet, held to the limits of a worksheet.

    Rows, columns, cells and the length of a cell are checked while the rows stream in,
    so a 350,000-row file, a 10,000-column row or a 49 MB cell is refused as soon as it
    crosses its limit, before the next row is read.
    """
    text = _decode(data)
    try:
        sep = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:  # one column, or no delimiter in the sample
        sep = ","
    # A physical line with many more separators than a sheet may have columns is refused
    # before csv splits it (a 49 MB single line would otherwise become millions of cells).
    max_separators = limits.MAX_COLUMNS * 4

    def lines():
        for line in io.StringIO(text, newline=""):
            if len(line) > limits.MAX_COLUMNS * (limits.MAX_CELL_CHARS + 3):
                raise FileError(t("file.cell_too_long", part=name, limit=f"{limits.MAX_CELL_CHARS:,}"))
            if line.count(sep) > max_separators:
                raise FileError(
                    t("file.columns_too_many", part=name, cols=f"{line.count(sep) + 1:,}", limit=limits.MAX_COLUMNS)
                )
            yield line

    rows: list[list[str]] = []
    cells = 0
    previous = csv.field_size_limit(limits.MAX_CELL_CHARS)
    try:
        for row in csv.reader(lines(), delimiter=sep):
            if len(rows) >= limits.MAX_ROWS:
                raise FileError(
                    t("file.rows_too_many", part=name, rows=f"> {limits.MAX_ROWS:,}", limit=f"{limits.MAX_ROWS:,}")
                )
            if len(row) > limits.MAX_COLUMNS:
                raise FileError(t("file.columns_too_many", part=name, cols=f"{len(row):,}", limit=limits.MAX_COLUMNS))
            cells += len(row)
            if cells > limits.MAX_CELLS:
                raise FileError(t("file.cells_too_many", part=name, limit=f"{limits.MAX_CELLS:,}"))
            rows.append(row)
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise FileError(t("file.cell_too_long", part=name, limit=f"{limits.MAX_CELL_CHARS:,}")) from None
        raise FileError(t("file.unreadable", error=str(err))) from None
    finally:
        csv.field_size_limit(previous)
    if not rows:
        raise FileError(t("file.unreadable", error=t("file.no_rows")))
    frame = pd.DataFrame(rows, dtype=object)
    for j in frame.columns:
        column = frame[j]
        blank = column.isna() | (column.str.strip() == "").fillna(True).astype(bool)
        if blank.any():
            frame[j] = column.where(~blank, None)
    frame.columns = range(frame.shape[1])
    return RawSheet(name=name, frame=frame)


_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)(<v>[^<]+</v>)?')


_HIDDEN_COLS = re.compile(rb"<col\b[^>]*>")
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def scan_sheet_xml(
    data: bytes, parts: dict[str, bytes] | None = None
) -> dict[str, tuple[dict[tuple[int, int], str], list[Merged], set[int], set[int]]]:
    """What fastexcel leaves out, per sheet name: special cells, merged ranges, hidden columns, hidden rows
    (zero-based sheet rows).

    Special cells are error values (#VALUE!) and formulas without a cached value
    (:class:`UncachedFormula`), keyed by zero-based (row, absolute column).  Merged
    ranges are zero-based ((row0, col0), (row1, col1)) in absolute columns.  Only the
    workbook's small XML parts are parsed (defusedxml); sheet parts are scanned for
    these three forms.  ``parts`` are sheet XMLs already unzipped by the safety check.
    """
    out: dict[str, tuple[dict[tuple[int, int], str], list[Merged], set[int], set[int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for part, name in sheet_parts(archive).items():
                try:
                    xml = parts[part] if parts and part in parts else archive.read(part)
                except KeyError:
                    continue
                cells: dict[tuple[int, int], str] = {}
                if b't="e"' in xml:
                    for m in _ERROR_CELL.finditer(xml):
                        cells[(int(m.group(2)) - 1, column_number(m.group(1)) - 1)] = m.group(3).decode()
                if b"<f" in xml:
                    for m in _FORMULA_CELL.finditer(xml):
                        key = (int(m.group(2)) - 1, column_number(m.group(1)) - 1)
                        if m.group(3) is None and key not in cells:
                            cells[key] = UncachedFormula(f"\x00{m.group(1).decode()}{m.group(2).decode()}")
                merged = []
                tail = xml.rfind(b"<mergeCells")
                if tail >= 0:
                    for m in _MERGE.finditer(xml, tail):
                        c0, r0, c1, r1 = m.groups()
                        merged.append(((int(r0) - 1, column_number(c0) - 1), (int(r1) - 1, column_number(c1) - 1)))
                hidden: set[int] = set()
                cols_end = xml.find(b"</cols>", 0, xml.find(b"<sheetData"))
                if cols_end > 0:
                    for tag in _HIDDEN_COLS.findall(xml, 0, cols_end):
                        if b'hidden="1"' in tag or b'hidden="true"' in tag:
                            low = re.search(rb'min="(\d+)"', tag)
                            high = re.search(rb'max="(\d+)"', tag)
                            if low and high:
                                hidden.update(range(int(low.group(1)) - 1, min(int(high.group(1)), 16384)))
                hidden_rows: set[int] = set()
                if b'hidden="' in xml:
                    for tag in _HIDDEN_ROW.findall(xml):
                        number = _ROW_NUMBER.search(tag)
                        if number:
                            hidden_rows.add(int(number.group(1)) - 1)
                out[name] = (cells, merged, hidden, hidden_rows)
    except (KeyError, zipfile.BadZipFile, ValueError):
        return out
    return out
