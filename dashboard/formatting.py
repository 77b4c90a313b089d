"""Numbers the Chinese way (数字格式): 万元, percentages, counts with units, masked names."""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from core.labels import t
from core.privacy import is_sensitive_note

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def wan_number(yuan: float) -> str:
    """元 → the number of 万元 as the work reports write it: up to 4 decimals (exact to the 元), trailing
    zeros dropped, thousands separated: 655335 → "65.5335"; 35800 → "3.58"; 12360000 → "1,236"."""
    return f"{yuan / 10_000:,.4f}".rstrip("0").rstrip(".")


def wan(yuan: float | None, digits: int | None = None) -> str:
    """元 → "65.5335万元", one precision everywhere (:func:`wan_number`); ``digits`` fixes the decimals
    instead. "—" for None."""
    if yuan is None or (isinstance(yuan, float) and math.isnan(yuan)):
        return "—"
    if digits is not None:
        return f"{yuan / 10_000:,.{digits}f}万元"
    return f"{wan_number(yuan)}万元"


def seed_wan(yuan: float) -> str:
    """元 → 万元 as the work reports write it: up to 4 decimals, trailing zeros dropped.

    130989 → "13.0989万元"; 35800 → "3.58万元"; 19000 → "1.9万元"; 1582300 → "158.23万元".
    """
    return f"{wan_number(yuan)}万元"


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


def metric_delta(current: float | None, previous: float | None) -> str | None:
    """:func:`delta_text` for st.metric: None also when the change rounds to 0.0% (st.metric would draw
    an unchanged figure as a green "↑ +0.0%")."""
    text = delta_text(current, previous)
    return None if text is None or float(text.rstrip("%")) == 0 else text


def metric_points(current: float | None, previous: float | None) -> str | None:
    """:func:`delta_points` for st.metric: None also when the change rounds to 0.0 个百分点."""
    text = delta_points(current, previous)
    return None if text is None or float(text.removesuffix("个百分点")) == 0 else text


def with_headers(frame: pd.DataFrame, names: dict[str, str] | None) -> pd.DataFrame:
    """The frame with Chinese column headers: ``names`` is one of core.labels' column dicts
    (data column → header); columns it does not name keep their names."""
    return frame.rename(columns=names or {})


# Words that make a recipient a group, not a person (集体 awards, welfare for a whole staff).
GROUP_WORDS = (
    "全体",
    "教职工",
    "人员",
    "职工",
    "教师",
    "员工",
    "学生",
    "家属",
    "会员",
    "代表",
    "组",
    "室",
    "部",
    "处",
    "科",
    "院",
    "系",
    "所",
    "馆",
    "队",
    "班",
    "团",
    "会",
    "站",
    "中心",
    "学校",
    "学院",
    "小学",
    "中学",
    "幼儿园",
    "工会",
    "委员",
    "集体",
    "年级",
    "支部",
    "协会",
    "俱乐部",
)
_LIST_SPLIT = re.compile(r"([、，,；;/／\s]+)")
_SUFFIX = re.compile(r"^(?P<name>[^（(【\[]+)(?P<suffix>[（(【\[].*)$")
_NAME_PART = re.compile(r"[^\s·•・.\-]")


def _mask_one(name: str) -> str:
    """One person's name: the first character kept, every other letter or character a *.

    张伟 → 张*; 欧阳娜娜 → 欧***; 阿卜杜拉·买买提 → 阿***·***; Zhang Wei → Z**** ***.
    A bracketed suffix (（退休）) is masked too (it may name a relation: （配偶））.
    """
    if m := _SUFFIX.match(name):
        return _mask_one(m["name"]) + "（*）"
    head, rest = name[:1], name[1:]
    return head + _NAME_PART.sub("*", rest)


def mask_name(name: object) -> object:
    """Mask a personal-name field (姓名脱敏) by rule, whatever its length; group names stay.

    Rules: a value of more than 4 characters naming a group (a word of GROUP_WORDS:
    高温及户外作业人员, 语文教研组) stays; a list of names (王建国、李秀英 / 王建国,李秀英) is masked name by name
    (王**、李**); any other value is one person's name and keeps only its first character
    (张伟 → 张*, 张伟（退休） → 张*（*）, 阿卜杜拉·买买提 → 阿***·***, Zhang Wei → Z**** ***).
    """
    if not isinstance(name, str) or not name.strip():
        return name
    # Short values are masked even with a group word (全体会员 → 全***): over-masking a
    # small group costs little, a 4-character name that happens to hold 会 or 班 would leak.
    if len(name.strip()) > 4 and any(word in name for word in GROUP_WORDS):
        return name
    parts = _LIST_SPLIT.split(name.strip())
    # Separators are kept; a space between Latin name parts belongs to one name.
    if len([p for p in parts if p and not _LIST_SPLIT.fullmatch(p)]) > 1 and not name.isascii():
        return "".join(p if _LIST_SPLIT.fullmatch(p) or not p else _mask_one(p) for p in parts)
    return _mask_one(name.strip())


def mask_column(series: pd.Series) -> pd.Series:
    """:func:`mask_name` over a column, once per distinct value."""
    uniques = {v: mask_name(v) for v in series.dropna().unique()}
    return series.map(lambda v: uniques.get(v, v) if isinstance(v, str) else v)


def mask_note(note: object) -> object:
    """A 备注 for an export: withheld when it holds anything (代领人：周美玲（配偶）, a diagnosis)."""
    if not isinstance(note, str) or not note.strip() or note == t("privacy.note_hidden"):
        return note  # blank, or already withheld as a health or family detail
    return t("export.note_withheld")


def mask_note_column(series: pd.Series) -> pd.Series:
    """:func:`mask_note` over a column."""
    return series.map(mask_note)


def md(text: object) -> str:
    """User text (file, sheet, header, school names) made literal for Streamlit Markdown.

    Every ASCII punctuation mark that Markdown, Streamlit's :emoji:/:material/…: codes or
    colour directives could act on gets a backslash, so "**粗**", "[链接](http://x)" or
    "<b>" show exactly as written.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(str(text)))


_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_MARKDOWN_EXPORT = re.compile(r"([\\`*_{}\[\]()#+|~!:])")


def _one_line(text: str) -> str:
    """Line breaks as one space: a value with a newline cannot open its own Markdown or HTML block."""
    return _LINE_BREAKS.sub(" ", text)


def md_literal(text: object) -> str:
    """Text for a Markdown file (the .md export): shows as written in any Markdown or HTML viewer.

    Rules: line breaks become a space; & < > become HTML entities (no <script>, no
    <img onerror>); \\ ` * _ { } [ ] ( ) # + | ~ ! : get a backslash, so neither
    emphasis, links ([x](javascript:…)), images nor autolinked URLs (http\\://…) arise.
    Digits, ".", "-" and "%" stay as they are, so figures read naturally in the raw file.
    """
    escaped = html.escape(_one_line(str(text)), quote=False)
    return _MARKDOWN_EXPORT.sub(r"\\\1", escaped)


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
