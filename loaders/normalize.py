"""Pure normalisers (规范化): headers, dates, amounts, counts and vocabulary values.

Each function takes one cell value as a reader returns it (str, int, float,
date, datetime or None) and returns a plain value or raises :class:`CellError`
with a Chinese reason.  They hold no state; the loaders apply them once per
distinct value of a column, so their cost does not grow with repeated values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.labels import t
from core.periods import ACADEMIC_START_MONTH
from core.text import cell_text, is_blank, nfkc

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials we accept as dates: 1954-10-18 .. 2064-04-25.
SERIAL_MIN, SERIAL_MAX = 20_000, 60_000
ERROR_VALUES = frozenset(
    {
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#GETTING_DATA",
        "#SPILL!",
    }
)


class CellError(ValueError):
    """A cell value that cannot be read; ``str(err)`` is the Chinese reason (原因)."""


_BRACKETS = re.compile(r"[(\[{<]([^)\]}>]*)[)\]}>]")
_UNIT_WORDS = ("亿元", "万元", "千元", "元", "人次", "人", "件", "项", "个", "%")
# Money units and what one of them is in 元 (金额（千元） 0.5 → 500 元).
MONEY_UNITS: dict[str, int] = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}


@dataclass(frozen=True)
class Header:
    """A normalised header: ``key`` for alias lookup, ``unit`` found in brackets or suffix."""

    key: str
    unit: str | None


def normalize_header(raw: object) -> Header:
    """Normalise one header cell (表头) for alias lookup.

    Rules, in order:
    1. NFKC: full-width letters, digits and brackets become half-width (（元） → (元)).
    2. All whitespace is removed, inside too (姓 名 → 姓名); line breaks likewise.
    3. A bracketed part is taken out; if it names a unit (万元, 千元, 元, 人次, 人, 元/人, %)
       that becomes ``unit`` (金额（万元） → 金额, unit 万元; 标准（元/人） → 标准, unit 元/人).
    4. A trailing unit written without brackets is taken off too (金额万元 → 金额, unit 万元;
       金额元 → 金额, unit 元), as are colons and the prefix 其中 (其中：女 → 女).
    5. Letters are lower-cased (No. → no).
    """
    text = re.sub(r"\s+", "", nfkc(cell_text(raw)))
    unit: str | None = None
    for inner in _BRACKETS.findall(text):
        if inner in ("元/人", "元每人"):
            unit = unit or "元/人"
        for word in _UNIT_WORDS:
            if word in inner:
                unit = unit or word
                break
    text = _BRACKETS.sub("", text)
    text = text.replace(":", "").replace("：", "").replace(".", "")
    if text.startswith("其中"):
        text = text[2:]
    for word in ("亿元", "万元", "千元", "元"):
        if text.endswith(word) and len(text) > len(word):
            unit = unit or word
            text = text[: -len(word)]
            break
    return Header(text.lower(), unit)


def normalize_value(raw: object) -> str:
    """Normalise a vocabulary value for lookup: NFKC, no whitespace (省 级 → 省级)."""
    return re.sub(r"\s+", "", nfkc(cell_text(raw)))


def canonical_value(raw: object, vocabulary: dict[str, tuple[str, ...]]) -> tuple[str, bool]:
    """Map a value to the standard vocabulary (标准词).

    Returns ``(value, known)``: the canonical word and True when the value or one of
    its aliases is in ``vocabulary``; otherwise the value as written (stripped) and
    False, so that it is kept and shown to the user to map, never dropped.
    """
    text = normalize_value(raw)
    for canonical, aliases in vocabulary.items():
        if text == canonical or text in aliases:
            return canonical, True
    return cell_text(raw), False


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date (日期): ``value`` is the day (first of the month for month-only dates)."""

    value: dt.date
    precision: str  # "day" or "month"
    end: dt.date | None = None  # end of a range (2023.12.28-2024.1.2)


