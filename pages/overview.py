"""总览: the year at a glance, against the comparison period."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.overview"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))


def both(name: str):
    return app.q(name, current), (app.q(name, compare) if compare else None)


with app.guard("关键指标"):
    welfare, welfare_prev = both("welfare_totals")
    acts, acts_prev = both("activity_totals")
    props, props_prev = both("proposal_totals")
    awards, awards_prev = both("award_totals")

    def prev(d, key):
        return d[key] if d else None

    st.subheader("福利慰问与活动")
    c = st.columns(4)
    c[0].metric(
        "福利慰问支出",
        fmt.seed_wan(welfare["total_yuan"]),
        fmt.delta_text(welfare["total_yuan"], prev(welfare_prev, "total_yuan")),
        border=True,
    )
    c[1].metric(
        "慰问/福利人次",
        fmt.count(welfare["person_times"], "人次"),
        fmt.delta_text(welfare["person_times"], prev(welfare_prev, "person_times")),
        border=True,
    )
    c[2].metric(
        "活动参与人次",
        fmt.count(acts["person_times"], "人次"),
        fmt.delta_text(acts["person_times"], prev(acts_prev, "person_times")),
        border=True,
        help=f"共 {acts['events']} 项活动",
    )
    c[3].metric(
        "活动参与率",
        fmt.pct(acts["participation_rate"]),
        fmt.delta_points(acts["participation_rate"], prev(acts_prev, "participation_rate")),
        border=True,
        help="参加人次 ÷ 应参加人数（只计填写了应参加人数的活动）",
    )

    st.subheader("提案与获奖")
    c = st.columns(4)
    c[0].metric(
        "提案总数",
        fmt.count(props["total"], "件"),
        fmt.delta_text(props["total"], prev(props_prev, "total")),
        border=True,
        help=f"立案 {props['立案']} 件，意见建议 {props['作为意见建议']} 件，"
        f"不予立案 {props['不予立案']} 件，合并 {props['合并']} 件",
    )
    c[1].metric(
        "立案 / 意见建议 / 不予立案", f"{props['立案']} / {props['作为意见建议']} / {props['不予立案']}", border=True
    )
    c[2].metric(
        "办结率",
        fmt.pct(props["completion_rate"]),
        fmt.delta_points(props["completion_rate"], prev(props_prev, "completion_rate")),
        border=True,
        help="（已办结 + 已落实）÷（立案 + 作为意见建议）",
    )
    c[3].metric(
        "获奖总数",
        fmt.count(awards["total"], "项"),
        fmt.delta_text(awards["total"], prev(awards_prev, "total")),
        border=True,
        help="、".join(f"{k} {v} 项" for k, v in awards["by_level"].items()),
    )
    levels = st.columns(5)
    for col, (level, n) in zip(levels, awards["by_level"].items(), strict=True):
        before = awards_prev["by_level"][level] if awards_prev else None
        col.metric(level, fmt.count(n, "项"), None if before is None else f"{n - before:+d}项")

with app.guard("近年趋势"):
    trend = app.q("yearly_trend", current)
    if len(trend) >= 1:

        def series(column, scale=1.0):
            return trend.assign(value=trend[column] / scale)[["year", "value"]]

        fig = charts.trends(
            {
                "福利慰问支出": (series("welfare_yuan", 10_000), "万元"),
                "活动参与": (series("activity_person_times"), "人次"),
                "提案": (series("proposals"), "件"),
                "获奖": (series("awards"), "项"),
            },
            "近年趋势",
        )
        st.plotly_chart(fig, key="trend")
