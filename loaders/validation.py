"""Validation (校验): every row below the header is accepted, rejected with a reason, or skipped.

:func:`validate_sheet` turns a sheet and its detected layout into typed records
for the store.  Cells are parsed once per distinct value of a column (the
normalisers are pure), so repeated dates, categories and amounts cost one call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import vocab
from core.labels import field_label, t
from core.privacy import _MAYBE_RE2, may_hold_mask, redact, wholly_withheld
from core.text import cell_text, is_blank, nfkc
from core.vocab_rules import SESSION_IN_TEXT, award_level_in, award_type_in, value_rule, yes_no
from loaders import limits
from loaders.detection import Layout
from loaders.mapping import NO_MAPPINGS, UserMappings, has_any_kind_values, header_field, map_value
from loaders.normalize import (
    MONEY_UNITS,
    CellError,
    ParsedDate,
    canonical_value,
    normalize_value,
    parse_count,
    parse_date,
    parse_number,
    parse_year,
    reading_note,
)
from loaders.reading import RawSheet, UncachedFormula
from loaders.structure import Reconciliation, eligible_from_note, end_date_text, fill_down, reconcile, subtotal_rows
from loaders.understanding import QUESTION, is_person_name, people_count, question_field


@dataclass
class RejectedRow:
    """A row not loaded: ``row`` as the spreadsheet numbers it, the Chinese ``reason`` and raw cells."""

    row: int
    reason: str
    raw: dict[str, str]


@dataclass
class SheetResult:
    """What validation made of one sheet.

    ``records``: accepted rows, one column per store column (see core.store), plus
    ``source_row``.  ``skipped``: reason → count.  ``unknown_values``: (field, value) →
    count of values outside the standard vocabulary (kept as written).  ``withheld``:
    category (身份证号, 电话号码, 住址 …) → rows of the sheet from which such values were not
    imported (a column dropped, or a value cut out of a note).
    """

    kind: str
    rows: pa.Table | pd.DataFrame  # the accepted records: Arrow (as committed), a frame only for mixed types
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    unknown_values: Counter = field(default_factory=Counter)
    withheld: dict[str, int] = field(default_factory=dict)
    withheld_columns: dict[int, str] = field(default_factory=dict)  # column index → category, not imported
    seen: int = 0  # rows below the header: seen = accepted rows + rejected + skipped
    warnings: list[str] = field(default_factory=list)  # said before loading, never a refusal
    reconciliation: list[Reconciliation] = field(default_factory=list)  # the sheet's own 合计 vs loaded
    source_rows_accepted: int = 0  # spreadsheet rows accepted (a year-column table gives several records each)

    @property
    def accepted(self) -> int:
        return len(self.rows)

    @property
    def table(self) -> pa.Table | None:
        """The accepted records as one Arrow table (what the commit inserts), None for a frame of mixed types."""
        return self.rows if isinstance(self.rows, pa.Table) else None

    @property
    def records(self) -> pd.DataFrame:
        """The accepted records as a DataFrame (dates as datetime.date), made from :attr:`table` on first use."""
        if isinstance(self.rows, pd.DataFrame):
            return self.rows
        frame = self.__dict__.get("_records")
        if frame is None:
            frame = self.__dict__["_records"] = self.rows.to_pandas()
        return frame

    def __getstate__(self) -> dict:
        # Across the reading child's pipe only the Arrow table travels, never a frame made from it.
        state = dict(self.__dict__)
        state.pop("_records", None)
        return state


_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_TOTAL = re.compile("^(?:" + "|".join(map(re.escape, vocab.TOTAL_MARKERS)) + ")")
_NOTE = re.compile("^(?:" + "|".join(map(re.escape, vocab.NOTE_MARKERS)) + ")")
_MARKER_CHARS = "[" + "".join(sorted({m[0] for m in vocab.TOTAL_MARKERS + vocab.NOTE_MARKERS})) + "]"
_MARKER_START = "^[\\s\u3000]*" + _MARKER_CHARS
# A label that ends with a total word is a total however full its row (全校合计, 支出合计, 语文组小计);
# the word must end the label: 小计算机社团 or 合计划 are data.
_TOTAL_END = re.compile(r"^\S{0,12}(?:合计|小计|总计|共计)(?:\(.{0,8}\))?$")
# A breakdown line under the table's total: 其中：生育慰问 2 1800.
_BREAKDOWN = re.compile(r"^\s*(?:其中|内含|含)[:：]?")


def _squeeze(series: pd.Series) -> pd.Series:
    """Text without any whitespace and with full-width forms folded (vectorised NFKC)."""
    return series.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True)


def classify_rows(frame: pd.DataFrame, layout: Layout, merged_rows: set[int]) -> pd.Series:
    """The skip reason key of each row (index as ``frame``), None for a data row; vectorised.

    Rules: all cells blank → skip.blank; first filled cell starts with 合计 / 小计 /
    本月合计 / 总计 … → skip.total; starts with 制表人 / 审核 / 注： … → skip.note;
    the header written again (all but one filled cell are header words) → skip.header_repeat;
    a single filled cell in the table's first column (or left of it) or merged across columns
    (a year or session label, 2022年; a numbered footnote line) → skip.section.
    """
    reasons = pd.Series(None, index=frame.index, dtype=object)
    if frame.empty:
        return reasons
    filled = frame.notna()
    count = filled.sum(axis=1)
    # The first filled cell of each row: column 0, and for the rows where it is empty the
    # column argmax finds.  Only the columns that are some row's first filled one are read,
    # so the work follows the cells, never rows × columns in Python (issue 12).
    leading = frame.iloc[:, 0].astype("string")
    missing = (leading.isna() & (count > 0)).to_numpy()
    if missing.any():
        first_col = filled.to_numpy()[missing].argmax(axis=1)
        rows = np.flatnonzero(missing)
        for j in np.unique(first_col):
            at = rows[first_col == j]
            leading.iloc[at] = frame.iloc[at, j].astype("string").to_numpy()
    # Only rows whose first cell could start a marker are normalised (NFKC, no spaces).
    candidate = _starts_like_marker(leading)
    first = pd.Series("", index=frame.index, dtype="string")
    first[candidate] = _squeeze(leading[candidate])
    # A repeated header: its cells equal the header texts as written (one vectorised isin per column).
    header_texts = {h.strip() for h in layout.headers for h in h.split("/") if h.strip()}
    header_hits = pd.Series(0, index=frame.index)
    for j in range(frame.shape[1]):
        header_hits += frame.iloc[:, j].isin(header_texts).fillna(False).astype(int)
    # "The first column" is the table's: a table that starts at C4 keeps A and B blank (an .xls read
    # keeps no merge for a footnote written across the table, so its one cell is all there is).
    lead = next((j for j, h in enumerate(layout.headers) if h.strip()), 0)
    first_col_only = filled.iloc[:, : min(lead, frame.shape[1] - 1) + 1].any(axis=1) & (count == 1)
    in_merged = pd.Series(frame.index.isin(list(merged_rows)), index=frame.index)
    reasons[(count == 1) & (first_col_only | in_merged)] = "skip.section"
    reasons[(count >= 2) & (header_hits >= (count - 1).clip(lower=2))] = "skip.header_repeat"
    reasons[first.str.match(_NOTE)] = "skip.note"
    reasons[first.str.match(_TOTAL)] = "skip.total"
    # A label ending in 合计/小计/总计/共计 in the row's first cell, even in a full row (全校合计 317 156).
    ends = leading.str.contains("计", regex=False).fillna(False).astype(bool) & (count >= 2)
    if ends.any():
        reasons[ends & _squeeze(leading).str.match(_TOTAL_END).fillna(False).astype(bool)] = "skip.total"
    reasons[count == 0] = "skip.blank"
    return reasons


def income_section_rows(frame: pd.DataFrame, reasons: pd.Series) -> pd.Series:
    """Rows of a budget sheet's income section: under a section line naming 收入 (一、收入) up to the next
    section line (二、支出).  They are income, not expense subjects (支出科目), and are skipped.
    """
    out = pd.Series(False, index=frame.index)
    sections = np.flatnonzero((reasons == "skip.section").to_numpy(dtype=bool))
    if not len(sections):
        return out
    free = reasons.isna().to_numpy()
    for n, at in enumerate(sections):
        text = re.sub(r"\s+", "", nfkc(cell_text(frame.iloc[at].dropna().iloc[0])))
        if "收入" in text and "支出" not in text:
            end = sections[n + 1] if n + 1 < len(sections) else len(frame)
            span = np.arange(at + 1, end)
            out.iloc[span[free[span]]] = True
    return out


def breakdown_rows(frame: pd.DataFrame, reasons: pd.Series) -> pd.Series:
    """Rows under the table's first total (合计) whose first filled cell starts with 其中/含: its breakdown.

    ``其中：生育慰问 2 1800`` restates part of the total by category; it is not a payment.  Returns a
    boolean Series (index as ``frame``) for the rows not already skipped.
    """
    out = pd.Series(False, index=frame.index)
    totals = np.flatnonzero((reasons == "skip.total").to_numpy(dtype=bool))
    if not len(totals):
        return out
    below = frame.iloc[totals[0] + 1 :]
    below = below[reasons.iloc[totals[0] + 1 :].isna().to_numpy()]
    if below.empty:
        return out
    first = below.bfill(axis=1).iloc[:, 0].astype("string")
    out[first.index] = first.str.match(_BREAKDOWN).fillna(False).astype(bool)
    return out


def _starts_like_marker(leading: pd.Series) -> pd.Series:
    """Per row: does its first filled cell start (after blanks) with a marker's first character?

    ``_MARKER_START`` needs Python's regex (its ``\\s``); it runs only on the cells holding one of
    those characters anywhere, found first in one RE2 pass.
    """
    out = pd.Series(False, index=leading.index)
    maybe = leading.str.contains(_MARKER_CHARS, regex=True).fillna(False).astype(bool)
    if maybe.any():
        out[maybe] = leading[maybe].str.contains(_MARKER_START, regex=True).fillna(False).astype(bool)
    return out


class _Column:
    """One field's parsed values and per-row errors, parsed once per distinct value.

    ``values`` and ``errors`` are lists aligned with the rows.  Distinct values are found
    with pandas.factorize, so the cost follows the number of distinct cells, not rows.
    """

    def __init__(self, series: pd.Series, parse) -> None:
        if parse is _TEXT:
            # Free text (names, notes): stripped as written, no per-value parsing.
            text = series.astype("string").str.strip()
            keep = (text.notna() & (text != "")).fillna(False).astype(bool)
            self.errors = [None] * len(series)
            # Only a column the reader overlaid (object dtype) can hold an uncached formula.
            formulas = (
                np.array([isinstance(v, UncachedFormula) for v in series.tolist()], dtype=bool)
                if series.dtype == object
                else np.zeros(len(series), dtype=bool)
            )
            self.failed = np.flatnonzero(formulas)
            arrow = None if len(self.failed) else _arrow_texts(text)
            if arrow is not None:
                # Python strings only if a builder reads the column row by row; the frame takes the Arrow.
                self.values = _LazyTexts(text, keep, arrow)
                return
            self.values = _Texts(text.astype(object).where(keep, None).tolist())
            for i in self.failed:
                self.values[i] = None
                self.errors[i] = t("reason.formula_no_value", cell=series.iloc[i].cell)
            return
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        parsed: list[object] = []
        errors: list[str | None] = []
        for value in uniques:
            if isinstance(value, UncachedFormula):
                parsed.append(None)
                errors.append(t("reason.formula_no_value", cell=value.cell))
                continue
            try:
                parsed.append(parse(value))
                errors.append(None)
            except CellError as err:
                parsed.append(None)
                errors.append(str(err))
        blank = parse(None)
        lookup = np.empty(len(uniques) + 1, dtype=object)
        lookup[:-1] = parsed
        lookup[-1] = blank  # code -1 (empty cell) picks the last slot
        failures = np.empty(len(uniques) + 1, dtype=object)
        failures[:-1] = errors
        failures[-1] = None
        self.values: list[object] = _Factored.of(codes, lookup)
        self.errors: list[str | None] = failures[codes].tolist()
        self.failed = np.flatnonzero(failures[codes] != None)  # noqa: E711 - elementwise on objects
        self._failures = failures

    def clear_failures(self) -> None:
        """An optional field: the cells that failed are left empty, without a reason."""
        if isinstance(self.values, _Factored):
            # A failure belongs to a distinct value: emptying it there empties exactly the failed rows.
            bad = self._failures != None  # noqa: E711 - elementwise on objects
            lookup = self.values.lookup.copy()
            lookup[bad] = None
            self.values = _Factored.of(self.values.codes, lookup)
        else:
            self.values = list(self.values)  # a plain list: no Arrow copy to keep in step
            for i in self.failed:
                self.values[i] = None
        for i in self.failed:
            self.errors[i] = None
        self.failed = np.array([], dtype=int)


class _Texts(list):
    """A free-text column's values, one per row, with the same values as an Arrow array (``arrow``, or None)."""

    arrow: pa.Array | None = None


