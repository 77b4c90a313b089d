"""区县汇总's 各校历年趋势 chart (issue 16): one line per school up to ten schools; beyond, every other school in
one grey trace, the district median and the five largest schools of the latest year in colour."""

from __future__ import annotations

import statistics

import pandas as pd
import pytest

from core.labels import t
from dashboard import charts


def district_trend(schools: int, years: tuple[int, ...] = (2021, 2022, 2023)) -> pd.DataFrame:
    """district_trend's shape: org, year, welfare_yuan (元); school k spends (k + 1) × 10,000 × year offset."""
    rows = []
    for k in range(schools):
        for i, year in enumerate(years):
            if k == 3 and i == 0:
                continue  # a school without the first year
            rows.append({"org": f"学校{k:03d}", "year": year, "welfare_yuan": (k + 1) * 10_000.0 * (i + 1)})
    return pd.DataFrame(rows)


def test_ten_schools_keep_one_line_each():
    trend = district_trend(10)
    fig = charts.school_trends(trend, "welfare_yuan", "t")
    assert [tr.name for tr in fig.data] == [f"学校{k:03d}" for k in range(10)]
    assert list(fig.data[3].x) == ["2022", "2023"] and list(fig.data[3].y) == [8.0, 12.0]  # 万元


def test_many_schools_are_grey_with_median_and_top_five():
    trend = district_trend(200)
    fig = charts.school_trends(trend, "welfare_yuan", "t")
    assert len(fig.data) == 7  # not 200 traces
    grey, median, *top = fig.data
    # the five biggest spenders of 2023: schools 199 … 195, biggest first
    assert [tr.name for tr in top] == [f"学校{k:03d}" for k in range(199, 194, -1)]
    assert list(top[0].y) == [200 * 1.0, 200 * 2.0, 200 * 3.0]
    assert grey.name == t("district.trend_others", n=195)
    # every other school's every year, in 万元, each school's line ended by a gap
    points = [(n, x, y) for n, x, y in zip(grey.text, grey.x, grey.y, strict=True) if x is not None]
    expected = [
        (f"学校{k:03d}", str(year), (k + 1) * (i + 1.0))
        for k in range(195)
        for i, year in enumerate((2021, 2022, 2023))
        if not (k == 3 and i == 0)
    ]
    assert points == expected
    assert sum(x is None for x in grey.x) == 195
    # the median of all 200 schools per year (school 3 has no 2021)
    for year, value in zip(median.x, median.y, strict=True):
        i = int(year) - 2021
        spends = [(k + 1) * (i + 1.0) for k in range(200) if not (k == 3 and i == 0)]
        assert value == statistics.median(spends)
    assert list(median.x) == ["2021", "2022", "2023"]


def test_school_names_in_hover_text_are_literal():
    trend = district_trend(12)
    trend.loc[trend["org"] == "学校000", "org"] = "<b>某校</b>"
    grey = charts.school_trends(trend, "welfare_yuan", "t").data[0]
    assert "&lt;b&gt;某校&lt;/b&gt;" in set(grey.text)


# --- 各校对比图: every school up to RANK_ALL_BARS, beyond the highest and lowest RANK_ENDS -----------------


def _schools(n: int) -> pd.DataFrame:
    """n schools; school k's value is (k * 37) % n + 0.5 (a shuffled order, no ties)."""
    return pd.DataFrame({"org": [f"学校{k:04d}" for k in range(n)], "value": [(k * 37) % n + 0.5 for k in range(n)]})


def test_a_few_schools_are_ranked_every_one():
    frame = _schools(12)
    bar = charts.school_ranking(frame, "org", "value", "t", "").data[0]
    assert len(bar.y) == 12
    assert list(bar.x) == sorted(frame["value"])  # biggest on top (plotly draws the first at the bottom)


def test_a_province_shows_its_ends_and_the_median_of_every_school():
    n = 2000
    frame = _schools(n)
    fig = charts.school_ranking(frame, "org", "value", "t", "")
    (bar,) = fig.data
    ends = charts.RANK_ENDS
    by_value = frame.sort_values("value", ascending=False)
    top = list(by_value["org"].head(ends))
    bottom = list(by_value["org"].tail(ends))
    assert list(bar.y) == [*reversed(bottom), t("district.rank_gap", n=n - 2 * ends), *reversed(top)]
    assert list(bar.x[-ends:]) == sorted(by_value["value"].head(ends))
    assert bar.x[ends] is None
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == statistics.median(frame["value"])
    assert fig.layout.height < 34 * 40 + 200  # not 2,000 bars tall


def test_ranked_school_names_are_literal():
    frame = _schools(40)
    frame.loc[frame["value"].idxmax(), "org"] = "<a href='x'>某校</a>"
    bar = charts.school_ranking(frame, "org", "value", "t", "").data[0]
    assert "&lt;a href=&#x27;x&#x27;&gt;某校&lt;/a&gt;" in list(bar.y)


def test_a_province_draws_the_middle_of_its_schools_as_a_band():
    trend = district_trend(charts.TREND_BAND_SCHOOLS + 100)
    fig = charts.school_trends(trend, "welfare_yuan", "t")
    low, high, median, *top = fig.data
    assert len(top) == charts.TREND_TOP and high.fill == "tonexty"
    assert high.name == t("district.trend_band", n=charts.TREND_BAND_SCHOOLS + 100)
    assert list(high.x) == ["2021", "2022", "2023"]
    for i in range(3):
        spends = sorted((k + 1) * (i + 1.0) for k in range(charts.TREND_BAND_SCHOOLS + 100) if not (k == 3 and i == 0))
        # percentiles by linear interpolation between the ranked values, computed here by hand
        for q, trace in zip(charts.TREND_BAND, (low, high), strict=True):
            rank = q * (len(spends) - 1)
            below = int(rank)
            expected = spends[below] + (spends[below + 1] - spends[below]) * (rank - below)
            assert trace.y[i] == pytest.approx(expected)
        assert median.y[i] == statistics.median(spends)
    assert len(fig.to_json()) < 20_000  # not one point per school
