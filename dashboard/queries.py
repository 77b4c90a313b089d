"""KPI queries (统计口径), in SQL run by DuckDB: every figure the chair quotes, per period.

Every function takes a :class:`Store` and a :class:`Filters` and returns plain
values or a DataFrame.  Definitions follow ../shared/DOMAIN.md and truth.json:
- welfare (慰问/福利): rows dated in the period; money in 元; person-times (人次).
- activities (活动): an event belongs to the period of its start date.
- proposals (提案): by the congress session date (会议日期), else the submission date.
- awards (获奖): calendar years by the 年度 column, academic years by 获奖日期.
- members (会员人数): the year-end headcount inside the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core.labels import t
from core.periods import ACADEMIC_START_MONTH, Period, parse_period
from core.store import Store
from core.vocab import (
    ACCEPTED_DECISIONS,
    DECISION_ORDER,
    HANDLED_STATUSES,
    IN_PROGRESS,
    LEVEL_ORDER,
    PUBLICITY_CHANNEL_ORDER,
    PUBLICITY_TYPE_ORDER,
    SATISFIED,
    STATUS_ORDER,
    WELFARE_CATEGORIES,
)


@dataclass(frozen=True)
class Filters:
    """What a view is about: a period, one organisation (None = all) and sub-unions (empty = all)."""

    period: Period
    org: str | None = None
    sub_unions: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        period: str | Period,
        org: str | None = None,
        sub_unions: tuple[str, ...] = (),
    ) -> Filters:
        return cls(parse_period(period), org or None, tuple(sub_unions))

    def with_period(self, period: Period) -> Filters:
        return Filters(period, self.org, self.sub_unions)


def _scope(f: Filters, sub_col: str | None) -> tuple[str, list[object]]:
    sql, params = "", []
    if f.org:
        sql += " AND org = ?"
        params.append(f.org)
    if f.sub_unions and sub_col:
        sql += f" AND list_contains(?, {sub_col})"
        params.append(list(f.sub_unions))
    return sql, params


def _dated(f: Filters, date_col: str, sub_col: str | None) -> tuple[str, list[object]]:
    scope, params = _scope(f, sub_col)
    return f"{date_col} BETWEEN ? AND ?{scope}", [f.period.start, f.period.end, *params]


def _award_where(f: Filters) -> tuple[str, list[object]]:
    if f.period.kind == "year":
        scope, params = _scope(f, "sub_union")
        return f"year = ?{scope}", [f.period.start_year, *params]
    return _dated(f, "award_date", "sub_union")


def _ordered(values: pd.Series, order: tuple[str, ...]) -> list[str]:
    known = [v for v in order if v in set(values)]
    return known + sorted(v for v in values if v not in order)


# --- welfare ---------------------------------------------------------------------------


def welfare_totals(store: Store, f: Filters) -> dict[str, float | int]:
    """Welfare totals (福利慰问合计): {"total_yuan": 元, "person_times": 人次, "rows": n}."""
    where, params = _dated(f, "date", "sub_union")
    row = store.query(
        f"SELECT coalesce(sum(amount_yuan), 0) AS total, coalesce(sum(person_times), 0) AS pt, count(*) AS n "
        f"FROM welfare WHERE {where}",
        params,
    ).iloc[0]
    return {
        "total_yuan": round(float(row["total"]), 2),
        "person_times": int(row["pt"]),
        "rows": int(row["n"]),
    }


def welfare_by_category(store: Store, f: Filters) -> pd.DataFrame:
    """Spending by category (按类别): columns category, amount_yuan (元), person_times (人次), rows.

    Standard categories first in the vocabulary's order, then others as written.
    """
    where, params = _dated(f, "date", "sub_union")
    frame = store.query(
        f"SELECT coalesce(category, '未分类') AS category, sum(amount_yuan)::DOUBLE AS amount_yuan, "
        f"coalesce(sum(person_times), 0)::BIGINT AS person_times, count(*) AS rows "
        f"FROM welfare WHERE {where} GROUP BY 1",
        params,
    )
    order = _ordered(frame["category"], tuple(WELFARE_CATEGORIES))
    return frame.set_index("category").loc[order].reset_index()


def welfare_by_month(store: Store, f: Filters) -> pd.DataFrame:
    """Spending by month (按月): columns month ('2022-03'), amount_yuan (元), person_times (人次)."""
    where, params = _dated(f, "date", "sub_union")
    return store.query(
        f"SELECT strftime(date, '%Y-%m') AS month, sum(amount_yuan)::DOUBLE AS amount_yuan, "
        f"coalesce(sum(person_times), 0)::BIGINT AS person_times FROM welfare WHERE {where} GROUP BY 1 ORDER BY 1",
        params,
    )


def welfare_by_sub_union(store: Store, f: Filters) -> pd.DataFrame:
    """Spending by sub-union (按分工会): sub_union, amount_yuan (元), person_times, members, per_member (元/人).

    ``members`` is the sub-union's year-end headcount of the period (NaN when unknown).
    """
    where, params = _dated(f, "date", "sub_union")
    scope, scope_params = _scope(f, "sub_union")
    return store.query(
        f"""WITH w AS (
                SELECT coalesce(sub_union, '未填写') AS sub_union, sum(amount_yuan)::DOUBLE AS amount_yuan,
                       coalesce(sum(person_times), 0)::BIGINT AS person_times
                FROM welfare WHERE {where} GROUP BY 1),
            m AS (SELECT sub_union, sum(members) AS members FROM member_counts
                  WHERE year = ?{scope} GROUP BY 1)
            SELECT w.*, m.members, w.amount_yuan / nullif(m.members, 0) AS per_member
            FROM w LEFT JOIN m USING (sub_union) ORDER BY amount_yuan DESC""",
        [*params, f.period.headcount_year, *scope_params],
    )


# A page's row view (明细) shows at most this many rows: a district's or a province's year holds
# hundreds of thousands, which no one reads on a page and which the browser would be sent whole.
ROW_VIEW_LIMIT = 5_000


def _limited(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"


def welfare_rows(store: Store, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """Row-level welfare records (明细, contains names): the view the user asks for explicitly.

    The first ``limit`` rows by date when given (a page asks for ROW_VIEW_LIMIT + 1 to know there are more).
    """
    where, params = _dated(f, "date", "sub_union")
    return store.query(
        f"SELECT date, sub_union, category, item, recipient, person_times, amount_yuan::DOUBLE AS amount_yuan, "
        f"note, source_file, source_sheet, source_row FROM welfare WHERE {where} ORDER BY date, source_row"
        + _limited(limit),
        params,
    )


def budget_execution(store: Store, f: Filters) -> pd.DataFrame:
    """Budget execution (预算执行) of the period's budget year, leaf lines only.

    Columns subject, budget_yuan, final_yuan (元), execution (决算/预算, ratio 0–1+).
    Empty when no budget ledger was loaded for that year.
    """
    scope, params = _scope(f, None)
    return store.query(
        f"""SELECT subject, sum(budget_yuan)::DOUBLE AS budget_yuan, sum(final_yuan)::DOUBLE AS final_yuan,
                   sum(final_yuan)::DOUBLE / nullif(sum(budget_yuan), 0) AS execution,
                   min(code) AS code
            FROM budget WHERE year = ?{scope} GROUP BY subject ORDER BY code NULLS LAST, subject""",
        [f.period.headcount_year, *params],
    )


# --- members ---------------------------------------------------------------------------


def members_total(store: Store, f: Filters) -> int | None:
    """Members (会员人数) at the year-end inside the period, or None when no headcount is known.

    From the headcount table (会员人数统计表); if that year has none, the roster
    (会员名册) rows of that year; ``sub_unions`` restricts both.
    """
    scope, params = _scope(f, "sub_union")
    year = f.period.headcount_year
    counted = store.scalar(f"SELECT sum(members) FROM member_counts WHERE year = ?{scope}", [year, *params])
    if counted is not None:
        return int(counted)
    rostered = store.scalar(f"SELECT count(*) FROM roster WHERE as_of_year = ?{scope}", [year, *params])
    return int(rostered) or None


# --- activities ------------------------------------------------------------------------


def activity_totals(store: Store, f: Filters) -> dict[str, float | int | None]:
    """Activities (活动): events, person_times (人次), cost_yuan (元), and participation_rate.

    ``participation_rate`` (参与率, ratio 0–1) = participants ÷ eligible over the events that
    state 应参加人数; None when none does.
    """
    where, params = _dated(f, "start_date", "organizer")
    row = store.query(
        f"""SELECT count(*) AS events, coalesce(sum(participants), 0) AS pt,
                   coalesce(sum(cost_yuan), 0)::DOUBLE AS cost,
                   sum(participants) FILTER (WHERE eligible > 0) AS part_e,
                   sum(eligible) FILTER (WHERE eligible > 0) AS elig
            FROM activities WHERE {where}""",
        params,
    ).iloc[0]
    rate = None if pd.isna(row["elig"]) or not row["elig"] else float(row["part_e"]) / float(row["elig"])
    return {
        "events": int(row["events"]),
        "person_times": int(row["pt"]),
        "cost_yuan": round(float(row["cost"]), 2),
        "participation_rate": rate,
    }


def activities_grouped(store: Store, f: Filters, by: str) -> pd.DataFrame:
    """Events and person-times grouped ``by`` "month", "category" or "organizer".

    Columns: key, events, person_times (人次), cost_yuan (元).
    """
    key = {
        "month": "strftime(start_date, '%Y-%m')",
        "category": "coalesce(category, '未分类')",
    }.get(by, "coalesce(organizer, '未填写')")
    where, params = _dated(f, "start_date", "organizer")
    return store.query(
        f"SELECT {key} AS key, count(*) AS events, coalesce(sum(participants), 0)::BIGINT AS person_times, "
        f"coalesce(sum(cost_yuan), 0)::DOUBLE AS cost_yuan FROM activities WHERE {where} GROUP BY 1 "
        f"ORDER BY {'1' if by == 'month' else 'person_times DESC'}",
        params,
    )


def participation_by_sub_union(store: Store, f: Filters) -> pd.DataFrame:
    """Participation per sub-union (分工会参与率): events the sub-union organised.

    Columns sub_union, events, person_times, eligible, members, rate (ratio 0–1):
    participants ÷ 应参加人数 where stated, else ÷ (members × events).
    """
    where, params = _dated(f, "start_date", "organizer")
    scope, scope_params = _scope(f, "sub_union")
    return store.query(
        f"""WITH a AS (
                SELECT organizer AS sub_union, count(*) AS events, sum(participants)::BIGINT AS person_times,
                       sum(eligible)::BIGINT AS eligible
                FROM activities WHERE {where} GROUP BY 1),
            m AS (SELECT sub_union, sum(members) AS members FROM member_counts WHERE year = ?{scope} GROUP BY 1)
            SELECT a.*, m.members,
                   coalesce(a.person_times / nullif(a.eligible, 0),
                            a.person_times / nullif(m.members * a.events, 0)) AS rate
            FROM a JOIN m USING (sub_union) ORDER BY rate DESC NULLS LAST""",
        [*params, f.period.headcount_year, *scope_params],
    )


def top_activities(store: Store, f: Filters, limit: int = 10) -> pd.DataFrame:
    """The biggest events by participants: name, start_date, organizer, category, participants, cost_yuan."""
    where, params = _dated(f, "start_date", "organizer")
    return store.query(
        f"SELECT name, start_date, end_date, organizer, category, participants, eligible, "
        f"cost_yuan::DOUBLE AS cost_yuan "
        f"FROM activities WHERE {where} ORDER BY participants DESC NULLS LAST, start_date LIMIT ?",
        [*params, limit],
    )


# --- proposals -------------------------------------------------------------------------


# The proposal figures' definitions, from the vocabulary sets (core.vocab); every page, sentence,
# slide, workbook cell and ``summary`` reads them from :func:`proposal_totals` / :func:`proposals_by`.
_ACCEPTED = "(decision IS NULL OR list_contains($accepted, decision))"
_HANDLED = f"({_ACCEPTED} AND list_contains($handled, status))"


def _used(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named ``params`` that ``sql`` uses (DuckDB refuses unused named parameters)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}


def _run(store: Store, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """:meth:`Store.query` with only the named ``params`` that ``sql`` uses."""
    return store.query(sql, _used(sql, params))


def _proposal_params(f: Filters) -> tuple[str, dict[str, object]]:
    """WHERE clause and named parameters of a period's proposals (by 会议日期, else 提交日期)."""
    where = "coalesce(session_date, submit_date) BETWEEN $start AND $end"
    params: dict[str, object] = {
        "start": f.period.start,
        "end": f.period.end,
        "accepted": list(ACCEPTED_DECISIONS),
        "handled": list(HANDLED_STATUSES),
        "satisfied": list(SATISFIED),
        "in_progress": IN_PROGRESS,
    }
    if f.org:
        where += " AND org = $org"
        params["org"] = f.org
    return where, params


