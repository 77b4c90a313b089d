"""The congress slides (汇报幻灯片): a 16:9 PowerPoint deck with native, editable charts.

Built with python-pptx from :class:`dashboard.pack.PackData`: a title slide, one slide per
area with data (chart of the period against the comparison period + a KPI table) and a
closing summary.  Aggregates only, never a personal name.  Chinese text carries an East
Asian typeface (a:ea) so PowerPoint, WPS and LibreOffice pick a CJK font.
"""

from __future__ import annotations

import io

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from core.vocab import DECISION_ORDER, LEVEL_ORDER
from dashboard import sentences, targets
from dashboard.charts import WAN, is_count
from dashboard.formatting import delta_points, delta_text, formula_safe, pct, wan_number
from dashboard.pack import PackData

FONT = "Microsoft YaHei"  # WPS/PowerPoint on Windows; LibreOffice falls back to Noto Sans CJK
RED = RGBColor(0xC0, 0x39, 0x2B)
GREY = RGBColor(0x7F, 0x8C, 0x8D)
DARK = RGBColor(0x2C, 0x3E, 0x50)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
SERIES_COLOURS = (RED, RGBColor(0x95, 0xA5, 0xA6))


def _ea(rpr) -> None:
    """Give a run-properties element (a:rPr / a:defRPr) the East Asian and Latin typeface."""
    for tag in ("a:latin", "a:ea"):
        element = rpr.find(qn(tag))
        if element is None:
            element = etree.SubElement(rpr, qn(tag))
        element.set("typeface", FONT)


def _style(run, size: int, bold: bool = False, colour: RGBColor = DARK) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    _ea(run._r.get_or_add_rPr())


def _text(
    slide,
    left,
    top,
    width,
    height,
    lines: list[tuple[str, int, bool, RGBColor]],
    align=PP_ALIGN.LEFT,
    anchor=MSO_ANCHOR.TOP,
):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, (text, size, bold, colour) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(6)
        _style(para.add_run(), size, bold, colour)
        para.runs[0].text = text
    return box


def _header(slide, title: str, subtitle: str) -> None:
    band = slide.shapes.add_shape(1, 0, 0, Inches(13.333), Inches(0.95))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = RED
    band.line.fill.background()
    _text(
        slide, Inches(0.5), Inches(0.12), Inches(9), Inches(0.75), [(title, 28, True, WHITE)], anchor=MSO_ANCHOR.MIDDLE
    )
    _text(
        slide,
        Inches(8.8),
        Inches(0.2),
        Inches(4.2),
        Inches(0.6),
        [(subtitle, 14, False, WHITE)],
        align=PP_ALIGN.RIGHT,
        anchor=MSO_ANCHOR.MIDDLE,
    )


RATIO = "%"  # the unit of a chart of ratios (values 0–1), shown as percentages
YUAN = "元"


def number_formats(unit: str) -> tuple[str, str]:
    """(data labels, value axis) number formats of a chart whose values are in ``unit``, as the pages
    show them (dashboard/charts.py, dashboard/formatting.py): counts (人次, 件, 项, 场, 人 …) whole with a
    thousands separator; 万元 to 2 decimals on the bars (the pages' bar labels; the tables give the
    exact figure) and plain ticks; 元 whole; ratios as percentages to one decimal (:func:`pct`).
    Raises ValueError for a unit it does not know, so a new chart must say how it counts."""
    if is_count(unit) or unit == YUAN:
        return "#,##0", "#,##0"
    if unit == WAN:
        return "#,##0.00", "General"
    if unit == RATIO:
        return "0.0%", "0%"
    raise ValueError(f"no number format for the unit {unit!r}")