_Y = r"(?P<y>(?:19|20)\d{2})"
_M = r"(?P<m>1[0-2]|0?[1-9])"
_D = r"(?P<d>3[01]|[12]\d|0?[1-9])"
_TIME = r"(?:T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_FULL = [
    re.compile(rf"^{_Y}[-/.]{_M}[-/.]{_D}{_TIME}$"),
    re.compile(rf"^{_Y}年{_M}月{_D}[日号]?{_TIME}$"),
    re.compile(rf"^{_Y}(?P<m>1[0-2]|0[1-9])(?P<d>3[01]|[12]\d|0[1-9])$"),
]
_MONTH = [
    re.compile(rf"^{_Y}[-/.]{_M}$"),
    re.compile(rf"^{_Y}年{_M}月(?:份)?$"),
]
# A two-digit year, as Chinese clerks write it year first: 23/3/8, 22.12.5, 23-3-8, 23年3月8日 → 20yy.
# Day-first (8/3/23) or month-first (3/8/23) forms are not read, nor 12/3/8 (12 could be a month).
_TWO_DIGIT_YEAR = [
    re.compile(rf"^(?P<yy>1[3-9]|[2-9]\d)(?P<sep>[-/.])(?P<m>1[0-2]|0?[1-9])(?P=sep){_D}$"),
    re.compile(rf"^(?P<yy>\d{{2}})年{_M}月{_D}[日号]?$"),
]
_NO_YEAR_DAY = re.compile(rf"^{_M}[月/.-]{_D}[日号]?$")
_NO_YEAR_MONTH = re.compile(rf"^{_M}月(?:份)?$")
_RANGE_SPLIT = re.compile(r"\s*(?:--|—+|–|~|～|至|到|-)\s*")
# Range ends that inherit year and month from the start: "22日", "9日", "3.10", "1月2日".
_END_DAY = re.compile(rf"^{_D}[日号]?$")
_END_MONTH_DAY = re.compile(rf"^{_M}[月.]{_D}[日号]?$")


def _date(y: int, m: int, d: int, raw: object) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise CellError(t("reason.date_invalid", value=cell_text(raw))) from None


def yearless_year(default_year: int, month: int, academic: bool = False) -> int:
    """The year of a date written without one (3月8日): the title's year; under an academic-year
    title (2023—2024学年) months from September on are in the first year, the others in the second."""
    return default_year + 1 if academic and month < ACADEMIC_START_MONTH else default_year


def _single(text: str, default_year: int | None, raw: object, academic: bool = False) -> ParsedDate | None:
    for pattern in _FULL:
        if m := pattern.match(text):
            return ParsedDate(_date(int(m["y"]), int(m["m"]), int(m["d"]), raw), "day")
    for pattern in _TWO_DIGIT_YEAR:
        if m := pattern.match(text):
            return ParsedDate(_date(2000 + int(m["yy"]), int(m["m"]), int(m["d"]), raw), "day")
    for pattern in _MONTH:
        if m := pattern.match(text):
            return ParsedDate(_date(int(m["y"]), int(m["m"]), 1, raw), "month")
    if default_year is not None:
        if m := _NO_YEAR_DAY.match(text):
            year = yearless_year(default_year, int(m["m"]), academic)
            return ParsedDate(_date(year, int(m["m"]), int(m["d"]), raw), "day")
        if m := _NO_YEAR_MONTH.match(text):
            year = yearless_year(default_year, int(m["m"]), academic)
            return ParsedDate(_date(year, int(m["m"]), 1, raw), "month")
    return None


_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_RUN = re.compile(r"[〇零○一二两三四五六七八九十百千]+")


def _cn_number(run: str) -> str:
    """One run of Chinese numerals as digits: 三十五 → 35, 十 → 10, 一百零八 → 108, 二〇二三 → 2023."""
    if not any(c in run for c in "十百千"):
        return "".join(str(_CN_DIGITS[c]) for c in run)  # digit by digit, as years are written
    total, digit = 0, None
    for c in run:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[c]
            digit = None
    return str(total + (digit or 0))


def cn_numerals(text: str) -> str:
    """Chinese numerals written as words become digits (三月八日 → 3月8日, 三十五人 → 35人);
    other text is returned unchanged (cn2an is not installed: this reads the small numbers of
    dates and head counts, up to 千)."""
    return _CN_RUN.sub(lambda m: _cn_number(m.group()), text) if _CN_RUN.search(text) else text


_VAGUE_PART = re.compile(r"(?<=月)(?:上旬|中旬|下旬|初|中|底|末|左右|间)$")


