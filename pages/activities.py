"""活动参与: events and person-times by month, category and organiser; participation rates; biggest events."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import PARTICIPATION_COLUMNS, TOP_ACTIVITY_COLUMNS, t

app.ensure_navigation()
st.title(t("page.activities"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
app.coverage_notes(current, compare, ("activities", "members"))

with app.guard(app.t("targets.title")):
    app.show_targets(current, "activities")
PERSON_TIMES, EVENTS = t("unit.person_times"), t("unit.events")

with app.guard(t("activities.section.totals")):
    totals = app.q("activity_totals", current)
    before = app.q("activity_totals", compare) if compare else None
    c = st.columns(4)
    c[0].metric(
        t("activities.events"),
        fmt.count(totals["events"], EVENTS),
        fmt.metric_delta(totals["events"], before and before["events"]),
        border=True,
    )
    c[1].metric(
        t("activities.person_times"),
        fmt.count(totals["person_times"], PERSON_TIMES),
        fmt.metric_delta(totals["person_times"], before and before["person_times"]),
        border=True,
    )
    c[2].metric(
        t("activities.rate"),
        fmt.pct(totals["participation_rate"]),
        fmt.metric_points(totals["participation_rate"], before and before["participation_rate"]),
        border=True,
        help=t("metric.participation_help"),
    )
    c[3].metric(
        t("activities.cost"),
        fmt.wan(totals["cost_yuan"]),
        fmt.metric_delta(totals["cost_yuan"], before and before["cost_yuan"]),
        border=True,
    )

with app.guard(t("activities.section.month")):
    by_month = app.frame_or_none(app.q("activities_grouped", current, "month"))
    if by_month is None:
        st.info(t("activities.none"))
    else:
        left, right = st.columns(2)
        left.plotly_chart(
            app.chart(
                charts.vbar,
                by_month,
                "key",
                "person_times",
                t("activities.monthly_person_times"),
                PERSON_TIMES,
                axis_title=t("unit.month"),
                months=app.period_months(current),
            ),
            key="m_pt",
        )
        right.plotly_chart(
            app.chart(
                charts.vbar,
                by_month,
                "key",
                "events",
                t("activities.monthly_events"),
                EVENTS,
                axis_title=t("unit.month"),
                colour_key=app.COLLECTIVE,
                months=app.period_months(current),
            ),
            key="m_ev",
        )

with app.guard(t("activities.section.category")):
    by_cat = app.frame_or_none(app.q("activities_grouped", current, "category"))
    by_org = app.frame_or_none(app.q("activities_grouped", current, "organizer"))
    left, right = st.columns(2)
    if by_cat is not None:
        left.plotly_chart(
            app.chart(
                charts.hbar,
                by_cat,
                "key",
                "person_times",
                t("activities.by_category"),
                PERSON_TIMES,
                extra="events",
                extra_unit=EVENTS,
            ),
            key="cat",
        )
    if by_org is not None:
        right.plotly_chart(
            app.chart(
                charts.hbar,
                by_org.head(15),
                "key",
                "person_times",
                t("activities.by_organizer"),
                PERSON_TIMES,
                colour_by_label=False,
                extra="events",
                extra_unit=EVENTS,
            ),
            key="org",
        )

with app.guard(t("activities.section.rates")):
    rates = app.frame_or_none(app.q("participation_by_sub_union", current))
    st.subheader(t("activities.rates"))
    if rates is None:
        st.caption(t("activities.no_rates"))
    else:
        # The table goes under its chart, full width: beside it, it was cut off at the right.
        st.plotly_chart(
            app.chart(charts.rate_bars, rates, "sub_union", "rate", t("activities.rates_chart")), key="rate"
        )
        app.table(rates, PARTICIPATION_COLUMNS)

with app.guard(t("activities.section.top")):
    st.subheader(t("activities.top"))
    top = app.q("top_activities", current, 10)
    app.table(top, TOP_ACTIVITY_COLUMNS)
