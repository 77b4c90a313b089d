"""提案办理: from submission to 立案 / 意见建议 / 不予立案 / 合并 to 办理中 / 已办结; rates; open proposals."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import DEPARTMENT_COLUMNS, OPEN_PROPOSAL_COLUMNS, t

app.ensure_navigation()
st.title(t("page.proposals"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
app.coverage_notes(current, compare, ("proposals",))

with app.guard(app.t("targets.title")):
    app.show_targets(current, "proposals")

with app.guard(t("proposals.section.kpis")):
    totals = app.q("proposal_totals", current)
    before = app.q("proposal_totals", compare) if compare else None
    c = st.columns(6)
    c[0].metric(
        t("metric.proposals_total"),
        fmt.count(totals["total"], t("unit.pieces")),
        fmt.metric_delta(totals["total"], before and before["total"]),
        border=True,
    )
    c[1].metric(
        t("proposals.filing_rate"),
        fmt.pct(totals["filing_rate"]),
        fmt.metric_points(totals["filing_rate"], before and before["filing_rate"]),
        border=True,
        help=t("proposals.filing_help"),
    )
    c[2].metric(
        t("metric.handled"),
        fmt.count(totals[app.HANDLED], t("unit.pieces")),
        fmt.metric_delta(totals[app.HANDLED], before and before[app.HANDLED]),
        border=True,
        help=t("metric.handled_help"),
    )
    c[3].metric(
        t("metric.completion_rate"),
        fmt.pct(totals["completion_rate"]),
        border=True,
        help=t("metric.completion_help"),
    )
    c[4].metric(
        t("proposals.satisfaction"),
        fmt.pct(totals["satisfaction_rate"]),
        border=True,
        help=t("proposals.satisfaction_help"),
    )
    c[5].metric(
        t("proposals.reply_days"),
        t("text.none")
        if totals["avg_reply_days"] is None
        else t("proposals.reply_days_value", days=totals["avg_reply_days"]),
        border=True,
        help=t("proposals.reply_days_help"),
    )

with app.guard(t("proposals.section.flow")):
    decisions = app.frame_or_none(app.q("proposals_by", current, "decision"))
    if decisions is None:
        st.info(t("proposals.none"))
    else:
        flow = app.q("proposal_decision_status", current)
        st.plotly_chart(
            app.chart(charts.proposal_flow, decisions, flow, totals["total"], t("proposals.flow")), key="flow"
        )

with app.guard(t("proposals.section.departments")):
    depts = app.frame_or_none(app.q("proposals_by", current, "department"))
    if depts is not None:
        # The table goes under its chart, full width: beside it, it was cut off at the right.
        assigned, handled = t("proposals.assigned"), t("proposals.handled")
        st.plotly_chart(
            app.chart(
                charts.grouped,
                fmt.with_headers(depts, {"proposals": assigned, "handled": handled}),
                "key",
                {assigned: assigned, handled: handled},
                t("proposals.departments"),
                t("unit.pieces"),
                horizontal=True,
            ),
            key="dept",
        )
        app.table(depts, DEPARTMENT_COLUMNS)

with app.guard(t("proposals.section.open")):
    st.subheader(t("proposals.open"))
    still_open = app.q("open_proposals", current)
    if len(still_open) == 0:
        st.success(t("proposals.all_handled"))
    else:
        app.table(still_open, OPEN_PROPOSAL_COLUMNS)