def _chart(
    slide,
    title: str,
    categories: list[str],
    series: dict[str, list[float]],
    unit: str,
    horizontal: bool = False,
) -> None:
    """A clustered bar chart of ``series`` (name → values, in ``unit``) over ``categories``; its data
    labels and value axis numbered as :func:`number_formats` says for ``unit``."""
    number_format, axis_format = number_formats(unit)
    data = CategoryChartData(number_format=number_format)
    data.categories = [formula_safe(str(c)) for c in categories]
    for name, values in series.items():
        data.add_series(formula_safe(str(name)), values)
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, Inches(0.5), Inches(1.25), Inches(7.4), Inches(5.8), data)
    chart = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    _style(chart.chart_title.text_frame.paragraphs[0].runs[0], 16, True)
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.font.size = Pt(12)
    _ea(chart.font._rPr)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(10)
    for i, s in enumerate(plot.series):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = SERIES_COLOURS[i % len(SERIES_COLOURS)]
    axis = chart.value_axis
    axis.tick_labels.number_format = axis_format
    axis.tick_labels.number_format_is_linked = False
    largest = max((v for values in series.values() for v in values if v is not None), default=0)
    if is_count(unit) and largest <= 10:
        axis.major_unit = 1  # whole ticks (an automatic step would be 0.5: "#,##0" would show 0, 1, 1, 2)
    if horizontal:
        chart.category_axis.reverse_order = True


TABLE_TOP = Inches(1.35)


def _table(slide, rows: list[list[str]], top: int = TABLE_TOP) -> None:
    width = Inches(4.8)
    shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(8.2), top, width, Inches(0.42) * len(rows))
    table = shape.table
    widths = [Inches(1.75), Inches(1.05), Inches(1.05), Inches(0.95)][: len(rows[0])]
    scale = width / sum(widths)
    for j, w in enumerate(widths):
        table.columns[j].width = Emu(int(w * scale))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.text = value
            cell.margin_left = cell.margin_right = Inches(0.06)
            para = cell.text_frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT
            _style(para.runs[0], 12, bold=i == 0, colour=WHITE if i == 0 else DARK)
            if i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = DARK


def _kpi_rows(pack: PackData, items: list[tuple[str, object, object, str]]) -> list[list[str]]:
    """Rows 指标 | 本期 | 对比期 | 变化 from (name, current, previous, kind) with kind "wan", "int", "rate"."""
    header = ["指标", pack.current.label]
    if pack.previous:
        header += [pack.previous.label, "变化"]
    rows = [header]
    for name, cur, prev, kind in items:
        show = {"wan": wan_number, "int": lambda v: f"{round(v):,}", "rate": pct}[kind]
        row = [name, "—" if cur is None else show(cur)]
        if pack.previous:
            row.append("—" if prev is None else show(prev))
            change = delta_points(cur, prev) if kind == "rate" else delta_text(cur, prev)
            row.append(change or "—")
        rows.append(row)
    return rows


def _welfare_slide(prs, pack: PackData, subtitle: str) -> None:
    cur, prev = pack.current, pack.previous
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "福利慰问", subtitle)
    cats = list(cur.by_category["category"])
    series = {cur.label: [round(float(v) / 10_000, 4) for v in cur.by_category["amount_yuan"]]}
    if prev is not None:
        before = prev.by_category.set_index("category")["amount_yuan"]
        series[prev.label] = [round(float(before.get(c, 0)) / 10_000, 4) for c in cats]
    _chart(slide, "按类别支出（万元）", cats, series, WAN, horizontal=True)
    p_w = prev.welfare if prev else {}
    per_member = cur.welfare["total_yuan"] / cur.members if cur.members else None
    prev_per = p_w.get("total_yuan", 0) / prev.members if prev and prev.members else None
    _table(
        slide,
        _kpi_rows(
            pack,
            [
                ("支出合计（万元）", cur.welfare["total_yuan"], p_w.get("total_yuan"), "wan"),
                ("慰问/福利人次", cur.welfare["person_times"], p_w.get("person_times"), "int"),
                ("会员人数", cur.members, prev.members if prev else None, "int"),
                ("人均（元）", per_member, prev_per, "int"),
            ],
        ),
    )