def parse_date(raw: object, default_year: int | None = None, academic: bool = False) -> ParsedDate | None:
    """Parse a date cell (日期) in any form clerks write.

    Returns None for a blank cell; raises :class:`CellError` when the value is not a date.
    Rules:
    - date / datetime objects: that day (a time part is dropped).
    - numbers between 20000 and 60000: an Excel date serial (45000 → 2023-03-15);
      other numbers are not dates.
    - text, after NFKC and stripping spaces:
      2022-03-08, 2022/3/8, 2022.3.8, 2022年3月8日 (or 8号), 20220308, each with an
      optional time → that day;
      2022-03, 2022.3, 2022年3月, 2022年3月份 → the month (precision "month", day 1);
      3月8日, 3.8, 3/8 and 3月 take ``default_year`` (the year in the sheet's title or
      name); without it they are not dates; with ``academic`` (the title names an academic
      year, 2023—2024学年) months 9–12 take ``default_year`` and months 1–8 the year after;
      ranges 2023.12.28-2024.1.2, 10月21日-22日, 7月5日-9日, 2022.3.8—3.10, 3月8日至10日:
      the start is the date, the end is kept in ``end``; an end without year or month
      takes them from the start.
    - a vague part of a month (2023年3月上旬, 3月中旬, 3月初, 3月底) → that month.
    - error values such as #VALUE! raise with their own reason.
    """
    if is_blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return ParsedDate(raw.date(), "day")
    if isinstance(raw, dt.date):
        return ParsedDate(raw, "day")
    if isinstance(raw, bool):
        raise CellError(t("reason.date_unreadable", value=cell_text(raw)))
    if isinstance(raw, (int, float)):
        if SERIAL_MIN <= raw <= SERIAL_MAX:
            return ParsedDate(EXCEL_EPOCH + dt.timedelta(days=int(raw)), "day")
        raise CellError(t("reason.date_unreadable", value=cell_text(raw)))
    text = cn_numerals(re.sub(r"\s+", "", nfkc(str(raw))))
    if text.upper() in ERROR_VALUES:
        raise CellError(t("reason.error_value", value=text))
    if re.fullmatch(r"\d{5}(?:\.0+)?", text) and SERIAL_MIN <= float(text) <= SERIAL_MAX:
        return ParsedDate(EXCEL_EPOCH + dt.timedelta(days=int(float(text))), "day")
    if parsed := _single(text, default_year, raw, academic):
        return parsed
    # 2023年3月上旬 / 3月中旬 / 2023年3月初 / 3月底: the month.
    if (vague := _VAGUE_PART.sub("", text)) != text and (parsed := _single(vague, default_year, raw, academic)):
        return ParsedDate(parsed.value.replace(day=1), "month")
    parts = _RANGE_SPLIT.split(text)
    if len(parts) == 2 and all(parts):
        start = _single(parts[0], default_year, raw, academic)
        if start is not None:
            end = _range_end(parts[1], start.value, raw)
            if end is not None:
                return ParsedDate(start.value, start.precision, end)
    # "3.8" / "3/8" without a year: only with the sheet's year, and only as a last resort
    # because "2022.3" is a month.
    if default_year is not None and (m := re.fullmatch(rf"{_M}[./]{_D}", text)):
        year = yearless_year(default_year, int(m["m"]), academic)
        return ParsedDate(_date(year, int(m["m"]), int(m["d"]), raw), "day")
    raise CellError(t("reason.date_unreadable", value=cell_text(raw)))


def _range_end(text: str, start: dt.date, raw: object) -> dt.date | None:
    if parsed := _single(text, start.year, raw):
        return parsed.value
    if m := _END_DAY.match(text):
        return _date(start.year, start.month, int(m["d"]), raw)
    if m := _END_MONTH_DAY.match(text):
        return _date(start.year, int(m["m"]), int(m["d"]), raw)
    return None


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
CENT = Decimal("0.01")


_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "–", "/", "无", "空", "暂无", "n/a", "na", "—/—"})


def is_placeholder(raw: object) -> bool:
    """True for what clerks write in a number cell that has nothing: - — / 无 暂无 N/A."""
    return isinstance(raw, str) and re.sub(r"\s+", "", nfkc(raw)).lower() in _PLACEHOLDERS


