"""The year's plan (年度目标, issue 19): a target per period and figure, and how far the period got.

A figure is any key of ``summary --json`` (``welfare.total_yuan``, ``activities.person_times``,
``proposals.已办结``, ``members``, ``welfare.by_category.节日福利``, ``awards.by_level.省级`` …) or one
of the rates the pages show (参与率, 立案率, 办结率, 满意率, 人均慰问, 预算执行率).  Each target has a
direction: ``at_least`` (不低于) or ``at_most`` (不超过).  Rates are ratios (0.9 = 90%).

Targets are kept in the ``targets`` table (migration 4), read and written as TOML::

    [period."2022"]
    "welfare.total_yuan" = { at_most = 1700000 }
    "activities.person_times" = { at_least = 5000 }

:func:`evaluate` gives, for one period, every target with its actual value and ``met``; for a
period still running, also the share of the period elapsed and whether the figure is on track
pro rata (counts and money only: a rate is compared as it stands).  Every place that shows a
target (pages, sentences, deck, workbook, ``summary --json``, the Word report) reads it from here.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass

import pandas as pd

from core.periods import Period, parse_period
from core.store import Store
from core.vocab import DECISION_ORDER, HANDLED_KEY, LEVEL_ORDER, WELFARE_CATEGORIES
from dashboard import queries
from dashboard.formatting import seed_wan

DIRECTIONS = ("at_least", "at_most")
DIRECTION_WORDS = {"at_least": "不低于", "at_most": "不超过"}
RATES = ("参与率", "立案率", "办结率", "满意率", "预算执行率")
PER_MEMBER = "人均慰问"

# figure → (Chinese name, unit kind, area of the report).  Unit kinds: yuan, count, rate.
_FIXED: dict[str, tuple[str, str, str]] = {
    "welfare.total_yuan": ("福利慰问支出", "yuan", "福利慰问"),
    "welfare.person_times": ("福利慰问人次", "人次", "福利慰问"),
    "activities.events": ("活动场次", "场", "活动参与"),
    "activities.person_times": ("活动参与人次", "人次", "活动参与"),
    "proposals.total": ("提案总数", "件", "提案办理"),
    **{f"proposals.{d}": (f"提案{d}" if d != "立案" else "立案提案", "件", "提案办理") for d in DECISION_ORDER},
    f"proposals.{HANDLED_KEY}": ("已办结提案", "件", "提案办理"),
    "awards.total": ("获奖总数", "项", "评优获奖"),
    "awards.个人": ("个人获奖", "项", "评优获奖"),
    "awards.集体": ("集体获奖", "项", "评优获奖"),
    "members": ("会员人数", "人", "会员"),
    "参与率": ("活动参与率", "rate", "活动参与"),
    "立案率": ("提案立案率", "rate", "提案办理"),
    "办结率": ("提案办结率", "rate", "提案办理"),
    "满意率": ("提案人满意率", "rate", "提案办理"),
    PER_MEMBER: ("人均慰问", "yuan_per", "福利慰问"),
    "预算执行率": ("预算执行率", "rate", "福利慰问"),
}
FIGURES: dict[str, tuple[str, str, str]] = {
    **_FIXED,
    **{f"welfare.by_category.{c}": (f"{c}支出", "yuan", "福利慰问") for c in WELFARE_CATEGORIES},
    **{f"awards.by_level.{lv}": (f"{lv}获奖", "项", "评优获奖") for lv in LEVEL_ORDER},
}
# The figures whose value grows through the period (a running period is judged pro rata on these).
CUMULATIVE_UNITS = ("yuan", "人次", "项", "场", "件")


class TargetError(ValueError):
    """A target file or table that cannot be stored (the message names the line or row)."""


@dataclass(frozen=True)
class Target:
    period: Period
    figure: str
    direction: str
    target: float


@dataclass(frozen=True)
class Status:
    """One target of one period against the figure's actual value."""

    figure: str
    name: str
    area: str
    unit: str
    direction: str
    target: float
    actual: float | None
    met: bool | None  # None: no actual value (the ledger is missing)
    running: bool = False
    elapsed: float = 1.0  # share of the period elapsed (1.0 for a finished period)
    on_track: bool | None = None  # running periods only

    @property
    def pro_rata(self) -> float:
        """The target scaled to the elapsed share (cumulative figures of a running period)."""
        return self.target * self.elapsed if self.unit in CUMULATIVE_UNITS else self.target

    def show(self, value: float | None) -> str:
        """A value in this figure's unit, as the reports write it (13.0989万元, 92.5%, 5,000人次)."""
        if value is None:
            return "—"
        if self.unit == "yuan":
            return seed_wan(value)
        if self.unit == "yuan_per":
            return f"{value:,.0f}元"
        if self.unit == "rate":
            return f"{value * 100:.1f}".removesuffix(".0") + "%"
        return f"{value:,.0f}{self.unit}"

    @property
    def target_text(self) -> str:
        """不低于5,000人次 / 不超过170万元."""
        return DIRECTION_WORDS[self.direction] + self.show(self.target)

    @property
    def verdict(self) -> str:
        """达到 / 未达到 / 暂无数据, with 进度正常 / 进度落后 for a running period."""
        if self.met is None:
            return "暂无数据"
        if self.running and not self.met:
            return "进度正常" if self.on_track else "进度落后"
        return "达到目标" if self.met else "未达到目标"

    @property
    def gap(self) -> float | None:
        """How far from the target (positive): what is missing (at_least) or the excess (at_most)."""
        if self.actual is None:
            return None
        missing = self.target - self.actual if self.direction == "at_least" else self.actual - self.target
        return max(0.0, missing)

    @property
    def running_note(self) -> str:
        """For a running period: 期间已过45%，按比例应达到2,250人次 (empty otherwise)."""
        if not self.running:
            return ""
        share = f"{self.elapsed * 100:.0f}%"
        if self.unit in CUMULATIVE_UNITS:
            return f"期间已过{share}，按比例折算目标为{self.show(self.pro_rata)}"
        return f"期间已过{share}，比率按当前值衡量"

    def as_json(self) -> dict[str, object]:
        return {"target": self.target, "direction": self.direction, "actual": self.actual, "met": self.met}


