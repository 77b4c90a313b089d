"""总览: the year at a glance, against the comparison period."""

import streamlit as st

from dashboard import app, charts
from dashboard import formatting as fmt
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.overview"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare))
app.coverage_notes(current, compare)
PERSON_TIMES, PIECES, ITEMS, PERSONS = t("unit.person_times"), t("unit.pieces"), t("unit.items"), t("unit.people")


def both(name: str):
    return app.q(name, current), (app.q(name, compare) if compare else None)


with app.guard(t("overview.section.kpis")):
    welfare, welfare_prev = both("welfare_totals")
    acts, acts_prev = both("activity_totals")
    props, props_prev = both("proposal_totals")
    awards, awards_prev = both("award_totals")

    # A ledger the period lacks shows 未导入台账, not 0 with −100% (coverage: rows per kind, 0 = missing);
    # one the comparison period lacks gives no change.
    have = app.q("coverage", current)
    have_prev = app.q("coverage", compare) if compare else {}

    def prev(d, key, kind=None):
        return d[key] if d and (kind is None or have_prev.get(kind)) else None

    def shown(kind, text, delta):
        return (text, delta) if have.get(kind) else (t("overview.no_ledger"), None)

    st.subheader(t("overview.welfare_and_activities"))
    c = st.columns(4)
    c[0].metric(
        t("overview.welfare_spent"),
        *shown(
            "welfare",
            fmt.seed_wan(welfare["total_yuan"]),
            fmt.metric_delta(welfare["total_yuan"], prev(welfare_prev, "total_yuan", "welfare")),
        ),
        border=True,
    )
    c[1].metric(
        t("overview.welfare_person_times"),
        *shown(
            "welfare",
            fmt.count(welfare["person_times"], PERSON_TIMES),
            fmt.metric_delta(welfare["person_times"], prev(welfare_prev, "person_times", "welfare")),
        ),
        border=True,
    )
    c[2].metric(
        t("overview.activity_person_times"),
        *shown(
            "activities",
            fmt.count(acts["person_times"], PERSON_TIMES),
            fmt.metric_delta(acts["person_times"], prev(acts_prev, "person_times", "activities")),
        ),
        border=True,
        help=t("overview.events_help", n=acts["events"]),
    )
    c[3].metric(
        t("overview.participation_rate"),
        fmt.pct(acts["participation_rate"]),
        fmt.metric_points(acts["participation_rate"], prev(acts_prev, "participation_rate")),
        border=True,
        help=t("metric.participation_help"),
    )

    st.subheader(t("overview.proposals_and_awards"))
    decisions = {
        "filed": props[app.FILED],
        "advice": props[app.ADVICE],
        "declined": props[app.DECLINED],
    }
    c = st.columns(4)
    c[0].metric(
        t("metric.proposals_total"),
        *shown(
            "proposals",
            fmt.count(props["total"], PIECES),
            fmt.metric_delta(props["total"], prev(props_prev, "total", "proposals")),
        ),
        border=True,
        help=t("overview.decisions_help", **decisions, merged=props[app.MERGED]),
    )
    # Four figures do not fit one metric card (its label and value were cut off): words and figures in lines.
    with c[1].container(border=True):
        st.caption(t("overview.decisions"))
        if have.get("proposals"):
            st.markdown(t("overview.decisions_value", **decisions, merged=props[app.MERGED]))
        else:
            st.markdown(t("overview.no_ledger"))
    c[2].metric(
        t("metric.completion_rate"),
        fmt.pct(props["completion_rate"]),
        fmt.metric_points(props["completion_rate"], prev(props_prev, "completion_rate")),
        border=True,
        help=t("metric.completion_help"),
    )
    c[3].metric(
        t("metric.awards_total"),
        *shown(
            "awards",
            fmt.count(awards["total"], ITEMS),
            fmt.metric_delta(awards["total"], prev(awards_prev, "total", "awards")),
        ),
        border=True,
        help=t("text.list_sep").join(
            t("overview.levels_help_item", level=k, n=v) for k, v in awards["by_level"].items()
        ),
    )
    if have.get("awards"):  # the levels of awards a period has (none: the card above says 未导入台账)
        levels = st.columns(5)
        for col, (level, n) in zip(levels, awards["by_level"].items(), strict=True):
            before = awards_prev["by_level"][level] if awards_prev and have_prev.get("awards") else None
            delta = None if before is None or n == before else t("text.delta_items", n=n - before)
            col.metric(level, fmt.count(n, ITEMS), delta)
    members, members_prev = both("members_total")
    c = st.columns(4)
    c[0].metric(
        t("overview.members"),
        t("overview.members_missing") if members is None else fmt.count(members, PERSONS),
        None if members is None or members_prev is None else fmt.metric_delta(members, members_prev),
        border=True,
    )
    c[1].metric(
        t("overview.events"),
        *shown(
            "activities",
            fmt.count(acts["events"], t("unit.events")),
            fmt.metric_delta(acts["events"], prev(acts_prev, "events", "activities")),
        ),
        border=True,
    )

with app.guard(t("targets.title")):
    app.show_targets(current)

with app.guard(t("overview.more")):
    st.subheader(t("overview.more"))
    donations, donations_prev = both("donation_totals")
    publicity, publicity_prev = both("publicity_totals")
    reach = app.q("reach", current)
    c = st.columns(3)
    c[0].metric(
        t("overview.donations"),
        fmt.seed_wan(donations["total_yuan"]) if donations["rows"] else t("overview.no_ledger"),
        fmt.metric_delta(donations["total_yuan"], prev(donations_prev, "total_yuan")) if donations["rows"] else None,
        border=True,
        help=t("overview.donations_help", drives=donations["drives"], person_times=donations["person_times"]),
    )
    c[1].metric(
        t("overview.publicity"),
        fmt.count(publicity["items"], t("unit.articles")) if publicity["items"] else t("overview.no_ledger"),
        fmt.metric_delta(publicity["items"], prev(publicity_prev, "items")) if publicity["items"] else None,
        border=True,
        help=t("overview.publicity_help", wechat=publicity["by_channel"].get(app.WECHAT_CHANNEL, 0)),
    )
    c[2].metric(
        t("overview.reach"),
        t("overview.reach_none") if reach["reason"] else fmt.pct(reach["share"]),
        border=True,
        help=t(reach["reason"]) if reach["reason"] else t("overview.reach_help", **reach),
    )
    keys = ["welfare.total_yuan", "welfare.person_times", "activities.events", "activities.person_times"]
    keys += ["proposals.total", f"proposals.{app.HANDLED_KEY}", "awards.total"]
    keys += ["donations.total_yuan", "publicity.items"]
    app.sources(current, keys, key="overview_sources")

with app.guard(t("overview.section.trend")):
    trend = app.q("yearly_trend", current)
    if len(trend) >= 1:

        def series(column, scale=1.0):
            return trend.assign(value=trend[column] / scale)[["year", "value"]]

        fig = app.chart(
            charts.trends,
            {
                t("overview.trend_welfare"): (series("welfare_yuan", 10_000), t("unit.wan")),
                t("overview.trend_activities"): (series("activity_person_times"), PERSON_TIMES),
                t("overview.trend_proposals"): (series("proposals"), PIECES),
                t("overview.trend_awards"): (series("awards"), ITEMS),
            },
            t("overview.trend"),
        )
        st.plotly_chart(fig, key="trend")