def proposal_totals(store: Store, f: Filters) -> dict[str, float | int | None]:
    """Proposals (提案): total, counts per 处理结果 and the handling figures, and rates.

    - ``accepted`` (受理) = 立案 + 作为意见建议 (+ proposals with no 处理结果 written);
    - ``已办结`` (办结件数) = accepted proposals whose 办理状态 is 已办结 or 已落实
      (core.vocab.HANDLED_STATUSES);
    - ``filing_rate`` (立案率) = 立案 ÷ total; ``completion_rate`` (办结率) = 已办结 ÷ accepted;
    - ``satisfaction_rate`` (满意率) = (满意 + 基本满意) ÷ answered; ``avg_reply_days`` = mean days
      from submission to reply.
    Counts in 件; rates are ratios 0–1, None when the denominator is 0.
    """
    where, params = _proposal_params(f)
    row = _run(
        store,
        f"""SELECT count(*) AS total,
                   histogram(decision) AS decisions,
                   count(*) FILTER (WHERE {_ACCEPTED}) AS accepted,
                   count(*) FILTER (WHERE {_HANDLED}) AS handled,
                   count(*) FILTER (WHERE status = $in_progress) AS in_progress,
                   count(*) FILTER (WHERE list_contains($satisfied, satisfaction)) AS satisfied,
                   count(satisfaction) AS answered,
                   avg(date_diff('day', submit_date, reply_date)) AS reply_days
            FROM proposals WHERE {where}""",
        params,
    ).iloc[0]
    total, accepted, handled = int(row["total"]), int(row["accepted"]), int(row["handled"])

    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    decisions = row["decisions"] if isinstance(row["decisions"], dict) else {}
    counts = {decision: int(decisions.get(decision, 0)) for decision in DECISION_ORDER}
    return {
        "total": total,
        **counts,
        "已办结": handled,
        "办理中": int(row["in_progress"]),
        "accepted": accepted,
        "filing_rate": ratio(counts["立案"], total),
        "completion_rate": ratio(handled, accepted),
        "satisfaction_rate": ratio(int(row["satisfied"]), int(row["answered"])),
        "avg_reply_days": None if pd.isna(row["reply_days"]) else float(row["reply_days"]),
    }


