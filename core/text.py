"""Text normalisation (文本规范化) shared by every side: full-width forms, blanks, cell text."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd


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
