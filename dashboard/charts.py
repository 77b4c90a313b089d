"""Chart builders (图表): plotly graph_objects figures with Chinese titles, units and stable colours.

Builders never call Streamlit; they take DataFrames from :mod:`dashboard.queries`
and return a figure.  graph_objects, not plotly.express: 12× cheaper to build on
this machine (MEASURED.md), and the page reruns on every click.
"""

from __future__ import annotations

import datetime as dt
import html
import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.labels import t
from core.vocab import AWARD_TYPES, DECISION_ORDER, LEVEL_ORDER, STATUS_ORDER, WELFARE_CATEGORIES

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE = (
    "#c0392b",
    "#2980b9",
    "#27ae60",
    "#f39c12",
    "#8e44ad",
    "#16a085",
    "#d35400",
    "#2c3e50",
    "#e84393",
    "#7f8c8d",
    "#6ab04c",
    "#4834d4",
    "#b33939",
    "#218c74",
    "#cc8e35",
)
# Every category keeps its colour on every page: standard words by their order in the
# vocabulary, other words by a stable hash of the text.
_FIXED = {
    **{c: PALETTE[i % len(PALETTE)] for i, c in enumerate(WELFARE_CATEGORIES)},
    **{c: PALETTE[i] for i, c in enumerate(LEVEL_ORDER)},
    **{c: PALETTE[i + 1] for i, c in enumerate(DECISION_ORDER)},
    **{c: PALETTE[i + 5] for i, c in enumerate(STATUS_ORDER)},
    **dict(zip(AWARD_TYPES, (PALETTE[1], PALETTE[0]), strict=True)),  # 个人, 集体
    t("chart.current"): PALETTE[0],
    t("chart.previous"): "#95a5a6",
    t("welfare.budget"): "#95a5a6",
    t("welfare.final"): PALETTE[0],
}
WAN = t("unit.wan")  # bar labels in 万元 round to 2 decimals; hovers show the exact figure (up to 4)
COLON = t("chart.colon")  # between a name and its value in hover text
# Units of whole things: their axes tick at whole numbers only (never 0.2 人次).
COUNT_UNITS = frozenset(
    t(f"unit.{u}") for u in ("person_times", "people", "items", "events", "pieces", "articles", "times")
)


def is_count(unit: str) -> bool:
    """True for a unit of whole things (人次, 场, 项, 件 …)."""
    return unit in COUNT_UNITS


def count_axis(largest: float | None) -> dict[str, object]:
    """Axis settings for counts: whole-number ticks with a thousands separator, from zero; a step of 1
    while the largest value is at most 10 (Plotly's automatic step would be 0.2 or 0.5 there)."""
    settings: dict[str, object] = {"tickformat": ",d", "rangemode": "tozero"}
    if largest is None or pd.isna(largest) or largest <= 10:
        settings["dtick"] = 1
        settings["tick0"] = 0
    return settings