# --- reading and writing ------------------------------------------------------------------


def _line_of(text: str, period_key: str | None = None, figure: str | None = None) -> int:
    """The line number (1-based) of ``[period."P"]`` or of ``figure`` inside it (0 if not found)."""
    section = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if m := re.match(r"^\[\s*period\s*\.\s*(\"[^\"]*\"|'[^']*'|[^\]\s]+)\s*\]", stripped):
            section = m.group(1).strip("\"'")
            if figure is None and section == period_key:
                return number
            continue
        if stripped.startswith("["):
            section = None
            if period_key is None and figure is None:
                return number
            continue
        m = re.match(r"^(\"[^\"]*\"|'[^']*'|[^=\s]+)\s*=", stripped)
        if figure is not None and section == period_key and m and m.group(1).strip("\"'") == figure:
            return number
    return 0


def parse_toml(text: str) -> list[Target]:
    """The targets of a TOML text; raises TargetError naming the line of the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TargetError(f"目标文件格式有误：{err}") from err
    out: list[Target] = []
    for top in data:
        if top != "period":
            raise TargetError(f'第{_first_line(text, top)}行：不认识的表“{top}”，目标应写在 [period."2022"] 下')
    periods = data.get("period", {})
    if not isinstance(periods, dict):
        raise TargetError(f"第{_first_line(text, 'period')}行：period 应为表")
    for period_key, figures in periods.items():
        try:
            period = parse_period(period_key)
        except ValueError as err:
            raise TargetError(f"第{_line_of(text, period_key)}行：不认识的期间“{period_key}”（{err}）") from err
        if not isinstance(figures, dict):
            raise TargetError(f"第{_line_of(text, period_key)}行：期间“{period_key}”下应为指标 = {{ at_least = 数值 }}")
        for figure, spec in figures.items():
            line = _line_of(text, period_key, figure)
            out.append(_target(period, figure, spec, f"第{line}行"))
    return out


def _first_line(text: str, word: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if word in line:
            return number
    return 0


def _target(period: Period, figure: str, spec: object, where: str) -> Target:
    if figure not in FIGURES:
        known = "、".join((*RATES, PER_MEMBER))
        raise TargetError(f"{where}：不认识的指标“{figure}”（可用：summary --json 的键，或 {known}）")
    if not isinstance(spec, dict) or len(spec) != 1:
        raise TargetError(f"{where}：指标“{figure}”应写成 {{ at_least = 数值 }} 或 {{ at_most = 数值 }}")
    ((direction, value),) = spec.items()
    if direction not in DIRECTIONS:
        raise TargetError(f"{where}：不认识的方向“{direction}”（应为 at_least 或 at_most）")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TargetError(f"{where}：目标值应为不小于 0 的数值，而不是“{value}”")
    return Target(period, figure, direction, float(value))


def to_toml(targets: list[Target]) -> str:
    """The TOML text of ``targets`` (periods in order, figures as stored)."""
    lines = ["# 年度目标（python -m dashboard targets import 本文件）", ""]
    by_period: dict[Period, list[Target]] = {}
    for target in targets:
        by_period.setdefault(target.period, []).append(target)
    for period in sorted(by_period, key=lambda p: (p.kind, p.start_year)):
        lines.append(f'[period."{period.label}"]')
        for target in by_period[period]:
            value = int(target.target) if float(target.target).is_integer() else target.target
            lines.append(f'"{target.figure}" = {{ {target.direction} = {value} }}')
        lines.append("")
    return "\n".join(lines)


def load(store: Store) -> list[Target]:
    """Every stored target, by period and figure."""
    frame = store.query(
        "SELECT period_kind, start_year, figure, direction, target FROM targets "
        "ORDER BY period_kind, start_year, figure"
    )
    return [
        Target(Period(r.period_kind, int(r.start_year)), r.figure, r.direction, float(r.target))
        for r in frame.itertuples(index=False)
    ]


def replace(store: Store, targets: list[Target], periods: list[Period] | None = None) -> int:
    """Store ``targets``, replacing every target of their periods (or of ``periods``); all or nothing."""
    seen: set[tuple[Period, str]] = set()
    for target in targets:
        if (target.period, target.figure) in seen:
            raise TargetError(f"期间 {target.period.label} 的指标“{target.figure}”写了两次")
        seen.add((target.period, target.figure))
    scope = set(periods or ()) | {t.period for t in targets}
    now = dt.datetime.now()
    with store.transaction() as cur:
        for period in scope:
            cur.execute(
                "DELETE FROM targets WHERE period_kind = ? AND start_year = ?", [period.kind, period.start_year]
            )
        for target in targets:
            cur.execute(
                "INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?)",
                [target.period.kind, target.period.start_year, target.figure, target.direction, target.target, now],
            )
        store.bump_version(cur)
    return len(targets)


def import_text(store: Store, text: str) -> int:
    """Parse and store a TOML text (nothing is stored when any line is refused)."""
    return replace(store, parse_toml(text))


# --- the editable table of 数据管理 ---------------------------------------------------------

TABLE_COLUMNS = {"period": "期间", "figure": "指标", "direction": "方向", "target": "目标值"}


def as_table(targets: list[Target]) -> pd.DataFrame:
    """Targets as the editable table: period label, figure, direction word, target."""
    return pd.DataFrame(
        [(t.period.label, t.figure, DIRECTION_WORDS[t.direction], t.target) for t in targets],
        columns=list(TABLE_COLUMNS),
    )


def from_table(frame: pd.DataFrame) -> list[Target]:
    """Targets from the edited table; raises TargetError naming the row (第3行) of the first problem."""
    words = {w: d for d, w in DIRECTION_WORDS.items()} | {d: d for d in DIRECTIONS}
    out = []
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        values = [row.period, row.figure, row.direction, row.target]
        if all(v is None or (isinstance(v, float) and pd.isna(v)) or v == "" for v in values):
            continue
        where = f"第{number}行"
        try:
            period = parse_period(str(row.period))
        except ValueError as err:
            raise TargetError(f"{where}：不认识的期间“{row.period}”") from err
        direction = words.get(str(row.direction))
        if direction is None:
            raise TargetError(f"{where}：不认识的方向“{row.direction}”")
        try:
            value = float(row.target)
        except (TypeError, ValueError) as err:
            raise TargetError(f"{where}：目标值应为数值") from err
        if pd.isna(value):
            raise TargetError(f"{where}：目标值应为数值")
        out.append(_target(period, str(row.figure), {direction: value}, where))
    return out


# --- evaluation ----------------------------------------------------------------------------


def _flat(prefix: str, value: object, out: dict[str, float | None]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif value is None or isinstance(value, (int, float)):
        out[prefix] = None if value is None else float(value)
    # lists (``missing``) and text are notes, not figures: no target can name them


def actual_values(
    summary: dict, activities: dict, proposals: dict, welfare: dict, members: int | None, budget: pd.DataFrame
) -> dict[str, float | None]:
    """Every figure's actual value of one period, from the queries' results (see :func:`values`)."""
    out: dict[str, float | None] = {}
    _flat("", summary, out)
    out["members"] = float(members) if members else None
    for category in WELFARE_CATEGORIES:
        out.setdefault(f"welfare.by_category.{category}", 0.0)
    budget_total = float(budget["budget_yuan"].sum()) if len(budget) else 0.0
    out.update(
        {
            "参与率": activities["participation_rate"],
            "立案率": proposals["filing_rate"],
            "办结率": proposals["completion_rate"],
            "满意率": proposals["satisfaction_rate"],
            PER_MEMBER: welfare["total_yuan"] / members if members else None,
            "预算执行率": float(budget["final_yuan"].sum()) / budget_total if budget_total else None,
        }
    )
    return out


def values(store: Store, f: queries.Filters) -> dict[str, float | None]:
    """Every figure's actual value for the filters."""
    members = queries.members_total(store, f)
    return actual_values(
        queries.summary(store, f),
        queries.activity_totals(store, f),
        queries.proposal_totals(store, f),
        queries.welfare_totals(store, f),
        members,
        queries.budget_execution(store, f),
    )