class _LazyTexts(Sequence):
    """A free-text column's values, one per row, as :class:`_Texts` holds them, made into Python strings
    on the first row read (most columns go to the frame as ``arrow`` without one)."""

    def __init__(self, text: pd.Series, keep: pd.Series, arrow: pa.Array) -> None:
        self.arrow = arrow
        self._text: pd.Series | None = text
        self._keep: pd.Series | None = keep
        self._values: list[object] | None = None

    def _list(self) -> list[object]:
        if self._values is None:
            self._values = self._text.astype(object).where(self._keep, None).tolist()
            self._text = self._keep = None
        return self._values

    def __len__(self) -> int:
        return len(self.arrow)

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self) -> Iterator[object]:
        return iter(self._list())


def _arrow_texts(text: pd.Series) -> pa.Array | None:
    """The stripped texts of a column as Arrow, empty ones null; what ``pa.array`` makes of the same list."""
    try:
        array = pa.array(text.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
            return None
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array).cast(pa.string())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return pa.nulls(len(array)) if array.null_count == len(array) else array


class _Factored(list):
    """A parsed column, one value per row, that also knows itself as distinct values and codes.

    ``lookup`` holds the distinct parsed values (the empty cell's last); ``codes`` gives each
    row's slot (-1 for the empty cell).  Helpers below work on ``lookup`` and spread the result
    with ``codes`` (NumPy), so their cost follows the distinct values, not the rows.
    """

    codes: np.ndarray
    lookup: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, lookup: np.ndarray) -> _Factored:
        out = cls(lookup[codes].tolist())
        out.codes, out.lookup = codes, lookup
        return out

    def spread_values(self, per_value) -> _Factored:
        """``per_value`` (a function of one parsed value) for every row, as a column of its own."""
        distinct = np.empty(len(self.lookup), dtype=object)
        distinct[:] = [per_value(v) for v in self.lookup]
        return _Factored.of(self.codes, distinct)

    def rows_where(self, test) -> np.ndarray:
        """The positions of the rows whose value passes ``test``."""
        hits = np.fromiter((bool(test(v)) for v in self.lookup), dtype=bool, count=len(self.lookup))
        return np.flatnonzero(hits[self.codes])

    def counts(self) -> np.ndarray:
        """How many rows hold each slot of ``lookup``."""
        return np.bincount(self.codes % len(self.lookup), minlength=len(self.lookup))


class _Reasons(dict):
    """Per row position, the list of reasons that reject it; a row without any has no entry of substance."""

    def __missing__(self, row: int) -> list[str]:
        self[row] = reasons = []
        return reasons

    def rejected(self, n: int) -> np.ndarray:
        """A boolean per row: has it a reason?"""
        mask = np.zeros(n, dtype=bool)
        rows = [i for i, reasons in self.items() if reasons]
        mask[rows] = True
        return mask


def money_unit_of(layout: Layout, col: int) -> str | None:
    """A money column's unit: its own header's (金额（千元）) first, else the sheet's (title, note under the table)."""
    unit = layout.units[col] if col < len(layout.units) else None
    return unit if unit in MONEY_UNITS else layout.money_unit


# A scaled amount (千元/万元 → 元) this large on one row of these ledgers looks like 元 typed under a
# 万元 title (3000 → 3,000 万元 for one person): the rows are named so the clerk can check the unit.
SCALED_ROW_SUSPECT_YUAN = 1_000_000
_SCALE_CHECKED_KINDS = ("welfare", "activities", "donations")


