"""Reading (读取): a ledger file's bytes into plain grids of cell values, one per sheet.

.xlsx / .xlsm / .xls / .xlsb / .ods go through python-calamine (Rust, ~10× openpyxl
on this machine, see MEASURED.md); .csv through pandas with UTF-8, UTF-8-BOM or
GBK/GB18030 decoding.  No parsing of our own: this module only picks the reader,
turns its failures into Chinese messages and keeps merged-cell ranges for headers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd
import python_calamine as pc

from dashboard.labels import t

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + CSV_SUFFIXES
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileError(Exception):
    """A whole file cannot be read; ``str(err)`` is the Chinese message (without the file name)."""


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


def read_sheets(data: bytes, filename: str) -> list[RawSheet]:
    """Read every sheet of a ledger file.

    ``filename`` decides the reader by its extension and names CSV sheets.
    Raises :class:`FileError` with a Chinese reason for an unsupported type, an
    encrypted workbook (请先去除文件密码), a damaged file (文件已损坏) or an
    undecodable CSV.
    """
    suffix = suffix_of(filename)
    if suffix in CSV_SUFFIXES:
        return [_read_csv(data, PurePath(filename).stem)]
    if suffix not in SPREADSHEET_SUFFIXES:
        raise FileError(t("file.unsupported", suffix=suffix or filename))
    if suffix in (".xlsx", ".xlsm", ".xlsb") and data[:8] == OLE_MAGIC:
        # An OOXML workbook inside an OLE container is an encrypted one (MS-OFFCRYPTO).
        raise FileError(t("file.encrypted"))
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods") and data[:4] != ZIP_MAGIC:
        raise FileError(t("file.damaged"))
    if suffix == ".xls" and data[:8] != OLE_MAGIC:
        raise FileError(t("file.damaged"))
    try:
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            sheets.append(
                RawSheet(
                    name=meta.name,
                    rows=sheet.to_python(skip_empty_area=False),
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
