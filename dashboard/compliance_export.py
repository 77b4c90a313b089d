"""The 经费审查委员会's workbook of a compliance check: summary, paragraph and every flag, names masked.

Built with openpyxl through :func:`dashboard.workbook.neutralise`, so no text cell becomes a formula.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font

from core.labels import WELFARE_ROW_COLUMNS, t
from dashboard.compliance import RuleSet, totals
from dashboard.formatting import mask_column
from dashboard.queries import Filters
from dashboard.workbook import _write, neutralise


def flag_table(flags: pd.DataFrame, *, reveal: bool = False, drop_empty: bool = False) -> pd.DataFrame:
    """The flags as the page and the workbook show them: Chinese headers, names masked unless ``reveal``.

    Only one-person rows are masked: a group row's 对象 (全体会员) names nobody.  ``drop_empty``
    leaves out columns with no value (a budget line has no date, person or 人次).
    """
    single = flags["person_times"].fillna(1) <= 1
    recipient = flags["recipient"].where(~single, mask_column(flags["recipient"]))
    shown = flags.assign(
        rule=flags["rule"].map(lambda r: t(f"compliance.rule.{r}")),
        recipient=flags["recipient"] if reveal else recipient,
        date=pd.to_datetime(flags["date"]),
    )
    columns = {
        "rule": t("compliance.col.rule"),
        "severity": t("compliance.col.severity"),
        "category": WELFARE_ROW_COLUMNS["category"],
        "date": WELFARE_ROW_COLUMNS["date"],
        "sub_union": WELFARE_ROW_COLUMNS["sub_union"],
        "recipient": WELFARE_ROW_COLUMNS["recipient"],
        "person_times": WELFARE_ROW_COLUMNS["person_times"],
        "row_amount_yuan": t("compliance.col.row_amount"),
        "amount_yuan": t("compliance.col.checked"),
        "limit_yuan": t("compliance.col.limit"),
        "excess_yuan": t("compliance.col.excess"),
        "message": t("compliance.col.message"),
        "source_file": WELFARE_ROW_COLUMNS["source_file"],
        "source_sheet": WELFARE_ROW_COLUMNS["source_sheet"],
        "source_row": WELFARE_ROW_COLUMNS["source_row"],
    }
    shown = shown[list(columns)]
    if drop_empty:
        shown = shown.dropna(axis=1, how="all")
    return shown.rename(columns=columns)


def totals_table(flags: pd.DataFrame) -> pd.DataFrame:
    """Totals per rule with Chinese headers."""
    return (
        totals(flags)
        .drop(columns=["rule"])
        .rename(
            columns={
                "label": t("compliance.col.rule"),
                "severity": t("compliance.col.severity"),
                "flags": t("compliance.col.flags"),
                "amount_yuan": t("compliance.col.amount"),
                "excess_yuan": t("compliance.col.excess"),
            }
        )
    )


def build_workbook(union: str, f: Filters, rules: RuleSet, flags: pd.DataFrame, paragraph: str) -> bytes:
    """The .xlsx bytes: sheet 汇总 (title, rule set and source, paragraph, totals), sheet 问题明细 (masked)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    title = t("compliance.export_title", union=union, period=f.period.display)
    ws.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=15)
    lines = [t("compliance.rules_caption", name=rules.name, source=rules.source)]
    if rules.source_url:
        lines.append(rules.source_url)
    lines.append(paragraph)
    for i, text in enumerate(lines, start=2):
        cell = ws.cell(row=i, column=1, value=neutralise(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=5)
    ws.row_dimensions[1 + len(lines)].height = 90
    _write(ws, totals_table(flags), t("compliance.totals"), len(lines) + 3)
    ws.column_dimensions["A"].width = 24
    _write(wb.create_sheet("问题明细"), flag_table(flags), t("compliance.flags"), 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
