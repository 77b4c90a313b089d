"""Text normalisation (文本规范化) shared by every side: full-width forms, blanks, cell text."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def nfkc(text: str) -> str:
    """Full-width to half-width (全角转半角) and compatibility forms, via NFKC."""
    return unicodedata.normalize("NFKC", text)


def is_blank(value: object) -> bool:
    """True for None, pandas' NA, NaN and strings that are empty after stripping (incl. full-width spaces)."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not nfkc(value).strip()


def cell_text(value: object) -> str:
    """The cell as display text: stripped strings, integral floats without '.0', ISO dates."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# Characters a ledger cell never means and that make look-alike values (生育\u200b慰问 ≠ 生育慰问)
# or rewrite a terminal or a line's direction: ANSI escape sequences, C0 controls except tab,
# line feed and carriage return, DEL and C1 controls, zero-width characters and joiners, the
# soft hyphen, BOMs (U+FEFF) and bidirectional embeddings, overrides and isolates.  Written so
# that Python's re and RE2 (pandas' Arrow strings) read it alike.
INVISIBLE_PATTERN = (
    "\x1b\\[[0-?]*[ -/]*[@-~]"
    "|[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
_INVISIBLE = re.compile(INVISIBLE_PATTERN)


def strip_invisible(text: str) -> str:
    """``text`` without invisible and control characters (INVISIBLE_PATTERN); tabs and newlines stay.

    "生育\u200b慰问" → "生育慰问"; "\ufeff张伟" → "张伟"; "\x1b[31m王\x1b[0m" → "王";
    "\u202e王五" → "王五"; "a\x00b" → "ab".
    """
    return _INVISIBLE.sub("", text)


def strip_invisible_column(series: pd.Series) -> pd.Series:
    """:func:`strip_invisible` over a column of cell texts, one call per distinct affected value.

    The search runs over the whole column at once (RE2 for Arrow strings); only the cells
    that hold such a character are rewritten, and a cell left empty becomes missing (None).
    Returns ``series`` itself when nothing needs cleaning.
    """
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return series
    if series.dtype != object and not _arrow_has(series, INVISIBLE_PATTERN):
        return series  # the usual case, decided by one RE2 pass over the Arrow column
    # Search the distinct values only (a ledger column repeats its dates and categories).
    uniques = pd.Series(series.dropna().unique(), dtype=series.dtype)
    found = uniques.str.contains(INVISIBLE_PATTERN, regex=True, na=False)
    if not found.astype(bool).any():
        return series
    cleaned = {v: strip_invisible(v) for v in uniques[found.astype(bool)].tolist() if isinstance(v, str)}
    cleaned = {k: (v if v.strip() else None) for k, v in cleaned.items()}
    hits = series.isin(list(cleaned)).to_numpy(dtype=bool)
    out = series.astype(object)
    out[hits] = [cleaned[v] for v in series[hits].tolist()]
    return out


def _arrow_has(series: pd.Series, pattern: str) -> bool:
    """True when a cell of an Arrow-backed text column matches ``pattern`` (RE2), or when that cannot be told."""
    try:
        column = pa.array(series.array)
        return bool(pc.any(pc.match_substring_regex(column, pattern)).as_py())
    except (pa.ArrowException, TypeError):
        return True