def elapsed_share(period: Period, today: dt.date) -> float:
    """Share of the period elapsed on ``today`` (0–1; 1 for a finished period)."""
    if today >= period.end:
        return 1.0
    if today < period.start:
        return 0.0
    return ((today - period.start).days + 1) / ((period.end - period.start).days + 1)


def judge(
    targets: list[Target], actuals: dict[str, float | None], period: Period, today: dt.date | None = None
) -> list[Status]:
    """The period's targets against ``actuals`` (in :data:`FIGURES` order)."""
    share = elapsed_share(period, today or dt.date.today())
    running = share < 1.0
    order = list(FIGURES)
    out = []
    for target in sorted((t for t in targets if t.period == period), key=lambda t: order.index(t.figure)):
        name, unit, area = FIGURES[target.figure]
        actual = actuals.get(target.figure)
        met = on_track = None
        if actual is not None:
            met = actual >= target.target if target.direction == "at_least" else actual <= target.target
            if running:
                goal = target.target * share if unit in CUMULATIVE_UNITS else target.target
                on_track = actual >= goal if target.direction == "at_least" else actual <= goal
        out.append(
            Status(
                target.figure, name, area, unit, target.direction, target.target, actual, met, running, share, on_track
            )
        )
    return out


def evaluate(store: Store, f: queries.Filters, today: dt.date | None = None) -> list[Status]:
    """The targets of ``f.period`` against the figures of ``f`` (empty when none is set)."""
    stored = [t for t in load(store) if t.period == f.period]
    if not stored:
        return []
    return judge(stored, values(store, f), f.period, today)