def _scale_warnings(data: pd.DataFrame, layout: Layout, data_index: list[int]) -> list[str]:
    """Warn when a 千元/万元 unit makes single rows implausibly large (over 100 万元), naming the rows."""
    out = []
    if layout.kind not in _SCALE_CHECKED_KINDS:
        return out
    for col, fld in layout.fields.items():
        unit = money_unit_of(layout, col)
        factor = MONEY_UNITS.get(unit or "元", 1)
        if fld not in vocab.MONEY_FIELDS or factor == 1 or col not in data.columns:
            continue
        rows = []
        for n, value in enumerate(data[col].tolist()):
            try:
                number = parse_number(value)
            except CellError:
                continue
            if number is not None and number * factor >= SCALED_ROW_SUSPECT_YUAN:
                rows.append(data_index[n] + 1)
        if rows:
            where = "header" if layout.units[col] in MONEY_UNITS else (layout.money_unit_where or "above")
            out.append(
                t(
                    "warn.unit_scale_large",
                    header=layout.headers[col] or f"第{col + 1}列",
                    unit=unit,
                    where=t(f"unit.where.{where}"),
                    count=len(rows),
                    rows="、".join(map(str, rows[:5])) + (" 等" if len(rows) > 5 else ""),
                )
            )
    return out


def _parser(fld: str, kind: str, layout: Layout, col: int, user: UserMappings):
    if fld == "award_date":
        return _bounded(lambda v: _date_or_year(v, layout.default_year, layout.academic_year), _check_date)
    if fld in vocab.DATE_FIELDS:
        return _bounded(lambda v: parse_date(v, layout.default_year, layout.academic_year), _check_date)
    if fld in vocab.MONEY_FIELDS:
        unit = money_unit_of(layout, col)
        return _bounded(lambda v: parse_number(v, unit), _check_amount)
    if fld in vocab.COUNT_FIELDS:
        decision = layout.decisions.get(col)
        if decision is not None and decision.derived == "names":
            return _bounded(count_or_names, _check_count)
        return _bounded(count_or_people, _check_count)
    if fld == "year":
        return _bounded(parse_year, _check_year)
    decision = layout.decisions.get(col)
    if decision is not None and decision.source.startswith(QUESTION) and col < len(layout.headers):
        asked = question_field(normalize_value(layout.headers[col]), kind)
        if asked is not None and asked[0] == fld:
            return lambda v: None if is_blank(v) else _answer(v, asked[1:], kind, fld, user)
    if fld in vocab.VALUE_VOCABULARIES.get(kind, {}):
        return lambda v: None if is_blank(v) else map_value(v, kind, fld, user)
    if has_any_kind_values(fld, user):  # free text with the school's other spellings joined (分工会别名)
        return lambda v: None if is_blank(v) else map_value(v, kind, fld, user)[0]
    return _TEXT


_GRADE = re.compile(r"特等奖|[一二三四五六1-6]等奖|优秀奖|鼓励奖|金奖|银奖|铜奖|第[一二三四五六七八九十\d]+名")


def _grade_in_text(value: object) -> str | None:
    """The 等次 a 级别 cell also states (省级一等奖 → 一等奖), or None."""
    if is_blank(value):
        return None
    m = _GRADE.search(normalize_value(value))
    return m.group(0) if m else None


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,20})[”\"」』]")


def _listed(text: object) -> int | None:
    """How many people a cell lists (张三、李四 → 2; 王五等6人 → 6); None for one name or other text."""
    return people_count(nfkc(text).strip()) if isinstance(text, str) else None


def _status_in_text(value: object) -> tuple[str, bool] | None:
    """The 办理状态 a 处理结果 cell also states (立案（已办结） → 已办结), or None when it states none."""
    if is_blank(value):
        return None
    text = normalize_value(value)
    for part in re.split(r"[（）()，,；;、/\s]+", text):
        if not part:
            continue
        term, known = canonical_value(part, vocab.STATUSES)
        if known or (term := value_rule(part, "proposals", "status")) is not None:
            return term, True
    return None


# A field a clerk writes into another's column, per kind: (column's field, field read from it, reader, warning).
_TWO_IN_ONE = {
    "awards": ("level", "grade", _grade_in_text, "warn.grade_in_level"),
    "proposals": ("decision", "status", _status_in_text, "warn.status_in_decision"),
}


def _answer(value: object, terms: tuple[str, str], kind: str, fld: str, user: UserMappings) -> tuple[str, bool]:
    """A tick or a cross under a question header (是否立案: √ → 立案, × → 不予立案); other text as a value."""
    answer = yes_no(normalize_value(value))
    if answer is None:
        return map_value(value, kind, fld, user)
    return (terms[0] if answer else terms[1]), True


def _reading_notes(data: pd.DataFrame, layout: Layout, data_index: list[int]) -> list[str]:
    """Warnings for cells read in a way the chair should check (23/3/8 → 2023-03-08; 10万+ → 100000),
    naming the column and the first rows."""
    warnings = []
    for col, fld in layout.fields.items():
        group = (
            "date"
            if fld in vocab.DATE_FIELDS or fld == "award_date"
            else "count"
            if fld in vocab.COUNT_FIELDS
            else None
        )
        if group is None or col not in data.columns:
            continue
        found: defaultdict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(data[col].tolist()):
            if (note := reading_note(v, group)) is not None:
                found[note].append(i)
        for note, positions in found.items():
            rows = "、".join(str(data_index[i] + 1) for i in positions[:5]) + (" 等" if len(positions) > 5 else "")
            warnings.append(t(f"warn.read_{note}", column=layout.headers[col], count=len(positions), rows=rows))
    return warnings


def count_or_people(value: object) -> int | None:
    """A count (人数): a number, or a list of names standing for that many people (张三、李四等6人 → 6)."""
    try:
        return parse_count(value)
    except CellError:
        if isinstance(value, str) and (n := people_count(nfkc(value).strip())) is not None:
            return n
        raise


def _date_or_year(value: object, default_year: int | None, academic: bool = False) -> ParsedDate | None:
    """A date, or a year alone (获奖时间 2023年: precision "year", the builder keeps only the year)."""
    try:
        return parse_date(value, default_year, academic)
    except CellError:
        try:
            year = parse_year(value)
        except CellError:
            year = None
        if year is None:
            raise
        return ParsedDate(dt.date(year, 1, 1), "year")


def count_or_names(value: object) -> int | None:
    """A count in a column of names (附议人: 李四、王五 | 钱七): a list counts its people, one name is 1."""
    try:
        return count_or_people(value)
    except CellError:
        if isinstance(value, str) and is_person_name(nfkc(value).strip()):
            return 1
        raise


# --- bounds (limits.py): a column's type and what a union ledger plausibly holds ----------
# Checked on each distinct value as it is parsed, so a value the table cannot hold, or one
# no ledger row could mean, rejects its row with a reason and never reaches the commit.


def _bounded(parse, check):
    def parse_checked(value: object) -> object:
        parsed = parse(value)
        if parsed is not None:
            check(parsed, value)
        return parsed

    return parse_checked


def _shown(raw: object) -> str:
    return cell_text(raw)[:40]


def _check_amount(value: Decimal, raw: object) -> None:
    if abs(value) > limits.MAX_AMOUNT_YUAN:
        limit = f"{limits.MAX_AMOUNT_YUAN // 10_000:,}"
        raise CellError(t("reason.amount_implausible", limit=limit, value=_shown(raw)))


def _check_count(value: int, raw: object) -> None:
    if value > limits.MAX_COUNT:
        raise CellError(t("reason.count_implausible", limit=f"{limits.MAX_COUNT:,}", value=_shown(raw)))


def date_bounds() -> tuple[dt.date, dt.date]:
    """The earliest and latest plausible date (limits.MIN_YEAR, a year ahead of today)."""
    return dt.date(limits.MIN_YEAR, 1, 1), dt.date.today() + dt.timedelta(days=limits.FUTURE_DAYS)


def _check_date(value, raw: object) -> None:
    low, high = date_bounds()
    for day in (value.value, value.end):
        if day is not None and not low <= day <= high:
            raise CellError(t("reason.date_implausible", low=low.isoformat(), high=high.isoformat(), value=_shown(raw)))
    if value.end is not None and value.end < value.value:
        raise CellError(t("reason.range_reversed", start=value.value.isoformat(), end=value.end.isoformat()))


