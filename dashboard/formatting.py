"""Numbers the Chinese way (数字格式): 万元, percentages, counts with units, masked names."""

from __future__ import annotations

import math
import re

import pandas as pd

from core.labels import t
from core.privacy import is_sensitive_note

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def wan(yuan: float | None, digits: int = 2) -> str:
    """元 → "13.10万元" (``digits`` decimals; the seeds use 2–4). "—" for None."""
    if yuan is None or (isinstance(yuan, float) and math.isnan(yuan)):
        return "—"
    return f"{yuan / 10_000:,.{digits}f}万元"


def seed_wan(yuan: float) -> str:
    """元 → 万元 as the work reports write it: up to 4 decimals, trailing zeros dropped.

    130989 → "13.0989万元"; 35800 → "3.58万元"; 19000 → "1.9万元"; 1582300 → "158.23万元".
    """
    text = f"{yuan / 10_000:.4f}".rstrip("0").rstrip(".")
    return f"{text}万元"


def pct(ratio: float | None, digits: int = 1) -> str:
    """A ratio 0–1 → "92.5%"; "—" for None."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return "—"
    return f"{ratio * 100:.{digits}f}%"


def count(n: int | float | None, unit: str) -> str:
    """A count with its unit: count(731, "人次") → "731人次"; "—" for None."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "—"
    return f"{int(n):,}{unit}"


def delta_pct(current: float | None, previous: float | None) -> float | None:
    """Change against the comparison period as a ratio (0.12 = +12%); None without a base."""
    if current is None or previous in (None, 0) or (isinstance(previous, float) and math.isnan(previous)):
        return None
    return (current - previous) / previous


def delta_text(current: float | None, previous: float | None) -> str | None:
    """The change as st.metric shows it: "+12.0%" / "-3.5%"; None without a comparison."""
    change = delta_pct(current, previous)
    return None if change is None else f"{change * 100:+.1f}%"


def delta_points(current: float | None, previous: float | None) -> str | None:
    """The change of a rate in percentage points: 0.92 vs 0.85 → "+7.0个百分点"; None without a comparison."""
    if current is None or previous is None:
        return None
    return f"{(current - previous) * 100:+.1f}个百分点"


def with_headers(frame: pd.DataFrame, names: dict[str, str] | None) -> pd.DataFrame:
    """The frame with Chinese column headers: ``names`` is one of core.labels' column dicts
    (data column → header); columns it does not name keep their names."""
    return frame.rename(columns=names or {})


def mask_name(name: object) -> object:
    """Mask a personal name (姓名脱敏): 张三 → 张*, 欧阳娜娜 → 欧***; group names stay.

    Only 2–4 character names are masked; longer texts (高温及户外作业人员) are groups.
    """
    if not isinstance(name, str) or not name or len(name) > 4:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_column(series: pd.Series) -> pd.Series:
    """:func:`mask_name` over a column."""
    return series.map(mask_name)


def md(text: object) -> str:
    """User text (file, sheet, header, school names) made literal for Streamlit Markdown.

    Every ASCII punctuation mark that Markdown, Streamlit's :emoji:/:material/…: codes or
    colour directives could act on gets a backslash, so "**粗**", "[链接](http://x)" or
    "<b>" show exactly as written.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


# Text a spreadsheet program would run as a formula (OWASP CSV injection): = + - @ tab CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """Text for any export: a leading = + - @ tab or CR gets a "'" so it stays text ("=1+1" → "'=1+1")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def formula_safe_column(series: pd.Series) -> pd.Series:
    """:func:`formula_safe` over a text column (other values unchanged)."""
    text = series.astype("string")
    risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    return series.astype(object).where(~risky, "'" + text) if risky.any() else series


def hide_sensitive_notes(frame: pd.DataFrame, note: str = "note", category: str = "category") -> pd.DataFrame:
    """``frame`` with notes that tell of health or family matters replaced by 〔涉及健康或家庭情况，已隐去〕.

    For exports, the congress pack and row views before the user reveals them (core.privacy).
    """
    if note not in frame.columns or frame.empty:
        return frame
    categories = frame[category] if category in frame.columns else pd.Series(None, index=frame.index)
    hidden = [is_sensitive_note(c, n) for c, n in zip(categories, frame[note], strict=True)]
    if not any(hidden):
        return frame
    return frame.assign(
        **{note: frame[note].astype(object).where(~pd.Series(hidden, index=frame.index), t("privacy.note_hidden"))}
    )
