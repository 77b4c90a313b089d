"""Structure (表格结构) a person reads without thinking: merged cells, subtotal rows, totals, notes.

- Merged cells filled down: a school, session or sub-union written once over the rows it
  covers (a vertical merge, or blanks below a value in a grouping column) applies to each.
- Subtotal and total rows wherever their label sits (1月小计 in the date column, 实验小学小计
  in the 学校 column) and total rows without any label (only the sums, under the data).
- Fields a clerk wrote inside a note: 应到196人 (eligible), 至2024/11/14 (the end of a range).
- Reconciliation with the sheet's own 合计: the loaded sums against the figures the clerk wrote.
Everything works per column on the data frame, or on the few candidate rows, never per cell
over the whole sheet in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import vocab
from core.text import nfkc
from core.vocab_rules import NOTE_ELIGIBLE, NOTE_END_DATE
from loaders.normalize import CellError, parse_number

# A label that makes a row a subtotal or total wherever it sits: 小计, 1月小计, 实验小学小计, 合计（元）.
_TOTAL_LABEL = re.compile(r"^(?:.{0,16}(?:小计|合计|总计|共计|累计)|(?:小计|合计|总计|共计|本月合计|本页合计)).{0,12}$")
# Columns a clerk merges vertically or leaves blank under the first row of a group.
FILL_DOWN_FIELDS = ("org", "session", "session_date")


# Figures a clerk merges over a group's rows (慰问金 3,000 over three names) are one sum for the group.
MERGED_ONCE_FIELDS = frozenset(
    {"amount", "cost", "budget", "final", "person_times", "participants", "donors", "reads", "members", "female"}
)


def fill_down(
    data: pd.DataFrame, fields: dict[int, str], merged: list, data_start: int, once: list | None = None
) -> pd.DataFrame:
    """Blanks under a value in a grouping column (学校, 会议届次, 会议日期) take that value.

    Also any column with a vertical merge over data rows (a sub-union merged over its rows):
    the merged cell's value is copied to every row it covers — except a figure
    (:data:`MERGED_ONCE_FIELDS`: 金额, 人数 …): a merged 3,000 over three recipients is 3,000 for
    the three, as a person reads it and as the sheet's 合计 adds it; it stays on the first row and
    the others take 0.  Each such merge is appended to ``once`` as (first row, last row, field,
    value), zero-based rows, for the warning.  Returns a new frame.
    """
    out = data.copy()
    for col, fld in fields.items():
        if fld in FILL_DOWN_FIELDS and col in out.columns and out[col].notna().any():
            out[col] = out[col].ffill()
    for (r0, c0), (r1, _c1) in merged:
        if r1 <= r0 or r0 < data_start or c0 not in out.columns or r0 not in out.index:
            continue
        value = out.at[r0, c0]
        if pd.isna(value):
            continue
        rows = [r for r in range(r0, r1 + 1) if r in out.index]
        if fields.get(c0) in MERGED_ONCE_FIELDS:
            if len(rows) > 1:
                if out[c0].dtype != object:
                    out[c0] = out[c0].astype(object)
                out.loc[rows[1:], c0] = 0
                if once is not None:
                    once.append((rows[0], rows[-1], fields[c0], value))
            continue
        out.loc[rows, c0] = value
    return out


def subtotal_rows(body: pd.DataFrame, data_mask: pd.Series) -> pd.Series:
    """Rows (among ``data_mask``) that are subtotals or totals by a label in any cell, or by no label.

    Only rows with fewer filled cells than a typical data row are candidates (a total row holds a
    label and the sums), so the check stays cheap on large sheets.  Returns a boolean Series.
    """
    result = pd.Series(False, index=body.index)
    if body.empty or not data_mask.any():
        return result
    filled = body.notna()
    count = filled.sum(axis=1)
    typical = int(count[data_mask].median()) if data_mask.any() else 0
    candidates = data_mask & (count >= 1) & (count <= max(1, typical - 2))
    for i in np.flatnonzero(candidates.to_numpy()):
        index = body.index[i]
        cells = [str(v) for v in body.loc[index].dropna().tolist()]
        texts = [re.sub(r"\s+", "", nfkc(c)) for c in cells]
        if any(_TOTAL_LABEL.match(c) for c in texts if not _is_number(c)):
            result[index] = True
        elif texts and all(_is_number(c) for c in texts) and len(texts) >= 1 and i >= 1:
            # Sums only, no label: a total row whose first cell the clerk left empty.
            result[index] = not filled.loc[index].iloc[:1].any()
    return result


def _is_number(text: str) -> bool:
    try:
        return parse_number(text) is not None
    except CellError:
        return False


def eligible_from_note(note: object) -> int | None:
    """应到196人 in a note → 196; None otherwise."""
    if not isinstance(note, str):
        return None
    m = NOTE_ELIGIBLE.search(nfkc(note))
    return int(m.group(1)) if m else None


def end_date_text(note: object) -> str | None:
    """至2024/11/14 in a note → "2024/11/14"; None otherwise."""
    if not isinstance(note, str):
        return None
    m = NOTE_END_DATE.search(nfkc(note))
    return m.group(1) if m else None


@dataclass(frozen=True)
class Reconciliation:
    """The sheet's own total against what was loaded: ``field``, the file's figure, the loaded sum."""

    field: str
    written: float
    loaded: float
    row: int  # spreadsheet row of the total

    @property
    def matches(self) -> bool:
        return abs(self.written - self.loaded) < 0.005

    @property
    def difference(self) -> float:
        return round(self.loaded - self.written, 2)


# The figures a total row sums, per kind.
SUMMED_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare": ("amount", "person_times"),
    "activities": ("participants", "cost"),
    "member_counts": ("members",),
    "budget": ("budget", "final"),
    "donations": ("amount", "person_times"),
}


def reconcile(
    body: pd.DataFrame,
    total_rows: list[int],
    fields: dict[int, str],
    kind: str,
    loaded: dict[str, float],
    unit_of,
) -> list[Reconciliation]:
    """Compare the last total row's figures (合计/总计) with the loaded sums of the sheet.

    ``total_rows``: frame indexes of rows classified as totals; ``loaded``: field → loaded sum
    (元 for money, 人/人次 for counts); ``unit_of(col)`` the unit of a money column (万元 → ×10,000).
    Budget sheets are not reconciled (their totals include the parent lines).
    """
    if not total_rows or kind not in SUMMED_FIELDS or kind == "budget":
        return []
    row = total_rows[-1]
    out = []
    for col, fld in fields.items():
        if fld not in SUMMED_FIELDS[kind] or fld not in loaded or col not in body.columns:
            continue
        value = body.at[row, col]
        if pd.isna(value):
            continue
        try:
            number = parse_number(value, unit_of(col) if fld in vocab.MONEY_FIELDS else None)
        except CellError:
            continue
        if number is None:
            continue
        out.append(Reconciliation(fld, float(number), round(float(loaded[fld]), 2), int(row) + 1))
    return out