def month_keys(start: dt.date, end: dt.date) -> list[str]:
    """Every month from ``start`` to ``end`` as '2024-03' (the keys of the by-month queries)."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def fill_months(frame: pd.DataFrame, label: str, months: list[str]) -> pd.DataFrame:
    """``frame`` with a row for every month of ``months`` (numbers 0 where the month had nothing),
    in calendar order; months of the frame outside ``months`` are kept."""
    keys = frame[label].astype(str)
    extra = [k for k in keys if k not in set(months)]
    order = sorted({*months, *extra})
    numeric = [c for c in frame.columns if c != label and pd.api.types.is_numeric_dtype(frame[c])]
    filled = frame.assign(**{label: keys}).set_index(label).reindex(order)
    filled[numeric] = filled[numeric].fillna(0)
    for column in numeric:  # counts stay whole numbers (8, not 8.0)
        if pd.api.types.is_integer_dtype(frame[column].dtype):
            filled[column] = filled[column].astype(frame[column].dtype)
    return filled.rename_axis(label).reset_index()


def colour(key: str) -> str:
    """The colour of a category, level, status or series name (same everywhere)."""
    if key in _FIXED:
        return _FIXED[key]
    return PALETTE[zlib.crc32(str(key).encode()) % len(PALETTE)]


def _with_unit(title: str, unit: str) -> str:
    """A vertical axis cannot show a Chinese unit upright, so the unit goes into the title."""
    return title if unit in title else t("chart.with_unit", title=title, unit=unit)


def plotly_text(value: object) -> str:
    """Ledger text made literal for Plotly, which renders <a href>, <b> and <br> in labels and hovers.

    HTML-escaped (& < > and quotes), and % as an entity so that "%{x}" in a value is no template.
    """
    return html.escape(str(value)).replace("%", "&#37;")


def _escape_user_text(fig: go.Figure) -> None:
    """Every category, trace name and Sankey node label of ``fig`` through :func:`plotly_text`.

    Axis values, legend names and node labels come from ledgers (categories, sub-unions,
    activity names); numbers and our own templates are left as they are.
    """
    for trace in fig.data:
        for attr in ("x", "y", "labels"):
            values = getattr(trace, attr, None) if attr in trace else None
            if values is not None and any(isinstance(v, str) for v in values):
                trace[attr] = [plotly_text(v) if isinstance(v, str) else v for v in values]
        if "name" in trace and isinstance(trace.name, str):
            trace.name = plotly_text(trace.name)
        if trace.type == "sankey" and trace.node.label is not None:
            trace.node.label = [plotly_text(v) for v in trace.node.label]


def _layout(fig: go.Figure, title: str, height: int = 360, **kwargs) -> go.Figure:
    _escape_user_text(fig)
    kwargs.setdefault("margin", {"l": 10, "r": 10, "t": 50, "b": 10})
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT, "size": 13},
        height=height,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
        hoverlabel={"font_family": FONT},
        **kwargs,
    )
    fig.update_xaxes(gridcolor="#eee", automargin=True)
    fig.update_yaxes(gridcolor="#eee", automargin=True)
    return fig


def empty(title: str, message: str) -> go.Figure:
    """A blank figure that says there is no data (so a page keeps its shape)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#888"}, x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=220)


def hbar(
    frame: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    unit: str,
    *,
    colour_by_label: bool = True,
    extra: str | None = None,
    extra_unit: str = "",
) -> go.Figure:
    """Horizontal bars, biggest on top: ``frame[label]`` against ``frame[value]`` (in ``unit``)."""
    data = frame.sort_values(value, ascending=True)
    custom = data[extra] if extra else None
    hover = f"%{{y}}<br>%{{x:,.4~f}}{unit}" if unit == WAN else f"%{{y}}<br>%{{x:,}}{unit}"
    if extra:
        hover += f"<br>%{{customdata:,}}{extra_unit}"
    fig = go.Figure(
        go.Bar(
            x=data[value],
            y=data[label],
            orientation="h",
            marker_color=[colour(k) for k in data[label]] if colour_by_label else PALETTE[0],
            customdata=custom,
            hovertemplate=hover + "<extra></extra>",
            text=[f"{v:,.2f}" if unit == WAN else f"{v:,.0f}" for v in data[value]],
            textposition="auto",
        )
    )
    fig.update_xaxes(title_text=unit)
    if is_count(unit):
        fig.update_xaxes(**count_axis(data[value].max() if len(data) else None))
    return _layout(fig, title, height=max(260, 34 * len(data) + 90))