def proposals_by(store: Store, f: Filters, by: str) -> pd.DataFrame:
    """Proposal counts grouped ``by`` "decision", "status", "department", "category" or "satisfaction".

    Columns: key, proposals (件), handled (已办结, as in :func:`proposal_totals`), avg_reply_days.
    """
    column = {
        "decision": "decision",
        "status": "status",
        "category": "category",
        "satisfaction": "satisfaction",
    }.get(by, "department")
    where, params = _proposal_params(f)
    frame = _run(
        store,
        f"""SELECT coalesce({column}, '未填写') AS key, count(*) AS proposals,
                   count(*) FILTER (WHERE {_HANDLED}) AS handled,
                   avg(date_diff('day', submit_date, reply_date)) AS avg_reply_days
            FROM proposals WHERE {where} {"AND department IS NOT NULL" if by == "department" else ""}
            GROUP BY 1 ORDER BY proposals DESC""",
        params,
    )
    order = {"decision": DECISION_ORDER, "status": STATUS_ORDER}.get(by)
    if order and len(frame):
        frame = frame.set_index("key").loc[_ordered(frame["key"], order)].reset_index()
    return frame


def open_proposals(store: Store, f: Filters) -> pd.DataFrame:
    """Accepted proposals not yet handled (未办结): proposal_no, title, decision, department, status, submit_date."""
    where, params = _proposal_params(f)
    return _run(
        store,
        f"""SELECT proposal_no, title, decision, department, coalesce(status, '未办理') AS status, submit_date
            FROM proposals WHERE {where} AND {_ACCEPTED} AND NOT {_HANDLED} ORDER BY proposal_no""",
        params,
    )


# --- awards ----------------------------------------------------------------------------


def award_totals(store: Store, f: Filters) -> dict[str, object]:
    """Awards (评优获奖): total, by_level (all five levels, in order), 个人 and 集体 counts."""
    where, params = _award_where(f)
    frame = store.query(
        f"SELECT level, award_type, count(*) AS n FROM awards WHERE {where} GROUP BY ALL",
        params,
    )
    by_level = {level: int(frame.loc[frame["level"] == level, "n"].sum()) for level in LEVEL_ORDER}
    return {
        "total": int(frame["n"].sum()),
        "by_level": by_level,
        "个人": int(frame.loc[frame["award_type"] == "个人", "n"].sum()),
        "集体": int(frame.loc[frame["award_type"] == "集体", "n"].sum()),
    }


def awards_by(store: Store, f: Filters, by: str) -> pd.DataFrame:
    """Award counts grouped ``by`` "level_type" (level, award_type), "sub_union" or "grade": key columns + n."""
    where, params = _award_where(f)
    keys = {
        "level_type": "coalesce(level, '未填写') AS level, coalesce(award_type, '未填写') AS award_type",
        "sub_union": "coalesce(sub_union, '未填写') AS sub_union",
        "grade": "grade",
    }[by]
    extra = " AND grade IS NOT NULL" if by == "grade" else ""
    return store.query(
        f"SELECT {keys}, count(*) AS n FROM awards WHERE {where}{extra} GROUP BY ALL ORDER BY n DESC",
        params,
    )