def _activity_slide(prs, pack: PackData, subtitle: str) -> None:
    cur, prev = pack.current, pack.previous
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "活动参与", subtitle)
    frame = cur.activities_by_category
    cats = list(frame["key"])
    series = {cur.label: [int(v) for v in frame["person_times"]]}
    if prev is not None:
        before = prev.activities_by_category.set_index("key")["person_times"]
        series[prev.label] = [int(before.get(c, 0)) for c in cats]
    _chart(slide, "按活动类别参与人次", cats, series, "人次")
    a, pa = cur.activities, (prev.activities if prev else {})
    _table(
        slide,
        _kpi_rows(
            pack,
            [
                ("活动场次（场）", a["events"], pa.get("events"), "int"),
                ("参与人次", a["person_times"], pa.get("person_times"), "int"),
                ("参与率", a["participation_rate"], pa.get("participation_rate"), "rate"),
                ("活动经费（万元）", a["cost_yuan"], pa.get("cost_yuan"), "wan"),
            ],
        ),
    )


def _proposal_slide(prs, pack: PackData, subtitle: str) -> None:
    cur, prev = pack.current, pack.previous
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "提案办理", subtitle)
    series = {cur.label: [cur.proposals[d] for d in DECISION_ORDER]}
    if prev is not None:
        series[prev.label] = [prev.proposals[d] for d in DECISION_ORDER]
    _chart(slide, "提案处理结果（件）", list(DECISION_ORDER), series, "件")
    p, pp = cur.proposals, (prev.proposals if prev else {})
    _table(
        slide,
        _kpi_rows(
            pack,
            [
                ("提案总数（件）", p["total"], pp.get("total"), "int"),
                ("立案（件）", p["立案"], pp.get("立案"), "int"),
                ("作为意见建议（件）", p["作为意见建议"], pp.get("作为意见建议"), "int"),
                ("不予立案（件）", p["不予立案"], pp.get("不予立案"), "int"),
                ("已办结（件）", p["已办结"], pp.get("已办结"), "int"),
                ("办结率", p["completion_rate"], pp.get("completion_rate"), "rate"),
                ("满意率", p["satisfaction_rate"], pp.get("satisfaction_rate"), "rate"),
            ],
        ),
    )


def _award_slide(prs, pack: PackData, subtitle: str) -> None:
    cur, prev = pack.current, pack.previous
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "评优获奖", subtitle)
    series = {cur.label: [cur.awards["by_level"][lv] for lv in LEVEL_ORDER]}
    if prev is not None:
        series[prev.label] = [prev.awards["by_level"][lv] for lv in LEVEL_ORDER]
    _chart(slide, "按级别获奖数（项）", list(LEVEL_ORDER), series, "项")
    a, pa = cur.awards, (prev.awards if prev else {})
    _table(
        slide,
        _kpi_rows(
            pack,
            [
                ("获奖总数（项）", a["total"], pa.get("total"), "int"),
                ("个人（项）", a["个人"], pa.get("个人"), "int"),
                ("集体（项）", a["集体"], pa.get("集体"), "int"),
                (
                    "省级及以上（项）",
                    a["by_level"]["国家级"] + a["by_level"]["省级"],
                    (pa["by_level"]["国家级"] + pa["by_level"]["省级"]) if pa else None,
                    "int",
                ),
            ],
        ),
    )


def _summary_lines(pack: PackData) -> list[str]:
    cur, prev = pack.current, pack.previous

    def change(c, p):
        text = delta_text(c, p) if prev else None
        caveat = "，仅供参考" if sentences.months_differ(pack) else ""
        return f"（{'同比' if cur.filters.period.kind == 'year' else '较上学年'}{text}{caveat}）" if text else ""

    lines = []
    if cur.has_welfare:
        lines.append(
            f"福利慰问支出 {wan_number(cur.welfare['total_yuan'])} 万元，{cur.welfare['person_times']:,} 人次"
            + change(cur.welfare["total_yuan"], prev.welfare["total_yuan"] if prev else None)
        )
    if cur.has_activities:
        lines.append(
            f"开展活动 {cur.activities['events']:,} 场，参与 {cur.activities['person_times']:,} 人次"
            + change(cur.activities["person_times"], prev.activities["person_times"] if prev else None)
        )
    if cur.has_proposals:
        p = cur.proposals
        accepted = f"立案 {p['立案']} 件、意见建议 {p['作为意见建议']} 件"
        lines.append(f"征集提案 {p['total']} 件：{accepted}，办结率 {pct(p['completion_rate'])}")
    if cur.has_awards:
        lines.append(
            f"获得各级荣誉 {cur.awards['total']} 项"
            + change(cur.awards["total"], prev.awards["total"] if prev else None)
        )
    if cur.members:
        lines.append(f"会员 {cur.members:,} 人")
    return lines


