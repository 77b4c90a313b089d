"""The work-report draft in Word (工作报告数据部分, .docx, issue 19), in the seeds' shape.

A title (XX工会2022年度工作报告（数据部分）), then one section per area with a Word heading
style (一、福利慰问 二、文体活动 三、民主管理与提案 四、评优表彰 五、组织建设与会员), under each the
ready-made sentences (dashboard.sentences, the same as the .md report) as a paragraph, the figures
as native Word tables (the period against the comparison period), a coverage note when the area's
ledger is missing, and the area's targets (年度目标) when set.

The sections are data: :data:`SECTIONS` is a list of :class:`Section`; an area added later
(donations 捐款, publicity 宣传) appends one, with ``optional=True`` so that it appears only when
its ledger holds rows.  Only aggregates are written (会议材料只用汇总数): no personal name.
Fonts follow official documents: 仿宋 body, 黑体 headings, set as east-Asian fonts (w:eastAsia)
on the styles and runs so that Word and WPS show them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from core.vocab import DECISION_ORDER, HANDLED_KEY, LEVEL_ORDER
from dashboard import targets
from dashboard.formatting import pct
from dashboard.pack import PackData, PeriodFigures
from dashboard.sentences import COVERAGE, coverage_notes, sentences

BODY_FONT, HEADING_FONT, LATIN_FONT = "仿宋", "黑体", "Times New Roman"
NUMERALS = "一二三四五六七八九十"
BLACK = RGBColor(0, 0, 0)

Row = tuple[str, Callable[[PeriodFigures], object], str]  # (name, value of a period, kind: yuan / int / rate)


@dataclass(frozen=True)
class Section:
    """One part of the report: its heading, the sentence area it quotes, and its tables."""

    title: str
    area: str
    ledger: str  # the ledger whose absence the coverage note names
    present: Callable[[PeriodFigures], bool]
    tables: Callable[[PackData], list[tuple[str, list[list[str]]]]]
    optional: bool = False  # left out entirely (no heading, no note) when its ledger holds no row


def _value(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "yuan":
        return f"{float(value):,.2f}"
    if kind == "rate":
        return pct(value)
    return f"{int(value):,}"


def compare_rows(pack: PackData, rows: list[Row]) -> list[list[str]]:
    """指标 | 本期 | 对比期 rows (the comparison column only with a comparison period)."""
    header = ["指标", pack.current.label] + ([pack.previous.label] if pack.previous else [])
    out = [header]
    for name, get, kind in rows:
        line = [name, _value(get(pack.current), kind)]
        if pack.previous:
            line.append(_value(get(pack.previous), kind))
        out.append(line)
    return out


def _breakdown(pack: PackData, frame_of: Callable[[PeriodFigures], dict[str, float]], head: str, kind: str):
    """A key | 本期 | 对比期 table from a {key: value} breakdown of each period (keys of both, current first)."""
    cur = frame_of(pack.current)
    prev = frame_of(pack.previous) if pack.previous else {}
    keys = list(cur) + [k for k in prev if k not in cur]
    out = [[head, pack.current.label] + ([pack.previous.label] if pack.previous else [])]
    for key in keys:
        line = [key, _value(cur.get(key, 0), kind)]
        if pack.previous:
            line.append(_value(prev.get(key, 0), kind))
        out.append(line)
    return out


def _per_member(f: PeriodFigures) -> float | None:
    return round(f.welfare["total_yuan"] / f.members, 2) if f.members else None


def _budget_execution(f: PeriodFigures) -> float | None:
    budget = float(f.budget["budget_yuan"].sum()) if len(f.budget) else 0.0
    return float(f.budget["final_yuan"].sum()) / budget if budget else None


def _welfare_tables(pack: PackData):
    rows: list[Row] = [
        ("支出合计（元）", lambda f: f.summary["welfare"]["total_yuan"], "yuan"),
        ("惠及人次", lambda f: f.summary["welfare"]["person_times"], "int"),
        ("人均慰问（元）", _per_member, "yuan"),
    ]
    if len(pack.current.budget):
        rows.append(("预算执行率", _budget_execution, "rate"))
    return [
        ("福利慰问主要指标", compare_rows(pack, rows)),
        ("按类别支出（元）", _breakdown(pack, lambda f: f.summary["welfare"]["by_category"], "类别", "yuan")),
    ]


def _activity_tables(pack: PackData):
    rows: list[Row] = [
        ("活动场次（场）", lambda f: f.summary["activities"]["events"], "int"),
        ("参与人次", lambda f: f.summary["activities"]["person_times"], "int"),
        ("参与率", lambda f: f.activities["participation_rate"], "rate"),
    ]

    def by_category(f: PeriodFigures) -> dict[str, float]:
        return {r.key: r.person_times for r in f.activities_by_category.itertuples(index=False)}

    return [
        ("活动主要指标", compare_rows(pack, rows)),
        ("按类别参与人次", _breakdown(pack, by_category, "类别", "int")),
    ]


def _proposal_tables(pack: PackData):
    rows: list[Row] = [("提案总数（件）", lambda f: f.summary["proposals"]["total"], "int")]
    rows += [(f"{d}（件）", lambda f, d=d: f.summary["proposals"][d], "int") for d in DECISION_ORDER]
    rows += [
        ("已办结（件）", lambda f: f.summary["proposals"][HANDLED_KEY], "int"),
        ("立案率", lambda f: f.proposals["filing_rate"], "rate"),
        ("办结率", lambda f: f.proposals["completion_rate"], "rate"),
        ("满意率", lambda f: f.proposals["satisfaction_rate"], "rate"),
    ]
    return [("提案办理主要指标", compare_rows(pack, rows))]


def _award_tables(pack: PackData):
    rows: list[Row] = [("获奖总数（项）", lambda f: f.summary["awards"]["total"], "int")]
    rows += [(f"{lv}（项）", lambda f, lv=lv: f.summary["awards"]["by_level"][lv], "int") for lv in LEVEL_ORDER]
    rows += [(f"{k}（项）", lambda f, k=k: f.summary["awards"][k], "int") for k in ("个人", "集体")]
    return [("评优获奖主要指标", compare_rows(pack, rows))]


def _member_tables(pack: PackData):
    return [("会员人数", compare_rows(pack, [("会员人数（人）", lambda f: f.members, "int")]))]


SECTIONS: list[Section] = [
    Section("福利慰问", "福利慰问", "慰问/福利台账", lambda f: f.has_welfare, _welfare_tables),
    Section("文体活动", "活动参与", "活动台账", lambda f: f.has_activities, _activity_tables),
    Section("民主管理与提案", "提案办理", "提案台账", lambda f: f.has_proposals, _proposal_tables),
    Section("评优表彰", "评优获奖", "评优获奖台账", lambda f: f.has_awards, _award_tables),
    Section("组织建设与会员", "会员", "会员名册或会员人数统计表", lambda f: bool(f.members), _member_tables),
]


# --- styles and fonts ----------------------------------------------------------------------


def _fonts(element, east_asian: str) -> None:
    """Set the east-Asian font (w:eastAsia) and Latin font of a style's or run's rPr; drop theme fonts."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def _setup_styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)  # 三号
    _fonts(normal.element, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 16)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = name != "Heading 1"
        style.font.color.rgb = BLACK
        _fonts(style.element, HEADING_FONT)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The default template's Title has a coloured bottom border; the report's title is plain.
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _paragraph(doc, text: str, *, indent: bool = True, size: int | None = None, bold: bool = False, center=False):
    para = doc.add_paragraph()
    if indent:
        para.paragraph_format.first_line_indent = Pt(32)
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    _fonts(run._r, HEADING_FONT if bold else BODY_FONT)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return para