def _check_year(value: int, raw: object) -> None:
    low, high = date_bounds()
    if not low.year <= value <= high.year:
        raise CellError(t("reason.year_implausible", low=low.year, high=high.year, value=_shown(raw)))


def _TEXT(value: object) -> str | None:  # noqa: N802 - a marker as much as a function
    """Free text kept as written (stripped); None when blank."""
    return None if is_blank(value) else cell_text(value)


def validate_sheet(
    sheet: RawSheet,
    layout: Layout,
    default_org: str,
    user: UserMappings = NO_MAPPINGS,
) -> SheetResult:
    """Validate every row below the header of ``sheet``.

    Returns a :class:`SheetResult` with the accepted records (money in 元 as float
    rounded to 0.01, counts as int, dates as datetime.date), the rejected rows with
    spreadsheet row numbers and Chinese reasons, and the skipped rows counted by reason.
    Rows take their organisation from a 学校 column when the sheet has one, else ``default_org``.
    """
    kind = layout.kind
    merged_rows = {r0 for (r0, c0), (r1, c1) in sheet.merged if c1 > c0}
    body = sheet.frame.iloc[layout.data_start :]
    reasons_by_row = classify_rows(body, layout, merged_rows)
    # Subtotals wherever their label sits (1月小计, 实验小学小计) and totals with no label at all.
    reasons_by_row[subtotal_rows(body, reasons_by_row.isna())] = "skip.total"
    # 其中：… lines under the total restate it by category (one skip reason, counted).
    reasons_by_row[breakdown_rows(body, reasons_by_row)] = "skip.breakdown"
    if kind == "budget":
        # A 收支预决算表 with 一、收入 … 二、支出 sections: only the 支出 subjects are budget lines.
        reasons_by_row[income_section_rows(body, reasons_by_row)] = "skip.income"
    skipped: Counter = Counter(t(key) for key in reasons_by_row.dropna())
    total_rows = reasons_by_row.index[(reasons_by_row == "skip.total").to_numpy(dtype=bool)].tolist()
    merged_once: list = []
    data = fill_down(body[reasons_by_row.isna()], layout.fields, sheet.merged, layout.data_start, merged_once)
    data_index = data.index.tolist()
    if layout.year_columns:
        data, data_index, layout = _unpivot_years(data, layout)
    withheld_rows: defaultdict[str, set[int]] = defaultdict(set)
    clean: set[int] = set()  # mapped columns with nothing the privacy pre-test could flag
    layout = _withhold_columns(data, layout, withheld_rows, clean)

    def cells(col: int) -> pd.Series:
        return data[col] if col in data.columns else pd.Series(None, index=data.index, dtype=object)

    columns: dict[str, _Column] = {
        fld: _Column(cells(col), _parser(fld, kind, layout, col, user)) for col, fld in layout.fields.items()
    }
    warnings = _optional_failures(columns, kind, data_index)
    if (pair := _TWO_IN_ONE.get(kind)) is not None and pair[0] in columns and pair[1] not in columns:
        # One column holding two fields (省级一等奖; 立案（已办结）): the second is read from it too.
        written, second, read, key = pair
        col = next(c for c, f in layout.fields.items() if f == written)
        column = _Column(cells(col), read)
        found = sum(1 for v in column.values if v is not None)
        if found:
            columns[second] = column
            warnings.append(t(key, header=layout.headers[col] or f"第{col + 1}列", rows=found))
    warnings += _scale_warnings(data, layout, data_index)
    warnings += _reading_notes(data, layout, data_index)
    rows = range(len(data))
    records, reasons, unknown = _BUILDERS[kind](columns, len(rows), layout)
    subtotal = np.asarray(records.pop("is_subtotal", [False] * len(rows)), dtype=bool).reshape(-1)
    inferred = records.pop("_inferred", {})
    for fld in ("level", "award_type", "category"):
        found = {term: positions for (f, term), positions in inferred.items() if f == fld and positions}
        if found:
            detail = "、".join(f"{term} {len(positions)}" for term, positions in found.items())
            # Which rows, so the chair can check them: the first few spreadsheet rows of each term.
            where = "；".join(
                f"{term}：第 {'、'.join(str(data_index[i] + 1) for i in positions[:5])}"
                + (" 等" if len(positions) > 5 else "")
                + " 行"
                for term, positions in found.items()
            )
            rows_total = sum(len(positions) for positions in found.values())
            source = t(f"infer.from.{kind}")
            warnings.append(
                t("warn.inferred", field=field_label(fld), rows=rows_total, detail=detail, source=source, where=where)
            )
    if layout.academic_year and any(f in vocab.DATE_FIELDS or f == "award_date" for f in layout.fields.values()):
        y = layout.default_year
        warnings.append(t("warn.academic_year_dates", period=f"{y}-{y + 1}学年", first=y, second=(y or 0) + 1))
    dated_by_year = records.pop("_dated_by_year", 0)
    if dated_by_year:
        key = "warn.dated_by_year" if kind == "proposals" else "warn.dated_by_title_year"
        warnings.append(t(key, rows=dated_by_year, year=layout.default_year))
    # Each column becomes Arrow once: the redaction below, the frame and the commit all read that.
    records = _to_arrow(records)
    # A free-text column keeps its cells (stripped) as its Arrow array: when those cells passed the
    # pre-test clean above, redaction has nothing to test again (one pre-test per column, not two).
    tested = {
        id(arrow)
        for col, fld in layout.fields.items()
        if col in clean and fld in columns and (arrow := getattr(columns[fld].values, "arrow", None)) is not None
    }
    _redact_records(records, withheld_rows, tested)
    org_col = columns.get("org")
    orgs = [v if v else default_org for v in org_col.values] if org_col else [default_org] * len(rows)
    source_rows = np.asarray(data_index, dtype=np.int64) + 1
    records |= _to_arrow({"org": orgs, "source_row": source_rows.tolist()})
    has_reasons = reasons.rejected(len(rows))
    dropped = has_reasons | subtotal
    merged_once = _move_merged_figures(records, merged_once, data_index, dropped, bool(layout.year_columns))
    if subtotal.any():
        skipped[t("skip.subtotal")] += int(subtotal.sum())
    rejected: list[RejectedRow] = []
    keep = np.flatnonzero(~subtotal & ~has_reasons)
    for n in np.flatnonzero(has_reasons & ~subtotal).tolist():
        raw = {
            (layout.headers[j] or f"第{j + 1}列"): (
                v.cell if isinstance(v, UncachedFormula) else redact(cell_text(v))[0]
            )
            for j, v in enumerate(data.iloc[n].tolist())
            if j < len(layout.headers) and j not in layout.withheld and not is_blank(v)
        }
        reason = redact("；".join(reasons[n]))[0]
        rejected.append(RejectedRow(row=data_index[n] + 1, reason=reason, raw=raw))
    frame = _frame(records, keep)
    warnings += _sheet_warnings(frame, layout, sheet, body)
    warnings += [
        t("warn.merged_once", field=field_label(fld), first=r0 + 1, last=r1 + 1, into=into + 1, value=cell_text(value))
        for r0, r1, fld, value, into in merged_once
    ]
    loaded = {
        fld: _column_sum(frame, column)
        for fld, column in _STORE_COLUMN.get(kind, {}).items()
        if column in _names(frame)
    }
    return SheetResult(
        kind=kind,
        rows=frame,
        rejected=rejected,
        skipped=skipped,
        unknown_values=unknown,
        withheld={category: len(rows) for category, rows in withheld_rows.items()},
        withheld_columns=dict(layout.withheld),
        seen=len(body),
        warnings=warnings,
        reconciliation=reconcile(body, total_rows, layout.fields, kind, loaded, partial(money_unit_of, layout)),
        # Only a year-column table gives one spreadsheet row several records.
        source_rows_accepted=len(np.unique(source_rows[keep])) if layout.year_columns else len(keep),
    )


# Record column of each figure a clerk may merge over a group's rows (structure.MERGED_ONCE_FIELDS).
_RECORD_COLUMN = {"amount": "amount_yuan", "cost": "cost_yuan", "budget": "budget_yuan", "final": "final_yuan"}


