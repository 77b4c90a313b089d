"""Analysis (导入分析): read, detect and validate every sheet of a file into a report; writes nothing.

Runs inside the reading subprocess (loaders.sandbox), so it imports no store.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from core import vocab
from core.labels import field_label, t
from core.orgs import org_in_text
from core.privacy import withheld_text
from core.vocab import MONEY_FIELDS
from loaders.detection import SheetReject, SheetSkip, detect_layout
from loaders.mapping import NO_MAPPINGS, UserMappings, map_value
from loaders.normalize import MONEY_UNITS
from loaders.reading import FileError, read_sheets
from loaders.validation import RejectedRow, SheetResult, money_unit_of, validate_sheet


@dataclass
class SheetReport:
    """One sheet's outcome: ``status`` is "data", "skipped" or "rejected"."""

    sheet: str
    status: str
    note: str = ""
    kind: str | None = None
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header as written → field
    unmapped: list[str] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)  # headers whose 千元/万元 were converted to 元
    result: SheetResult | None = None
    # Why each column became its field: (header, field, source 表头/取值/用户映射…, confidence 0–1).
    decisions: list[tuple[str, str, str, float]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # each column's normalised header key (what a mapping saves)
    withheld_headers: list[str] = field(default_factory=list)  # never imported (identity numbers, phones …)
    title: str = ""  # the text above the header (e.g. “滨江区实验小学2023年慰问台账”)
    # Values the loader recognised (alias, keyword rule or the user's earlier choice), so the chair can
    # still change them: (field, value as written) → (standard term it became, rows).
    recognised: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)  # one column or group of columns per year: those years

    @property
    def accepted(self) -> int:
        return self.result.accepted if self.result else 0

    @property
    def rejected(self) -> list[RejectedRow]:
        return self.result.rejected if self.result else []

    @property
    def skipped(self) -> int:
        return sum(self.result.skipped.values()) if self.result else 0

    @property
    def withheld(self) -> dict[str, int]:
        """Category (身份证号, 电话号码, 住址 …) → rows from which such values were not imported."""
        return self.result.withheld if self.result else {}

    @property
    def withheld_note(self) -> str:
        """ "已按最小必要原则不导入：身份证号（3 行）" or ""."""
        return withheld_text(self.withheld)

    def explain(self) -> list[str]:
        """The sheet's report in Chinese lines: column decisions, row accounting, reconciliation, warnings.

        Row accounting: rows seen below the header = rows imported + rejected + skipped (by reason).
        """
        if self.result is None:
            return []
        r = self.result
        lines = []
        if self.decisions:
            parts = [
                t("report.decision", header=h or "—", field=field_label(f), source=src, confidence=f"{c:.2f}")
                for h, f, src, c in self.decisions
            ]
            lines.append(t("report.decisions", parts="；".join(parts)))
        if self.years:
            years = "、".join(f"{y}年" for y in self.years)
            lines.append(t("report.year_columns", years=years, rows=r.source_rows_accepted, records=r.accepted))
        skipped = "、".join(f"{reason} {n}" for reason, n in r.skipped.items()) or t("report.no_skips")
        lines.append(
            t(
                "report.accounting",
                seen=r.seen,
                accepted=r.source_rows_accepted,
                rejected=len(r.rejected),
                skipped=sum(r.skipped.values()),
                detail=skipped,
                ok="✓" if r.seen == r.source_rows_accepted + len(r.rejected) + sum(r.skipped.values()) else "✗",
            )
        )
        for rec in r.reconciliation:
            unit = t("report.unit_yuan") if rec.field in MONEY_FIELDS else ""
            if rec.matches:
                lines.append(
                    t("report.reconciled", field=field_label(rec.field), row=rec.row, value=f"{rec.written:,.2f}")
                )
            else:
                lines.append(
                    t(
                        "report.reconcile_diff",
                        field=field_label(rec.field),
                        row=rec.row,
                        written=f"{rec.written:,.2f}",
                        loaded=f"{rec.loaded:,.2f}",
                        diff=f"{rec.difference:+,.2f}{unit}",
                    )
                )
        lines += [t("report.warning", text=w) for w in r.warnings]
        return lines


@dataclass
class FileReport:
    """A file's analysis (导入报告): its sheets, or the reason the whole file was refused."""

    file_name: str
    sha256: str
    sheets: list[SheetReport] = field(default_factory=list)
    error: str | None = None

    @property
    def data_sheets(self) -> list[SheetReport]:
        return [s for s in self.sheets if s.status == "data"]

    @property
    def rejected_rows(self) -> int:
        return sum(len(s.rejected) for s in self.data_sheets)

    @property
    def accepted_rows(self) -> int:
        return sum(s.accepted for s in self.data_sheets)

    @property
    def skipped_rows(self) -> int:
        return sum(s.skipped for s in self.data_sheets)

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.data_sheets if s.kind})

    @property
    def fatal(self) -> str | None:
        """Why nothing of this file can load, whatever the user chooses (Chinese), or None."""
        if self.error:
            return self.error
        bad = [s for s in self.sheets if s.status == "rejected"]
        if bad:
            return "；".join(f"工作表“{s.sheet}”：{s.note}" for s in bad)
        if not self.data_sheets:
            if any(s.kind for s in self.sheets if s.status == "skipped"):
                return t("file.header_only")
            return t("file.no_ledger")
        return None