def _headline_tiles(pack: PackData) -> list[tuple[str, str, str]]:
    """Up to four headline figures for the closing slide: (value, name, change against the comparison)."""
    cur, prev = pack.current, pack.previous

    def change(c, p, rate: bool = False) -> str:
        if prev is None or p is None:
            return ""
        text = delta_points(c, p) if rate else delta_text(c, p)
        caveat = "（仅供参考）" if sentences.months_differ(pack) else ""
        return f"{'同比' if cur.filters.period.kind == 'year' else '较上学年'} {text}{caveat}" if text else ""

    tiles: list[tuple[str, str, str]] = []
    if cur.has_welfare:
        before = prev.welfare["total_yuan"] if prev and prev.has_welfare else None
        tiles.append(
            (f"{wan_number(cur.welfare['total_yuan'])}万元", "福利慰问支出", change(cur.welfare["total_yuan"], before))
        )
    if cur.has_activities:
        before = prev.activities["person_times"] if prev and prev.has_activities else None
        tiles.append(
            (f"{cur.activities['person_times']:,}人次", "活动参与", change(cur.activities["person_times"], before))
        )
    if cur.has_proposals:
        p = cur.proposals
        before = prev.proposals["completion_rate"] if prev and prev.has_proposals else None
        tiles.append(
            (
                f"{p['total']:,}件",
                f"提案（办结率 {pct(p['completion_rate'])}）",
                change(p["completion_rate"], before, True),
            )
        )
    if cur.has_awards:
        before = prev.awards["total"] if prev and prev.has_awards else None
        tiles.append((f"{cur.awards['total']:,}项", "各级荣誉", change(cur.awards["total"], before)))
    if cur.members and len(tiles) < 4:
        tiles.append((f"{cur.members:,}人", "会员人数", change(cur.members, prev.members if prev else None)))
    return tiles[:4]


def _closing_slide(prs, pack: PackData, subtitle: str) -> None:
    """工作总结: the headline figures as tiles, the summary lines, and what the pack lacks (说明).

    A period with few ledgers still fills the slide: tiles on top, lines below, notes at the foot.
    """
    closing = prs.slides.add_slide(prs.slide_layouts[6])
    _header(closing, "工作总结", subtitle)
    tiles = _headline_tiles(pack)
    top = Inches(1.3)
    if tiles:
        gap, width = Inches(0.3), Inches((12.3 - 0.3 * (len(tiles) - 1)) / len(tiles))
        for i, (value, name, change) in enumerate(tiles):
            left = Inches(0.5) + i * (width + gap)
            card = closing.shapes.add_shape(1, left, top, width, Inches(1.75))
            card.fill.solid()
            card.fill.fore_color.rgb = RGBColor(0xF4, 0xF6, 0xF7)
            card.line.color.rgb = RGBColor(0xDD, 0xE1, 0xE3)
            lines = [(value, 26 if len(value) < 10 else 22, True, RED), (name, 15, False, DARK)]
            if change:
                lines.append((change, 12, False, GREY))
            _text(closing, left, top + Inches(0.1), width, Inches(1.6), lines, align=PP_ALIGN.CENTER)
        top += Inches(2.0)
    lines = _summary_lines(pack) or ["本期间没有台账数据。"]
    _text(
        closing,
        Inches(0.9),
        top,
        Inches(11.5),
        Inches(6.6) - top,
        [(f"■  {line}", 18, False, DARK) for line in lines],
    )
    notes = sentences.coverage_notes(pack)
    if notes:
        _text(
            closing,
            Inches(0.9),
            Inches(6.55),
            Inches(11.5),
            Inches(0.8),
            [("说明：" + "".join(notes), 11, False, GREY)],
        )