def _heading(doc, text: str, level: int) -> None:
    para = doc.add_heading("", level=level)
    run = para.add_run(text)
    _fonts(run._r, HEADING_FONT)


def _table(doc, caption: str, rows: list[list[str]]) -> None:
    _paragraph(doc, caption, indent=False, size=14, bold=True, center=True)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            para = cell.paragraphs[0]
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            if i == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = para.add_run(value)
            run.font.size = Pt(12)
            run.bold = i == 0
            _fonts(run._r, HEADING_FONT if i == 0 else BODY_FONT)
    doc.add_paragraph()


def title_of(pack: PackData) -> str:
    """XX工会2022年度工作报告（数据部分） / XX工会2022-2023学年工作报告（数据部分）."""
    union = pack.union_name if pack.union_name.endswith("工会") else f"{pack.union_name}工会"
    period = pack.current.filters.period
    when = f"{period.start_year}年度" if period.kind == "year" else period.label
    return f"{union}{when}工作报告（数据部分）"


def build_docx(pack: PackData) -> bytes:
    """The .docx bytes of the work-report draft for ``pack`` (see the module's docstring)."""
    doc = Document()
    _setup_styles(doc)
    cur = pack.current
    period = cur.filters.period
    title = doc.add_heading("", level=0)
    _fonts(title.add_run(title_of(pack))._r, HEADING_FONT)
    lines = [f"统计期间：{period.start:%Y年%m月%d日}—{period.end:%Y年%m月%d日}"]
    if pack.previous:
        lines.append(f"对比期间：{pack.previous.label}")
    lines.append(f"制作日期：{pack.made_on:%Y年%m月%d日}")
    for line in lines:
        _paragraph(doc, line, indent=False, size=14, center=True)
    _paragraph(
        doc,
        "说明：本稿由工会数据看板根据已导入的台账生成，数字均为汇总数，不含个人姓名；请在此基础上补充工作内容后使用。",
        size=14,
    )
    found = sentences(pack)
    number = 0
    for section in SECTIONS:
        has = section.present(cur)
        if section.optional and not has:
            continue
        _heading(doc, f"{NUMERALS[number]}、{section.title}", 1)
        number += 1
        texts = [s.text for s in found if s.area == section.area]
        if texts:
            _paragraph(doc, "".join(texts))
        if not has:
            _paragraph(doc, f"（{cur.label}未导入{section.ledger}，本部分数据暂缺，请补充。）")
            continue
        for caption, rows in section.tables(pack):
            if len(rows) > 1:
                _table(doc, f"{caption}", rows)
        statuses = [s for s in cur.targets if s.area == section.area]
        if statuses:
            _table(doc, "年度目标完成情况", targets.table_rows(statuses))
    # What the sentences leave out for want of a ledger (捐款、宣传 …), as the .md report says it.
    if notes := coverage_notes(pack):
        _paragraph(doc, f"【{COVERAGE}】" + "".join(notes))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
