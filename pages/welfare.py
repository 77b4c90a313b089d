"""福利慰问: spending by category, month and sub-union; person-times; budget execution; rows on demand."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import WELFARE_CATEGORY_COLUMNS, WELFARE_ROW_COLUMNS, WELFARE_SUB_UNION_COLUMNS, t

app.ensure_navigation()
st.title(t("page.welfare"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
app.coverage_notes(current, compare, ("welfare", "budget", "members"))

with app.guard(app.t("targets.title")):
    app.show_targets(current, "welfare")
WAN, PERSON_TIMES = t("unit.wan"), t("unit.person_times")

with app.guard(t("welfare.section.totals")):
    totals = app.q("welfare_totals", current)
    before = app.q("welfare_totals", compare) if compare else None
    members = app.q("members_total", current)
    c = st.columns(4)
    c[0].metric(
        t("welfare.spent"),
        fmt.wan(totals["total_yuan"]),
        fmt.metric_delta(totals["total_yuan"], before and before["total_yuan"]),
        border=True,
    )
    c[1].metric(
        t("welfare.person_times"),
        fmt.count(totals["person_times"], PERSON_TIMES),
        fmt.metric_delta(totals["person_times"], before and before["person_times"]),
        border=True,
    )
    c[2].metric(t("welfare.members"), fmt.count(members, t("unit.people")), border=True, help=t("welfare.members_help"))
    c[3].metric(
        t("welfare.per_member"),
        t("welfare.per_member_value", yuan=totals["total_yuan"] / members) if members else t("text.none"),
        border=True,
        help=t("welfare.per_member_help"),
    )

with app.guard(t("welfare.section.category")):
    by_cat = app.frame_or_none(app.q("welfare_by_category", current))
    if by_cat is None:
        st.info(t("welfare.none"))
    else:
        # The table goes under its chart, full width: beside it, it was cut off at the right.
        shown = by_cat.assign(wan=by_cat["amount_yuan"] / 10_000)
        st.plotly_chart(
            app.chart(
                charts.hbar,
                shown,
                "category",
                "wan",
                t("welfare.by_category"),
                WAN,
                extra="person_times",
                extra_unit=PERSON_TIMES,
            ),
            key="cat",
        )
        table = fmt.with_headers(by_cat, WELFARE_CATEGORY_COLUMNS)
        if compare:
            prev = app.q("welfare_by_category", compare).set_index("category")["amount_yuan"]
            table[t("welfare.prev_amount")] = by_cat["category"].map(prev)
        app.table(table, None)

with app.guard(t("welfare.section.month")):
    by_month = app.frame_or_none(app.q("welfare_by_month", current))
    if by_month is not None:
        st.plotly_chart(
            app.chart(
                charts.vbar,
                by_month.assign(wan=by_month["amount_yuan"] / 10_000),
                "month",
                "wan",
                t("welfare.by_month"),
                WAN,
                axis_title=t("unit.month"),
                months=app.period_months(current),
            ),
            key="month",
        )

with app.guard(t("welfare.section.sub_union")):
    by_sub = app.frame_or_none(app.q("welfare_by_sub_union", current))
    if by_sub is not None:
        # The table goes under its chart, full width: beside it, it was cut off at the right.
        st.plotly_chart(
            app.chart(
                charts.hbar,
                by_sub.assign(wan=by_sub["amount_yuan"] / 10_000),
                "sub_union",
                "wan",
                t("welfare.by_sub_union"),
                WAN,
                colour_by_label=False,
            ),
            key="sub",
        )
        app.table(by_sub, WELFARE_SUB_UNION_COLUMNS)

with app.guard(t("welfare.section.budget")):
    budget = app.frame_or_none(app.q("budget_execution", current))
    st.subheader(t("welfare.budget_title", year=current.period.headcount_year))
    if budget is None:
        st.caption(t("welfare.no_budget"))
    else:
        total_budget, total_final = budget["budget_yuan"].sum(), budget["final_yuan"].sum()
        st.metric(
            t("welfare.execution"),
            fmt.pct(total_final / total_budget if total_budget else None),
            help=t("welfare.execution_help", budget=fmt.wan(total_budget), final=fmt.wan(total_final)),
        )
        budget_name, final_name = t("welfare.budget"), t("welfare.final")
        shown = budget.assign(
            **{budget_name: budget["budget_yuan"] / 10_000, final_name: budget["final_yuan"] / 10_000}
        )
        st.plotly_chart(
            app.chart(
                charts.grouped,
                shown,
                "subject",
                {budget_name: budget_name, final_name: final_name},
                t("welfare.budget_chart"),
                WAN,
                horizontal=True,
            ),
            key="budget",
        )

with app.guard(t("welfare.section.rows")), st.expander(t("welfare.rows")):
    left, right = st.columns(2)
    show_names = app.names_toggle(t("page.welfare"), container=left, help=t("welfare.names_help"))
    with right:
        show_notes = app.reveal_toggle(t("page.welfare"))
    rows = app.row_view("welfare_rows", current)
    if not show_names:
        rows = rows.assign(recipient=fmt.mask_column(rows["recipient"]))
    if not show_notes:
        rows = fmt.hide_sensitive_notes(rows)
    app.table(rows, WELFARE_ROW_COLUMNS)
