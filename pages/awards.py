"""评优获奖: counts by level × individual/collective, by year, by sub-union, prize grades, and the list."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import AWARD_ROW_COLUMNS, t

app.ensure_navigation()
st.title(t("page.awards"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
app.coverage_notes(current, compare, ("awards",))

with app.guard(app.t("targets.title")):
    app.show_targets(current, "awards")
if current.period.kind == "academic":
    st.caption(t("awards.academic_note"))
ITEMS = t("unit.items")

with app.guard(t("awards.section.kpis")):
    totals = app.q("award_totals", current)
    before = app.q("award_totals", compare) if compare else None
    c = st.columns(3)
    c[0].metric(
        t("metric.awards_total"),
        fmt.count(totals["total"], ITEMS),
        fmt.metric_delta(totals["total"], before and before["total"]),
        border=True,
    )
    c[1].metric(app.INDIVIDUAL, fmt.count(totals[app.INDIVIDUAL], ITEMS), border=True)
    c[2].metric(app.COLLECTIVE, fmt.count(totals[app.COLLECTIVE], ITEMS), border=True)
    c = st.columns(5)
    for col, level in zip(c, app.LEVEL_ORDER, strict=True):
        n = totals["by_level"][level]
        col.metric(
            level,
            fmt.count(n, ITEMS),
            None
            if before is None or n == before["by_level"][level]
            else t("text.delta_items", n=n - before["by_level"][level]),
        )

with app.guard(t("awards.section.level_type")):
    level_type = app.frame_or_none(app.q("awards_by", current, "level_type"))
    if level_type is None:
        st.info(t("awards.none"))
    else:
        left, right = st.columns(2)
        left.plotly_chart(
            app.chart(
                charts.stacked,
                level_type,
                "level",
                "award_type",
                "n",
                t("awards.by_level_type"),
                ITEMS,
                order=(app.INDIVIDUAL, app.COLLECTIVE),
                x_order=app.LEVEL_ORDER,
            ),
            key="lt",
        )
        by_sub = app.frame_or_none(app.q("awards_by", current, "sub_union"))
        if by_sub is not None:
            right.plotly_chart(
                app.chart(
                    charts.hbar,
                    by_sub.head(15),
                    "sub_union",
                    "n",
                    t("awards.by_sub_union"),
                    ITEMS,
                    colour_by_label=False,
                ),
                key="sub",
            )

with app.guard(t("awards.section.years")):
    trend = app.q("yearly_trend", current)
    if len(trend) > 1:
        # coloured as 省级 awards
        st.plotly_chart(
            app.chart(charts.vbar, trend, "year", "awards", t("awards.by_year"), ITEMS, colour_key=app.LEVEL_ORDER[1]),
            key="years",
        )

with app.guard(t("awards.section.grades")):
    grades = app.frame_or_none(app.q("awards_by", current, "grade"))
    if grades is not None:
        st.plotly_chart(app.chart(charts.hbar, grades, "grade", "n", t("awards.grades"), ITEMS), key="grade")

with app.guard(t("awards.section.list")), st.expander(t("awards.list")):
    show_names = app.names_toggle(t("page.awards"))
    rows = app.row_view("award_rows", current)
    if not show_names:
        rows = rows.assign(recipient=fmt.mask_column(rows["recipient"]))
    app.table(rows, AWARD_ROW_COLUMNS)