def as_json(statuses: list[Status]) -> dict[str, dict[str, object]]:
    """The ``targets`` entry of ``summary --json``."""
    return {s.figure: s.as_json() for s in statuses}


def sentence(status: Status) -> str:
    """The congress sentence: 活动参与人次5,200人次，达到年初目标（不低于5,000人次）。"""
    head = f"{status.name}{status.show(status.actual)}"
    gap = status.gap or 0.0
    gap_text = (f"{gap * 100:.1f}".removesuffix(".0") + "个百分点") if status.unit == "rate" else status.show(gap)
    if status.met is None:
        return f"{status.name}年初目标为{status.target_text}，本期间暂无数据。"
    if status.met:
        text = f"{head}，达到年初目标（{status.target_text}）"
    elif status.direction == "at_least":
        text = f"{head}，距年初目标（{status.target_text}）尚差{gap_text}"
    else:
        text = f"{head}，超出年初目标（{status.target_text}）{gap_text}"
    if status.running and not status.met:
        text += f"（{status.running_note}，{status.verdict}）"
    return text + "。"


TABLE_HEADER = ["指标", "年初目标", "实际", "完成情况"]


def table_rows(statuses: list[Status]) -> list[list[str]]:
    """Rows 指标 | 年初目标 | 实际 | 完成情况 (with the pro-rata note of a running period), header first."""
    rows = [list(TABLE_HEADER)]
    for status in statuses:
        verdict = status.verdict + (f"（{status.running_note}）" if status.running else "")
        rows.append([status.name, status.target_text, status.show(status.actual), verdict])
    return rows
