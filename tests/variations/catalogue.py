"""The catalogue of real-world ledger variations (台账写法).

Each entry: a name, the ledger kinds it applies to, ONE line saying where clerks were
seen doing it, and an ``apply(ledger, rng)`` that changes how the ledger is written down
(layout, headers, the way values are spelt) but never what happened.  The truth is the
generator's, computed from the records.

Drawn from the seed reports (../shared/seeds), DOMAIN.md, the developer corpus
(../shared/ledgers, ../shared/ledgers-more), the district corpus (../shared/ledgers-district:
another union's clerks), public templates and common Excel/WPS habits -- deliberately NOT
from the loader's alias lists.

Compatibility: two entries that share a ``slot`` are never combined; ``book`` entries need a
workbook (several sheets, merged cells, formulas, hidden columns, typed cells) and are never
combined with a CSV format.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from tests.variations import generator as g
from tests.variations.generator import YEAR, Col, Ledger

ALL = g.KINDS
DATED = ("welfare", "activities", "roster", "proposals", "awards", "donations", "publicity")
SUMMED = ("welfare", "activities", "members", "budget", "donations", "publicity")
MONEY = ("welfare", "donations", "budget")
COUNT_FIELDS = ("count", "participants", "members", "donors", "seconders", "reads", "female")


@dataclass(frozen=True)
class Variation:
    name: str
    kinds: tuple[str, ...]
    where_seen: str
    apply: Callable[[Ledger, random.Random], None]
    slots: tuple[str, ...] = ()
    book: bool = False  # needs a workbook: not with CSV
    csv: bool = False  # is a CSV format

    def compatible(self, other: Variation) -> bool:
        if self.name == other.name or set(self.slots) & set(other.slots):
            return False
        return not (self.csv and other.book or other.csv and self.book)

    def __repr__(self) -> str:  # short ids in pytest output
        return self.name


CATALOGUE: list[Variation] = []


def variation(
    name: str, kinds: tuple[str, ...], where: str, *, slots: tuple[str, ...] = (), book: bool = False, csv: bool = False
):
    def deco(fn: Callable[[Ledger, random.Random], None]) -> Callable:
        CATALOGUE.append(Variation(name, tuple(kinds), where, fn, tuple(slots), book, csv))
        return fn

    return deco


# --- helpers -------------------------------------------------------------------------------

KIND_TITLE = {
    "welfare": f"{YEAR}年慰问金发放台账",
    "activities": f"{YEAR}年工会活动台账",
    "members": "会员人数统计表（2021-2023）",
    "roster": f"{YEAR}年会员名册",
    "proposals": "第十三届三次教代会提案办理情况一览表",
    "awards": f"{YEAR}年评优获奖台账",
    "budget": "工会经费预算决算表（2021-2023）",
    "donations": f"{YEAR}年爱心捐款台账",
    "publicity": f"{YEAR}年宣传报道统计",
}
KIND_TITLE_NO_YEAR = {
    "welfare": "慰问金发放台账",
    "activities": "工会活动台账",
    "donations": "爱心捐款台账",
    "publicity": "宣传报道统计",
    "roster": "会员名册",
    "awards": "评优获奖台账",
    "proposals": "教代会提案台账",
}


SCHOOLS = ["滨江区实验小学", "滨江区第一中学"]


def _school_of(rec: dict) -> str:
    return SCHOOLS[_pick(rec, 2)]


def _school_col(ledger: Ledger) -> None:
    """A 学校 column; the school is derived from the record, so records added later get one too."""
    ledger.sort_key = _school_of
    ledger.layer("school", lambda cell, rec: _school_of(rec))
    _insert_col(ledger, "seq" if ledger.has("seq") else None, Col("school", "学校"))


def _insert_col(ledger: Ledger, after: str | None, col: Col) -> None:
    idx = 0 if after is None else [c.field for c in ledger.cols].index(after) + 1
    ledger.cols.insert(idx, col)


def _date_text(fmt: Callable[[dt.date], str]) -> Callable:
    def f(cell, rec):
        return fmt(cell) if isinstance(cell, dt.date) else cell

    return f


def _date_layer(
    ledger: Ledger, fmt: Callable[[dt.date], str], fraction: float, fields: tuple[str, ...] | None = None
) -> None:
    for fld in fields or ledger.date_fields():
        ledger.layer(fld, _date_text(fmt), fraction)


def _amount_layer(ledger: Ledger, fmt: Callable[[float], str], fraction: float = 0.7) -> None:
    for fld in ledger.amount_fields():
        ledger.layer(fld, lambda cell, rec: fmt(cell) if isinstance(cell, (int, float)) else cell, fraction)


def _synonyms(ledger: Ledger, fld: str, mapping: dict[str, str | Callable[[dict], str]]) -> None:
    def f(cell, rec):
        if cell in mapping:
            m = mapping[cell]
            return m(rec) if callable(m) else m
        return cell

    ledger.layer(fld, f)


def _add_year_records(ledger: Ledger, years: tuple[int, ...]) -> None:
    """The same kind of records in other years (they must not count in YEAR)."""
    maker = {
        "welfare": lambda r, y: [dict(x, date=x["date"].replace(year=y)) for x in g._welfare(r)[:10]],
        "activities": lambda r, y: g._activities(r, y)[:8],
        "awards": lambda r, y: g._awards(r, y)[:8],
        "donations": lambda r, y: [dict(x, date=x["date"].replace(year=y)) for x in g._donations(r)[:5]],
        "publicity": lambda r, y: [dict(x, date=x["date"].replace(year=y)) for x in g._publicity(r)[:10]],
        "proposals": lambda r, y: g._proposals(r, y, {2021: "第十三届二次教代会", 2023: "第十三届四次教代会"}[y]),
    }
    rng = random.Random(f"years:{ledger.seed}:{ledger.kind}")
    for y in years:
        ledger.records.extend(maker[ledger.kind](rng, y))
    ledger.records.sort(key=lambda r: g.record_date(r) or dt.date(r.get("year", YEAR), 1, 1))


def _pick(rec: dict, n: int) -> int:
    """A deterministic choice per record (0..n-1), independent of the process's hash seed."""
    key = "|".join(str(rec.get(k, "")) for k in ("name", "title", "date", "start", "sub_union", "recipient"))
    return zlib.crc32(key.encode()) % n


FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def _cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


# === layout: titles, units, position =========================================================


@variation(
    "title_row",
    ALL,
    "合并的标题行在表头上方（如“2022年慰问金发放台账”）：DOMAIN.md；../shared/ledgers 的每个文件",
    slots=("title",),
)
def _(ledger, rng):
    ledger.title = KIND_TITLE[ledger.kind]


@variation(
    "fill_unit_line",
    ALL,
    "标题下一行“填报单位：…（盖章） 填报日期：…”：区教育工会下发的报表模板（../shared/ledgers-district 汇总表）",
    slots=("title",),
)
def _(ledger, rng):
    ledger.title = KIND_TITLE[ledger.kind]
    ledger.pre_lines.append(f"填报单位：示范学院工会（盖章）　　　　填报日期：{YEAR + 1}年1月5日")


@variation("table_at_c4", ALL, "表格从 C4 开始（前面留空行空列排版）：常见的 Excel/WPS 排版习惯", slots=("origin",))
def _(ledger, rng):
    ledger.origin = (3, 2)


@variation(
    "blank_spacer_rows",
    ALL,
    "数据中间夹空行（分段、打印分页）：DOMAIN.md；../shared/ledgers 2021年福利台账",
    slots=("spacer",),
)
def _(ledger, rng):
    ledger.spacer_every = 5


@variation(
    "repeated_header_blocks",
    ("welfare", "activities", "awards", "publicity"),
    "按季度粘贴的分块，每块上面又抄一遍表头：WPS 里拼接多份表格的常见做法",
    slots=("spacer",),
)
def _(ledger, rng):
    ledger.repeat_header_every = 9


@variation("no_seq_column", ALL, "没有“序号”列：../shared/ledgers-district 实验小学活动记录、滨江一中福利台账")
def _(ledger, rng):
    ledger.cols = [c for c in ledger.cols if c.field != "seq"]


@variation(
    "school_column",
    ("welfare", "members", "proposals", "awards"),
    "区级汇总表每行一个“学校”列：DOMAIN.md；../shared/ledgers-district 会员人数、评优获奖汇总",
    slots=("school",),
)
def _(ledger, rng):
    _school_col(ledger)


@variation(
    "school_column_merged",
    ("welfare", "members", "awards"),
    "“学校”单元格纵向合并覆盖该校各行：../shared/ledgers-district 会员人数统计 .xls",
    slots=("school", "fill"),
    book=True,
)
def _(ledger, rng):
    _school_col(ledger)
    ledger.fill_down.add("school")


@variation(
    "subunion_merged_cells",
    ("welfare", "members", "roster", "awards"),
    "同一分工会的行“分工会”单元格纵向合并（只首行有值）：../shared/ledgers-more 捐款台账；区里汇总表",
    slots=("fill",),
    book=True,
)
def _(ledger, rng):
    ledger.sort_key = lambda r: (r["sub_union"], str(r.get("date") or r.get("year")))
    ledger.fill_down.add("sub_union")


@variation(
    "subunion_blank_repeats",
    ("welfare", "members", "roster", "awards"),
    "取消合并后只首行写分工会、下面留空（CSV、复制粘贴后）：../shared/ledgers-district 会员人数 .xls 读出来的样子",
    slots=("fill",),
)
def _(ledger, rng):
    ledger.sort_key = lambda r: (r["sub_union"], str(r.get("date") or r.get("year")))
    ledger.fill_down.add("sub_union")
    ledger.merge_fill = False


@variation(
    "hidden_voucher_column",
    ("welfare", "donations"),
    "隐藏的“审批单号”列：../shared/ledgers-district 滨江一中福利台账（说明：审批单号栏已隐藏）",
    book=True,
)
def _(ledger, rng):
    ledger.layer("voucher", lambda cell, rec: f"GH{YEAR}-{_pick(rec, 900) + 100}")
    _insert_col(ledger, "category" if ledger.has("category") else "drive", Col("voucher", "审批单号", hidden=True))


@variation(
    "phone_column",
    ("welfare",),
    "多一列“联系电话”（178****2905）：../shared/ledgers-district 实验小学2024年慰问金发放登记",
)
def _(ledger, rng):
    ledger.layer(
        "phone",
        lambda cell, rec: f"1{30 + _pick(rec, 60)}****{1000 + _pick(rec, 9000)}" if rec.get("personal") else None,
    )
    _insert_col(ledger, "name", Col("phone", "联系电话"))


# === totals, subtotals, notes, extra sheets ====================================================


@variation(
    "total_heji", SUMMED, "表末“合计”行（含人数、金额之和）：DOMAIN.md；../shared/ledgers 各文件", slots=("total",)
)
def _(ledger, rng):
    ledger.total = "合计"


@variation("total_no_label", SUMMED, "表末合计行只有数字、第一列不写“合计”：手工求和的常见写法", slots=("total",))
def _(ledger, rng):
    ledger.total = ""


@variation(
    "total_zongji", SUMMED, "表末“总计”：../shared/ledgers-district 滨江一中福利台账、会员人数统计", slots=("total",)
)
def _(ledger, rng):
    ledger.total = "总计"


@variation(
    "total_spaced_heji",
    SUMMED,
    "“合  计”中间有空格（为了居中对齐）：../shared/ledgers-district 实验小学2023年慰问金发放登记 .xls",
    slots=("total",),
)
def _(ledger, rng):
    ledger.total = "合  计"


