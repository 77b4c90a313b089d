"""The congress workbook (汇报数据表): the period's KPI tables, one sheet per area, and the rows.

Built with openpyxl.  Every text cell that starts with = + - @ a tab or a carriage
return gets a leading "'" so that no spreadsheet program runs it as a formula.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.labels import DISTRICT_COLUMNS, DISTRICT_TREND_COLUMNS, DRIVE_COLUMNS, kind_label, t
from core.vocab import DECISION_ORDER, LEVEL_ORDER
from dashboard import targets
from dashboard.formatting import delta_points, delta_text, formula_safe, pct
from dashboard.pack import PackData, PeriodFigures

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def neutralise(value: object) -> object:
    """A cell value safe from formula injection: text starting with = + - @ tab or CR gets a leading "'"."""
    if isinstance(value, str):
        return formula_safe(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date() if not pd.isna(value) else None
    if value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


def _write(ws, frame: pd.DataFrame, title: str, start_row: int) -> int:
    """Write a titled table at ``start_row``; returns the next free row."""
    ws.cell(row=start_row, column=1, value=neutralise(title)).font = Font(bold=True, size=13)
    for j, column in enumerate(frame.columns, start=1):
        cell = ws.cell(row=start_row + 1, column=j, value=neutralise(str(column)))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for i, row in enumerate(frame.itertuples(index=False), start=start_row + 2):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=neutralise(value.item() if hasattr(value, "item") else value))
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    for j, column in enumerate(frame.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)]) * 1.6 + 2
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(width, 50))
    return start_row + len(frame) + 3


def _change_words(current: float | None, previous: float | None) -> str | None:
    """ "增长12.8%" / "下降8.3%" / "持平" (words, so no cell starts with + or -)."""
    text = delta_text(current, previous)
    if text is None:
        return None
    value = float(text.rstrip("%"))
    return "持平" if value == 0 else f"{'增长' if value > 0 else '下降'}{abs(value):.1f}%"


def _points_words(current: float | None, previous: float | None) -> str | None:
    """ "提高7.0个百分点" / "降低2.5个百分点" / "持平"."""
    text = delta_points(current, previous)
    if text is None:
        return None
    value = float(text.removesuffix("个百分点"))
    return "持平" if value == 0 else f"{'提高' if value > 0 else '降低'}{abs(value):.1f}个百分点"


def kpi_table(pack: PackData) -> pd.DataFrame:
    """The overview table: 领域 | 指标 | 本期 | 对比期 | 变化 (money in 元, rates as %)."""
    cur, prev = pack.current, pack.previous
    rows: list[tuple[str, str, object, object, str]] = []

    def add(area: str, name: str, get, kind: str = "n") -> None:
        c = get(cur)
        p = get(prev) if prev else None
        change = (_points_words(c, p) if kind == "rate" else _change_words(c, p)) if prev else None
        show = pct if kind == "rate" else (lambda v: v)
        rows.append((area, name, show(c), show(p) if prev else None, change or ""))

    def members(f: PeriodFigures):
        return f.members

    add("会员", "会员人数（人）", members)
    add("福利慰问", "支出合计（元）", lambda f: f.welfare["total_yuan"])
    add("福利慰问", "人次", lambda f: f.welfare["person_times"])
    add("活动参与", "活动场次（场）", lambda f: f.activities["events"])
    add("活动参与", "参与人次", lambda f: f.activities["person_times"])
    add("活动参与", "参与率", lambda f: f.activities["participation_rate"], "rate")
    add("活动参与", "活动经费（元）", lambda f: f.activities["cost_yuan"])
    add("提案办理", "提案总数（件）", lambda f: f.proposals["total"])
    for decision in DECISION_ORDER:
        add("提案办理", f"{decision}（件）", lambda f, d=decision: f.proposals[d])
    add("提案办理", "已办结（件）", lambda f: f.proposals["已办结"])
    add("提案办理", "办结率", lambda f: f.proposals["completion_rate"], "rate")
    add("评优获奖", "获奖总数（项）", lambda f: f.awards["total"])
    for level in LEVEL_ORDER:
        add("评优获奖", f"{level}（项）", lambda f, lv=level: f.awards["by_level"][lv])
    add("评优获奖", "个人（项）", lambda f: f.awards["个人"])
    add("评优获奖", "集体（项）", lambda f: f.awards["集体"])
    columns = ["领域", "指标", cur.label] + ([prev.label, "变化"] if prev else [])
    return pd.DataFrame([r if prev else r[:3] for r in rows], columns=columns)


def _more_sheets(wb, pack: PackData) -> None:
    """爱心捐款 and 宣传工作 sheets, only when the period has such rows (aggregates, no names)."""
    cur = pack.current
    if cur.has_donations:
        ws = wb.create_sheet("爱心捐款")
        drives = cur.drives.drop(columns=["share"]).rename(columns=DRIVE_COLUMNS)  # headers of the page's table
        _write(ws, drives, "捐款活动", 1)
    if cur.has_publicity:
        ws = wb.create_sheet("宣传工作")
        channels = pd.DataFrame(
            {"发布渠道": list(cur.publicity["by_channel"]), "稿件（篇）": list(cur.publicity["by_channel"].values())}
        )
        nxt = _write(ws, channels, "按发布渠道", 1)
        types = cur.publicity_by_category.rename(columns={"key": "类型", "items": "稿件（篇）", "reads": "阅读量"})
        _write(ws, types, "按类型", nxt)


def build_workbook(
    pack: PackData, rows: dict[str, pd.DataFrame] | None = None, sources: pd.DataFrame | None = None
) -> bytes:
    """The .xlsx bytes: 概览 (KPI table), 福利慰问, 活动参与, 提案办理, 评优获奖, then ``rows`` sheets.

    ``rows`` maps sheet name → DataFrame (already masked, see dashboard.pack.detail_rows).
    ``sources`` (dashboard.pack.sources) adds the sheet 数据来源: one row per figure and batch (溯源).
    """
    cur = pack.current
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "概览"
    ws.cell(row=1, column=1, value=neutralise(f"{pack.union_name}{cur.label}工作数据")).font = Font(bold=True, size=15)
    _write(ws, kpi_table(pack), "主要指标", 3)

    ws = wb.create_sheet("福利慰问")
    frame = cur.by_category.rename(
        columns={"category": "类别", "amount_yuan": "金额（元）", "person_times": "人次", "rows": "笔数"}
    )
    nxt = _write(ws, frame, "按类别", 1)
    subs = cur.by_sub_union.rename(
        columns={
            "sub_union": "分工会",
            "amount_yuan": "金额（元）",
            "person_times": "人次",
            "members": "会员人数",
            "per_member": "人均（元）",
        }
    )
    nxt = _write(ws, subs, "按分工会", nxt)
    if len(cur.budget):
        budget = cur.budget.drop(columns=["code"]).rename(
            columns={
                "subject": "支出科目",
                "budget_yuan": "预算数（元）",
                "final_yuan": "决算数（元）",
                "execution": "执行率",
            }
        )
        _write(ws, budget, f"经费预算执行（{cur.filters.period.headcount_year}年度）", nxt)

    ws = wb.create_sheet("活动参与")
    nxt = _write(
        ws,
        cur.activities_by_category.rename(
            columns={"key": "活动类别", "events": "场次", "person_times": "参与人次", "cost_yuan": "经费（元）"}
        ),
        "按类别",
        1,
    )
    _write(
        ws,
        cur.top_activities.rename(
            columns={
                "name": "活动名称",
                "start_date": "开始日期",
                "organizer": "主办单位",
                "category": "类别",
                "participants": "参与人次",
            }
        ),
        "参与人数最多的活动",
        nxt,
    )

    ws = wb.create_sheet("提案办理")
    decisions = pd.DataFrame({"处理结果": list(DECISION_ORDER), "件数": [cur.proposals[d] for d in DECISION_ORDER]})
    nxt = _write(ws, decisions, "处理结果", 1)
    _write(
        ws,
        cur.departments.rename(
            columns={"key": "承办部门", "proposals": "承办件数", "handled": "已办结", "avg_reply_days": "平均答复天数"}
        ),
        "承办部门",
        nxt,
    )

    ws = wb.create_sheet("评优获奖")
    levels = pd.DataFrame({"级别": list(LEVEL_ORDER), "项数": [cur.awards["by_level"][lv] for lv in LEVEL_ORDER]})
    nxt = _write(ws, levels, "按级别", 1)
    _write(ws, cur.award_grades.rename(columns={"grade": "等次", "n": "项数"}), "竞赛等次", nxt)

    if cur.targets:
        table = targets.table_rows(cur.targets)
        frame = pd.DataFrame(table[1:], columns=table[0])
        _write(wb.create_sheet("年度目标"), frame, f"年度目标完成情况（{cur.label}）", 1)

    _more_sheets(wb, pack)
    for name, frame in (rows or {}).items():
        _write(wb.create_sheet(name[:31]), frame, f"{name}（{cur.label}，姓名已脱敏）", 1)
    if sources is not None:
        frame = sources.assign(value=sources["value"].astype(object))
        frame = frame.rename(columns={c: t(f"trace.col.{c}") for c in frame.columns})
        _write(wb.create_sheet(t("trace.sheet")), frame, t("trace.sheet_title", period=cur.label), 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def district_labelled(table: pd.DataFrame) -> pd.DataFrame:
    """The district table with Chinese headers, the missing ledgers as words (齐全 when none)."""
    shown = table.copy()
    shown["missing"] = [
        "、".join(kind_label(k) for k in kinds) if len(kinds) else t("district.missing_none")
        for kinds in shown["missing"]
    ]
    shown = shown.drop(columns=["awards"]) if "awards" in shown else shown
    return shown.rename(columns=DISTRICT_COLUMNS)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable numbers (pd.NA) as None, so that openpyxl writes empty cells."""
    return frame.astype(object).where(frame.notna(), None)


def build_district_workbook(table: pd.DataFrame, trend: pd.DataFrame, period: str) -> bytes:
    """The .xlsx bytes of the district summary (区县汇总): one row per school, then the yearly trend.

    Aggregates only (no person's name); text cells guarded against formulas.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t("district.sheet")
    _write(ws, _plain(district_labelled(table)), t("district.title", period=period), 1)
    ws = wb.create_sheet(t("district.trend_sheet"))
    shown = trend.drop(columns=["members"]) if "members" in trend else trend
    _write(ws, _plain(shown.rename(columns=DISTRICT_TREND_COLUMNS)), t("district.trend_sheet"), 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
