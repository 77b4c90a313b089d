"""Reading (读取): a ledger file's bytes into plain grids of cell values, one per sheet.

.xlsx / .xlsm / .xls / .xlsb / .ods go through python-calamine (Rust, ~10× openpyxl
on this machine, see MEASURED.md); .csv through pandas with UTF-8, UTF-8-BOM or
GBK/GB18030 decoding.  No parsing of our own: this module only picks the reader,
turns its failures into Chinese messages and keeps merged-cell ranges for headers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd
import python_calamine as pc

from dashboard.labels import t
from loaders.safety import FileError, check_file, sheet_parts

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + CSV_SUFFIXES
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class UncachedFormula(str):
    """A formula cell saved without its computed value (公式无计算结果); the text is the cell ref."""


@dataclass
class RawSheet:
    """One sheet as the reader saw it: ``rows[i][j]`` is the cell at row i+1, column j+1.

    Cell values are str ('' for empty), float, int, bool, datetime.date or datetime.datetime.
    ``merged`` holds zero-based ((row0, col0), (row1, col1)) ranges.
    """

    name: str
    rows: list[list[object]]
    visible: bool = True
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def suffix_of(filename: str) -> str:
    """The lower-cased extension of ``filename`` ('.xlsx'), '' when there is none."""
    return PurePath(filename).suffix.lower()


def read_sheets(data: bytes, filename: str, check: bool = True) -> list[RawSheet]:
    """Read every sheet of a ledger file.

    ``filename`` decides the reader by its extension and names CSV sheets.
    Raises :class:`FileError` with a Chinese reason for anything :func:`check_file`
    refuses (type, size, zip bomb, unsafe XML, oversized sheet), an encrypted workbook
    (请先去除文件密码), a damaged file (文件已损坏) or an undecodable CSV.
    """
    if check:  # off only in tests that show what the subprocess guard catches without it
        check_file(data, filename)
    suffix = suffix_of(filename)
    if suffix in CSV_SUFFIXES:
        return [_read_csv(data, PurePath(filename).stem)]
    try:
        special = scan_special_cells(data) if suffix in (".xlsx", ".xlsm") else {}
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            for (r, c), value in special.get(meta.name, {}).items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
                    rows[r][c] = value
            sheets.append(
                RawSheet(
                    name=meta.name,
                    rows=rows,
                    visible=meta.visible == pc.SheetVisibleEnum.Visible,
                    merged=list(sheet.merged_cell_ranges or []),
                )
            )
        return sheets
    except pc.PasswordError:
        raise FileError(t("file.encrypted")) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError) as err:
        raise FileError(t("file.damaged") + f"（{type(err).__name__}）") from None


def _read_csv(data: bytes, name: str) -> RawSheet:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError(t("file.encoding"))
    try:
        sep = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:  # one column, or no delimiter in the sample
        sep = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,  # "NA", "None", "null" are names, not missing values
            skip_blank_lines=False,
            sep=sep,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise FileError(t("file.unreadable", error=str(err))) from None
    return RawSheet(name=name, rows=frame.to_numpy(dtype=object).tolist())


_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)(<v>[^<]+</v>)?')


def _col_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def scan_special_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Cells the readers turn into blanks: error values (#VALUE!) and formulas without a cached value.

    Returns sheet name → {(row0, col0): value}, value being the error text or an
    :class:`UncachedFormula` naming the cell (B7).  Only the workbook's small XML parts
    are parsed (with defusedxml); sheet parts are scanned for the two cell forms.
    """
    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for part, name in sheet_parts(archive).items():
                try:
                    xml = archive.read(part)
                except KeyError:
                    continue
                cells: dict[tuple[int, int], str] = {}
                if b't="e"' in xml:
                    for m in _ERROR_CELL.finditer(xml):
                        cells[(int(m.group(2)) - 1, _col_index(m.group(1)))] = m.group(3).decode()
                if b"<f" in xml:
                    for m in _FORMULA_CELL.finditer(xml):
                        key = (int(m.group(2)) - 1, _col_index(m.group(1)))
                        if m.group(3) is None and key not in cells:
                            cells[key] = UncachedFormula(f"{m.group(1).decode()}{m.group(2).decode()}")
                if cells:
                    out[name] = cells
    except (KeyError, zipfile.BadZipFile, ValueError):
        return out
    return out