@variation(
    "total_sum_formulas",
    SUMMED,
    "合计行是 =SUM() 公式（openpyxl 写出无缓存值）：DOMAIN.md",
    slots=("total",),
    book=True,
)
def _(ledger, rng):
    ledger.total = "合计"
    ledger.total_formulas = True


@variation(
    "subtotal_by_month",
    ("welfare", "activities", "publicity"),
    "每月之后一行“小计”，表末“合计”：区教育工会月报汇总；DOMAIN.md 小计行",
    slots=("subtotal", "total"),
)
def _(ledger, rng):
    ledger.subtotal = "month"
    ledger.subtotal_label = lambda m: f"{m}月小计"
    ledger.total = "合计"


@variation(
    "subtotal_by_year",
    ("members", "budget"),
    "每年之后“2022年小计”行、表末“总计”：../shared/ledgers-more 捐款台账（X年小计）；区里会员统计",
    slots=("subtotal", "total"),
)
def _(ledger, rng):
    ledger.sort_key = lambda r: r["year"]
    ledger.subtotal = "year"
    ledger.subtotal_label = lambda y: f"{y}年小计"
    ledger.total = "总计"


@variation(
    "notes_rows_zhibiao",
    ALL,
    "表下“制表人：… 审核：… 制表日期：…”行：../shared/ledgers-district 实验小学、会员人数统计",
    slots=("notes",),
)
def _(ledger, rng):
    ledger.notes = [f"制表人：徐丽君\u3000\u3000\u3000审核：蒋建平\u3000\u3000\u3000制表日期：{YEAR + 1}年1月8日"]


@variation(
    "footnote_rows",
    ALL,
    "表下“注：1. 个人慰问人数栏可不填 2. …”说明行：../shared/ledgers-more 捐款台账的说明行",
    slots=("notes",),
)
def _(ledger, rng):
    ledger.notes = ["注：1. 个人慰问只填对象，人数栏可不填；", "2. 本表数据已与财务账核对一致。", "填表人：工会办公室"]


@variation(
    "instructions_sheet",
    ALL,
    "数据表前面有一张“填表说明”工作表：DOMAIN.md；../shared/ledgers-district 提案汇总、滨江一中福利台账",
    book=True,
    slots=("extra_sheet",),
)
def _(ledger, rng):
    ledger.extra_sheets.append(
        (
            "填表说明",
            [
                ["填表说明"],
                [],
                ["一、一行登记一笔，日期按实际发生日期填写。"],
                ["二、金额单位为元，保留两位小数。"],
                ["三、本表于每年12月20日前报区教育工会。"],
            ],
        )
    )


@variation(
    "summary_sheet_first",
    ("welfare", "activities", "publicity"),
    "第一张是汇总表（全年汇总 / 分渠道统计），明细在后：../shared/ledgers 2021年活动台账（分月）；../shared/ledgers-more 宣传统计",
    book=True,
    slots=("extra_sheet",),
)
def _(ledger, rng):
    if ledger.kind == "publicity":
        rows = [["分渠道统计"], ["发布渠道", "篇数"]] + [[ch, 5] for ch in g.CHANNELS] + [["合计", 30]]
        ledger.extra_sheets.append(("分渠道统计", rows))
    else:
        rows = [[f"{YEAR}年全年汇总"], ["月份", "次数", "人次", "金额（元）"]]
        rows += [[f"{m}月", 3, 40 + m, 1000 * m] for m in range(1, 13)] + [["合计", 36, 558, 78000]]
        ledger.extra_sheets.append(("全年汇总", rows))
    ledger.sheet_name = "明细"


@variation(
    "sheet_per_month",
    ("welfare", "activities"),
    "一月一张工作表（1月…12月，无记录的月份只有表头），年份在每表标题：../shared/ledgers 2021年工会活动台账（分月）",
    book=True,
    slots=("sheets", "subtotal"),
)
def _(ledger, rng):
    ledger.split = "month"
    ledger.split_title = lambda name: f"{YEAR}年{name}{KIND_TITLE_NO_YEAR[ledger.kind]}"
    ledger.total = "本月合计"


@variation(
    "sheet_per_term",
    ("welfare", "activities", "publicity"),
    "按学期分表（2022年春季学期 / 2022年秋季学期）：学校按学期归档的习惯；seed 003 按学年总结",
    book=True,
    slots=("sheets",),
)
def _(ledger, rng):
    ledger.split = "term"


@variation(
    "sheet_per_year_span",
    ("welfare", "activities", "awards", "publicity"),
    "多年台账一年一张表（2021年、2022年、2023年）：../shared/ledgers 会员人数统计表；../shared/ledgers-more 宣传统计",
    book=True,
    slots=("sheets", "years"),
)
def _(ledger, rng):
    _add_year_records(ledger, (2021, 2023))
    ledger.split = "year"


@variation(
    "two_years_blank_between",
    ("welfare", "activities", "awards", "donations"),
    "两年记在同一张表，年与年之间空一行：../shared/ledgers 工会活动台账（2022-2023）、评优获奖台账",
    slots=("years", "spacer"),
)
def _(ledger, rng):
    _add_year_records(ledger, (2023,))
    ledger.blank_between = "year"


# === headers ====================================================================================


GROUPS = {
    "welfare": ("发放情况", ("count", "amount")),
    "activities": ("参加情况", ("participants", "cost")),
    "donations": ("捐款情况", ("donors", "amount")),
    "proposals": ("处理情况", ("decision", "department", "status")),
    "members": ("会员人数", ("members", "female")),
    "awards": ("获奖情况", ("level", "type", "grade")),
}


@variation(
    "two_row_merged_header",
    tuple(GROUPS),
    "两行合并表头（“发放情况”下分“人数（人次）”“金额（元）”）：../shared/ledgers 2023年（万元）台账；../shared/ledgers-more 捐款台账",
    slots=("header2",),
)
def _(ledger, rng):
    label, fields = GROUPS[ledger.kind]
    for c in ledger.cols:
        if c.field in fields:
            c.group = label
    if ledger.kind == "welfare":
        ledger.rename("count", "人数（人次）")
    if ledger.kind == "members":
        ledger.rename("members", "合计")
        ledger.rename("female", "其中：女")
    ledger.two_row_header = True


