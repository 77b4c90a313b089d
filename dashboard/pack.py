"""The congress pack's figures (汇报材料数据): one period against another, aggregates only.

:func:`gather` runs the queries once; the deck, the sentences and the workbook are
all built from the :class:`PackData` it returns, so the three never disagree.
No personal names are gathered here (会议材料只用汇总数).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from core.labels import AWARD_ROW_COLUMNS, WELFARE_ROW_COLUMNS, t
from core.store import Store
from dashboard import queries, targets, trace
from dashboard.formatting import hide_sensitive_notes, mask_column, mask_note_column
from dashboard.queries import Filters


@dataclass
class PeriodFigures:
    """Every aggregate of one period the pack quotes (money in 元, counts in 人次 / 件 / 项)."""

    filters: Filters
    summary: dict
    welfare: dict
    by_category: pd.DataFrame
    by_sub_union: pd.DataFrame
    activities: dict
    activities_by_category: pd.DataFrame
    top_activities: pd.DataFrame
    proposals: dict
    sessions: list[str]
    departments: pd.DataFrame
    awards: dict
    award_grades: pd.DataFrame
    members: int | None
    budget: pd.DataFrame
    targets: list[targets.Status] = field(default_factory=list)
    donations: dict = field(default_factory=dict)
    drives: pd.DataFrame = field(default_factory=pd.DataFrame)
    publicity: dict = field(default_factory=dict)
    publicity_by_category: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def label(self) -> str:
        return self.filters.period.display

    @property
    def has_welfare(self) -> bool:
        return self.welfare["rows"] > 0

    @property
    def has_activities(self) -> bool:
        return self.activities["events"] > 0

    @property
    def has_proposals(self) -> bool:
        return self.proposals["total"] > 0

    @property
    def has_awards(self) -> bool:
        return self.awards["total"] > 0

    @property
    def has_donations(self) -> bool:
        return bool(self.donations.get("rows"))

    @property
    def has_publicity(self) -> bool:
        return bool(self.publicity.get("items"))


@dataclass
class PackData:
    """The current period, the comparison period (or None), the union's name and the date made."""

    current: PeriodFigures
    previous: PeriodFigures | None
    union_name: str
    made_on: dt.date = field(default_factory=dt.date.today)
    # The schools compared (区县汇总, queries.district_table) when the pack covers more than one school.
    district: pd.DataFrame | None = None
    # What is missing, both from queries.coverage_notes: the ledgers and months of the four areas
    # (本期无提案台账 …), and the figures beyond them (本期没有捐款台账的记录 …, the 数据说明).
    notes: list[str] = field(default_factory=list)
    outreach_notes: list[str] = field(default_factory=list)


def figures(store: Store, f: Filters, today: dt.date | None = None) -> PeriodFigures:
    """All aggregates of one period (see :class:`PeriodFigures`)."""
    top = queries.top_activities(store, f, 8)
    result = PeriodFigures(
        filters=f,
        summary=queries.summary(store, f),
        welfare=queries.welfare_totals(store, f),
        by_category=queries.welfare_by_category(store, f),
        by_sub_union=queries.welfare_by_sub_union(store, f),
        activities=queries.activity_totals(store, f),
        activities_by_category=queries.activities_grouped(store, f, "category"),
        top_activities=top[["name", "start_date", "organizer", "category", "participants"]],
        proposals=queries.proposal_totals(store, f),
        sessions=queries.proposal_sessions(store, f),
        departments=queries.proposals_by(store, f, "department"),
        awards=queries.award_totals(store, f),
        award_grades=queries.awards_by(store, f, "grade"),
        members=queries.members_total(store, f),
        budget=queries.budget_execution(store, f),
        donations=queries.donation_totals(store, f),
        drives=queries.donations_by_drive(store, f),
        publicity=queries.publicity_totals(store, f),
        publicity_by_category=queries.publicity_by(store, f, "category"),
    )
    stored = [target for target in targets.load(store) if target.period == f.period]
    if stored:
        actuals = targets.actual_values(
            result.summary, result.activities, result.proposals, result.welfare, result.members, result.budget
        )
        result.targets = targets.judge(stored, actuals, f.period, today)
    return result


def gather(store: Store, current: Filters, previous: Filters | None, today: dt.date | None = None) -> PackData:
    """Figures of ``current`` and ``previous`` (None: no comparison) and the union's name.

    The name comes from the data: the chosen organisation, else the only organisation in the
    store, else the schools loaded (两所: both names; more: 甲等 N 所学校工会); 本校工会 only
    when nothing is loaded.  ``notes`` say which ledgers, months or figures are missing.
    """
    orgs = queries.organisations(store)
    if current.org or len(orgs) == 1:
        name = current.org or orgs[0]
    elif len(orgs) == 2:
        name = t("text.list_sep").join(orgs)
    elif orgs:
        name = t("pack.many_orgs", first=orgs[0], n=len(orgs))
    else:
        name = t("org.default")
    now = figures(store, current, today)
    reasons = now.summary["missing_reasons"]
    return PackData(
        current=now,
        previous=figures(store, previous, today) if previous else None,
        union_name=name,
        district=queries.district_table(store, current, orgs) if current.org is None and len(orgs) > 1 else None,
        notes=queries.coverage_notes(store, current, previous),
        outreach_notes=queries.coverage_notes(store, current, None, queries.OUTREACH_KINDS, reasons),
    )


# Figures the sentences and slides quote beyond the summary's keys (溯源).
_QUOTED_EXTRA = (
    "activities.participation_rate",
    "activities.cost_yuan",
    "proposals.accepted",
    "proposals.completion_rate",
)


def sources(store: Store, data: PackData) -> pd.DataFrame:
    """The 数据来源 sheet: every figure of the sentences and slides, per period, with its batches and rows.

    The figures are the summary's (which the sentences and slides are built from) plus the rates
    and bases they quote; each row is one batch of one figure (see dashboard.trace.sources_table).
    """
    frames = []
    for period in (data.current, data.previous):
        if period is None:
            continue
        keys = trace.figure_keys(period.summary) + list(_QUOTED_EXTRA)
        frames.append(trace.sources_table(store, period.filters, keys, period.summary))
    return pd.concat(frames, ignore_index=True)


DETAIL_LIMIT = 20_000  # rows per detail sheet; a district's year is filtered in the app instead


def detail_rows(store: Store, f: Filters) -> dict[str, pd.DataFrame]:
    """The period's rows for the workbook's detail sheets, names masked (张*), Chinese headers.

    Notes that tell of health or family matters are left out (〔涉及健康或家庭情况，已隐去〕).

    A sheet over DETAIL_LIMIT rows is replaced by a one-line note saying how to export it.
    """
    welfare_rows = queries.welfare_totals(store, f)["rows"]
    if welfare_rows > DETAIL_LIMIT:
        note = pd.DataFrame({"说明": [t("pack.detail_too_long", rows=f"{welfare_rows:,}", limit=f"{DETAIL_LIMIT:,}")]})
        return {"福利慰问明细": note, "获奖名单": note.iloc[0:0]}
    welfare = queries.welfare_rows(store, f)
    welfare = hide_sensitive_notes(welfare.assign(recipient=mask_column(welfare["recipient"])))
    welfare = welfare.assign(note=mask_note_column(welfare["note"])).drop(columns=["source_file"])
    awards = queries.award_rows(store, f)
    awards = awards.assign(recipient=mask_column(awards["recipient"]))
    return {
        "福利慰问明细": welfare.rename(columns=WELFARE_ROW_COLUMNS),
        "获奖名单": awards.rename(columns=AWARD_ROW_COLUMNS),
    }