def _move_merged_figures(
    records: dict[str, pa.Array | list], merged_once: list, data_index: list[int], dropped: np.ndarray, unpivoted: bool
) -> list[tuple[int, int, str, object, int]]:
    """A merged figure (合并单元格的金额/人数) whose first row is not imported moves to the group's first imported row.

    :func:`loaders.structure.fill_down` leaves a figure merged over rows r0–r1 on row r0 and 0 on the
    others.  When row r0 is rejected (no date, say) or a subtotal (``dropped``, by record position),
    the group's sum would leave with it while the other rows load 0; the sum moves instead to the
    first row of the group that is imported, so the loaded total equals the sheet's.  ``records``
    (column name → Arrow array or list, one entry per record) is changed in place.  Returns each
    merge as (first row, last row, field, value, row it is counted in), zero-based spreadsheet rows;
    the row is r0 when r0 is imported, when no row of the group is, or when records come from year
    columns (several records per row: nothing is moved).
    """
    out = []
    position = {row: i for i, row in enumerate(data_index)} if not unpivoted else {}
    for r0, r1, fld, value in merged_once:
        into = r0
        first = position.get(r0)
        column = _RECORD_COLUMN.get(fld, fld)
        if first is not None and dropped[first] and column in records:
            kept = [position[r] for r in range(r0 + 1, r1 + 1) if r in position and not dropped[position[r]]]
            values = records[column]
            values = values.to_pylist() if isinstance(values, pa.Array) else list(values)
            if kept and values[first] is not None and values[first] == values[first]:  # not None / NaN
                values[kept[0]], values[first] = values[first], 0
                records[column] = _arrow_or_list(values)
                into = data_index[kept[0]]
        out.append((r0, r1, fld, value, into))
    return out


# Store column of each summed field (for reconciliation with the sheet's own total).
_STORE_COLUMN: dict[str, dict[str, str]] = {
    "welfare": {"amount": "amount_yuan", "person_times": "person_times"},
    "activities": {"participants": "participants", "cost": "cost_yuan"},
    "member_counts": {"members": "members"},
}
# Key fields whose absence on every row the user should hear about before loading.
_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare": ("category", "sub_union"),
    "activities": ("category",),
    "awards": ("level", "award_type"),
    "proposals": ("decision",),
}


def _optional_failures(columns: dict[str, _Column], kind: str, data_index: list[int]) -> list[str]:
    """An optional field that cannot be parsed never rejects a row: the value is left empty, with a warning."""
    warnings = []
    for fld, col in columns.items():
        if (
            fld in vocab.FIGURE_FIELDS.get(kind, ())
            or fld in vocab.REQUIRED_FIELDS.get(kind, ())
            or not len(col.failed)
        ):
            continue
        first = int(col.failed[0])
        warnings.append(
            t(
                "warn.optional_unreadable",
                field=field_label(fld),
                rows=len(col.failed),
                row=data_index[first] + 1,
                reason=col.errors[first],
            )
        )
        col.clear_failures()
    return warnings


def _names(frame: pa.Table | pd.DataFrame) -> list[str]:
    return frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)


