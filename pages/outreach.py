"""捐款与宣传: donation drives (amount, donors, share of members, by sub-union, 去向), publicity items
(by channel, type, month) and members reached (覆盖面), each with the rows behind its figures."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.outreach"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
PERSON_TIMES, PEOPLE, ARTICLES = t("unit.person_times"), t("unit.people"), t("unit.articles")

with app.guard(t("outreach.section.donations")):
    st.subheader(t("outreach.section.donations"))
    totals = app.q("donation_totals", current)
    before = app.q("donation_totals", compare) if compare else None
    if not totals["rows"]:
        st.info(t("outreach.no_donations"))
    else:
        drives = app.q("donations_by_drive", current)
        members = app.q("members_total", current)
        c = st.columns(4)
        c[0].metric(
            t("outreach.drives"),
            fmt.count(totals["drives"], t("unit.times")),
            fmt.metric_delta(totals["drives"], before and before["drives"]),
            border=True,
        )
        c[1].metric(
            t("outreach.donors"),
            fmt.count(totals["person_times"], PERSON_TIMES),
            fmt.metric_delta(totals["person_times"], before and before["person_times"]),
            border=True,
        )
        c[2].metric(
            t("outreach.raised"),
            fmt.seed_wan(totals["total_yuan"]),
            fmt.metric_delta(totals["total_yuan"], before and before["total_yuan"]),
            border=True,
        )
        share = totals["person_times"] / totals["drives"] / members if members and totals["drives"] else None
        c[3].metric(t("outreach.share"), fmt.pct(share), border=True, help=t("outreach.share_help"))
        st.markdown(f"**{t('outreach.by_drive')}**")
        app.table(drives, app.DRIVE_COLUMNS)
        by_sub = app.frame_or_none(app.q("donations_by_sub_union", current))
        if by_sub is not None:
            # The table under its chart, full width (beside it, it was cut off at the right).
            st.plotly_chart(
                app.chart(
                    charts.hbar,
                    by_sub.assign(wan=by_sub["amount_yuan"] / 10_000).head(20),
                    "sub_union",
                    "wan",
                    t("outreach.by_sub_union"),
                    t("unit.wan"),
                    colour_by_label=False,
                ),
                key="don_sub",
            )
            st.markdown(f"**{t('outreach.sub_union_table')}**")
            app.table(by_sub, app.DONATION_SUB_UNION_COLUMNS)

with app.guard(t("outreach.section.publicity")):
    st.subheader(t("outreach.section.publicity"))
    pub = app.q("publicity_totals", current)
    pub_before = app.q("publicity_totals", compare) if compare else None
    if not pub["items"]:
        st.info(t("outreach.no_publicity"))
    else:
        wechat = pub["by_channel"].get(app.WECHAT_CHANNEL, 0)
        c = st.columns(3)
        c[0].metric(
            t("outreach.items"),
            fmt.count(pub["items"], ARTICLES),
            fmt.metric_delta(pub["items"], pub_before and pub_before["items"]),
            border=True,
        )
        c[1].metric(
            t("outreach.wechat"),
            fmt.count(wechat, ARTICLES),
            fmt.metric_delta(wechat, pub_before and pub_before["by_channel"].get(app.WECHAT_CHANNEL, 0)),
            border=True,
        )
        c[2].metric(t("outreach.reads"), f"{pub['reads']:,}", border=True)
        left, right = st.columns(2)
        left.plotly_chart(
            app.chart(
                charts.hbar,
                app.q("publicity_by", current, "channel"),
                "key",
                "items",
                t("outreach.by_channel"),
                ARTICLES,
            ),
            key="pub_channel",
        )
        right.plotly_chart(
            app.chart(
                charts.hbar,
                app.q("publicity_by", current, "category"),
                "key",
                "items",
                t("outreach.by_type"),
                ARTICLES,
                colour_by_label=False,
            ),
            key="pub_type",
        )
        st.plotly_chart(
            app.chart(
                charts.vbar,
                app.q("publicity_by", current, "month"),
                "key",
                "items",
                t("outreach.by_month"),
                ARTICLES,
                months=app.period_months(current),
            ),
            key="pub_month",
        )

with app.guard(t("outreach.section.reach")):
    st.subheader(t("outreach.section.reach"))
    reach = app.q("reach", current)
    if reach["reason"]:
        st.info(t(reach["reason"]))
    else:
        st.caption(t("outreach.roster_year", year=reach["roster_year"]) + " " + t("outreach.no_activity_names"))
        c = st.columns(3)
        c[0].metric(t("outreach.members"), fmt.count(reach["members"], PEOPLE), border=True)
        c[1].metric(
            t("outreach.reached"), fmt.count(reach["reached"], PEOPLE), border=True, help=t("outreach.reach_help")
        )
        c[2].metric(t("outreach.reach_share"), fmt.pct(reach["share"]), border=True)
        if reach["ambiguous"]:
            names = t("text.list_sep").join(fmt.mask_name(n) for n in reach["ambiguous"])
            st.caption(t("outreach.ambiguous", names=names))
        st.plotly_chart(
            app.chart(charts.rate_bars, reach["by_sub_union"], "sub_union", "share", t("outreach.reach_by_sub_union")),
            key="reach_sub",
        )
        app.table(reach["by_sub_union"], app.REACH_SUB_UNION_COLUMNS)
        never = reach["never"]
        with st.expander(t("outreach.never", n=len(never))):
            # row-level view: names masked unless the user asks for them
            show = st.toggle(t("text.show_full_names"), value=False, key="never_names")
            shown = never if show else never.assign(name=fmt.mask_column(never["name"]), staff_id=None)
            app.table(shown, app.NEVER_REACHED_COLUMNS)

with app.guard(t("outreach.section.sources")):
    keys = [
        "donations.drives",
        "donations.person_times",
        "donations.total_yuan",
        "publicity.items",
        *[f"publicity.by_channel.{c}" for c in app.q("publicity_totals", current)["by_channel"]],
    ]
    if not reach["reason"]:
        keys += ["reach.members", "reach.reached", "reach.share"]
    app.sources(current, keys, key="outreach_sources")
