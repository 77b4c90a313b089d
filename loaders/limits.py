"""Stated limits (上传限制) for untrusted ledger files, in one place.

The README lists them and .streamlit/config.toml's ``server.maxUploadSize`` equals
UPLOAD_MB (a test checks both).  A file over a limit is refused before any reader
sees it, with a Chinese message naming the limit.
"""

from __future__ import annotations

from core.labels import t

UPLOAD_MB = 50  # one file, as uploaded
UNCOMPRESSED_MB = 300  # all entries of an .xlsx unzipped together
ENTRY_MB = 200  # one entry (a sheet, the shared strings) unzipped
# Apache POI's ZipSecureFile.MIN_INFLATE_RATIO: an entry may not inflate more than 100×
# (compressed ÷ uncompressed ≥ 0.01), checked for entries larger than RATIO_CHECK_MB.
MIN_INFLATE_RATIO = 0.01
RATIO_CHECK_MB = 1
MAX_ROWS = 300_000  # per sheet
MAX_COLUMNS = 200  # per sheet
MAX_CELLS = 5_000_000  # filled cells per sheet
MAX_RANGE_CELLS = 10_000_000  # rows × columns from A1 to the farthest cell (what a reader allocates)
MAX_CELL_CHARS = 32_767  # one cell's text (Excel's own limit); CSV cells are held to it too
PARSE_SECONDS = 120  # the reading subprocess is killed after this
PARSE_MEMORY_MB = 3_000  # address space the reading subprocess may add

MB = 1024 * 1024

# --- Plausibility bounds (合理范围) of one row's values ----------------------------------
# A union ledger row is one payment, one event, one proposal: the largest real ones in the
# seeds are a few hundred thousand 元 (a year's 节日福利 for a whole school) and a few
# thousand 人次 (a district-wide event).  A value past these bounds is a typing slip
# (万元 typed into a 元 column, a pasted ID number), not data: the row is rejected with
# its reason, like any bad cell.  They also keep every value far inside its column's type
# (DECIMAL(18,2) ≤ 9,999,999,999,999,999.99; INTEGER ≤ 2,147,483,647), so a commit never
# sees a value the table cannot hold.
MAX_AMOUNT_YUAN = 10_000_000  # one row's amount: 1,000 万元
MAX_COUNT = 1_000_000  # one row's 人数 / 人次 / 会员人数
MIN_YEAR = 1950  # no union ledger in use records an earlier date
FUTURE_DAYS = 366  # a date may lie at most a year ahead of today (a planned activity)
DECIMAL_MAX = 10**16  # DECIMAL(18,2): 16 digits before the point
INTEGER_MAX = 2**31 - 1


def limits_text() -> str:
    """The limits as one Chinese sentence (upload page, README)."""
    return t(
        "limits.text",
        upload=UPLOAD_MB,
        unzipped=UNCOMPRESSED_MB,
        entry=ENTRY_MB,
        ratio=int(1 / MIN_INFLATE_RATIO),
        rows=f"{MAX_ROWS:,}",
        cols=MAX_COLUMNS,
        cells=f"{MAX_CELLS:,}",
        seconds=PARSE_SECONDS,
        memory=f"{PARSE_MEMORY_MB:,}",
        cell_chars=f"{MAX_CELL_CHARS:,}",
    )


def bounds_text() -> str:
    """The plausibility bounds as one Chinese sentence (README)."""
    return t(
        "limits.bounds",
        amount=f"{MAX_AMOUNT_YUAN // 10_000:,}",
        count=f"{MAX_COUNT:,}",
        year=MIN_YEAR,
    )
