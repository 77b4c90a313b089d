"""福利慰问: spending by category, month and sub-union; person-times; budget execution; rows on demand."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import WELFARE_ROW_COLUMNS, t

app.ensure_navigation()
st.title(t("page.welfare"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))

with app.guard("福利慰问合计"):
    totals = app.q("welfare_totals", current)
    before = app.q("welfare_totals", compare) if compare else None
    members = app.q("members_total", current)
    c = st.columns(4)
    c[0].metric(
        "支出合计",
        fmt.wan(totals["total_yuan"]),
        fmt.delta_text(totals["total_yuan"], before and before["total_yuan"]),
        border=True,
    )
    c[1].metric(
        "人次",
        fmt.count(totals["person_times"], "人次"),
        fmt.delta_text(totals["person_times"], before and before["person_times"]),
        border=True,
    )
    c[2].metric("会员人数", fmt.count(members, "人"), border=True, help="期间内的年末会员人数")
    c[3].metric(
        "人均", f"{totals['total_yuan'] / members:,.0f}元" if members else "—", border=True, help="支出合计 ÷ 会员人数"
    )

with app.guard("按类别"):
    by_cat = app.frame_or_none(app.q("welfare_by_category", current))
    if by_cat is None:
        st.info("本期间没有福利慰问记录。")
    else:
        left, right = st.columns([3, 2])
        shown = by_cat.assign(wan=by_cat["amount_yuan"] / 10_000)
        left.plotly_chart(
            charts.hbar(shown, "category", "wan", "按类别支出", "万元", extra="person_times", extra_unit="人次"),
            key="cat",
        )
        table = by_cat.rename(
            columns={"category": "类别", "amount_yuan": "金额（元）", "person_times": "人次", "rows": "笔数"}
        )
        if compare:
            prev = app.q("welfare_by_category", compare).set_index("category")["amount_yuan"]
            table["上期金额（元）"] = by_cat["category"].map(prev)
        with right:
            app.table(table, None)

with app.guard("按月份"):
    by_month = app.frame_or_none(app.q("welfare_by_month", current))
    if by_month is not None:
        st.plotly_chart(
            charts.vbar(
                by_month.assign(wan=by_month["amount_yuan"] / 10_000),
                "month",
                "wan",
                "按月支出（万元）",
                "万元",
                axis_title="月份",
            ),
            key="month",
        )

with app.guard("按分工会"):
    by_sub = app.frame_or_none(app.q("welfare_by_sub_union", current))
    if by_sub is not None:
        left, right = st.columns([3, 2])
        left.plotly_chart(
            charts.hbar(
                by_sub.assign(wan=by_sub["amount_yuan"] / 10_000),
                "sub_union",
                "wan",
                "按分工会支出",
                "万元",
                colour_by_label=False,
            ),
            key="sub",
        )
        with right:
            app.table(
                by_sub,
                {
                    "sub_union": "分工会",
                    "amount_yuan": "金额（元）",
                    "person_times": "人次",
                    "members": "会员人数",
                    "per_member": "人均（元）",
                },
            )

with app.guard("预算执行"):
    budget = app.frame_or_none(app.q("budget_execution", current))
    st.subheader(f"经费预算执行（{current.period.headcount_year}年度）")
    if budget is None:
        st.caption("没有导入该年度的经费预算决算表。")
    else:
        total_budget, total_final = budget["budget_yuan"].sum(), budget["final_yuan"].sum()
        st.metric(
            "总体执行率（决算 ÷ 预算）",
            fmt.pct(total_final / total_budget if total_budget else None),
            help=f"预算 {fmt.wan(total_budget)}，决算 {fmt.wan(total_final)}",
        )
        shown = budget.assign(预算数=budget["budget_yuan"] / 10_000, 决算数=budget["final_yuan"] / 10_000)
        st.plotly_chart(
            charts.grouped(
                shown,
                "subject",
                {"预算数": "预算数", "决算数": "决算数"},
                "预算与决算（明细科目）",
                "万元",
                horizontal=True,
            ),
            key="budget",
        )

with app.guard("明细"), st.expander("查看明细（含姓名，仅限授权人员）"):
    left, right = st.columns(2)
    show_names = left.toggle("显示完整姓名", value=False, help="默认脱敏显示（张*）。会议材料中始终只用汇总数。")
    with right:
        show_notes = app.reveal_toggle("福利慰问")
    rows = app.q("welfare_rows", current)
    if not show_names:
        rows = rows.assign(recipient=fmt.mask_column(rows["recipient"]))
    if not show_notes:
        rows = fmt.hide_sensitive_notes(rows)
    app.table(rows, WELFARE_ROW_COLUMNS)
