"""活动参与: events and person-times by month, category and organiser; participation rates; biggest events."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.activities"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))

with app.guard("活动合计"):
    totals = app.q("activity_totals", current)
    before = app.q("activity_totals", compare) if compare else None
    c = st.columns(4)
    c[0].metric(
        "活动场次",
        fmt.count(totals["events"], "项"),
        fmt.delta_text(totals["events"], before and before["events"]),
        border=True,
    )
    c[1].metric(
        "参与人次",
        fmt.count(totals["person_times"], "人次"),
        fmt.delta_text(totals["person_times"], before and before["person_times"]),
        border=True,
    )
    c[2].metric(
        "总体参与率",
        fmt.pct(totals["participation_rate"]),
        fmt.delta_points(totals["participation_rate"], before and before["participation_rate"]),
        border=True,
        help="参加人次 ÷ 应参加人数（只计填写了应参加人数的活动）",
    )
    c[3].metric(
        "活动经费",
        fmt.wan(totals["cost_yuan"]),
        fmt.delta_text(totals["cost_yuan"], before and before["cost_yuan"]),
        border=True,
    )

with app.guard("按月份"):
    by_month = app.frame_or_none(app.q("activities_grouped", current, "month"))
    if by_month is None:
        st.info("本期间没有活动记录。")
    else:
        left, right = st.columns(2)
        left.plotly_chart(
            charts.vbar(by_month, "key", "person_times", "每月参与人次", "人次", axis_title="月份"), key="m_pt"
        )
        right.plotly_chart(
            charts.vbar(by_month, "key", "events", "每月活动场次", "项", axis_title="月份", colour_key="集体"),
            key="m_ev",
        )

with app.guard("按类别与主办"):
    by_cat = app.frame_or_none(app.q("activities_grouped", current, "category"))
    by_org = app.frame_or_none(app.q("activities_grouped", current, "organizer"))
    left, right = st.columns(2)
    if by_cat is not None:
        left.plotly_chart(
            charts.hbar(by_cat, "key", "person_times", "按活动类别（人次）", "人次", extra="events", extra_unit="项"),
            key="cat",
        )
    if by_org is not None:
        right.plotly_chart(
            charts.hbar(
                by_org.head(15),
                "key",
                "person_times",
                "按主办单位（人次，前15）",
                "人次",
                colour_by_label=False,
                extra="events",
                extra_unit="项",
            ),
            key="org",
        )

with app.guard("分工会参与率"):
    rates = app.frame_or_none(app.q("participation_by_sub_union", current))
    st.subheader("分工会参与率")
    if rates is None:
        st.caption("分工会主办的活动或会员人数统计表缺失，无法计算分工会参与率。")
    else:
        left, right = st.columns([3, 2])
        left.plotly_chart(charts.rate_bars(rates, "sub_union", "rate", "分工会活动参与率"), key="rate")
        with right:
            app.table(
                rates,
                {
                    "sub_union": "分工会",
                    "events": "活动数",
                    "person_times": "参与人次",
                    "eligible": "应参加人数",
                    "members": "会员人数",
                    "rate": "参与率",
                },
            )

with app.guard("规模最大的活动"):
    st.subheader("参与人数最多的活动")
    top = app.q("top_activities", current, 10)
    app.table(
        top,
        {
            "name": "活动名称",
            "start_date": "开始日期",
            "end_date": "结束日期",
            "organizer": "主办单位",
            "category": "类别",
            "participants": "参加人次",
            "eligible": "应参加人数",
            "cost_yuan": "经费（元）",
        },
    )