def analyse_file(
    data: bytes,
    file_name: str,
    *,
    kind: str | None = None,
    org: str | None = None,
    user: UserMappings = NO_MAPPINGS,
    check: bool | str = True,
    sheet_kinds: dict[str, str] | None = None,
) -> FileReport:
    """Read, detect and validate every sheet of one file; writes nothing.

    ``kind`` forces the ledger kind of every sheet; ``org`` names the organisation
    (学校) of rows without a 学校 column (default: 本校工会).  ``check`` runs the
    pre-parse safety checks (loaders.safety; ``"alongside"``: beside the reader, in the reading
    child only); ``sheet_kinds`` forces the kind of single sheets by name
    (the upload page asks the kind per sheet); untrusted files go through
    :func:`loaders.sandbox.analyse_isolated`, which calls this in a limited subprocess.
    """
    report = FileReport(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    try:
        sheets = read_sheets(data, file_name, check=check)
    except FileError as err:
        report.error = str(err)
        return report
    for sheet in sheets:
        try:
            sheet_kind = (sheet_kinds or {}).get(sheet.name, kind)
            layout = detect_layout(sheet, file_name, kind=sheet_kind, user=user)
        except SheetSkip as note:
            report.sheets.append(SheetReport(sheet=sheet.name, status="skipped", note=str(note)))
            continue
        except SheetReject as reason:
            report.sheets.append(
                SheetReport(
                    sheet=sheet.name, status="rejected", note=str(reason), headers=[h for h in reason.headers if h]
                )
            )
            continue
        # The school of rows without a 学校 column: as the user said, else where a person would look.
        school = org or org_in_text(layout.title, sheet.name, file_name) or t("org.default")
        result = validate_sheet(sheet, layout, school, user)
        hidden_rows = sorted(r + 1 for r in sheet.hidden_rows if r >= layout.data_start)
        if hidden_rows:
            # A filter can hide rows for a moment: they are kept, and the report names them.
            imported = set(result.records["source_row"]) if result.accepted else set()
            kept = [r for r in hidden_rows if r in imported]
            if kept:
                result.warnings.append(t("sheet.hidden_rows", rows="、".join(f"第{r}行" for r in kept)))
        if not result.accepted and not result.rejected:
            # A header and nothing below it (or only blank and total rows) is no batch.
            report.sheets.append(
                SheetReport(sheet=sheet.name, status="skipped", note=t("file.no_rows"), kind=layout.kind)
            )
            continue
        report.sheets.append(
            SheetReport(
                sheet=sheet.name,
                status="data",
                kind=layout.kind,
                headers=layout.headers,
                mapping={
                    layout.headers[j]: fld
                    for j, fld in {**layout.fields, **layout.year_fields}.items()
                    if j < len(layout.headers) and j not in result.withheld_columns
                },
                # columns dropped for holding identity numbers, phones or addresses are not offered for mapping
                unmapped=[
                    h for j, h in enumerate(layout.headers) if h in layout.unmapped and j not in result.withheld_columns
                ],
                converted=[
                    layout.headers[j]
                    for j, fld in {**layout.fields, **layout.year_fields}.items()
                    if fld in MONEY_FIELDS
                    and j < len(layout.headers)
                    and MONEY_UNITS.get(money_unit_of(layout, j) or "元", 1) != 1
                ],
                result=result,
                decisions=[
                    (layout.headers[j], d.field, d.source, d.confidence)
                    for j, d in layout.decisions.items()
                    if j < len(layout.headers) and j not in result.withheld_columns
                ],
                keys=[k[0] if k else "" for k in layout.header_keys],
                withheld_headers=[
                    h for j, h in enumerate(layout.headers) if j in result.withheld_columns or j in layout.withheld
                ],
                title=layout.title,
                recognised=recognised_values(sheet, layout, user, result.withheld_columns),
                years=sorted(set(layout.year_columns.values())),
            )
        )
    skip_summary_sheets(report)
    return report


MAX_RECOGNISED = 200  # distinct values offered per sheet (a vocabulary column has a handful)


def recognised_values(
    sheet, layout, user: UserMappings, withheld: dict[int, str] | None = None
) -> dict[tuple[str, str], tuple[str, int]]:
    """(field, value as written) → (standard term, rows) for every vocabulary column's values that
    :func:`loaders.mapping.map_value` knows (unknown ones are in ``result.unknown_values``).

    A value already written as its standard term is left out: there is nothing to correct.
    """
    vocabularies = vocab.VALUE_VOCABULARIES.get(layout.kind, {})
    found: dict[tuple[str, str], list] = {}
    for j, fld in layout.fields.items():
        if fld not in vocabularies or j in (withheld or {}) or j >= sheet.frame.shape[1]:
            continue
        column = sheet.frame.iloc[layout.data_start :, j].dropna()
        for raw, rows in column.astype(str).str.strip().value_counts().items():
            if not raw:
                continue
            term, known = map_value(raw, layout.kind, fld, user)
            if known and term in vocabularies[fld] and term != raw:
                found.setdefault((fld, raw), [term, 0])[1] += int(rows)
            if len(found) >= MAX_RECOGNISED:
                break
    return {key: (term, rows) for key, (term, rows) in sorted(found.items())}


SUMMARY_HINTS = ("汇总", "合计", "总表", "统计")  # raise suspicion only; the figures decide
_IDENTITY = ("source_row", "org", "date_precision")


def _content_columns(frame) -> list[str]:
    return [c for c in frame.columns if c not in _IDENTITY and not frame[c].isna().all()]


def _numeric_columns(frame) -> list[str]:
    return [c for c in _content_columns(frame) if pd.api.types.is_numeric_dtype(frame[c])]


def _row_keys(frame, columns: list[str]) -> list[tuple]:
    return [tuple(str(v) for v in row) for row in frame[columns].itertuples(index=False)]


def _summary_verdict(candidate: SheetReport, others: list[SheetReport]) -> tuple[str, float, float] | None:
    """Why ``candidate`` is a summary of ``others`` (a copy of their rows, or their sums per month /
    sub-union / in total), with its main figure and the others' figure over the same span; else None."""
    mine = candidate.result.records
    theirs = pd.concat([o.result.records for o in others], ignore_index=True)
    numbers = [c for c in _numeric_columns(mine) if c in theirs.columns]
    if not numbers or len(mine) < 1:
        return None
    main = next((c for c in numbers if c in MONEY_FIELDS or c.removesuffix("_yuan") in MONEY_FIELDS), numbers[0])
    hinted = any(h in candidate.sheet for h in SUMMARY_HINTS)
    shared = [c for c in _content_columns(mine) if c in theirs.columns]
    # 1. A copy: every row of the candidate is a row of the other sheets (same date, name, amount …).
    if len(shared) >= 2 and len(mine) >= 2:
        pool = Counter(_row_keys(theirs, shared))
        if not (Counter(_row_keys(mine, shared)) - pool):
            span = theirs
            if "date" in shared:
                months = {str(d)[:7] for d in mine["date"]}
                span = theirs[theirs["date"].astype(str).str[:7].isin(months)]
            return "copy", float(mine[main].sum()), float(span[main].sum())
    # 2. Sums: one line per month or per sub-union, each equal to the other sheets' sum for it.
    groupings = []
    if "date" in shared:
        groupings.append(("month", lambda f: f["date"].astype(str).str[:7]))
    if "sub_union" in shared:
        groupings.append(("sub_union", lambda f: f["sub_union"].astype(str)))
    for how, key in groupings:
        keys = key(mine)
        if keys.duplicated().any() or len(mine) < 2 or len(mine) >= len(theirs) + 1 and not hinted:
            continue
        sums = theirs.groupby(key(theirs))[numbers].sum()
        agree = all(
            abs(float(mine[c].iloc[i] or 0) - float(sums[c].get(k, 0) if k in sums.index else 0)) < 0.5
            for i, k in enumerate(keys)
            for c in numbers
        ) and set(sums.index) <= set(keys)
        if agree or hinted:
            return how, float(mine[main].sum()), float(theirs[main].sum())
    # 3. One total line equal to the other sheets' total (a name hint is needed: one line proves little).
    if hinted and len(mine) == 1:
        return "total", float(mine[main].sum()), float(theirs[main].sum())
    return None


def skip_summary_sheets(report: FileReport) -> None:
    """Within one file, a sheet repeating the other sheets of its kind (a copy of their rows or their sums)
    is a summary (汇总表): not loaded, and its note says why and whether its figures agree.

    A sheet is only a summary of other sheets: the only sheet of its kind is loaded as it is.
    """
    by_kind: dict[str, list[SheetReport]] = {}
    for s in report.data_sheets:
        by_kind.setdefault(s.kind or "", []).append(s)
    for sheets in by_kind.values():
        if len(sheets) < 2:
            continue
        # Named summaries first, then the sheet with most rows (a copy holds all the others' rows).
        order = sorted(sheets, key=lambda s: (not any(h in s.sheet for h in SUMMARY_HINTS), -s.accepted))
        summaries: list[SheetReport] = []
        for candidate in order:
            others = [s for s in sheets if s is not candidate and s not in summaries]
            if not others:
                break
            verdict = _summary_verdict(candidate, others)
            if verdict is None:
                continue
            how, written, loaded = verdict
            summaries.append(candidate)
            names = "、".join(f"“{s.sheet}”" for s in others)
            reason = t(f"summary.{how}", sheets=names)
            if abs(written - loaded) < 0.5:
                note = t("summary.agrees", reason=reason, value=f"{written:,.2f}")
            else:
                note = t(
                    "summary.differs",
                    reason=reason,
                    written=f"{written:,.2f}",
                    loaded=f"{loaded:,.2f}",
                    diff=f"{written - loaded:+,.2f}",
                )
            candidate.status = "skipped"
            candidate.note = note