def _district_slide(prs, pack: PackData, subtitle: str) -> None:
    """各校对比 (district): welfare spend per school as a chart, and a table of the schools' figures.

    Aggregates only, no person's name.
    """
    table = pack.district.sort_values("welfare_yuan", ascending=False)
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "各校对比", subtitle)
    schools = [str(o) for o in table["org"]]
    _chart(
        slide,
        "各校福利慰问支出（万元）",
        schools,
        {pack.current.label: [round(float(v) / 10_000, 4) for v in table["welfare_yuan"]]},
        WAN,
        horizontal=True,
    )

    def show(value: object, kind: str) -> str:
        if value is None or pd.isna(value):
            return "—"
        return pct(float(value)) if kind == "rate" else f"{float(value):,.0f}"

    rows = [["学校", "人均福利（元）", "参与率", "办结率"]]
    for r in table.itertuples(index=False):
        rows.append(
            [
                formula_safe(str(r.org)),
                show(r.per_member_yuan, "int"),
                show(r.participation_rate, "rate"),
                show(r.completion_rate, "rate"),
            ]
        )
    _table(slide, rows[:15])


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _target_slide(prs, pack: PackData, subtitle: str) -> None:
    """年度目标完成情况: one row per target (指标 | 年初目标 | 实际 | 完成情况)."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "年度目标完成情况", subtitle)
    rows = targets.table_rows(pack.current.targets)
    shape = slide.shapes.add_table(len(rows), 4, Inches(0.8), TABLE_TOP, Inches(11.7), Inches(0.42) * len(rows))
    widths = [Inches(2.8), Inches(2.6), Inches(2.3), Inches(4.0)]
    for j, w in enumerate(widths):
        shape.table.columns[j].width = w
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = shape.table.cell(i, j)
            cell.text = formula_safe(value)
            _style(cell.text_frame.paragraphs[0].runs[0], 14, bold=i == 0, colour=WHITE if i == 0 else DARK)
            if i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = DARK


def build_deck(pack: PackData) -> bytes:
    """The .pptx bytes of the congress deck for ``pack`` (16:9).

    Slides: title; 福利慰问 / 活动参与 / 提案办理 / 评优获奖 (each only with data), each with a native
    clustered chart (series: the period, and the comparison period when given) and a KPI table;
    a closing summary.  Raises nothing for empty areas: they are left out.
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    cur = pack.current
    compare = f" · 对比 {pack.previous.label}" if pack.previous else ""
    subtitle = f"{cur.label}{compare}"

    title = prs.slides.add_slide(prs.slide_layouts[6])
    band = title.shapes.add_shape(1, 0, Inches(2.3), Inches(13.333), Inches(2.4))
    band.fill.solid()
    band.fill.fore_color.rgb = RED
    band.line.fill.background()
    _text(
        title,
        Inches(0.8),
        Inches(2.45),
        Inches(11.7),
        Inches(2.1),
        [(pack.union_name, 36, True, WHITE), (f"{cur.label}工作数据汇报", 28, False, WHITE)],
        anchor=MSO_ANCHOR.MIDDLE,
    )
    _text(
        title,
        Inches(0.8),
        Inches(5.2),
        Inches(11.7),
        Inches(1.0),
        [
            (
                f"统计期间：{cur.filters.period.start:%Y年%m月%d日} — {cur.filters.period.end:%Y年%m月%d日}{compare}",
                16,
                False,
                GREY,
            ),
            (f"制作日期：{_day(pack.made_on)}", 14, False, GREY),
        ],
    )

    for has, build in (
        (cur.has_welfare, _welfare_slide),
        (cur.has_activities, _activity_slide),
        (cur.has_proposals, _proposal_slide),
        (cur.has_awards, _award_slide),
    ):
        if has:
            build(prs, pack, subtitle)

    if cur.targets:
        _target_slide(prs, pack, subtitle)
    if pack.district is not None and len(pack.district) > 1:
        _district_slide(prs, pack, subtitle)

    _closing_slide(prs, pack, subtitle)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
