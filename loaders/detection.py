"""Detection (识别): where a sheet's header is, what kind of ledger it is, what each column means."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from core import vocab
from core.labels import field_label, kind_label, t
from core.privacy import withheld_category
from core.text import cell_text, is_blank, nfkc
from core.vocab_rules import YEAR_COLUMN, header_rule, kinds_named
from loaders.mapping import NO_MAPPINGS, UserMappings, known_header_keys
from loaders.normalize import academic_year_in_text, normalize_header, year_in_text
from loaders.reading import RawSheet
from loaders.understanding import PROFILE_ROWS, Decision, Profile, assign, kind_score, profile

HEADER_SCAN_ROWS = 30
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_YEAR_HEADER = YEAR_COLUMN


class SheetSkip(Exception):
    """The sheet is not a ledger (说明页, 汇总页, empty); ``str(err)`` is the note shown."""


class SheetReject(Exception):
    """The sheet looks like data but its kind or header cannot be recognised (Chinese message).

    ``headers`` lists the header texts found, so the user can map them.
    """

    def __init__(self, message: str, headers: list[str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers or []


@dataclass
class Layout:
    """A sheet's detected layout (表格结构).

    ``header_rows``: zero-based indexes of the header row(s); data starts below them.
    ``headers[j]``: column j's header as written (two-row headers joined with "/").
    ``fields``: column index → canonical field; ``units``: column index → unit (万元, 元 …).
    ``year_columns``: for a table with one column per year (分工会 | 2021年 | 2022年), or a group of
    columns per year under a merged year label (2021年 over 预算数 | 决算数), column → year.
    ``year_fields``: for such a group's columns, column → field (a headcount's year column is members).
    ``default_year``: the year in the title, sheet name or file name (for 3月8日).
    ``money_unit``: the sheet's money unit (千元, 万元 …) stated in the title or rows above the header
    (单位：千元, （金额：万元）, （万元）) or in a note under the table (金额单位为万元);
    ``money_unit_where`` says which ("above" / "below").
    ``withheld``: column index → category (身份证号, 电话号码, 住址 …) of columns never imported
    (最小必要): by header here, by value in loaders.validation.
    """

    header_rows: tuple[int, ...]
    headers: list[str]
    header_keys: list[list[str]]
    units: list[str | None]
    kind: str
    fields: dict[int, str]
    year_columns: dict[int, int] = field(default_factory=dict)
    year_fields: dict[int, str] = field(default_factory=dict)
    default_year: int | None = None
    academic_year: bool = False  # default_year is the first year of a 学年 named in the title
    money_unit: str | None = None
    money_unit_where: str | None = None  # "above" (title, rows over the header) or "below" (a note under the table)
    title: str = ""
    decisions: dict[int, Decision] = field(default_factory=dict)  # column → why it became its field
    withheld: dict[int, str] = field(default_factory=dict)  # column → personal-data category never imported

    @property
    def data_start(self) -> int:
        """Zero-based index of the first row below the header."""
        return self.header_rows[-1] + 1

    @property
    def unmapped(self) -> list[str]:
        """Headers of non-empty columns that map to no field (shown to the user, not imported)."""
        return [
            h
            for j, h in enumerate(self.headers)
            if h and j not in self.fields and j not in self.year_columns and j not in self.withheld
        ]

    def column_of(self, fld: str) -> int | None:
        """The column index holding ``fld``, or None."""
        return next((j for j, f in self.fields.items() if f == fld), None)


def _row_score(row: list[object]) -> float:
    """How much a row looks like a header: 1 per known header word or year column, ½ per keyword match."""
    keys = known_header_keys()
    score = 0.0
    for cell in row:
        if isinstance(cell, str) and not is_blank(cell):
            key = normalize_header(cell).key
            if key in keys or _YEAR_HEADER.match(key):
                score += 1
            elif len(key) <= 10 and not _NUMBER.match(key) and any(header_rule(key, k) for k in vocab.KINDS):
                score += 0.5
    return score


def find_header_row(rows: list[list[object]]) -> int | None:
    """Zero-based index of the header row among the first rows, or None.

    The header is the row with the most cells that are known headers (any kind's
    aliases, or a year like 2022年 in a one-column-per-year table); at least two
    are needed.  Title rows, unit notes and blank rows above it score 0 or 1.
    """
    best, best_score = None, 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _row_score(row)
        if score > best_score:
            best, best_score = i, score
    return best


def _is_subheader(upper: list[object], lower: list[object], merged: list) -> bool:
    """True when ``lower`` is the second row of a two-row header (发放情况 over 人数 / 金额)."""
    texts = [c for c in lower if not is_blank(c)]
    if not texts or any(_NUMBER.match(str(c).strip()) for c in texts):
        return False
    if _row_score(lower) == 0 or len(texts) >= sum(not is_blank(c) for c in upper):
        return False
    # Some filled lower cell sits under a blank upper cell or under a cell merged
    # across columns (发放情况 over 人数 and 金额).
    spans = [(c0, c1) for (r0, c0), (r1, c1) in merged if c1 > c0]
    return any(
        not is_blank(lower[j]) and (j >= len(upper) or is_blank(upper[j]) or any(c0 <= j <= c1 for c0, c1 in spans))
        for j in range(len(lower))
    )


def _join_headers(upper: list[object], lower: list[object] | None, merged: list, header_row: int):
    width = max(len(upper), len(lower or []))
    up = [cell_text(upper[j]) if j < len(upper) else "" for j in range(width)]
    if lower is not None:
        # Spread a merged upper cell (发放情况 over F:G) over the columns it covers.
        for (r0, c0), (_r1, c1) in merged:
            if r0 == header_row and c1 > c0:
                for j in range(c0 + 1, min(c1 + 1, width)):
                    up[j] = up[j] or up[c0]
    headers, keys, units = [], [], []
    for j in range(width):
        low = cell_text(lower[j]) if lower is not None and j < len(lower) else ""
        parts = [p for p in (low, up[j]) if p]
        headers.append("/".join(reversed(parts)) if low and up[j] and low != up[j] else (low or up[j]))
        norm = [normalize_header(p) for p in parts]
        keys.append([h.key for h in norm])
        units.append(next((h.unit for h in norm if h.unit), None))
    return headers, keys, units


def _upper_header_row(rows: list[list[object]], header_row: int, merged: list) -> bool:
    """True when the row above ``header_row`` is the upper row of a two-row header that scored lower.

    A 预决算对比表 writes 科目编码 | 支出科目 merged down over two rows and 2021年 merged across
    预算数 | 决算数: the lower row holds more header words, yet the header starts one row up.  The row
    above counts when it holds a header word or a year and a cell of it is merged down into
    ``header_row``, or when at least two years are each merged across columns filled below them.
    """
    if header_row == 0 or _row_score(rows[header_row - 1]) < 1:
        return False
    above, below = rows[header_row - 1], rows[header_row]
    years = set()
    for (r0, c0), (r1, c1) in merged:
        if r0 != header_row - 1 or c0 >= len(above) or is_blank(above[c0]):
            continue
        if r1 >= header_row:
            return True
        spread = [j for j in range(c0, min(c1 + 1, len(below))) if not is_blank(below[j])]
        if c1 > c0 and len(spread) >= 2 and (m := _YEAR_HEADER.match(normalize_header(cell_text(above[c0])).key)):
            years.add(m.group(1))
    # One year over the whole header (a 2023年 line under the title) is the sheet's year, not a group per year.
    return len(years) >= 2


def _year_spans(above: list[object], below: list[object] | None, row: int) -> list:
    """Spans, as merges, of the year labels in ``above`` written once over several columns without a merge.

    A CSV or a clerk who did not merge writes 2021年 | (blank) over 预算数 | 决算数: a person reads
    the year over both.  Only a year label spreads, over the blank cells to its right that have a
    header below them.
    """
    spans = []
    if below is None:
        return spans
    for c, cell in enumerate(above):
        if is_blank(cell) or not _YEAR_HEADER.match(normalize_header(cell_text(cell)).key):
            continue
        end = c
        while end + 1 < min(len(above), len(below)) and is_blank(above[end + 1]) and not is_blank(below[end + 1]):
            end += 1
        if end > c and not is_blank(below[c]):
            spans.append(((row, c), (row, end)))
    return spans


def _year_groups(keys: list[list[str]]) -> dict[int, int]:
    """Column → year for the columns of a two-row header under a year label (2021年 / 预算数).

    ``keys[j]`` is (lower, upper) for such a column.  Only years with at least two columns under
    them (a single column under a year is a headcount's year column, read as before), and only
    when there are at least two such years.
    """
    found = {
        j: int(m.group(1))
        for j, k in enumerate(keys)
        if len(k) == 2 and k[0] and not _YEAR_HEADER.match(k[0]) and (m := _YEAR_HEADER.match(k[1]))
    }
    counts: dict[int, int] = {}
    for year in found.values():
        counts[year] = counts.get(year, 0) + 1
    grouped = {j: year for j, year in found.items() if counts[year] >= 2}
    return grouped if len(set(grouped.values())) >= 2 else {}  # one year over everything is no grouping


# A money unit stated in words: 单位：千元, （金额：万元）, 金额单位为万元, 单位: 元 (after NFKC); not
# 元/人 (a rate) nor 元 starting a name (填报单位：元宝中学).
_UNIT_STATEMENT = re.compile(
    r"(?:单位|金额)[:\s]*(?:单位)?[:为是\s]*(亿元|万元|千元|元)(?![/每]|[\u4e00-\u9fff](?!民币))"
)
# A bracket holding nothing but a money unit, as a title ends: …慰问金发放台账（万元）.
_UNIT_BRACKET = re.compile(r"[(\[]\s*(亿元|万元|千元|元)\s*[)\]]")
# How many rows at the foot of a sheet are read for a note such as 注：表中金额单位为万元。
_NOTE_ROWS = 30


def _money_unit(
    rows: list[list[object]], header_row: int, sheet: RawSheet | None = None
) -> tuple[str | None, str | None]:
    """The sheet's money unit (金额单位) stated outside the header, and where: ("万元", "above").

    Looked for where a person looks: the title and the rows above the header (单位：千元,
    （金额：万元）, a title ending （万元）), then a note under the table (注：金额单位为万元).
    A unit a column's own header names (金额（千元）) wins over this one (see ``Layout.units``).
    Only money units count (元/千元/万元/亿元); 单位：人 says nothing about money.
    """
    for row in rows[:header_row]:
        for cell in row:
            text = nfkc(cell_text(cell))
            if m := (_UNIT_STATEMENT.search(text) or _UNIT_BRACKET.search(text)):
                return m.group(1), "above"
    if sheet is not None and sheet.height > header_row + 1:
        foot = sheet.frame.iloc[header_row + 1 :].tail(_NOTE_ROWS)
        for value in foot.to_numpy().ravel():
            if isinstance(value, str) and "单位" in value and (m := _UNIT_STATEMENT.search(nfkc(value))):
                return m.group(1), "below"
    return None, None


def _default_year(rows: list[list[object]], header_row: int, sheet_name: str, filename: str) -> tuple[int | None, bool]:
    """The year a person reads for 3月8日 (title, then sheet name, then file name), and whether
    that place names an academic year (2023—2024学年: months 1–8 are in the second year)."""
    title = " ".join(cell_text(c) for row in rows[:header_row] for c in row if not is_blank(c))
    for text in (title, sheet_name, filename):
        if (year := year_in_text(text)) is not None:
            return year, academic_year_in_text(text) == year
    return None, False


def _choose_kind(
    keys: list[list[str]],
    profiles: list[Profile],
    forced: str | None,
    user: UserMappings,
    hidden: frozenset[int] = frozenset(),
    excluded: frozenset[int] = frozenset(),
    context: str = "",
) -> tuple[str, dict[int, Decision]] | None:
    """The kind that explains the sheet best (header and value evidence) and its column decisions.

    ``excluded`` columns (personal data withheld) never become a field.
    """
    candidates = vocab.KINDS
    if forced == "members":
        candidates = ("member_counts", "roster")
    elif forced is not None:
        candidates = (forced,)
    best: tuple[float, str, dict[int, Decision]] | None = None
    for kind in candidates:
        decisions = assign(keys, profiles, kind, user, hidden, excluded)
        if kind == "member_counts":
            # A year column (2023年末会员数) is one year's headcount, unpivoted below; never 会员人数 itself.
            decisions = {j: d for j, d in decisions.items() if not (keys[j] and _YEAR_HEADER.match(keys[j][0]))}
        found = {d.field for d in decisions.values()}
        year_table = kind == "member_counts" and any(k and _YEAR_HEADER.match(k[0]) for k in keys)
        if not found & set(vocab.SIGNATURE_FIELDS[kind]) and not year_table:
            continue
        # The title, sheet and file name say what the ledger is (2023年节日福利发放表), as a person reads them.
        score = kind_score(decisions, kind) + (2 if year_table else 0) + (1.5 if kind in kinds_named(context) else 0)
        if best is None or score > best[0]:
            best = (score, kind, decisions)
    return None if best is None else (best[1], best[2])


def detect_layout(
    sheet: RawSheet,
    filename: str,
    kind: str | None = None,
    user: UserMappings = NO_MAPPINGS,
) -> Layout:
    """Detect a sheet's header row(s), ledger kind and column mapping.

    ``kind`` (one of vocab.KINDS or "members") forces the kind, as a user may.
    Raises :class:`SheetSkip` for sheets that are not ledgers (instructions, summary,
    empty, hidden, prose) and :class:`SheetReject` when a sheet with data has no
    recognisable header or lacks a required column; both carry the Chinese message
    naming the headers found.
    """
    name = nfkc(sheet.name).strip().lower()
    if not sheet.visible:
        raise SheetSkip(t("sheet.hidden"))
    if any(name == s or name.startswith(s) for s in vocab.INSTRUCTION_SHEETS):
        raise SheetSkip(t("sheet.instructions"))
    if name in vocab.SUMMARY_SHEETS:
        raise SheetSkip(t("sheet.summary"))
    counts = sheet.frame.notna().sum(axis=1) if sheet.height else pd.Series(dtype=int)
    if not counts.any():
        raise SheetSkip(t("sheet.empty"))
    rows = sheet.head(HEADER_SCAN_ROWS + 2)
    header_row = find_header_row(rows)
    if header_row is None:
        if counts.max() <= 1:
            raise SheetSkip(t("sheet.prose"))
        first_filled = sheet.head(int(counts.to_numpy().nonzero()[0][0]) + 1)[-1]
        first = [cell_text(c) for c in first_filled if not is_blank(c)]
        raise SheetReject(t("sheet.unrecognised", headers="、".join(first)[:200] or "（无）"), first)
    above = _year_spans(rows[header_row - 1], rows[header_row], header_row - 1) if header_row else []
    moved_up = _upper_header_row(rows, header_row, [*sheet.merged, *above])
    header_row -= moved_up
    upper = rows[header_row]
    lower = rows[header_row + 1] if header_row + 1 < len(rows) else None
    merged = [*sheet.merged, *_year_spans(upper, lower, header_row)]
    two_rows = lower is not None and (moved_up or _is_subheader(upper, lower, merged))
    headers, keys, units = _join_headers(upper, lower if two_rows else None, merged, header_row)
    # A group of columns per year (2021年 over 预算数 | 决算数): the first year's columns say what
    # the fields are; every other year's column takes the field of its namesake in the first group.
    grouped = _year_groups(keys) if two_rows else {}
    first_year = min(grouped.values(), default=None)
    later = frozenset(j for j, year in grouped.items() if year != first_year)
    found_headers = "、".join(h for h in headers if h)
    data_start = header_row + (2 if two_rows else 1)
    default_year, academic_year = _default_year(rows, header_row, sheet.name, filename)
    body = sheet.frame.iloc[data_start : data_start + PROFILE_ROWS]
    profiles = [
        profile(body[j], default_year) if j in body.columns else profile(pd.Series([])) for j in range(len(keys))
    ]
    # Identity numbers, phone numbers and addresses are never imported, whatever a mapping says.
    withheld = {j: c for j, k in enumerate(keys) if (c := withheld_category(k))}
    context = " ".join(
        [*(cell_text(c) for row in rows[:header_row] for c in row if not is_blank(c)), sheet.name, filename]
    )
    hidden = frozenset(sheet.hidden_columns)
    chosen = _choose_kind(keys, profiles, kind, user, hidden, frozenset(withheld) | later, context)
    if later and (chosen is None or "year" not in vocab.FIELD_ALIASES[chosen[0]]):
        # The chosen kind has no year to put the groups' years in: read the columns as they are.
        grouped, later = {}, frozenset()
        chosen = _choose_kind(keys, profiles, kind, user, hidden, frozenset(withheld), context)
    if chosen is None:
        if kind is not None:
            raise SheetReject(t("sheet.kind_mismatch", kind=kind_label(kind), headers=found_headers), headers)
        raise SheetReject(t("sheet.unrecognised", headers=found_headers), headers)
    chosen_kind, decisions = chosen
    fields = {j: d.field for j, d in decisions.items()}
    year_columns: dict[int, int] = {}
    year_fields: dict[int, str] = {}
    if grouped:
        by_key = {keys[j][0]: fields[j] for j in grouped if grouped[j] == first_year and j in fields}
        for j, year in grouped.items():
            if keys[j][0] in by_key:
                year_columns[j], year_fields[j] = year, by_key[keys[j][0]]
                fields.pop(j, None)
    if not year_columns and chosen_kind == "member_counts" and "members" not in fields.values():
        for j, k in enumerate(keys):
            if j not in fields and k and (m := _YEAR_HEADER.match(k[0])):
                year_columns[j] = int(m.group(1))
    missing = [f for f in vocab.REQUIRED_FIELDS[chosen_kind] if f not in {*fields.values(), *year_fields.values()}]
    if chosen_kind == "member_counts" and year_columns:
        missing = [f for f in missing if f != "members"]
    if chosen_kind == "welfare" and {"unit_rate", "person_times"} <= set(fields.values()):
        missing = [f for f in missing if f != "amount"]  # 金额 = 标准（元/人）× 人数, as the clerk would
    if missing:
        raise SheetReject(
            t(
                "sheet.missing_required",
                kind=kind_label(chosen_kind),
                fields="、".join(field_label(f) for f in missing),
                headers=found_headers,
            ),
            headers,
        )
    title = " ".join(cell_text(c) for row in rows[:header_row] for c in row if not is_blank(c))
    money_unit, money_unit_where = _money_unit(rows, header_row, sheet)
    return Layout(
        header_rows=(header_row, header_row + 1) if two_rows else (header_row,),
        headers=headers,
        header_keys=keys,
        units=units,
        kind=chosen_kind,
        fields=fields,
        year_columns=year_columns,
        year_fields=year_fields,
        default_year=default_year,
        academic_year=academic_year,
        decisions=decisions,
        money_unit=money_unit,
        money_unit_where=money_unit_where,
        title=title,
        withheld=withheld,
    )