def award_rows(store: Store, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """The awards of the period (row level, names included); the first ``limit`` by date when given."""
    where, params = _award_where(f)
    return store.query(
        f"SELECT year, title, level, award_type, recipient, sub_union, grantor, grade, award_date "
        f"FROM awards WHERE {where} ORDER BY award_date NULLS LAST, title" + _limited(limit),
        params,
    )


# --- the summary of truth.json ---------------------------------------------------------


def summary(store: Store, f: Filters) -> dict[str, object]:
    """The period's KPIs in exactly the shape of one period of ../shared/ledgers/truth.json.

    {"welfare": {"total_yuan", "person_times", "by_category"}, "activities": {"events",
    "person_times"}, "proposals": {"total", "立案", "作为意见建议", "不予立案", "合并", "已办结"},
    "awards": {"total", "by_level", "个人", "集体"}, "members": int}.  Money in 元 (float, 0.01).
    ``members`` is 0 when no headcount is known.
    """
    welfare = welfare_totals(store, f)
    categories = welfare_by_category(store, f)
    activities = activity_totals(store, f)
    proposals = proposal_totals(store, f)
    awards = award_totals(store, f)
    return {
        "welfare": {
            "total_yuan": welfare["total_yuan"],
            "person_times": welfare["person_times"],
            "by_category": {
                row.category: round(float(row.amount_yuan), 2) for row in categories.itertuples(index=False)
            },
        },
        "activities": {
            "events": activities["events"],
            "person_times": activities["person_times"],
        },
        "proposals": {k: proposals[k] for k in ("total", "立案", "作为意见建议", "不予立案", "合并", "已办结")},
        "awards": awards,
        "members": members_total(store, f) or 0,
        **more_summary(store, f),
    }


def more_summary(store: Store, f: Filters) -> dict[str, object]:
    """The summary's parts beyond truth.json: donations, publicity, reach, coverage and what is missing.

    - ``coverage``: {kind: rows in the period} for welfare, activities, proposals, awards, members, budget,
      donations, publicity (:func:`coverage`);
    - ``missing``: the keys the period's data cannot give — every kind with no row, and ``reach`` when it
      cannot be computed (no roster, no names); ``reach`` is then None;
    - ``missing_reasons``: {key: the reason in Chinese} for each of them (:func:`missing_reasons`).
    """
    donations = donation_totals(store, f)
    publicity = publicity_totals(store, f)
    reached = reach(store, f)
    covered, reasons = missing_reasons(store, f, donations=donations, publicity=publicity, reached=reached)
    return {
        "donations": {k: donations[k] for k in ("drives", "person_times", "total_yuan")},
        "publicity": {k: publicity[k] for k in ("items", "by_channel")},
        "reach": None if reached["reason"] else {k: reached[k] for k in ("members", "reached", "share")},
        "coverage": covered,
        "missing": list(reasons),
        "missing_reasons": reasons,
    }


# --- completeness (哪些台账、哪些月份有数据) -------------------------------------------------------

COVERAGE_KINDS = ("welfare", "activities", "proposals", "awards", "members", "budget")


def coverage(store: Store, f: Filters) -> dict[str, int]:
    """Rows in the period per kind: welfare, activities, proposals, awards, members (headcount or roster
    rows of the headcount year), budget (lines of the budget year).  0 means that ledger is missing."""
    scope, params = _scope(f, None)
    year = f.period.headcount_year
    welfare_where, welfare_params = _dated(Filters(f.period, f.org), "date", None)
    activity_where, activity_params = _dated(Filters(f.period, f.org), "start_date", None)
    award_where, award_params = _award_where(Filters(f.period, f.org))
    row = store.query(
        f"""SELECT (SELECT count(*) FROM welfare WHERE {welfare_where}) AS welfare,
                   (SELECT count(*) FROM activities WHERE {activity_where}) AS activities,
                   (SELECT count(*) FROM proposals
                      WHERE coalesce(session_date, submit_date) BETWEEN ? AND ?{scope}) AS proposals,
                   (SELECT count(*) FROM awards WHERE {award_where}) AS awards,
                   (SELECT count(*) FROM member_counts WHERE year = ?{scope})
                     + (SELECT count(*) FROM roster WHERE as_of_year = ?{scope}) AS members,
                   (SELECT count(*) FROM budget WHERE year = ?{scope}) AS budget""",
        [
            *welfare_params,
            *activity_params,
            f.period.start,
            f.period.end,
            *params,
            *award_params,
            year,
            *params,
            year,
            *params,
            year,
            *params,
        ],
    ).iloc[0]
    return {kind: int(row[kind]) for kind in COVERAGE_KINDS}


def months_with_data(store: Store, f: Filters) -> list[int]:
    """Calendar months (1–12) of the period holding any dated welfare, activity, proposal or award row."""
    scope, params = _scope(f, None)
    frame = store.query(
        f"""SELECT DISTINCT month(d) AS m FROM (
              SELECT date AS d, org FROM welfare UNION ALL SELECT start_date, org FROM activities
              UNION ALL SELECT coalesce(session_date, submit_date), org FROM proposals
              UNION ALL SELECT award_date, org FROM awards)
            WHERE d BETWEEN ? AND ?{scope} ORDER BY 1""",
        [f.period.start, f.period.end, *params],
    )
    return [int(m) for m in frame["m"]]


def _month_span(period: Period, months: list[int]) -> str:
    """ "9–12 月" or "3、5、9–12 月", in the period's own month order (学年 starts in September)."""
    first = period.start.month
    ordered = sorted(months, key=lambda m: (m - first) % 12)
    runs: list[list[int]] = []
    for m in ordered:
        if runs and (runs[-1][-1] % 12) + 1 == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return t("coverage.months", months=t("text.list_sep").join(parts))


def missing_reasons(
    store: Store,
    f: Filters,
    *,
    donations: dict | None = None,
    publicity: dict | None = None,
    reached: dict | None = None,
) -> tuple[dict[str, int], dict[str, str]]:
    """(rows per kind, {key: why it is missing}): every ledger kind with no row in the period
    (本期没有捐款台账的记录 …) and ``reach`` when it cannot be computed (本期没有会员名册 …).

    With :func:`coverage` (which both read), the one place that decides what a period lacks: the
    summary's ``missing`` and ``missing_reasons`` and the notes of :func:`coverage_notes` (pages,
    congress pack) come from here.  Totals already at hand are passed in rather than queried again.
    """
    donations = donation_totals(store, f) if donations is None else donations
    publicity = publicity_totals(store, f) if publicity is None else publicity
    reached = reach(store, f) if reached is None else reached
    covered = {**coverage(store, f), "donations": int(donations["rows"]), "publicity": int(publicity["items"])}
    reasons = {kind: t(f"missing.{kind}") for kind, rows in covered.items() if not rows}
    if reached["reason"]:
        reasons["reach"] = t(reached["reason"])
    return covered, reasons


# The figures beyond the four areas' ledgers that a period may lack (said in the pack's 数据说明).
OUTREACH_KINDS = ("donations", "publicity", "reach")


def coverage_notes(
    store: Store,
    current: Filters,
    compare: Filters | None,
    kinds: tuple[str, ...] = COVERAGE_KINDS,
    reasons: dict[str, str] | None = None,
) -> list[str]:
    """What is missing, as sentences (本期无提案台账，相应指标不列出; 对比期只有 9–12 月数据，同比仅供参考;
    本期没有捐款台账的记录): the notes above a page's figures and both notes of the congress pack.

    ``kinds`` limits what is spoken of (the 提案办理 page: proposals only; the pack's 数据说明:
    :data:`OUTREACH_KINDS`); months are spoken of with the ledgers of :data:`COVERAGE_KINDS`.
    Donations, publicity and reach are said by their reason of :func:`missing_reasons`
    (``reasons``: the summary's ``missing_reasons`` when at hand).
    """
    notes: list[str] = []
    outreach = [k for k in OUTREACH_KINDS if k in kinds]
    if outreach and reasons is None:
        reasons = missing_reasons(store, current)[1]
    if not set(kinds) & set(COVERAGE_KINDS):
        return [reasons[k] for k in outreach if k in reasons]
    missing = [k for k, n in coverage(store, current).items() if not n and k in kinds]
    if missing:
        notes.append(
            t("coverage.missing_current", kinds=t("text.list_sep").join(t(f"coverage.kind.{k}") for k in missing))
        )
    months = months_with_data(store, current)
    before = months_with_data(store, compare) if compare is not None else []
    if months and before and len(months) < len(before):
        # a part period against a fuller one: the change is not like for like (本期只有 1–6 月 …)
        notes.append(
            t(
                "coverage.partial_both",
                months=_month_span(current.period, months),
                before=_month_span(compare.period, before),
            )
        )
    elif months and len(months) < 12:
        notes.append(t("coverage.partial_current", months=_month_span(current.period, months)))
    if compare is not None:
        missing_before = [k for k, n in coverage(store, compare).items() if not n and k in kinds and k not in missing]
        if missing_before:
            notes.append(
                t(
                    "coverage.missing_compare",
                    kinds=t("text.list_sep").join(t(f"coverage.kind.{k}") for k in missing_before),
                )
            )
        if before and len(before) < len(months):
            notes.append(t("coverage.partial_compare", months=_month_span(compare.period, before)))
    return notes + [reasons[k] for k in outreach if k in reasons]


# --- what there is ---------------------------------------------------------------------


def available_years(store: Store, org: str | None = None) -> list[int]:
    """Calendar years with any data, ascending."""
    scope, params = _scope(Filters(Period("year", 2000), org), None)
    frame = store.query(
        f"""SELECT DISTINCT y FROM (
              SELECT year(date) AS y, org FROM welfare UNION ALL SELECT year(start_date), org FROM activities
              UNION ALL SELECT year(coalesce(session_date, submit_date)), org FROM proposals
              UNION ALL SELECT year, org FROM awards UNION ALL SELECT year, org FROM member_counts)
            WHERE y IS NOT NULL{scope} ORDER BY y""",
        params,
    )
    return [int(y) for y in frame["y"]]


def academic_years(store: Store, org: str | None = None) -> list[int]:
    """Start years of the academic years (学年, 1 Sept – 31 Aug) holding any dated row, ascending.

    Counted from dates, not from calendar years: a welfare payment on 2026-10-12 puts 2026-2027学年 in the list.
    """
    scope, params = _scope(Filters(Period("year", 2000), org), None)
    frame = store.query(
        f"""SELECT DISTINCT CASE WHEN month(d) >= {ACADEMIC_START_MONTH} THEN year(d) ELSE year(d) - 1 END AS y FROM (
              SELECT date AS d, org FROM welfare UNION ALL SELECT start_date, org FROM activities
              UNION ALL SELECT coalesce(session_date, submit_date), org FROM proposals
              UNION ALL SELECT award_date, org FROM awards)
            WHERE d IS NOT NULL{scope} ORDER BY y""",
        params,
    )
    return [int(y) for y in frame["y"]]


def organisations(store: Store) -> list[str]:
    """Every organisation (学校) in the store, sorted."""
    frame = store.query(
        "SELECT DISTINCT org FROM (SELECT org FROM welfare UNION ALL SELECT org FROM activities "
        "UNION ALL SELECT org FROM proposals UNION ALL SELECT org FROM awards UNION ALL "
        "SELECT org FROM member_counts UNION ALL SELECT org FROM roster UNION ALL SELECT org FROM budget) ORDER BY 1"
    )
    return list(frame["org"])


def sub_unions(store: Store, org: str | None = None) -> list[str]:
    """Every sub-union (分工会) named in headcounts or welfare rows, sorted by headcount table order."""
    scope, params = _scope(Filters(Period("year", 2000), org), None)
    frame = store.query(
        f"""SELECT sub_union, min(o) AS o FROM (
                SELECT sub_union, 0 AS o, org FROM member_counts UNION ALL SELECT sub_union, 1, org FROM welfare)
            WHERE sub_union IS NOT NULL{scope} GROUP BY 1 ORDER BY o, sub_union""",
        params,
    )
    return list(frame["sub_union"])


def proposal_decision_status(store: Store, f: Filters) -> pd.DataFrame:
    """Proposals by 处理结果 × 办理状态 (accepted ones only): decision, status, proposals."""
    where, params = _proposal_params(f)
    return _run(
        store,
        f"""SELECT decision, coalesce(status, '未办理') AS status, count(*) AS proposals FROM proposals
            WHERE {where} AND {_ACCEPTED} GROUP BY ALL ORDER BY decision, status""",
        params,
    )


def yearly_trend(store: Store, f: Filters) -> pd.DataFrame:
    """Headline figures for every period of the same kind up to ``f.period`` (趋势), one query per table.

    Columns: year (the period's label), welfare_yuan (元), welfare_person_times, activity_person_times,
    proposals, awards.  One row per period with any data.  Academic years start in September, so a
    date's academic year is the calendar year of the date eight months earlier.
    """
    academic = f.period.kind == "academic"

    def key(column: str) -> str:
        return f"year({column} - INTERVAL 8 MONTH)" if academic else f"year({column})"

    scope, params = _scope(f, "sub_union")
    org_scope, org_params = _scope(f, "organizer")
    plain, plain_params = _scope(f, None)
    award_key = key("award_date") if academic else "year"
    frame = store.query(
        f"""WITH w AS (SELECT {key("date")} AS y, sum(amount_yuan)::DOUBLE AS welfare_yuan,
                              coalesce(sum(person_times), 0)::BIGINT AS welfare_person_times
                       FROM welfare WHERE true{scope} GROUP BY 1),
                 a AS (SELECT {key("start_date")} AS y, coalesce(sum(participants), 0)::BIGINT AS activity_person_times
                       FROM activities WHERE true{org_scope} GROUP BY 1),
                 p AS (SELECT {key("coalesce(session_date, submit_date)")} AS y, count(*) AS proposals
                       FROM proposals WHERE true{plain} GROUP BY 1),
                 d AS (SELECT {award_key} AS y, count(*) AS awards FROM awards WHERE true{scope} GROUP BY 1)
            SELECT y, w.welfare_yuan, w.welfare_person_times, a.activity_person_times, p.proposals, d.awards
            FROM w FULL JOIN a USING (y) FULL JOIN p USING (y) FULL JOIN d USING (y)
            WHERE y IS NOT NULL AND y <= ? ORDER BY y""",
        [*params, *org_params, *plain_params, *params, f.period.start_year],
    )
    frame = frame.fillna(0)
    frame["year"] = [Period(f.period.kind, int(y)).label for y in frame["y"]]
    columns = ["welfare_yuan", "welfare_person_times", "activity_person_times", "proposals", "awards"]
    frame[columns[1:]] = frame[columns[1:]].astype(int)
    return frame[["year", *columns]].reset_index(drop=True)


def proposal_sessions(store: Store, f: Filters) -> list[str]:
    """The congress sessions (会议届次) whose proposals fall in the period, by date."""
    where, params = _proposal_params(f)
    frame = _run(
        store,
        f"SELECT session, min(coalesce(session_date, submit_date)) AS d FROM proposals "
        f"WHERE {where} AND session IS NOT NULL GROUP BY 1 ORDER BY 2",
        params,
    )
    return list(frame["session"])


# --- district (区县汇总): one row per school ------------------------------------------------------

DISTRICT_KINDS = ("welfare", "activities", "member_counts", "proposals", "awards", "budget")


def district_table(store: Store, f: Filters, orgs: list[str] | None = None) -> pd.DataFrame:
    """One row per school for the period (aggregates only, no names).

    Columns: org, members, welfare_yuan (元), per_member_yuan, participation_rate (0–1),
    proposals (件), completion_rate (办结率 0–1), awards, awards_per_100 (per 100 members),
    missing (list of ledger kinds with no row in the period).  Each figure is the school's own
    page figure (the same functions with the school as filter); ``f.org`` is ignored, ``orgs``
    (default: every school) says which schools.
    """
    chosen = organisations(store) if orgs is None else list(orgs)
    welfare, counted, rostered, activity, proposal, award, budget = _district_figures(store, f, orgs)
    rows = []
    for org in chosen:
        total_yuan = round(float(welfare.get(org, (0, 0))[0]), 2)
        members = int(counted[org]) if org in counted else (int(rostered.get(org, 0)) or None)
        part_e, elig, events = activity.get(org, (None, None, 0))
        total, accepted, handled = proposal.get(org, (0, 0, 0))
        awards = int(award.get(org, 0))
        present = {
            "welfare": welfare.get(org, (0, 0))[1] > 0,
            "activities": events > 0,
            "member_counts": members is not None,
            "proposals": total > 0,
            "awards": awards > 0,
            "budget": bool(budget.get(org)),
        }
        rows.append(
            {
                "org": org,
                "members": members,
                "welfare_yuan": total_yuan,
                "per_member_yuan": total_yuan / members if members else None,
                "participation_rate": None if pd.isna(elig) or not elig else float(part_e) / float(elig),
                "proposals": int(total),
                "completion_rate": handled / accepted if accepted else None,
                "awards": awards,
                "awards_per_100": awards * 100 / members if members else None,
                "missing": [kind for kind in DISTRICT_KINDS if not present[kind]],
            }
        )
    columns = [
        "org",
        "members",
        "welfare_yuan",
        "per_member_yuan",
        "participation_rate",
        "proposals",
        "completion_rate",
        "awards",
        "awards_per_100",
        "missing",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("members", "welfare_yuan", "per_member_yuan", "participation_rate", "completion_rate"):
        frame[column] = frame[column].astype("Float64")
    frame["awards_per_100"] = frame["awards_per_100"].astype("Float64")
    return frame


def _among(orgs: list[str] | None, param: str = "?") -> tuple[str, list[object]]:
    """The SQL condition (with its parameters) keeping the rows of ``orgs``; none for every school.

    A semi-join on the unnested list, not ``list_contains``: with 2,000 schools ``list_contains``
    searches the list once per row (1.2 s for a year of 2 M welfare rows, 0.13 s as a semi-join).
    """
    if orgs is None:
        return "", []
    return f" AND org IN (SELECT unnest({param}))", [list(orgs)]


def _district_figures(store: Store, f: Filters, orgs: list[str] | None) -> tuple[dict, ...]:
    """Per school, one grouped query per table (not six queries per school): the inputs of
    :func:`district_table`, defined as :func:`welfare_totals`, :func:`members_total`,
    :func:`activity_totals`, :func:`proposal_totals` and :func:`award_totals` define them.
    ``orgs`` None: every school."""
    every = Filters(f.period, None, f.sub_unions)
    mine, mine_params = _among(orgs)

    def grouped(sql: str, params: list[object]) -> dict[str, tuple]:
        frame = store.query(sql, [*params, *mine_params])
        return {row[0]: tuple(None if pd.isna(v) else v for v in row[1:]) for row in frame.itertuples(index=False)}

    where, params = _dated(every, "date", "sub_union")
    welfare = grouped(
        f"SELECT org, coalesce(sum(amount_yuan), 0), count(*) FROM welfare WHERE {where}{mine} GROUP BY org", params
    )
    scope, scope_params = _scope(every, "sub_union")
    year = f.period.headcount_year
    counted = grouped(
        f"SELECT org, sum(members) FROM member_counts WHERE year = ?{scope}{mine} GROUP BY org", [year, *scope_params]
    )
    rostered = grouped(
        f"SELECT org, count(*) FROM roster WHERE as_of_year = ?{scope}{mine} GROUP BY org", [year, *scope_params]
    )
    where, params = _dated(every, "start_date", "organizer")
    activity = grouped(
        f"""SELECT org, sum(participants) FILTER (WHERE eligible > 0), sum(eligible) FILTER (WHERE eligible > 0),
                   count(*)
            FROM activities WHERE {where}{mine} GROUP BY org""",
        params,
    )
    where, named = _proposal_params(every)
    among, among_params = _among(orgs, "$orgs")
    sql = f"""SELECT org, count(*), count(*) FILTER (WHERE {_ACCEPTED}), count(*) FILTER (WHERE {_HANDLED})
              FROM proposals WHERE {where}{among} GROUP BY org"""
    named = {**named, "orgs": among_params[0]} if among_params else named
    proposal = {row[0]: tuple(row[1:]) for row in _run(store, sql, named).itertuples(index=False)}
    where, params = _award_where(every)
    award = grouped(f"SELECT org, count(*) FROM awards WHERE {where}{mine} GROUP BY org", params)
    budget = grouped(f"SELECT org, count(*) FROM budget WHERE year = ?{mine} GROUP BY org", [year])
    return (
        welfare,
        {k: v[0] for k, v in counted.items() if v[0] is not None},
        {k: v[0] for k, v in rostered.items()},
        activity,
        proposal,
        {k: v[0] for k, v in award.items()},
        {k: v[0] for k, v in budget.items()},
    )


def district_trend(store: Store, orgs: list[str] | None = None) -> pd.DataFrame:
    """Calendar-year figures per school (school over years): org, year, welfare_yuan, members,
    per_member_yuan, events, awards.  Aggregates only.  ``orgs`` None: every school."""
    among, among_params = _among(orgs, "$orgs")
    return store.query(
        f"""WITH w AS (SELECT org, year(date) AS year, sum(amount_yuan)::DOUBLE AS welfare_yuan
                      FROM welfare WHERE true{among} GROUP BY ALL),
                a AS (SELECT org, year(start_date) AS year, count(*) AS events
                      FROM activities WHERE true{among} GROUP BY ALL),
                r AS (SELECT org, year, count(*) AS awards FROM awards WHERE true{among} GROUP BY ALL),
                m AS (SELECT org, year, sum(members) AS members FROM member_counts
                      WHERE true{among} GROUP BY ALL),
                k AS (SELECT org, year FROM w UNION SELECT org, year FROM a UNION SELECT org, year FROM r
                      UNION SELECT org, year FROM m)
           SELECT k.org, k.year::INTEGER AS year, coalesce(w.welfare_yuan, 0) AS welfare_yuan,
                  m.members::BIGINT AS members, w.welfare_yuan / nullif(m.members, 0) AS per_member_yuan,
                  coalesce(a.events, 0)::BIGINT AS events, coalesce(r.awards, 0)::BIGINT AS awards
           FROM k LEFT JOIN w USING (org, year) LEFT JOIN a USING (org, year) LEFT JOIN r USING (org, year)
                  LEFT JOIN m USING (org, year)
           ORDER BY k.org, k.year""",
        {"orgs": among_params[0]} if among_params else None,
    )


# --- donations (捐款) -------------------------------------------------------------------
# Money given BY members (捐款) is never added to welfare paid TO members (DOMAIN.md).
# A drive (一次捐款活动) is one 活动名称 in one calendar year, however many sub-unions' rows it has.
_DRIVE_KEY = "coalesce(drive, '未填写') || '#' || CAST(year(date) AS VARCHAR)"


def donation_totals(store: Store, f: Filters) -> dict[str, float | int]:
    """Donations (捐款): {"drives", "person_times" (捐款人次), "total_yuan" (元), "rows"}."""
    where, params = _dated(f, "date", "sub_union")
    row = store.query(
        f"SELECT count(DISTINCT {_DRIVE_KEY}) AS drives, coalesce(sum(donors), 0) AS pt, "
        f"coalesce(sum(amount_yuan), 0)::DOUBLE AS total, count(*) AS n FROM donations WHERE {where}",
        params,
    ).iloc[0]
    return {
        "drives": int(row["drives"]),
        "person_times": int(row["pt"]),
        "total_yuan": round(float(row["total"]), 2),
        "rows": int(row["n"]),
    }


def donations_by_drive(store: Store, f: Filters) -> pd.DataFrame:
    """One row per drive: drive, date (first), sub_unions, donors (人次), amount_yuan, recipient_org, share.

    ``share`` = donors ÷ the period's members (捐款人次占会员的比例), NaN without a headcount.
    """
    where, params = _dated(f, "date", "sub_union")
    frame = store.query(
        f"""SELECT coalesce(drive, '未填写') AS drive, min(date) AS date, count(DISTINCT sub_union) AS sub_unions,
                   coalesce(sum(donors), 0)::BIGINT AS donors, sum(amount_yuan)::DOUBLE AS amount_yuan,
                   string_agg(DISTINCT recipient_org, '；') AS recipient_org
            FROM donations WHERE {where} GROUP BY coalesce(drive, '未填写'), year(date) ORDER BY 2""",
        params,
    )
    members = members_total(store, f)
    frame["share"] = frame["donors"] / members if members else float("nan")
    return frame


def donations_by_sub_union(store: Store, f: Filters) -> pd.DataFrame:
    """Per sub-union: sub_union, drives, donors (人次), amount_yuan, members, share (人次 ÷ (活动数 × 会员))."""
    where, params = _dated(f, "date", "sub_union")
    scope, scope_params = _scope(f, "sub_union")
    return store.query(
        f"""WITH d AS (SELECT coalesce(sub_union, '未填写') AS sub_union, count(DISTINCT {_DRIVE_KEY}) AS drives,
                              coalesce(sum(donors), 0)::BIGINT AS donors, sum(amount_yuan)::DOUBLE AS amount_yuan
                       FROM donations WHERE {where} GROUP BY 1),
                 m AS (SELECT sub_union, sum(members) AS members FROM member_counts WHERE year = ?{scope} GROUP BY 1)
            SELECT d.*, m.members, d.donors / nullif(d.drives * m.members, 0) AS share
            FROM d LEFT JOIN m USING (sub_union) ORDER BY d.amount_yuan DESC""",
        [*params, f.period.headcount_year, *scope_params],
    )


def donation_rows(store: Store, f: Filters) -> pd.DataFrame:
    """The donation rows of the period (row level, donors' names included)."""
    where, params = _dated(f, "date", "sub_union")
    return store.query(
        f"SELECT date, drive, sub_union, donor, donors, amount_yuan::DOUBLE AS amount_yuan, recipient_org, "
        f"source_file, source_sheet, source_row FROM donations WHERE {where} ORDER BY date, source_row",
        params,
    )


# --- publicity (宣传) -------------------------------------------------------------------


def publicity_totals(store: Store, f: Filters) -> dict[str, object]:
    """Publicity (宣传): {"items", "by_channel": {渠道: n} (n > 0, standard order), "reads"}."""
    where, params = _dated(f, "date", "sub_union")
    frame = store.query(
        f"SELECT coalesce(channel, '未填写') AS channel, count(*) AS n, sum(reads) AS reads "
        f"FROM publicity WHERE {where} GROUP BY 1",
        params,
    ).set_index("channel")
    order = _ordered(pd.Series(frame.index), PUBLICITY_CHANNEL_ORDER)
    return {
        "items": int(frame["n"].sum()),
        "by_channel": {c: int(frame.loc[c, "n"]) for c in order},
        "reads": int(frame["reads"].fillna(0).sum()),
    }


def publicity_by(store: Store, f: Filters, by: str) -> pd.DataFrame:
    """Items grouped ``by`` "channel", "category" (类型) or "month": key, items, reads."""
    where, params = _dated(f, "date", "sub_union")
    key = {
        "channel": "coalesce(channel, '未填写')",
        "category": "coalesce(category, '未分类')",
        "month": "strftime(date, '%Y-%m')",
    }[by]
    frame = store.query(
        f"SELECT {key} AS key, count(*) AS items, coalesce(sum(reads), 0)::BIGINT AS reads "
        f"FROM publicity WHERE {where} GROUP BY 1 ORDER BY 1",
        params,
    )
    if by in ("channel", "category"):
        order = _ordered(frame["key"], PUBLICITY_CHANNEL_ORDER if by == "channel" else PUBLICITY_TYPE_ORDER)
        frame = frame.set_index("key").loc[order].reset_index()
    return frame


def publicity_rows(store: Store, f: Filters) -> pd.DataFrame:
    """The published items of the period (row level)."""
    where, params = _dated(f, "date", "sub_union")
    return store.query(
        f"SELECT date, title, channel, category, author, sub_union, reads, source_file, source_sheet, source_row "
        f"FROM publicity WHERE {where} ORDER BY date, source_row",
        params,
    )


# --- members reached (覆盖面) -------------------------------------------------------------
# Rows that name people: welfare recipients, individual award winners, named donors.  Activities
# record counts, not sign-in lists, so they cannot name anyone reached.
_NAME_SPLIT = re.compile(r"[、，,；;/／\s]+")
REACH_SOURCES: tuple[str, ...] = ("welfare", "awards", "donations")


def roster_year(store: Store, f: Filters) -> int | None:
    """The roster (会员名册) year used for the period: the latest as_of_year within its calendar years."""
    scope, params = _scope(f, "sub_union")
    year = store.scalar(
        f"SELECT max(as_of_year) FROM roster WHERE as_of_year BETWEEN ? AND ?{scope}",
        [f.period.start.year, f.period.end.year, *params],
    )
    return None if year is None else int(year)


def _named_rows(store: Store, f: Filters) -> pd.DataFrame:
    """org, sub_union, name, staff_id, source of every row of the period naming a person."""
    w_where, w_params = _dated(f, "date", "sub_union")
    a_where, a_params = _award_where(f)
    d_where, d_params = _dated(f, "date", "sub_union")
    return store.query(
        f"""SELECT org, sub_union, recipient AS name, NULL AS staff_id, 'welfare' AS source FROM welfare
                WHERE {w_where} AND recipient IS NOT NULL
            UNION ALL SELECT org, sub_union, recipient, NULL, 'awards' FROM awards
                WHERE {a_where} AND recipient IS NOT NULL AND award_type IS DISTINCT FROM '集体'
            UNION ALL SELECT org, sub_union, donor, staff_id, 'donations' FROM donations
                WHERE {d_where} AND (donor IS NOT NULL OR staff_id IS NOT NULL)""",
        [*w_params, *a_params, *d_params],
    ).drop_duplicates()


def reach(store: Store, f: Filters) -> dict[str, object]:
    """Distinct members reached at least once (覆盖面) in the period, matched to the roster.

    Returns {"members", "reached", "share", "roster_year", "by_sub_union" (sub_union, members,
    reached, share), "never" (org, sub_union, staff_id, name: members not reached), "ambiguous"
    (names two members share: counted once), "reason" (None, or why no figure)}.  People match by
    工号 where both sides have it, else by name within the sub-union (by name alone when the row
    names no sub-union and the name is unique in the roster).
    """
    year = roster_year(store, f)
    empty = {"members": None, "reached": None, "share": None, "roster_year": year, "ambiguous": []}
    if year is None:
        return {**empty, "reason": "reach.no_roster"}
    scope, params = _scope(f, "sub_union")
    roster = store.query(
        f"SELECT org, staff_id, name, coalesce(sub_union, '未填写') AS sub_union FROM roster "
        f"WHERE as_of_year = ?{scope} ORDER BY sub_union, source_row",
        [year, *params],
    ).reset_index(drop=True)
    named = _named_rows(store, f)
    if named.empty:
        return {**empty, "members": len(roster), "reason": "reach.no_names"}

    def text(value: object) -> str | None:
        return None if value is None or pd.isna(value) or not str(value).strip() else str(value).strip()

    by_id = {(r.org, text(r.staff_id)): i for i, r in enumerate(roster.itertuples()) if text(r.staff_id)}
    by_name_sub: dict[tuple, list[int]] = {}
    by_name: dict[tuple, list[int]] = {}
    for i, r in enumerate(roster.itertuples()):
        by_name_sub.setdefault((r.org, r.sub_union, r.name), []).append(i)
        by_name.setdefault((r.org, r.name), []).append(i)
    reached: set[int] = set()
    ambiguous: set[str] = set()
    for row in named.itertuples():
        if (staff_id := text(row.staff_id)) and (row.org, staff_id) in by_id:
            reached.add(by_id[(row.org, staff_id)])
            continue
        for name in _NAME_SPLIT.split(text(row.name) or ""):
            if not name:
                continue
            hits = by_name_sub.get((row.org, row.sub_union, name)) if text(row.sub_union) else None
            if hits is None:
                hits = by_name.get((row.org, name), [])
            if len(hits) > 1:
                ambiguous.add(name)
            if hits:
                reached.add(hits[0])  # two members of one name: counted once
    roster["reached"] = [i in reached for i in range(len(roster))]
    by_sub = roster.groupby("sub_union", sort=False).agg(members=("name", "size"), reached=("reached", "sum"))
    by_sub["share"] = by_sub["reached"] / by_sub["members"]
    members = len(roster)
    return {
        "members": members,
        "reached": len(reached),
        "share": round(len(reached) / members, 4) if members else None,
        "roster_year": year,
        "by_sub_union": by_sub.reset_index(),
        "never": roster.loc[~roster["reached"], ["org", "sub_union", "staff_id", "name"]].reset_index(drop=True),
        "ambiguous": sorted(ambiguous),
        "reason": None if members else "reach.no_roster",
    }
