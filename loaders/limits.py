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
PARSE_SECONDS = 120  # the reading subprocess is killed after this
PARSE_MEMORY_MB = 3_000  # address space the reading subprocess may add

MB = 1024 * 1024


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
    )
