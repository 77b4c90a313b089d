"""评优获奖: counts by level × individual/collective, by year, by sub-union, prize grades, and the list."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import AWARD_ROW_COLUMNS, t

app.ensure_navigation()
st.title(t("page.awards"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
if current.period.kind == "academic":
    st.caption("学年口径按获奖日期统计；自然年口径按台账中的“年度”统计。")

with app.guard("获奖指标"):
    totals = app.q("award_totals", current)
    before = app.q("award_totals", compare) if compare else None
    c = st.columns(3)
    c[0].metric(
        "获奖总数",
        fmt.count(totals["total"], "项"),
        fmt.delta_text(totals["total"], before and before["total"]),
        border=True,
    )
    c[1].metric("个人", fmt.count(totals["个人"], "项"), border=True)
    c[2].metric("集体", fmt.count(totals["集体"], "项"), border=True)
    c = st.columns(5)
    for col, level in zip(c, app.LEVEL_ORDER, strict=True):
        n = totals["by_level"][level]
        col.metric(level, fmt.count(n, "项"), None if before is None else f"{n - before['by_level'][level]:+d}项")

with app.guard("按级别与类型"):
    level_type = app.frame_or_none(app.q("awards_by", current, "level_type"))
    if level_type is None:
        st.info("本期间没有获奖记录。")
    else:
        left, right = st.columns(2)
        left.plotly_chart(
            charts.stacked(
                level_type,
                "level",
                "award_type",
                "n",
                "按级别（个人 / 集体）",
                "项",
                order=("个人", "集体"),
                x_order=app.LEVEL_ORDER,
            ),
            key="lt",
        )
        by_sub = app.frame_or_none(app.q("awards_by", current, "sub_union"))
        if by_sub is not None:
            right.plotly_chart(
                charts.hbar(by_sub.head(15), "sub_union", "n", "按分工会（前15）", "项", colour_by_label=False),
                key="sub",
            )

with app.guard("历年"):
    trend = app.q("yearly_trend", current)
    if len(trend) > 1:
        st.plotly_chart(charts.vbar(trend, "year", "awards", "历年获奖数", "项", colour_key="省级"), key="years")

with app.guard("等次"):
    grades = app.frame_or_none(app.q("awards_by", current, "grade"))
    if grades is not None:
        st.plotly_chart(charts.hbar(grades, "grade", "n", "竞赛获奖等次", "项"), key="grade")

with app.guard("获奖名单"), st.expander("获奖名单"):
    show_names = st.toggle("显示完整姓名", value=False)
    rows = app.q("award_rows", current)
    if not show_names:
        rows = rows.assign(recipient=fmt.mask_column(rows["recipient"]))
    app.table(rows, AWARD_ROW_COLUMNS)
