"""区县汇总: one row per school for the period, a chart comparing schools, school-over-year trends, Excel."""

import streamlit as st

from dashboard import app, charts
from dashboard.app import DISTRICT_COLUMNS, t

app.ensure_navigation()
app.require("district")
st.title(t("page.district"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, None))

with app.guard(t("district.section.table")):
    table = app.district(current)
    if len(table) < 2:
        st.info(t("district.none"))
        app.stop()
    st.caption(t("district.caption"))
    app.table(app.district_labelled(table))
    st.download_button(
        t("district.download"),
        lambda: app.district_workbook(current),
        file_name=t("district.file", period=current.period.label),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_chart:",
        key="dl_district",
        on_click=app.record_export(t("export.district")),
    )

with app.guard(t("district.section.chart")):
    measures = {
        DISTRICT_COLUMNS[key]: key
        for key in ("welfare_yuan", "per_member_yuan", "participation_rate", "completion_rate", "awards_per_100")
    }
    label = st.selectbox(t("district.measure"), list(measures), key="district_measure")
    key = measures[label]
    shown = table[["org", key]].dropna()
    if len(shown):
        scale = 100 if key.endswith("rate") else 1
        if len(shown) > charts.RANK_ALL_BARS:
            st.caption(t("district.rank_caption", measure=label, ends=charts.RANK_ENDS))
        st.plotly_chart(
            app.chart(
                charts.school_ranking,
                shown.assign(value=shown[key].astype(float) * scale)[["org", "value"]],
                "org",
                "value",
                t("district.chart_title", measure=label),
                "%" if scale == 100 else "",
            ),
            key="district_chart",
        )

with app.guard(t("district.section.trend")):
    trend = app.district_trend()
    if len(trend):
        st.subheader(t("district.section.trend"))
        schools = trend["org"].nunique()
        if schools > charts.TREND_SCHOOL_LINES:
            caption = "district.trend_band_caption" if schools > charts.TREND_BAND_SCHOOLS else "district.trend_caption"
            st.caption(t(caption, year=int(trend["year"].max()), top=charts.TREND_TOP))
        st.plotly_chart(app.district_trend_chart(trend), key="district_trend")
        app.table(trend.drop(columns=["members"]).astype({"per_member_yuan": float}), app.DISTRICT_TREND_COLUMNS)