def vbar(
    frame: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    unit: str,
    *,
    axis_title: str = "",
    colour_key: str | None = None,
    months: list[str] | None = None,
) -> go.Figure:
    """Vertical bars in the frame's order (months, years): ``frame[value]`` in ``unit``.

    ``months`` (keys '2024-01' …): every month of the period gets a bar, 0 where it had nothing.
    """
    if months is not None:
        frame = fill_months(frame, label, months)
    fmt = ",.4~f" if unit == WAN else ("," if not is_count(unit) else ",.0f")
    fig = go.Figure(
        go.Bar(
            x=frame[label].astype(str),
            y=frame[value],
            marker_color=colour(colour_key) if colour_key else PALETTE[1],
            hovertemplate=f"%{{x}}<br>%{{y:{fmt}}}{unit}<extra></extra>",
            text=[f"{v:,.2f}" if unit == WAN else f"{v:{fmt}}" for v in frame[value]],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_xaxes(title_text=axis_title, type="category")
    if is_count(unit):
        fig.update_yaxes(**count_axis(frame[value].max() if len(frame) else None))
    return _layout(fig, _with_unit(title, unit))


def grouped(
    frame: pd.DataFrame, label: str, series: dict[str, str], title: str, unit: str, horizontal: bool = False
) -> go.Figure:
    """Grouped bars: one trace per entry of ``series`` (display name → column)."""
    fmt = ",.4~f" if unit == WAN else ","
    fig = go.Figure()
    for name, column in series.items():
        if horizontal:
            fig.add_bar(
                x=frame[column],
                y=frame[label],
                name=name,
                orientation="h",
                marker_color=colour(name),
                hovertemplate=f"%{{y}}<br>{name}{COLON}%{{x:{fmt}}}{unit}<extra></extra>",
            )
        else:
            fig.add_bar(
                x=frame[label].astype(str),
                y=frame[column],
                name=name,
                marker_color=colour(name),
                hovertemplate=f"%{{x}}<br>{name}{COLON}%{{y:{fmt}}}{unit}<extra></extra>",
            )
    largest = max((frame[c].max() for c in series.values()), default=None) if len(frame) else None
    if horizontal:
        fig.update_xaxes(title_text=unit)
        fig.update_yaxes(autorange="reversed")
        if is_count(unit):
            fig.update_xaxes(**count_axis(largest))
        height = max(300, 40 * len(frame) + 110)
    else:
        fig.update_xaxes(type="category")
        if is_count(unit):
            fig.update_yaxes(**count_axis(largest))
        height = 360
        title = _with_unit(title, unit)
    return _layout(fig, title, height=height, barmode="group")


def stacked(
    frame: pd.DataFrame,
    x: str,
    stack: str,
    value: str,
    title: str,
    unit: str,
    order: tuple[str, ...] = (),
    x_order: tuple[str, ...] = (),
) -> go.Figure:
    """Stacked bars: ``frame[value]`` by ``x`` (in ``x_order`` first), one colour per ``stack`` value."""
    keys = [k for k in order if k in set(frame[stack])] + sorted(set(frame[stack]) - set(order))
    seen = list(dict.fromkeys(frame[x].astype(str)))
    xs = [v for v in x_order if v in seen] + [v for v in seen if v not in x_order]
    fig = go.Figure()
    for key in keys:
        part = frame[frame[stack] == key].assign(_x=lambda d: d[x].astype(str)).set_index("_x")
        fig.add_bar(
            x=xs,
            y=[int(part[value].get(v, 0)) if v in part.index else 0 for v in xs],
            name=str(key),
            marker_color=colour(str(key)),
            hovertemplate=f"%{{x}} · {plotly_text(key)}{COLON}%{{y}}{unit}<extra></extra>",
        )
    fig.update_xaxes(type="category")
    if is_count(unit):
        totals = frame.assign(_x=frame[x].astype(str)).groupby("_x")[value].sum()
        fig.update_yaxes(**count_axis(totals.max() if len(totals) else None))
    return _layout(fig, _with_unit(title, unit), barmode="stack")


def rate_bars(frame: pd.DataFrame, label: str, rate: str, title: str) -> go.Figure:
    """Rates (ratio 0–1) as horizontal percentage bars, highest on top."""
    data = frame.dropna(subset=[rate]).sort_values(rate)
    fig = go.Figure(
        go.Bar(
            x=data[rate] * 100,
            y=data[label],
            orientation="h",
            marker_color=PALETTE[2],
            text=[f"{v * 100:.1f}%" for v in data[rate]],
            textposition="auto",
            hovertemplate="%{y}<br>%{x:.1f}%<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="%", range=[0, max(100, float(data[rate].max() * 100) if len(data) else 100)])
    return _layout(fig, title, height=max(260, 34 * len(data) + 90))


def proposal_flow(decisions: pd.DataFrame, statuses: pd.DataFrame, total: int, title: str) -> go.Figure:
    """Sankey from 提案总数 to 处理结果 (立案 / 意见建议 / 不予立案 / 合并) to 办理状态.

    ``decisions``: key, proposals; ``statuses``: decision, status, proposals (accepted ones).
    """
    nodes = [t("chart.flow_total", total=total)]
    node_colours = ["#7f8c8d"]
    index = {}
    for row in decisions.itertuples():
        index[row.key] = len(nodes)
        nodes.append(t("chart.flow_decision", decision=row.key, n=row.proposals))
        node_colours.append(colour(row.key))
    sources, targets, values, colours = [], [], [], []
    for row in decisions.itertuples():
        sources.append(0)
        targets.append(index[row.key])
        values.append(row.proposals)
        colours.append(colour(row.key))
    status_index = {}
    for row in statuses.itertuples():
        if row.decision not in index:
            continue
        if row.status not in status_index:
            status_index[row.status] = len(nodes)
            nodes.append(str(row.status))
            node_colours.append(colour(str(row.status)))
        sources.append(index[row.decision])
        targets.append(status_index[row.status])
        values.append(row.proposals)
        colours.append(colour(str(row.status)))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": nodes, "pad": 24, "thickness": 18, "color": node_colours, "line": {"width": 0}},
            textfont={"size": 14, "color": "#222", "family": FONT},
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "color": [c + "55" for c in colours],
                "hovertemplate": "%{source.label} → %{target.label}"
                + COLON
                + "%{value}"
                + t("chart.flow_link")
                + "<extra></extra>",
            },
        )
    )
    return _layout(fig, title, height=360)


def trends(series: dict[str, tuple[pd.DataFrame, str]], title: str) -> go.Figure:
    """Small multiples of yearly trends: display name → (frame with year/value, unit)."""
    names = list(series)
    fig = make_subplots(
        rows=1, cols=len(names), subplot_titles=[t("chart.with_unit", title=n, unit=series[n][1]) for n in names]
    )
    for i, name in enumerate(names, start=1):
        frame, unit = series[name]
        fig.add_scatter(
            x=frame["year"].astype(str),
            y=frame["value"],
            mode="lines+markers",
            line={"color": PALETTE[(i - 1) % len(PALETTE)]},
            hovertemplate=f"%{{x}}{COLON}%{{y:,.4~f}}{unit}<extra>{name}</extra>"
            if unit == WAN
            else f"%{{x}}{COLON}%{{y:,}}{unit}<extra>{name}</extra>",
            row=1,
            col=i,
            showlegend=False,
            cliponaxis=False,
        )
        fig.update_xaxes(type="category", row=1, col=i)
        fig.update_yaxes(rangemode="tozero", row=1, col=i)
        if is_count(unit):
            fig.update_yaxes(**count_axis(frame["value"].max() if len(frame) else None), row=1, col=i)
    fig.update_annotations(font_size=13, yshift=8)
    return _layout(fig, title, height=300, margin={"l": 10, "r": 10, "t": 80, "b": 10})


# Up to this many schools the trend chart draws one coloured line each; more read as a tangle (and a
# district's 200 traces cost ~80 ms of serialising on every rerun): then every school is one grey
# trace, with the district's median and the TREND_TOP schools of the latest year in colour.
TREND_SCHOOL_LINES = 10
TREND_TOP = 5
# Beyond this many schools (a province) the others are no longer one line each but a band from the 10th to the
# 90th percentile per year: 2,000 grey lines read as one grey mass and made a 650 KB figure (~150 ms a rerun).
TREND_BAND_SCHOOLS = 300
TREND_BAND = (0.1, 0.9)
TREND_GREY = "#c8c8c8"
TREND_MEDIAN = "#2c3e50"


def trend_top(trend: pd.DataFrame, value: str, n: int = TREND_TOP) -> list[str]:
    """The ``n`` schools with the highest ``value`` in the latest year of ``trend`` (ties by name)."""
    latest = trend[trend["year"] == trend["year"].max()]
    ranked = latest.assign(v=latest[value].astype(float)).sort_values(["v", "org"], ascending=[False, True])
    return [str(org) for org in ranked["org"].head(n)]


def school_trends(trend: pd.DataFrame, value: str, title: str) -> go.Figure:
    """Schools over calendar years: ``trend`` has org, year and ``value`` (元, shown in 万元).

    Up to :data:`TREND_SCHOOL_LINES` schools: one coloured line each.  More: every other school as
    thin grey lines in one trace (hover names the school), the median of all schools per year, and
    the :data:`TREND_TOP` schools of the latest year (:func:`trend_top`) in colour.  More than
    :data:`TREND_BAND_SCHOOLS`: a grey band from the 10th to the 90th percentile of every school per
    year (:data:`TREND_BAND`, linear interpolation) instead of the grey lines.
    """
    fig = go.Figure()
    hover = f"%{{x}}{COLON}%{{y:,.4~f}}{WAN}"
    schools = trend["org"].nunique()
    top = trend_top(trend, value) if schools > TREND_SCHOOL_LINES else None
    if top is not None and schools > TREND_BAND_SCHOOLS:
        wan = trend.assign(v=pd.to_numeric(trend[value], errors="coerce") / 10_000)
        low, high = (wan.groupby("year", sort=True)["v"].quantile(q) for q in TREND_BAND)
        years = low.index.astype(str)
        fig.add_scatter(
            x=years,
            y=low.to_numpy(),
            mode="lines",
            line={"width": 0, "color": TREND_GREY},
            showlegend=False,
            hovertemplate=f"{hover}<extra>{plotly_text(t('district.trend_band_low'))}</extra>",
        )
        fig.add_scatter(
            x=years,
            y=high.to_numpy(),
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(200, 200, 200, 0.55)",
            line={"width": 0, "color": TREND_GREY},
            name=t("district.trend_band", n=schools),
            hovertemplate=f"{hover}<extra>{plotly_text(t('district.trend_band_high'))}</extra>",
        )
    if top is not None and schools <= TREND_BAND_SCHOOLS:
        # One row per point and one gap row (None) after each school's last year, built column-wise:
        # a loop over 2,000 schools' groups took seconds, and plotly checks numpy arrays faster than lists.
        others = trend.loc[~trend["org"].isin(top), ["org", "year", value]]
        gaps = pd.DataFrame({"org": others["org"].unique(), "year": None, value: None})
        points = pd.concat([others.assign(_gap=0), gaps.assign(_gap=1)], ignore_index=True)
        points = points.sort_values(["org", "_gap", "year"], kind="stable")
        gap = points["_gap"].to_numpy() == 1
        escaped = {org: plotly_text(org) for org in gaps["org"]}
        fig.add_scatter(
            x=np.where(gap, None, points["year"].astype("string").to_numpy(dtype=object, na_value=None)),
            y=np.where(gap, np.nan, pd.to_numeric(points[value], errors="coerce").to_numpy(dtype=float) / 10_000),
            text=np.where(gap, None, points["org"].map(escaped).to_numpy(dtype=object)),
            mode="lines",
            name=t("district.trend_others", n=schools - len(top)),
            line={"color": TREND_GREY, "width": 1},
            hovertemplate=f"%{{text}}<br>{hover}<extra></extra>",
        )
    if top is not None:
        median = trend.assign(v=trend[value].astype(float) / 10_000).groupby("year", sort=True)["v"].median()
        fig.add_scatter(
            x=median.index.astype(str),
            y=median.to_numpy(),
            mode="lines",
            name=t("district.trend_median"),
            line={"color": TREND_MEDIAN, "width": 3, "dash": "dash"},
            hovertemplate=f"{hover}<extra>{plotly_text(t('district.trend_median'))}</extra>",
        )
    shown = trend if top is None else trend[trend["org"].isin(top)]
    order = sorted(shown["org"].unique()) if top is None else top
    for i, org in enumerate(order):
        part = shown[shown["org"] == org]
        fig.add_scatter(
            x=part["year"].astype(str),
            y=part[value].astype(float) / 10_000,
            mode="lines+markers",
            name=str(org),
            line={"color": PALETTE[i % len(PALETTE)]},
            hovertemplate=f"{hover}<extra>{plotly_text(org)}</extra>",
        )
    fig.update_xaxes(type="category", categoryorder="category ascending")
    fig.update_yaxes(rangemode="tozero", title_text=WAN)
    return _layout(fig, title)


# Up to this many schools the comparison chart ranks every school; more (a district of 200 made a chart
# 7,000 px tall, a province's 2,000 one of 68,000 px and 1 MB of figure): the RANK_ENDS highest and the
# RANK_ENDS lowest, a row saying how many are between, and the median of all schools as a dashed line.
RANK_ALL_BARS = 30
RANK_ENDS = 15


def school_ranking(frame: pd.DataFrame, label: str, value: str, title: str, unit: str) -> go.Figure:
    """Schools compared on ``value`` (in ``unit``), highest on top (各校对比图).

    Up to :data:`RANK_ALL_BARS` schools: every school (:func:`hbar`).  More: the :data:`RANK_ENDS`
    highest (ties by name) and the :data:`RANK_ENDS` lowest, a middle row 其余N所学校 without a bar,
    and a dashed line at the median of every school (the table above holds every school).
    """
    if len(frame) <= RANK_ALL_BARS:
        fig = hbar(frame, label, value, title, unit, colour_by_label=False)
        return fig.update_xaxes(tickformat=",~f")  # 1,200,000 (not plotly's 1.2M)
    ranked = frame.assign(_v=frame[value].astype(float)).sort_values(["_v", label], ascending=[False, True])
    top, bottom = ranked.head(RANK_ENDS), ranked.tail(RANK_ENDS)
    gap = t("district.rank_gap", n=len(ranked) - 2 * RANK_ENDS)
    names = [*bottom[label].astype(str).iloc[::-1], gap, *top[label].astype(str).iloc[::-1]]
    values = [*bottom["_v"].iloc[::-1], None, *top["_v"].iloc[::-1]]
    shown = [v for v in values if v is not None]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[PALETTE[0] if i > RANK_ENDS else PALETTE[1] for i in range(len(names))],
            hovertemplate=f"%{{y}}<br>%{{x:,.4~f}}{unit}<extra></extra>",
            text=["" if v is None else f"{v:,.2f}" if unit == WAN or unit == "%" else f"{v:,.0f}" for v in values],
            textposition="auto",
        )
    )
    median = float(ranked["_v"].median())
    fig.add_vline(
        x=median,
        line={"color": TREND_MEDIAN, "width": 2, "dash": "dash"},
        annotation_text=t("district.rank_median", value=f"{median:,.2f}"),
        annotation_position="top",
    )
    fig.update_yaxes(type="category")  # the order given: lowest at the bottom, highest on top
    fig.update_xaxes(title_text=unit, tickformat=",~f")  # 1,200,000 (not plotly's 1.2M)
    if is_count(unit):
        fig.update_xaxes(**count_axis(max(shown) if shown else None))
    return _layout(fig, title, height=34 * len(names) + 110)
