"""提案办理: from submission to 立案 / 意见建议 / 不予立案 / 合并 to 办理中 / 已办结; rates; open proposals."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.proposals"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))

with app.guard("提案指标"):
    totals = app.q("proposal_totals", current)
    before = app.q("proposal_totals", compare) if compare else None
    c = st.columns(6)
    c[0].metric(
        "提案总数",
        fmt.count(totals["total"], "件"),
        fmt.delta_text(totals["total"], before and before["total"]),
        border=True,
    )
    c[1].metric(
        "立案率",
        fmt.pct(totals["filing_rate"]),
        fmt.delta_points(totals["filing_rate"], before and before["filing_rate"]),
        border=True,
        help="立案 ÷ 提案总数",
    )
    c[2].metric(
        "已办结",
        fmt.count(totals["已办结"], "件"),
        fmt.delta_text(totals["已办结"], before and before["已办结"]),
        border=True,
        help="立案及作为意见建议的提案中，办理状态为已办结或已落实的件数",
    )
    c[3].metric("办结率", fmt.pct(totals["completion_rate"]), border=True, help="已办结 ÷（立案 + 作为意见建议）")
    c[4].metric("满意率", fmt.pct(totals["satisfaction_rate"]), border=True, help="（满意 + 基本满意）÷ 已反馈")
    c[5].metric(
        "平均答复天数",
        "—" if totals["avg_reply_days"] is None else f"{totals['avg_reply_days']:.0f}天",
        border=True,
        help="提交日期到答复日期",
    )

with app.guard("办理流程"):
    decisions = app.frame_or_none(app.q("proposals_by", current, "decision"))
    if decisions is None:
        st.info("本期间没有提案记录。")
    else:
        flow = app.q("proposal_decision_status", current)
        st.plotly_chart(charts.proposal_flow(decisions, flow, totals["total"], "提案处理与办理情况"), key="flow")

with app.guard("承办部门"):
    depts = app.frame_or_none(app.q("proposals_by", current, "department"))
    if depts is not None:
        left, right = st.columns([3, 2])
        left.plotly_chart(
            charts.grouped(
                depts.rename(columns={"proposals": "承办", "handled": "已办结"}),
                "key",
                {"承办": "承办", "已办结": "已办结"},
                "承办部门办理情况",
                "件",
                horizontal=True,
            ),
            key="dept",
        )
        with right:
            app.table(
                depts,
                {
                    "key": "承办部门",
                    "proposals": "承办件数",
                    "handled": "已办结",
                    "avg_reply_days": "平均答复天数",
                },
            )

with app.guard("未办结提案"):
    st.subheader("尚未办结的提案")
    still_open = app.q("open_proposals", current)
    if len(still_open) == 0:
        st.success("本期间立案及作为意见建议的提案已全部办结。")
    else:
        app.table(
            still_open,
            {
                "proposal_no": "提案编号",
                "title": "提案标题",
                "decision": "处理结果",
                "department": "承办部门",
                "status": "办理状态",
                "submit_date": "提交日期",
            },
        )