def parse_number(raw: object, unit: str | None = None) -> Decimal | None:
    """Parse an amount (金额) into 元 as a Decimal rounded to 0.01.

    Returns None for a blank cell.  Rules:
    - int / float: taken as is (floats through their shortest repr, so 0.08 stays 0.08).
    - text after NFKC (full-width ５００ → 500): spaces, thousands separators (, ，),
      currency signs (¥ ￥) and a trailing 元 are removed: "1,500.00" → 1500.00,
      "500元" → 500; a trailing 万元 or 万 multiplies by 10,000 ("1.2万元" → 12000), 千元 by 1,000.
    - ``unit`` 千元 / 万元 / 亿元 (from the header, the title or a 金额单位为万元 note) multiplies
      by 1,000 / 10,000 / 100,000,000 (:data:`MONEY_UNITS`); any other unit leaves the number.
    - error values (#VALUE!, #REF!, …) raise :class:`CellError` naming the error;
      any other text raises "不是数字".
    - a placeholder a clerk writes for "none" (- — / 无) is a blank cell.
    Negative numbers are returned; the caller decides whether they are allowed.
    """
    if is_blank(raw) or is_placeholder(raw):
        return None
    factor = Decimal(MONEY_UNITS.get(unit or "元", 1))
    if isinstance(raw, bool):
        raise CellError(t("reason.not_number", value=cell_text(raw)))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise CellError(t("reason.not_number", value=cell_text(raw)))
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        text = re.sub(r"\s+", "", nfkc(str(raw)))
        if text.upper() in ERROR_VALUES:
            raise CellError(t("reason.error_value", value=text))
        text = text.replace(",", "").replace("，", "").lstrip("¥￥")
        if text.endswith("万元") or text.endswith("万"):
            text = text.removesuffix("元").removesuffix("万")
            factor = Decimal(10_000)
        elif text.endswith("千元"):
            text = text.removesuffix("千元")
            factor = Decimal(1_000)
        text = text.removesuffix("元")
        if not _NUMBER.match(text):
            raise CellError(t("reason.not_number", value=cell_text(raw)))
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - guarded by the pattern
            raise CellError(t("reason.not_number", value=cell_text(raw))) from None
    if not number.is_finite():
        raise CellError(t("reason.not_number", value=cell_text(raw)))
    try:
        return (number * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a Decimal context holds (1e308, 40 digits)
        raise CellError(t("reason.too_large", value=cell_text(raw)[:40])) from None


_APPROXIMATE = re.compile(r"^(?:约|近|共计|合计|共|计|大约)?(\d+)(?:余|多|左右|来)?(?:人次|人|名|位)?$")


_WORD_THEN_COUNT = re.compile(r"[^\d()]*\((\d+)(?:人次|人|名)?\)")


def parse_count(raw: object) -> int | None:
    """Parse a head count (人数 / 人次): a whole, non-negative number.

    Returns None for a blank cell or a placeholder (- — / 无).  Accepts 12, 12.0, "12",
    "１２", "12人", "12人次", 三十五 / 十 / 三十五人 (Chinese numerals), 全体(86人) → 86,
    10万+ → 100000 (a lower bound: see :func:`reading_note`), and the approximate forms clerks
    write for the number they mean:
    约50, 近50, 共计30人, 50余, 50多人, 50左右 → 50.  Raises :class:`CellError` for fractions
    ("不是整数"), negatives ("不能为负数"), error values and other text.
    """
    if is_blank(raw):
        return None
    value = raw
    if isinstance(raw, str):
        value = cn_numerals(re.sub(r"\s+", "", nfkc(raw)))
        # 全体(86人), 全员（86人）: the number in brackets is the count.
        if m := _WORD_THEN_COUNT.fullmatch(value):
            value = m.group(1)
        # 10万+: at least 100,000 (the platform shows no more); the caller warns it is a lower bound.
        value = value.removesuffix("+")
        value = value.removesuffix("人次").removesuffix("人").removesuffix("个")
        # 约50, 近50, 共计30, 50余, 50多, 50左右: the number the clerk wrote.
        value = _APPROXIMATE.sub(r"\1", value)
    number = parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(t("reason.negative_count", value=cell_text(raw)))
    if number != number.to_integral_value():
        raise CellError(t("reason.not_integer", value=cell_text(raw)))
    return int(number)


def reading_note(raw: object, fld_kind: str) -> str | None:
    """How a readable cell was read when the reading deserves a warning (the caller names the rows):
    "two_digit_year" (23/3/8 read as 2023), "lower_bound" (10万+ read as 100000), or None.
    ``fld_kind`` is "date" or "count"."""
    if not isinstance(raw, str):
        return None
    text = re.sub(r"\s+", "", nfkc(raw))
    if fld_kind == "date" and any(p.match(text) for p in _TWO_DIGIT_YEAR):
        return "two_digit_year"
    if fld_kind == "count" and text.endswith("+"):
        return "lower_bound"
    return None


def year_in_text(text: str) -> int | None:
    """The first year written in a title or name (2021年1月工会活动台账 → 2021), else None."""
    m = re.search(r"((?:19|20)\d{2})\s*(?:年|学年|-|—|$)", nfkc(text))
    return int(m.group(1)) if m else None


_ACADEMIC = re.compile(r"((?:19|20)\d{2})\s*(?:[-—–/~至]+\s*((?:19|20)\d{2})\s*)?学年")


def academic_year_in_text(text: str) -> int | None:
    """The first year of an academic year (学年) named in a title or name: 2023—2024学年,
    2023-2024学年度, 2023学年 → 2023; None when the text names none (a second year must follow
    the first)."""
    for m in _ACADEMIC.finditer(nfkc(text)):
        if m.group(2) is None or int(m.group(2)) == int(m.group(1)) + 1:
            return int(m.group(1))
    return None


def parse_year(raw: object) -> int | None:
    """Parse a year cell (年度): 2022, 2022.0, "2022", "2022年", "2022年度"; None when blank.

    Raises :class:`CellError` for anything else.
    """
    if is_blank(raw):
        return None
    text = re.sub(r"\s+", "", nfkc(cell_text(raw))).removesuffix("度").removesuffix("年")
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        return int(text)
    raise CellError(t("reason.year_unreadable", value=cell_text(raw)))