def _column_sum(frame: pa.Table | pd.DataFrame, column: str) -> float:
    """The sum of a record column (missing and unreadable values as 0), for the reconciliation."""
    if isinstance(frame, pa.Table):
        values = frame.column(column)
        if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
            # as pandas sums the column: nulls (and NaN) left out, integers with nulls as floats
            return float(np.nansum(values.to_numpy().astype(np.float64))) if len(values) else 0.0
        frame = frame.select([column]).to_pandas()
    return float(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def _all_missing(frame: pa.Table | pd.DataFrame, column: str) -> bool:
    if isinstance(frame, pa.Table):
        values = frame.column(column)
        if pa.types.is_floating(values.type):  # pandas counts NaN as missing too
            return bool(pc.all(pc.is_null(values, nan_is_null=True)).as_py())
        return values.null_count == len(values)
    return bool(frame[column].isna().all())


def _sheet_warnings(frame: pa.Table | pd.DataFrame, layout: Layout, sheet: RawSheet, body: pd.DataFrame) -> list[str]:
    """What the user should see before loading: key fields empty everywhere, data columns left unmapped."""
    out = []
    if len(frame):
        for fld in _KEY_FIELDS.get(layout.kind, ()):
            column = {"amount": "amount_yuan"}.get(fld, fld)
            if column not in _names(frame) or _all_missing(frame, column):
                out.append(t("warn.key_field_empty", field=field_label(fld), rows=len(frame)))
    taken = {f: c for c, f in layout.fields.items()}  # field → the column that holds it
    for j, header in enumerate(layout.headers):
        if j in layout.fields or j in layout.year_columns or j in layout.withheld or j not in body.columns:
            continue
        if j in sheet.hidden_columns:
            continue
        filled = int(body[j].notna().sum())
        key = layout.header_keys[j][0] if j < len(layout.header_keys) and layout.header_keys[j] else ""
        fld = header_field(key, layout.kind) if key else None
        if filled and fld is not None and fld in taken:
            # A second 日期 / 金额 … column: the field is another column's; often a second table beside the first.
            out.append(
                t(
                    "warn.column_duplicate_field",
                    header=header,
                    col=j + 1,
                    other=taken[fld] + 1,
                    field=field_label(fld),
                    rows=filled,
                )
            )
        elif filled and fld is not None and (fld in vocab.DATE_FIELDS or fld in vocab.COUNT_FIELDS):
            # The header says what the column is; only the way its values are written is unknown.
            examples = list(dict.fromkeys(cell_text(v) for v in body[j].dropna().tolist()))[:3]
            out.append(
                t(
                    "warn.column_values_unreadable",
                    header=header,
                    field=field_label(fld),
                    rows=filled,
                    examples="、".join(f"“{e}”" for e in examples),
                )
            )
        elif filled >= max(3, len(body) // 2):
            out.append(t("warn.column_unmapped", header=header or f"第{j + 1}列", rows=filled))
    return out


# --- minimum necessary (最小必要): identity numbers, phones and addresses are never imported ---------

# A column whose filled cells are at least this share identity numbers, phones or addresses is dropped
# whatever its header says; below it, such values are cut out of the cells (a 备注 column with a few).
WITHHELD_COLUMN_SHARE = 0.8
_UNMAPPED_SAMPLE = 400  # rows of an unmapped column looked at to say what it holds
# Fields parsed into numbers or dates: their cells are never stored as text.
_TYPED_FIELDS = vocab.DATE_FIELDS | vocab.MONEY_FIELDS | vocab.COUNT_FIELDS | {"year"}


# Characters NFKC leaves alone whatever surrounds them (ASCII and the CJK Unified Ideographs): a text
# made of them only is its own NFKC form, so the privacy pre-test's second (folded) pass cannot differ.
_NFKC_STABLE_OUTSIDE = r"[^\x00-\x7F\x{4E00}-\x{9FFF}]"
_MAYBE_OR_UNSTABLE = f"{_MAYBE_RE2}|{_NFKC_STABLE_OUTSIDE}"


def _may_hold(values) -> np.ndarray:
    """:func:`core.privacy.may_hold_mask` of ``values`` (a Series, list or Arrow array), in one RE2 pass
    for the usual column: only the values that pass it or hold a character NFKC could change are
    tested again with ``may_hold_mask`` itself (raw and folded), so the answer is the same, value for value.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    try:
        if isinstance(values, pa.Array | pa.ChunkedArray):
            text = values
        elif isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
            text = pa.array(values.array, type=pa.string(), from_pandas=True)
        else:
            return may_hold_mask(values)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            return may_hold_mask(values)
        first = pc.fill_null(pc.match_substring_regex(text, _MAYBE_OR_UNSTABLE), False).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return may_hold_mask(values)
    out = np.zeros(len(text), dtype=bool)
    if (again := np.flatnonzero(first)).size:
        out[again] = may_hold_mask(text.take(pa.array(again, pa.int64())))
    return out


def _withhold_columns(
    data: pd.DataFrame, layout: Layout, rows: defaultdict[str, set[int]], clean: set[int] | None = None
) -> Layout:
    """Drop the columns that hold identity numbers, phone numbers or addresses; count their rows.

    A column goes when its header names such data (detection put it in ``layout.withheld``) or
    when at least WITHHELD_COLUMN_SHARE of its filled cells are such a value, whatever the header says.  Adds the
    positional indexes of the rows with a filled cell to ``rows[category]``; returns the layout
    without those columns.  ``clean`` receives the mapped columns none of whose cells passes the privacy
    pre-test (their texts, stripped, have nothing :func:`redact` could cut: no second test needed).
    """
    withheld = dict(layout.withheld)
    for j in data.columns:
        if j in withheld or j in layout.year_columns or layout.fields.get(j) in _TYPED_FIELDS:
            continue
        series = data[j].dropna()
        if series.empty:
            if clean is not None and j in layout.fields:
                clean.add(j)
            continue
        if j not in layout.fields:
            # An unmapped column is never stored: a sample is enough to name what it holds in the report.
            series = series.iloc[:_UNMAPPED_SAMPLE]
        # The pre-test over the cells themselves (one RE2 pass), then only its few candidates counted.
        maybe = _may_hold(series)
        if not maybe.any():
            if clean is not None and j in layout.fields:
                clean.add(j)
            continue
        counts = series[maybe].value_counts(sort=False, dropna=True)
        hits = Counter()
        for value, n in counts.items():
            if category := wholly_withheld(cell_text(value)):
                hits[category] += int(n)
        if not hits:
            continue
        if sum(hits.values()) >= WITHHELD_COLUMN_SHARE * len(series):
            withheld[j] = hits.most_common(1)[0][0]
    if not withheld:
        return layout
    for j, category in withheld.items():
        if j not in data.columns:
            continue
        # Each filled row counts under what its cell holds (the column's category when unclear),
        # judged once per distinct value.
        codes, uniques = pd.factorize(data[j], use_na_sentinel=True)
        kinds = []
        for value in uniques:
            text = "" if is_blank(value) else cell_text(value)
            kinds.append(redact(text)[1] or {wholly_withheld(text) or category} if text else set())
        for i, code in enumerate(codes):
            if code >= 0:
                for found_category in kinds[code]:
                    rows[found_category].add(i)
    fields = {j: f for j, f in layout.fields.items() if j not in withheld}
    return replace(layout, fields=fields, withheld=withheld)


def _to_arrow(records: dict[str, list]) -> dict[str, pa.Array | list]:
    """Each column of ``records`` as one Arrow array; a column Arrow cannot hold as one type stays a list."""
    out: dict[str, pa.Array | list] = {}
    for name, values in records.items():
        out[name] = _arrow_or_list(values)
    return out


# Arrow types whose to_pandas() gives the dtype and values pandas gives the same Python list.
_SAME_IN_PANDAS = (pa.types.is_string, pa.types.is_int64, pa.types.is_float64, pa.types.is_date32, pa.types.is_null)


def _arrow_or_list(values: list) -> pa.Array | list:
    try:
        if (arrow := getattr(values, "arrow", None)) is not None:
            return arrow
        if isinstance(values, _Factored):  # the distinct values, spread by their codes (-1: the last slot)
            array = pa.array(values.lookup).take(pa.array(values.codes % len(values.lookup)))
        else:
            array = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):  # mixed types, a text Arrow cannot hold
        return values
    return array if any(test(array.type) for test in _SAME_IN_PANDAS) else values


def _frame(records: dict[str, pa.Array | list], keep: np.ndarray) -> pa.Table | pd.DataFrame:
    """The rows ``keep`` of ``records`` as one Arrow table (its to_pandas() has the dtypes pandas gives the
    same lists); a DataFrame when a column is a list of mixed types."""
    if all(isinstance(v, pa.Array) for v in records.values()):
        return pa.table(records).take(pa.array(keep, pa.int64()))
    plain = {name: v.to_pylist() if isinstance(v, pa.Array) else v for name, v in records.items()}
    return pd.DataFrame(plain).iloc[keep].reset_index(drop=True)


def _redact_records(
    records: dict[str, pa.Array | list], rows: defaultdict[str, set[int]], tested: set[int] = frozenset()
) -> None:
    """Cut identity numbers, phone numbers and addresses out of every text value of ``records`` (in place).

    ``tested``: ids of Arrow columns of ``records`` known to hold nothing the pre-test flags (skipped).
    """
    for name, values in records.items():
        if id(values) in tested:
            continue
        # Each distinct text once; most columns have nothing to cut and are left as they are.
        if isinstance(values, pa.Array):  # one type per column: dates and numbers hold nothing to cut
            if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
                continue
            distinct = pc.unique(values).drop_null()
        else:  # mixed types, or a text Arrow cannot hold
            distinct = list({v for v in values if isinstance(v, str)})
        candidates = np.flatnonzero(_may_hold(distinct))
        if not len(candidates):
            continue
        maybe = [distinct[int(i)] for i in candidates]
        maybe = [v.as_py() if isinstance(v, pa.Scalar) else v for v in maybe]
        cuts = {v: cut for v in maybe if (cut := redact(v))[1]}
        if not cuts:
            continue
        if isinstance(values, pa.Array):
            values = records[name] = values.to_pylist()
        for i, value in enumerate(values):
            if isinstance(value, str) and value in cuts:
                text, found = cuts[value]
                values[i] = text
                for category in found:
                    rows[category].add(i)
        records[name] = _arrow_or_list(values)


# --- per-kind record builders --------------------------------------------------------
# Each takes the parsed columns and the row count and returns (records, reasons, unknown):
# records: store column → list; reasons: per row, the list of Chinese reasons (empty = ok);
# unknown: Counter of (field, value) outside the vocabulary.


def _unpivot_years(data: pd.DataFrame, layout: Layout):
    """A table with one column, or a group of columns, per year to one row per year.

    分工会 | 2021年 | 2022年 (a headcount's year columns: members) and 科目 | 2021年 预算数 | 决算数 |
    2022年 预算数 | 决算数 (``layout.year_fields``) alike: each field of a year's columns moves to a
    virtual column past the last header (its unit kept), another virtual column holds the year.  A
    row gives a year's record when one of that year's cells is filled.  Returns (rows, their frame
    indexes, the layout with the virtual columns).
    """
    width = len(layout.headers)
    of_column = {col: layout.year_fields.get(col, "members") for col in layout.year_columns}
    names = list(dict.fromkeys(of_column.values()))
    virtual = {fld: width + k for k, fld in enumerate(names)}
    year_col = width + len(names)
    units = [next(layout.units[c] for c, f in of_column.items() if f == fld) for fld in names]
    long_layout = replace(
        layout,
        fields={**layout.fields, **{v: fld for fld, v in virtual.items()}, year_col: "year"},
        units=[*layout.units, *units, None],
        headers=[*layout.headers, *(field_label(fld) for fld in names), field_label("year")],
    )
    by_year: dict[int, list[int]] = {}
    for col, year in layout.year_columns.items():
        by_year.setdefault(year, []).append(col)
    parts = []
    for year, cols in by_year.items():
        cols = [c for c in cols if c in data.columns]
        if not cols:
            continue
        part = data.loc[data[cols].notna().any(axis=1)].copy()
        for fld in names:
            part[virtual[fld]] = None
        for col in cols:
            part[virtual[of_column[col]]] = part[col]
        part[year_col] = str(year)
        parts.append(part)
    long = pd.concat(parts).sort_index(kind="stable") if parts else data.iloc[0:0]
    return long, long.index.tolist(), long_layout


def _collect(columns: dict[str, _Column], n: int) -> _Reasons:
    reasons = _Reasons()
    for fld, col in columns.items():
        for i in col.failed:
            reasons[i].append(t("reason.field", field=field_label(fld), reason=col.errors[i]))
    return reasons


def _get(columns: dict[str, _Column], fld: str, n: int) -> list[object]:
    col = columns.get(fld)
    return col.values if col else [None] * n


def _vocab_values(columns, fld: str, n: int, unknown: Counter) -> list[str | None]:
    pairs = _get(columns, fld, n)
    if isinstance(pairs, _Factored):
        # Per distinct value; the unknown ones counted by their rows, in the order they first appear.
        counts = pairs.counts()
        for slot, pair in enumerate(pairs.lookup):
            if pair is not None and not pair[1] and counts[slot]:
                unknown[(fld, pair[0])] += int(counts[slot])
        return pairs.spread_values(lambda pair: None if pair is None else pair[0])
    out: list[str | None] = []
    for pair in pairs:
        if pair is None:
            out.append(None)
            continue
        value, known = pair
        if not known:
            unknown[(fld, value)] += 1
        out.append(value)
    return out


def _require(
    values: list[object],
    fld: str,
    reasons: _Reasons,
    errors: list[str | None] | None,
) -> None:
    rows = values.rows_where(lambda v: v is None) if isinstance(values, _Factored) else range(len(values))
    for i in rows:
        if values[i] is None and not (errors and errors[i]):
            reasons[i].append(t("reason.missing", field=field_label(fld)))


def _non_negative(values: list[object], fld: str, reasons: _Reasons) -> None:
    negative = lambda v: isinstance(v, Decimal) and v < 0  # noqa: E731 - one test, two paths
    rows = values.rows_where(negative) if isinstance(values, _Factored) else range(len(values))
    for i in rows:
        if negative(v := values[i]):
            reasons[i].append(t("reason.negative_amount", field=field_label(fld), value=f"{v}"))


def _money(values: list[object]) -> list[float | None]:
    if isinstance(values, _Factored):
        return values.spread_values(lambda v: None if v is None else float(v))
    return [None if v is None else float(v) for v in values]


def _dates(
    values: list[object],
) -> tuple[list[dt.date | None], list[str | None], list[dt.date | None]]:
    if isinstance(values, _Factored):
        return (
            values.spread_values(lambda v: v.value if v else None),
            values.spread_values(lambda v: v.precision if v else None),
            values.spread_values(lambda v: v.end if v else None),
        )
    days = [v.value if v else None for v in values]
    precision = [v.precision if v else None for v in values]
    ends = [v.end if v else None for v in values]
    return days, precision, ends


def _errors(columns, fld):
    col = columns.get(fld)
    return col.errors if col else None


def _build_welfare(columns, n, layout):
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    days, precision, _ = _dates(_get(columns, "date", n))
    _require(days, "date", reasons, _errors(columns, "date"))
    category = _vocab_values(columns, "category", n, unknown)
    recipient = _get(columns, "recipient", n)
    counts = _get(columns, "person_times", n)
    # A row naming one person with the count left blank counts once (DOMAIN.md); a list of names
    # (赵磊、胡斌、马超) counts its people, as the 人数 a clerk would have written.
    person_times = [
        c if c is not None else ((_listed(r) or 1) if r else None) for c, r in zip(counts, recipient, strict=False)
    ]
    amount = _get(columns, "amount", n)
    if "amount" not in columns and "unit_rate" in columns:
        # No 金额 column: the amount is 标准（元/人）× 人数, as the clerk computes it.
        rates = _get(columns, "unit_rate", n)
        amount = [r * c if r is not None and c is not None else None for r, c in zip(rates, person_times, strict=True)]
    _require(amount, "amount", reasons, _errors(columns, "amount"))
    _non_negative(amount, "amount", reasons)
    records = {
        "date": days,
        "date_precision": precision,
        "sub_union": _get(columns, "sub_union", n),
        "category": category,
        "item": _get(columns, "item", n),
        "recipient": recipient,
        "person_times": person_times,
        "amount_yuan": _money(amount),
        "handler": _get(columns, "handler", n),
        "note": _get(columns, "note", n),
    }
    return records, reasons, unknown


def _build_activities(columns, n, layout):
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    starts, precision, range_ends = _dates(_get(columns, "start_date", n))
    _require(_get(columns, "name", n), "name", reasons, _errors(columns, "name"))
    _require(starts, "start_date", reasons, _errors(columns, "start_date"))
    ends = [e.value if e else r for e, r in zip(_get(columns, "end_date", n), range_ends, strict=False)]
    notes = _get(columns, "note", n)
    # What a clerk wrote in the note fills an empty field: 至2024/11/14 (end), 应到196人 (eligible).
    for i, note in enumerate(notes):
        if ends[i] is None and starts[i] is not None and (text := end_date_text(note)):
            with contextlib.suppress(CellError):
                parsed = parse_date(text, starts[i].year)
                if parsed is not None and parsed.value >= starts[i]:
                    ends[i] = parsed.value
    eligible = [
        e if e is not None else eligible_from_note(note)
        for e, note in zip(_get(columns, "eligible", n), notes, strict=False)
    ]
    for i, (start, end) in enumerate(zip(starts, ends, strict=False)):
        if start is not None and end is not None and end < start:
            reasons[i].append(t("reason.range_reversed", start=start.isoformat(), end=end.isoformat()))
    cost = _get(columns, "cost", n)
    _non_negative(cost, "cost", reasons)
    names = _get(columns, "name", n)
    # No category written: the activity's name says it as a person reads it (教职工羽毛球比赛 → 竞赛).
    categories = list(_vocab_values(columns, "category", n, unknown))
    inferred: defaultdict[tuple, list[int]] = defaultdict(list)
    for i in range(n):
        if categories[i] is None and isinstance(names[i], str):
            categories[i] = value_rule(normalize_value(names[i]), "activities", "category")
            if categories[i] is not None:
                inferred[("category", categories[i])].append(i)
    records = {
        "name": names,
        "start_date": starts,
        "end_date": ends,
        "date_precision": precision,
        "organizer": _get(columns, "organizer", n),
        "category": categories,
        "participants": _get(columns, "participants", n),
        "eligible": eligible,
        "cost_yuan": _money(cost),
        "note": _get(columns, "note", n),
        "_inferred": inferred,  # not a column: validate_sheet takes it out for the warning
    }
    return records, reasons, unknown


def _build_member_counts(columns, n, layout):
    reasons = _collect(columns, n)
    years = [y if y is not None else layout.default_year for y in _get(columns, "year", n)]
    members = _get(columns, "members", n)
    _require(members, "members", reasons, _errors(columns, "members"))
    _require(years, "year", reasons, _errors(columns, "year"))
    records = {
        "sub_union": _get(columns, "sub_union", n),
        "year": years,
        "members": members,
        "female": _get(columns, "female", n),
        "note": _get(columns, "note", n),
    }
    return records, reasons, Counter()


def _build_roster(columns, n, layout):
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    _require(_get(columns, "name", n), "name", reasons, _errors(columns, "name"))
    joins, _, _ = _dates(_get(columns, "join_date", n))
    # 出生年月 as YYYY-MM: a date cell reads as "1963-09-01 00:00:00", a text cell stays as typed.
    births = _get(columns, "birth", n)
    birth = [v[:7] if isinstance(v, str) and _DATETIME_TEXT.match(v) else v for v in births]
    records = {
        "staff_id": _get(columns, "staff_id", n),
        "name": _get(columns, "name", n),
        "gender": _vocab_values(columns, "gender", n, unknown),
        "birth": birth,
        "sub_union": _get(columns, "sub_union", n),
        "join_date": joins,
        "status": _vocab_values(columns, "status", n, unknown),
        "as_of_year": [layout.default_year] * n,
    }
    return records, reasons, unknown


def _build_proposals(columns, n, layout):
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    _require(_get(columns, "title", n), "title", reasons, _errors(columns, "title"))
    session_dates, _, _ = _dates(_get(columns, "session_date", n))
    submit, _, _ = _dates(_get(columns, "submit_date", n))
    reply, _, _ = _dates(_get(columns, "reply_date", n))
    # No date on a row: the year the title, sheet or file name gives (2023年提案汇总表) places it, as a
    # person would, on 1 January of that year; validate_sheet warns (an academic-year view needs the date).
    dated_by_year = 0
    for i in range(n):
        if session_dates[i] is None and submit[i] is None and not reasons[i]:
            if layout.default_year is not None:
                session_dates[i] = dt.date(layout.default_year, 1, 1)
                dated_by_year += 1
            else:
                reasons[i].append(t("reason.missing", field=field_label("session_date")))
    sessions = _get(columns, "session", n)
    if "session" not in columns and (named := SESSION_IN_TEXT.search(nfkc(layout.title))):
        sessions = [named.group(0)] * n  # the session the title names (第五届二次教代会提案一览表)
    records = {
        "session": sessions,
        "session_date": session_dates,
        "proposal_no": _get(columns, "proposal_no", n),
        "title": _get(columns, "title", n),
        "proposer": _get(columns, "proposer", n),
        "seconders": _get(columns, "seconders", n),
        "category": _get(columns, "category", n),
        "decision": _vocab_values(columns, "decision", n, unknown),
        "department": _get(columns, "department", n),
        "status": _vocab_values(columns, "status", n, unknown),
        "submit_date": submit,
        "reply_date": reply,
        "satisfaction": _vocab_values(columns, "satisfaction", n, unknown),
        "note": _get(columns, "note", n),
        "_dated_by_year": dated_by_year,  # not a column: validate_sheet takes it out for the warning
    }
    return records, reasons, unknown


def _build_awards(columns, n, layout):
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    _require(_get(columns, "title", n), "title", reasons, _errors(columns, "title"))
    days, precision, _ = _dates(_get(columns, "award_date", n))
    years = _get(columns, "year", n)
    years = [y if y is not None else (d.year if d else layout.default_year) for y, d in zip(years, days, strict=False)]
    # 获奖时间 written as a year only (2023年): the year, no day (an academic-year view cannot place it).
    if "year" in precision:
        days, precision = list(days), list(precision)  # plain lists: a factored column is rebuilt from its codes
    for i in range(n):
        if precision[i] == "year":
            days[i] = precision[i] = None
        if years[i] is None and not reasons[i]:
            reasons[i].append(t("reason.missing", field=field_label("year")))
    titles, recipients, grantors = _get(columns, "title", n), _get(columns, "recipient", n), _get(columns, "grantor", n)
    # A level or type left blank (or no such column): what the granting body and the award's name say,
    # as a person reads 浙江省教育厅 or 市三八红旗集体; validate_sheet warns with the counts.
    levels = list(_vocab_values(columns, "level", n, unknown))
    types = list(_vocab_values(columns, "award_type", n, unknown))
    inferred: defaultdict[tuple, list[int]] = defaultdict(list)
    for i in range(n):
        title = titles[i] if isinstance(titles[i], str) else None
        if levels[i] is None:
            grantor = grantors[i] if isinstance(grantors[i], str) else None
            levels[i] = award_level_in(grantor, grantor=True) or award_level_in(title)
            if levels[i] is not None:
                inferred[("level", levels[i])].append(i)
        if types[i] is None:
            types[i] = award_type_in(recipients[i] if isinstance(recipients[i], str) else None, title)
            if types[i] is not None:
                inferred[("award_type", types[i])].append(i)
    records = {
        "year": years,
        "title": titles,
        "level": levels,
        "award_type": types,
        "recipient": recipients,
        "sub_union": _get(columns, "sub_union", n),
        "grantor": grantors,
        "grade": _get(columns, "grade", n),
        "award_date": days,
        "date_precision": precision,
        "note": _get(columns, "note", n),
        "_inferred": inferred,  # not a column: validate_sheet takes it out for the warning
    }
    return records, reasons, unknown


def _build_budget(columns, n, layout):
    reasons = _collect(columns, n)
    subjects = [s.strip() if isinstance(s, str) else s for s in _get(columns, "subject", n)]
    _require(subjects, "subject", reasons, _errors(columns, "subject"))
    years = [y if y is not None else layout.default_year for y in _get(columns, "year", n)]
    budget, final = _get(columns, "budget", n), _get(columns, "final", n)
    _non_negative(budget, "budget", reasons)
    _non_negative(final, "final", reasons)
    codes = [c.strip() if isinstance(c, str) else c for c in _get(columns, "code", n)]
    notes = _get(columns, "note", n)
    # A line is a subtotal (小计) when its note or name says so, or when its code is a
    # prefix of another line's code (501 over 50101, 50102 …): only leaf lines count.
    code_set = {c for c in codes if c}
    subtotal = [
        bool((notes[i] and "小计" in notes[i]) or (subjects[i] and subjects[i].startswith("小计")))
        or bool(codes[i] and any(o != codes[i] and o.startswith(codes[i]) for o in code_set))
        for i in range(n)
    ]
    records = {
        "year": years,
        "code": codes,
        "subject": subjects,
        "budget_yuan": _money(budget),
        "final_yuan": _money(final),
        "is_subtotal": subtotal,
        "note": notes,
    }
    return records, reasons, Counter()


_SUBTOTAL_WORDS = re.compile(r"小计|合计|总计")


def _fill_down(values: list[object]) -> tuple[list[object], list[bool]]:
    """A vertically merged cell (only its first row holds the value) repeated down; and which rows were filled."""
    out, filled, last = [], [], None
    for v in values:
        if v is None and last is not None:
            out.append(last)
            filled.append(True)
        else:
            last = v if v is not None else last
            out.append(v)
            filled.append(False)
    return out, filled


def _build_donations(columns, n, layout):
    """捐款台账: a drive's rows share its 活动名称 (often merged: written on the first row only)."""
    reasons = _collect(columns, n)
    days, precision, _ = _dates(_get(columns, "date", n))
    amount = _get(columns, "amount", n)
    texts = [_get(columns, f, n) for f in ("seq", "drive", "sub_union", "donor")]
    # 2021年小计（4次）: a year's subtotal row (the label is not at the start, so classify_rows keeps it).
    subtotal = [any(isinstance(col[i], str) and _SUBTOTAL_WORDS.search(col[i]) for col in texts) for i in range(n)]
    # One drive's list of donors (2023年“慈善一日捐”捐款明细) has no date column: the drive is in the
    # title's year, placed on 1 January as a person would file it; validate_sheet warns.
    dated_by_year = 0
    if "date" not in columns and layout.default_year is not None:
        days = [None if subtotal[i] else dt.date(layout.default_year, 1, 1) for i in range(n)]
        precision = [None if d is None else "day" for d in days]
    _require(days, "date", reasons, _errors(columns, "date"))
    _require(amount, "amount", reasons, _errors(columns, "amount"))
    _non_negative(amount, "amount", reasons)
    if "date" not in columns and layout.default_year is not None:
        dated_by_year = sum(1 for i in range(n) if days[i] is not None and not reasons[i])
    drives = _get(columns, "drive", n)
    if "drive" not in columns and (named := _QUOTED.search(layout.title or "")):
        drives = [named.group(1)] * n  # the drive the title names in quotes: “慈善一日捐”
    drive, filled = _fill_down([None if subtotal[i] else v for i, v in enumerate(drives)])
    destination = _get(columns, "recipient_org", n)
    last = None
    dest: list[object] = []
    for i, v in enumerate(destination):
        # 去向 merged with its drive: the drive's value carries down its rows only.
        last = v if v is not None else (last if filled[i] else None)
        dest.append(last)
    donor = _get(columns, "donor", n)
    counts = _get(columns, "donors", n)
    donors = [c if c is not None else ((_listed(d) or 1) if d else None) for c, d in zip(counts, donor, strict=False)]
    records = {
        "date": days,
        "date_precision": precision,
        "drive": drive,
        "sub_union": _get(columns, "sub_union", n),
        "donor": donor,
        "staff_id": _get(columns, "staff_id", n),
        "donors": donors,
        "amount_yuan": _money(amount),
        "recipient_org": dest,
        "is_subtotal": subtotal,
        "note": _get(columns, "note", n),
        "_dated_by_year": dated_by_year,  # not a column: validate_sheet takes it out for the warning
    }
    return records, reasons, Counter()


def _build_publicity(columns, n, layout):
    """宣传台账: one published item on one channel per row."""
    reasons = _collect(columns, n)
    unknown: Counter = Counter()
    days, precision, _ = _dates(_get(columns, "date", n))
    _require(days, "date", reasons, _errors(columns, "date"))
    _require(_get(columns, "title", n), "title", reasons, _errors(columns, "title"))
    channel = _vocab_values(columns, "channel", n, unknown)
    _require(channel, "channel", reasons, _errors(columns, "channel"))
    records = {
        "date": days,
        "date_precision": precision,
        "title": _get(columns, "title", n),
        "channel": channel,
        "category": _vocab_values(columns, "category", n, unknown),
        "author": _get(columns, "author", n),
        "sub_union": _get(columns, "sub_union", n),
        "reads": _get(columns, "reads", n),
        "note": _get(columns, "note", n),
    }
    return records, reasons, unknown


_BUILDERS = {
    "welfare": _build_welfare,
    "activities": _build_activities,
    "member_counts": _build_member_counts,
    "roster": _build_roster,
    "proposals": _build_proposals,
    "awards": _build_awards,
    "budget": _build_budget,
    "donations": _build_donations,
    "publicity": _build_publicity,
}