@variation(
    "header_inner_spaces",
    ALL,
    "表头字间加空格对齐（姓 名、金  额、日  期）：../shared/ledgers-district 实验小学慰问金发放登记（姓 名）",
)
def _(ledger, rng):
    for c in ledger.cols:
        if len(c.header) == 2:
            c.header = c.header[0] + rng.choice([" ", "  ", "\u3000"]) + c.header[1]


@variation(
    "header_halfwidth_brackets",
    ("welfare", "activities", "budget", "donations"),
    "半角括号的单位“金额(元)”“经费(元)”：../shared/ledgers-district 实验小学活动记录、滨江一中（发放金额(万元)）",
)
def _(ledger, rng):
    for c in ledger.cols:
        c.header = c.header.replace("（", "(").replace("）", ")")


@variation(
    "header_line_break",
    ("welfare", "activities", "donations", "budget"),
    "表头单元格内 Alt+Enter 换行（“金额\\n（元）”“参加\\n人数”）：Excel/WPS 窄列表头的常见写法",
)
def _(ledger, rng):
    for c in ledger.cols:
        if "（" in c.header:
            c.header = c.header.replace("（", "\n（")
        elif len(c.header) == 4:
            c.header = c.header[:2] + "\n" + c.header[2:]


@variation(
    "date_header_shijian",
    ("welfare", "donations", "publicity"),
    "日期列表头写“时间”：../shared/ledgers-district 社区学院慰问台账 CSV（时间,部门,项目,…）",
)
def _(ledger, rng):
    ledger.rename("date", "时间")


@variation(
    "activity_header_huodong_shijian",
    ("activities",),
    "活动日期列表头写“活动时间”、名称写“活动”、人数写“参与人次”：../shared/ledgers-district 实验小学活动记录、社区学院活动台账",
)
def _(ledger, rng):
    ledger.rename("start", "活动时间")
    ledger.rename("name", "活动")
    ledger.rename("participants", "参与人次")


@variation(
    "dept_header_bumen",
    ("welfare", "members", "roster", "donations", "awards"),
    "“部门”“单位”代替“分工会”：DOMAIN.md；../shared/ledgers-district 实验小学（部门）",
)
def _(ledger, rng):
    ledger.rename("sub_union", rng.choice(["部门", "单位"]))


# === amounts ===================================================================================


@variation(
    "amount_wanyuan_header",
    MONEY,
    "金额以万元记、表头“发放金额(万元)”（4位小数）：../shared/ledgers-district 滨江一中福利台账",
    slots=("amount_unit",),
)
def _(ledger, rng):
    ledger.amount_scale = 10000
    for fld in ledger.amount_fields():
        c = ledger.col(fld)
        c.header = {
            "amount": "发放金额(万元)" if ledger.kind == "welfare" else "金额(万元)",
            "budget": "预算数(万元)",
            "final": "决算数(万元)",
        }[fld]


@variation(
    "unit_line_wanyuan",
    MONEY,
    "标题下“金额单位：万元”一行、表头只写“金额”：../shared/ledgers 2023年慰问及福利发放台账（万元）",
    slots=("amount_unit", "title"),
)
def _(ledger, rng):
    ledger.amount_scale = 10000
    ledger.title = KIND_TITLE[ledger.kind]
    ledger.pre_lines.append("金额单位：万元")
    for fld in ledger.amount_fields():
        ledger.rename(fld, {"amount": "金额", "budget": "预算数", "final": "决算数"}[fld])


@variation(
    "unit_in_title_yuan",
    MONEY,
    "单位写在标题里“（单位：元）”、表头“年初预算”“全年决算”“金额”：../shared/ledgers-district 各校工会经费预决算 .xls",
    slots=("amount_unit", "title"),
)
def _(ledger, rng):
    ledger.title = KIND_TITLE[ledger.kind] + "（单位：元）"
    for fld in ledger.amount_fields():
        ledger.rename(fld, {"amount": "金额", "budget": "年初预算", "final": "全年决算"}[fld])


@variation(
    "amount_thousands_text",
    MONEY,
    "金额是带千分位的文本“1,500.00”：../shared/ledgers-district 社区学院活动台账 CSV",
    slots=("amount_unit",),
)
def _(ledger, rng):
    _amount_layer(ledger, lambda v: f"{v:,.2f}")


@variation(
    "amount_yuan_suffix",
    MONEY,
    "金额后写“元”（“500元”）：../shared/ledgers-district 社区学院慰问台账 CSV",
    slots=("amount_unit",),
)
def _(ledger, rng):
    _amount_layer(ledger, lambda v: f"{v:g}元")


@variation("amount_fullwidth_digits", MONEY, "全角数字“５００”（中文输入法下录入）：DOMAIN.md", slots=("amount_unit",))
def _(ledger, rng):
    _amount_layer(ledger, lambda v: f"{v:g}".translate(FULLWIDTH), 0.5)


@variation(
    "amount_currency_symbol",
    MONEY,
    "带货币符号的文本“￥1,500.00”（WPS 货币格式复制成文本）：常见 WPS 习惯",
    slots=("amount_unit",),
)
def _(ledger, rng):
    _amount_layer(ledger, lambda v: f"￥{v:,.2f}", 0.6)


@variation(
    "numbers_as_text",
    SUMMED + ("proposals",),
    "人数、金额存成文本（左上角绿三角“以文本形式存储的数字”）：常见 Excel 习惯",
)
def _(ledger, rng):
    for c in ledger.cols:
        if c.field in COUNT_FIELDS or c.field in g.MONEY_FIELDS:
            ledger.layer(c.field, lambda cell, rec: str(cell) if isinstance(cell, (int, float)) else cell, 0.5)


@variation(
    "per_person_rate_column",
    ("welfare",),
    "金额前多一列“标准（元/人）”（人均标准，不是金额）：../shared/ledgers 2022年节日福利发放表",
)
def _(ledger, rng):
    ledger.layer("rate", lambda cell, rec: None if rec.get("personal") else rec["amount"] // rec["count"])
    _insert_col(ledger, "count", Col("rate", "标准（元/人）"))


@variation(
    "amount_merged_over_group",
    ("welfare",),
    "同一天同类慰问几位对象，“金额”单元格纵向合并、只写这几人的合计：常见的 Excel 登记习惯（慰问金按批发放、一笔报账）",
    slots=("spacer", "subtotal", "fill", "merge_sum"),
    book=True,
)
def _(ledger, rng):
    personal = sorted(
        (r for r in ledger.records if r.get("personal")), key=lambda r: (r["category"], r["sub_union"], r["date"])
    )
    group, gid = [], 0
    for rec in [*personal, None]:
        if group and (rec is None or len(group) == 3 or (rec["category"], rec["sub_union"]) != group[0][1]):
            if len(group) >= 2:
                for r, _ in group:
                    r["date"], r["_group"] = group[0][0]["date"], gid  # paid together, on one day
                gid += 1
            group = []
        if rec is not None:
            group.append((rec, (rec["category"], rec["sub_union"])))
    ledger.sort_key = lambda r: (r["date"], r["category"], r["sub_union"], r.get("_group", -1))
    ledger.merge_sum = "amount"


# === dates =====================================================================================


@variation(
    "date_cn_text",
    DATED,
    "日期是文本“2022年3月8日”：DOMAIN.md；../shared/ledgers 2021年福利台账；../shared/ledgers-district",
    slots=(),
)
def _(ledger, rng):
    _date_layer(ledger, _cn, 0.6)


@variation("date_slash_text", DATED, "日期是文本“2022/3/8”：../shared/ledgers-district 滨江一中福利台账")
def _(ledger, rng):
    _date_layer(ledger, lambda d: f"{d.year}/{d.month}/{d.day}", 0.6)


@variation(
    "date_dot_text",
    DATED,
    "日期是文本“2022.3.8”：../shared/ledgers 2022年慰问金发放台账；../shared/ledgers-district 一中活动台账",
)
def _(ledger, rng):
    _date_layer(ledger, lambda d: f"{d.year}.{d.month}.{d.day}", 0.6)


@variation("date_dash_unpadded", DATED, "日期是文本“2022-3-8”（不补零）：WPS/CSV 导出的文本日期")
def _(ledger, rng):
    _date_layer(ledger, lambda d: f"{d.year}-{d.month}-{d.day}", 0.6)


@variation("date_with_time_text", DATED, "日期带时间的文本“2022-03-08 00:00:00”：OA/钉钉等系统导出的台账")
def _(ledger, rng):
    _date_layer(ledger, lambda d: f"{d:%Y-%m-%d} 00:00:00", 0.6)


@variation(
    "date_excel_serial",
    DATED,
    "日期是裸的 Excel 序号（44628，单元格格式为常规）：DOMAIN.md；../shared/ledgers-district .xls、提案汇总（会议日期）",
    book=True,
)
def _(ledger, rng):
    for fld in ledger.date_fields():
        ledger.layer(fld, lambda cell, rec: _serial(cell) if isinstance(cell, dt.date) else cell, 0.7)


@variation(
    "date_cn_number_format",
    DATED,
    "真日期显示为“2022年3月8日”（单元格格式）：../shared/ledgers 2022年慰问金发放台账",
    book=True,
)
def _(ledger, rng):
    ledger.date_number_format = 'yyyy"年"m"月"d"日"'


@variation(
    "date_month_only",
    ("welfare", "activities", "awards", "donations"),
    "只写到月“2022年3月”：../shared/ledgers 节日福利发放表、获奖台账；../shared/ledgers-district 实验小学活动记录",
)
def _(ledger, rng):
    fields = ("award_date",) if ledger.kind == "awards" else None
    _date_layer(ledger, lambda d: f"{d.year}年{d.month}月", 0.5, fields)


@variation(
    "date_no_year_title",
    ("welfare", "activities", "donations", "publicity"),
    "日期不写年份“3月8日”，年份在标题里：DOMAIN.md；../shared/ledgers 2021年工会活动台账（分月）",
    slots=("years", "title"),
)
def _(ledger, rng):
    ledger.title = KIND_TITLE[ledger.kind]
    _date_layer(ledger, lambda d: f"{d.month}月{d.day}日", 1.0, (ledger.date_fields()[0],))


@variation(
    "date_no_year_sheet_name",
    ("welfare", "activities", "donations", "publicity"),
    "日期不写年份，年份只在工作表名“2022年”：一年一表的台账（../shared/ledgers 会员人数统计表的表名）",
    slots=("years", "title", "sheets"),
    book=True,
)
def _(ledger, rng):
    ledger.title = KIND_TITLE_NO_YEAR[ledger.kind]
    ledger.sheet_name = f"{YEAR}年"
    _date_layer(ledger, lambda d: f"{d.month}月{d.day}日", 1.0, (ledger.date_fields()[0],))


@variation(
    "date_no_year_file_name",
    ("welfare", "activities", "donations", "publicity"),
    "日期不写年份、没有标题，年份只在文件名：“2022年慰问金发放台账.xlsx”（常见的按年存档）",
    slots=("years", "title", "sheets"),
)
def _(ledger, rng):
    _date_layer(ledger, lambda d: f"{d.month}月{d.day}日", 1.0, (ledger.date_fields()[0],))


@variation(
    "activity_date_range",
    ("activities",),
    "“起止时间”列写日期范围“2022.3.2-3.4”“2022.11.15-11.29”：../shared/ledgers-district 一中工会活动台账",
    slots=("range",),
)
def _(ledger, rng):
    ledger.rename("start", "起止时间")
    for rec in ledger.records:
        if rng.random() < 0.5:
            rec["end"] = rec["start"] + dt.timedelta(days=rng.randint(1, 6))

    def f(cell, rec):
        if not isinstance(cell, dt.date) or not rec.get("end"):
            return cell
        e = rec["end"]
        tail = f"{e.month}.{e.day}" if e.year == cell.year else f"{e.year}.{e.month}.{e.day}"
        return f"{cell.year}.{cell.month}.{cell.day}-{tail}"

    ledger.layer("start", f)


@variation(
    "activity_range_across_year",
    ("activities",),
    "跨年活动“2022.12.28-2023.1.2”（按开始日期归年）和上年末开始的“2021.12.29-2022.1.3”：../shared/ledgers-district 一中迎新年联欢会",
    slots=("range", "years"),
)
def _(ledger, rng):
    ledger.rename("start", "起止时间")
    for start, end in (
        (dt.date(YEAR - 1, 12, 29), dt.date(YEAR, 1, 3)),
        (dt.date(YEAR, 12, 28), dt.date(YEAR + 1, 1, 2)),
    ):
        ledger.records.append(
            {
                "name": "迎新年联欢会",
                "start": start,
                "end": end,
                "organizer": "校工会",
                "category": "文体活动",
                "participants": rng.randint(60, 120),
                "cost": 8000,
                "note": "",
            }
        )
    ledger.records.sort(key=lambda r: r["start"])

    def f(cell, rec):
        if not isinstance(cell, dt.date) or not rec.get("end"):
            return cell
        e = rec["end"]
        return f"{cell.year}.{cell.month}.{cell.day}-{e.year}.{e.month}.{e.day}"

    ledger.layer("start", f)


# === welfare words ================================================================================


def _welfare_cat(name: str, mapping: dict, where: str) -> None:
    @variation(name, ("welfare",), where, slots=("welfare_cat",))
    def _(ledger, rng):
        _synonyms(ledger, "category", mapping)


_welfare_cat("welfare_cat_zhuyuan", {"生病住院慰问": "住院慰问"}, "“住院慰问”：DOMAIN.md 列出的本地说法")
_welfare_cat(
    "welfare_cat_shengbing", {"生病住院慰问": "生病慰问"}, "“生病慰问”：../shared/ledgers-district 滨江一中福利台账"
)
_welfare_cat(
    "welfare_cat_sangshi",
    {"亲属去世慰问": "丧事慰问"},
    "“丧事慰问”：DOMAIN.md；../shared/ledgers-district 实验小学慰问金发放登记",
)
_welfare_cat(
    "welfare_cat_zhixi_qinshu",
    {"亲属去世慰问": "直系亲属去世"},
    "“直系亲属去世”：../shared/ledgers-district 滨江一中福利台账",
)
_welfare_cat("welfare_cat_guangrong_tuixiu", {"退休慰问": "光荣退休"}, "“光荣退休”：DOMAIN.md 列出的本地说法")
_welfare_cat(
    "welfare_cat_chunjie_zhongqiu",
    {"节日福利": lambda r: "春节福利" if r["date"].month <= 2 else "中秋福利"},
    "节日福利写成“春节福利”“中秋福利”：../shared/ledgers-district 实验小学（春节福利）；seed 002 节日慰问",
)
_welfare_cat("welfare_cat_fangshu_jiangwen", {"高温慰问": "防暑降温"}, "“防暑降温”：DOMAIN.md 列出的本地说法")
_welfare_cat(
    "welfare_cat_yiliao_huzhu", {"互助保险": "医疗互助"}, "“医疗互助”（职工医疗互助保障）：区总工会医疗互助活动的叫法"
)
_welfare_cat(
    "welfare_cat_bangfu_jiuzhu", {"困难补助": "帮扶救助"}, "“帮扶救助”：../shared/ledgers-district 滨江一中福利台账"
)
_welfare_cat(
    "welfare_cat_shengri_fuli", {"生日慰问": "生日福利"}, "“生日福利”：../shared/ledgers-district 滨江一中福利台账"
)
_welfare_cat(
    "welfare_cat_trailing_spaces",
    {c: (lambda c: lambda r: c + ("\u3000" if _pick(r, 2) else " "))(c) for c in g.WELFARE_CATS},  # noqa: B023
    "类别后带空格或全角空格“节日福利　”（从别处复制粘贴）：常见 Excel 习惯",
)


@variation(
    "welfare_item_header_xiangmu",
    ("welfare",),
    "类别列表头写“项目”：../shared/ledgers-district 社区学院慰问台账 CSV（时间,部门,项目,姓名,人数,金额）",
)
def _(ledger, rng):
    ledger.rename("category", "项目")


@variation(
    "welfare_shiyou_free_text",
    ("welfare",),
    "“事由”列写一句话（“看望生病住院教职工”）代替类别：公开的慰问金发放登记表模板（事由栏）",
    slots=("welfare_cat",),
)
def _(ledger, rng):
    phrases = {
        "生病住院慰问": "看望生病住院教职工",
        "亲属去世慰问": "教职工直系亲属去世慰问",
        "结婚慰问": "教职工结婚贺礼",
        "生育慰问": "教职工生育慰问",
        "退休慰问": "慰问光荣退休教职工",
        "困难补助": "困难教职工补助",
        "大病救助": "患重大疾病教职工救助",
        "节日福利": "发放节日福利",
        "生日慰问": "教职工生日蛋糕券",
        "高温慰问": "高温慰问一线职工",
        "在岗慰问": "春节在岗值班慰问",
        "互助保险": "参加职工医疗互助保障",
    }
    ledger.rename("category", "事由")
    _synonyms(ledger, "category", phrases)


@variation(
    "welfare_named_blank_count",
    ("welfare",),
    "写了姓名的个人慰问“人数”栏空着（按1人次计）：DOMAIN.md；../shared/ledgers 2021年福利台账（约12%）；滨江一中说明",
)
def _(ledger, rng):
    ledger.layer("count", lambda cell, rec: None if rec.get("personal") else cell, 0.7)


# === activities / members / roster words =============================================================


@variation(
    "activity_cat_short",
    ("activities",),
    "活动类别写“文体”“文体类”“志愿类”：../shared/ledgers-district 一中（文体）、实验小学（文体类、志愿类）",
)
def _(ledger, rng):
    _synonyms(
        ledger,
        "category",
        {
            "文体活动": lambda r: ["文体", "文体类"][_pick(r, 2)],
            "志愿服务": "志愿类",
            "主题教育": "教育类",
            "竞赛": "竞赛类",
        },
    )


@variation(
    "activity_eligible_in_note",
    ("activities",),
    "应参加人数写在备注里“应到196人”：../shared/ledgers-district 一中工会活动台账",
)
def _(ledger, rng):
    ledger.layer("note", lambda cell, rec: f"应到{150 + _pick(rec, 70)}人" if _pick(rec, 5) < 3 else cell)


@variation(
    "members_year_columns",
    ("members",),
    "会员人数一年一列“2021年末会员数 2022年末会员数 …”：DOMAIN.md；../shared/ledgers-district 会员人数统计 .xls",
    slots=("pivot", "subtotal"),
)
def _(ledger, rng):
    ledger.pivot = "headcount_years"


@variation(
    "members_sheet_per_year",
    ("members",),
    "会员人数一年一张表（2021年、2022年…），表内没有“年度”列：../shared/ledgers 会员人数统计表（2021-2023）",
    book=True,
    slots=("pivot", "sheets", "subtotal"),
)
def _(ledger, rng):
    ledger.split = "year"
    ledger.cols = [c for c in ledger.cols if c.field != "year"]
    ledger.split_title = lambda name: f"{name}末会员人数统计"


@variation(
    "roster_id_text_gender_words",
    ("roster",),
    "工号前导零的文本“0081203”、性别写“男性/女性”：人事系统导出的名册",
    slots=(),
)
def _(ledger, rng):
    ledger.layer("staff_id", lambda cell, rec: "00" + str(cell)[2:])
    _synonyms(ledger, "gender", {"男": "男性", "女": "女性"})


# === proposals =====================================================================================


@variation(
    "proposal_seconder_names",
    ("proposals",),
    "“附议人”列写名单“张三、李四等6人”而不是人数：../shared/ledgers-district 各校教代会提案办理情况汇总",
)
def _(ledger, rng):
    ledger.rename("seconders", "附议人")

    def f(cell, rec):
        names = rec["seconder_names"][: min(4, rec["seconders"])]
        return "、".join(names) + (f"等{rec['seconders']}人" if rec["seconders"] > len(names) else "")

    ledger.layer("seconders", f)


@variation(
    "proposal_district_headers",
    ("proposals",),
    "表头“届次 案号 案由 处理意见 办理情况 答复时间 代表满意度”：../shared/ledgers-district 提案汇总",
)
def _(ledger, rng):
    for fld, h in {
        "session": "届次",
        "number": "案号",
        "title": "案由",
        "decision": "处理意见",
        "status": "办理情况",
        "reply_date": "答复时间",
        "satisfaction": "代表满意度",
    }.items():
        ledger.rename(fld, h)


@variation(
    "proposal_decision_synonyms",
    ("proposals",),
    "处理结果写“转为意见建议”“并案”：DOMAIN.md；../shared/ledgers-district 提案汇总（填表说明）",
)
def _(ledger, rng):
    _synonyms(ledger, "decision", {"作为意见建议": "转为意见建议", "合并": "并案"})


@variation(
    "proposal_status_synonyms",
    ("proposals",),
    "办理状态写“已完成”“落实中”，不立案的写“已答复”：DOMAIN.md；../shared/ledgers-district 提案汇总",
)
def _(ledger, rng):
    def f(cell, rec):
        if rec["status"] == "已办结":
            return "已完成"
        if rec["status"] == "办理中":
            return "落实中"
        return "已答复" if rec["decision"] in ("不予立案", "合并") else cell

    ledger.layer("status", f)


@variation(
    "proposal_sessions_blank_between",
    ("proposals",),
    "三次会议的提案记在一张表，会议之间空一行：../shared/ledgers 教代会提案台账（十三届二次至四次）",
    slots=("years", "spacer"),
)
def _(ledger, rng):
    _add_year_records(ledger, (2021, 2023))
    ledger.records.sort(key=lambda r: r["session_date"])
    ledger.blank_between = "session"


# === awards ========================================================================================


@variation(
    "award_level_synonyms",
    ("awards",),
    "级别写“省部级”“地市级”“区级”“院级”：DOMAIN.md；../shared/ledgers-district 评优获奖统计",
)
def _(ledger, rng):
    _synonyms(ledger, "level", {"省级": "省部级", "市级": "地市级", "区县级": "区级", "校级": "院级"})


@variation(
    "award_type_tuanti", ("awards",), "类型写“团体”代替“集体”：DOMAIN.md；../shared/ledgers-district 评优获奖统计"
)
def _(ledger, rng):
    _synonyms(ledger, "type", {"集体": "团体"})


@variation(
    "award_year_text",
    ("awards",),
    "“年度”写成文本“2022年度”或“2022”：../shared/ledgers-district 评优获奖统计（年份是文本）",
)
def _(ledger, rng):
    ledger.layer("year", lambda cell, rec: f"{cell}年度" if _pick(rec, 2) else str(cell))


@variation(
    "award_district_headers",
    ("awards",),
    "表头“年份 荣誉称号 获奖类型 获奖者 颁奖单位 获奖等第 获奖时间”：../shared/ledgers-district 评优获奖统计",
)
def _(ledger, rng):
    for fld, h in {
        "year": "年份",
        "title": "荣誉称号",
        "type": "获奖类型",
        "recipient": "获奖者",
        "grantor": "颁奖单位",
        "grade": "获奖等第",
        "award_date": "获奖时间",
    }.items():
        ledger.rename(fld, h)


@variation(
    "award_next_january",
    ("awards",),
    "年度荣誉次年1月才颁发（年度=2022，获奖日期2023-01-06）：../shared/ledgers 评优获奖台账",
    slots=("years",),
)
def _(ledger, rng):
    for rec in ledger.records[:3]:
        rec["award_date"] = dt.date(YEAR + 1, 1, rng.randint(4, 20))


# === budget ========================================================================================


@variation(
    "budget_year_merged_header",
    ("budget",),
    "年度合并在“预算数/决算数”两列之上（2021年 | 2022年 | 2023年）：预决算对比表模板",
    slots=("pivot", "subtotal", "header2"),
)
def _(ledger, rng):
    ledger.pivot = "budget_years"


@variation(
    "budget_parent_subtotals",
    ("budget",),
    "上级科目（501 职工服务支出）是下级之和，备注“小计”，下级科目缩进两格：../shared/ledgers 工会经费预算决算表",
    slots=("subtotal", "pivot"),
)
def _(ledger, rng):
    lines = []
    for year in (2021, 2022, 2023):
        for parent, pname in g.BUDGET_PARENTS.items():
            kids = [r for r in ledger.records if r["year"] == year and r["parent"] == parent]
            lines.append(
                {
                    "year": year,
                    "code": parent,
                    "parent": parent,
                    "subject": pname,
                    "budget": sum(k["budget"] for k in kids),
                    "final": sum(k["final"] for k in kids),
                    "note": "小计",
                    "_parent_line": True,
                }
            )
            lines += kids
    ledger.records = lines  # the truth skips "_parent_line" records
    ledger.layer("subject", lambda cell, rec: cell if rec.get("_parent_line") else "  " + cell)


@variation(
    "budget_district_subjects",
    ("budget",),
    "科目写“职工教育费”“文体活动费”（费而不是支出）、表头“年初预算 全年决算”：../shared/ledgers-district 各校工会经费预决算 .xls",
)
def _(ledger, rng):
    ledger.layer("subject", lambda cell, rec: cell.replace("支出", "费") if isinstance(cell, str) else cell)
    ledger.rename("budget", "年初预算")
    ledger.rename("final", "全年决算")


@variation("budget_execution_rate", ("budget",), "多一列“执行率”（98.5%）：../shared/ledgers 工会经费预算决算表")
def _(ledger, rng):
    ledger.layer("rate", lambda cell, rec: f"{rec['final'] / rec['budget'] * 100:.1f}%")
    _insert_col(ledger, "final", Col("rate", "执行率"))


# === donations / publicity ===========================================================================


@variation(
    "donation_drive_merged",
    ("donations",),
    "同一活动的“活动名称”“去向”纵向合并（只有首行有值）：../shared/ledgers-more 爱心捐款台账",
    slots=("fill",),
    book=True,
)
def _(ledger, rng):
    ledger.fill_down |= {"drive", "dest"}


@variation(
    "donation_year_subtotal",
    ("donations",),
    "每年末“2022年小计（3次）”行、表末“合计”：../shared/ledgers-more 爱心捐款台账",
    slots=("subtotal", "total"),
)
def _(ledger, rng):
    n = len({r["drive"] for r in ledger.records if g.record_year(r) == YEAR})
    ledger.subtotal = "year"
    ledger.subtotal_label = lambda y: f"{y}年小计（{n}次）"
    ledger.total = "合计"


@variation(
    "publicity_channel_words",
    ("publicity",),
    "发布渠道写“公众号”“校园网”“学校官网”：seed 002（校园网、《教工之家》网站）；各校的叫法",
    slots=("channel",),
)
def _(ledger, rng):
    _synonyms(
        ledger,
        "channel",
        {
            "微信公众号": lambda r: ["公众号", "微信公众号"][_pick(r, 2)],
            "学校网站": lambda r: ["校园网", "学校官网"][_pick(r, 2)],
        },
    )


@variation(
    "publicity_count_total_row",
    ("publicity",),
    "表末“合计 共N条”行：../shared/ledgers-more 工会宣传报道统计",
    slots=("total",),
)
def _(ledger, rng):
    ledger.notes = [f"合计 共{len(ledger.records)}条"] + ledger.notes


# === file formats =================================================================================


@variation(
    "format_xls",
    ALL,
    "老 Excel / LibreOffice 存的 .xls（BIFF8，xlwt 写）：DOMAIN.md；../shared/ledgers-district 三个 .xls",
    slots=("format",),
)
def _(ledger, rng):
    ledger.fmt = "xls"


@variation(
    "format_csv_gbk",
    ALL,
    "GBK 编码的 CSV（中文 Windows Excel 另存为 CSV）：DOMAIN.md；../shared/ledgers-district 社区学院慰问台账",
    slots=("format",),
    csv=True,
)
def _(ledger, rng):
    ledger.fmt = "csv-gbk"


@variation(
    "format_csv_utf8_bom",
    ALL,
    "带 BOM 的 UTF-8 CSV（“CSV UTF-8”另存为）：../shared/ledgers-district 社区学院活动台账",
    slots=("format",),
    csv=True,
)
def _(ledger, rng):
    ledger.fmt = "csv-bom"


@variation("format_csv_utf8", ALL, "无 BOM 的 UTF-8 CSV（WPS、系统导出）：常见导出格式", slots=("format",), csv=True)
def _(ledger, rng):
    ledger.fmt = "csv-utf8"


BY_NAME = {v.name: v for v in CATALOGUE}
assert len(BY_NAME) == len(CATALOGUE), "duplicate variation names"


def for_kind(kind: str) -> list[Variation]:
    return [v for v in CATALOGUE if kind in v.kinds]


def cases() -> list[tuple[Variation, str]]:
    """(variation, kind) pairs for the one-variation tests: each variation on each kind it names."""
    return [(v, k) for v in CATALOGUE for k in v.kinds]
