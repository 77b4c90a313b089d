"""Realistic school trade-union ledgers (台账) with known truth, for the variation corpus.

A :class:`Ledger` is a kind, a list of canonical records (what happened) and a layout
(how a clerk wrote it down).  Variations (see catalogue.py) change only the layout or
the way values are written, never what happened, so the truth is computed from the
records alone.  Everything is deterministic from the seed.

    ledger = baseline("welfare", seed=1)
    for v in variations: v.apply(ledger, random.Random(...))
    paths, truth = write(ledger, folder)

Pure Python + openpyxl (.xlsx) + xlwt (.xls).  No project imports here.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

YEAR = 2022  # the period every truth is about ("2022", calendar year)
KINDS = ("welfare", "activities", "members", "roster", "proposals", "awards", "budget", "donations", "publicity")

SUB_UNIONS = [
    "机关分工会",
    "机电工程学院分工会",
    "信息工程学院分工会",
    "经济管理学院分工会",
    "艺术设计学院分工会",
    "基础教学部分工会",
    "图书信息中心分工会",
    "后勤保障部分工会",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞辉建国海燕雪峰晓东文彬琳琪宇浩然欣怡思远佳慧晨阳嘉"
)

# Standard welfare categories (DOMAIN.md / ../shared/ledgers truth.json) → (personal?, amount choices, count range)
WELFARE_CATS: dict[str, tuple[bool, list[int], tuple[int, int]]] = {
    "生病住院慰问": (True, [500, 800, 1000], (1, 1)),
    "亲属去世慰问": (True, [500, 800, 1000], (1, 1)),
    "结婚慰问": (True, [500, 800], (1, 1)),
    "生育慰问": (True, [500, 600], (1, 1)),
    "退休慰问": (True, [1000, 1500, 2000], (1, 1)),
    "困难补助": (True, [1000, 1500, 2000], (1, 1)),
    "大病救助": (True, [3000, 5000], (1, 1)),
    "节日福利": (False, [500, 600, 800], (8, 40)),
    "生日慰问": (False, [100, 150, 200], (2, 9)),
    "高温慰问": (False, [60, 100], (10, 40)),
    "在岗慰问": (False, [50, 100], (3, 12)),
    "互助保险": (False, [30, 60], (20, 60)),
}
ACTIVITY_CATS = ["文体活动", "疗休养", "培训", "竞赛", "志愿服务", "主题教育"]
ACTIVITY_NAMES = {
    "文体活动": ["教职工羽毛球赛", "教工趣味运动会", "迎新年联欢会", "插花沙龙", "春季健步走", "中秋联谊会"],
    "疗休养": ["教职工疗休养", "退休教职工秋游"],
    "培训": ["工会干部培训", "压力管理讲座", "心理健康讲座"],
    "竞赛": ["青年教师教学比武", "班主任基本功大赛", "教职工合唱比赛"],
    "志愿服务": ["无偿献血", "社区志愿服务"],
    "主题教育": ["每日一学打卡", "读书分享会", "庆三八主题活动"],
}
LEVELS = ["国家级", "省级", "市级", "区县级", "校级"]
AWARD_TITLES = {
    "国家级": ["全国优秀教师", "全国模范教职工之家"],
    "省级": ["省五一劳动奖章", "省模范职工小家", "省读书分享一等奖"],
    "市级": ["市师德标兵", "市最美家庭", "市三八红旗手", "市教学竞赛"],
    "区县级": ["区巾帼文明岗", "区优秀工会积极分子", "区教坛新秀"],
    "校级": ["优秀工会干部", "十佳团队", "学习达人", "优秀部门工会"],
}
DECISIONS = ["立案", "作为意见建议", "不予立案", "合并"]
PROPOSAL_TOPICS = [
    "关于提高教师午餐补贴的建议",
    "关于建立教职工体检绿色通道的提案",
    "关于增设教职工子女托管的建议",
    "关于改善校园饮水设施的提案",
    "关于更新办公电脑的建议",
    "关于丰富社团活动的提案",
    "关于完善代课费发放办法的提案",
    "关于优化课后服务安排的建议",
    "关于加强家校沟通平台建设的提案",
    "关于增加教师外出培训机会的建议",
    "关于推进校务公开的建议",
    "关于开展教职工心理疏导的建议",
]
DEPARTMENTS = ["总务处", "教务处", "人事处", "工会", "校长室", "后勤处"]
BUDGET_SUBJECTS = [
    ("职工教育支出", "501"),
    ("文体活动支出", "501"),
    ("宣传活动支出", "501"),
    ("职工集体福利支出", "501"),
    ("职工疗休养支出", "501"),
    ("送温暖支出", "502"),
    ("困难职工帮扶支出", "502"),
    ("会议支出", "503"),
]
BUDGET_PARENTS = {"501": "职工服务支出", "502": "维权支出", "503": "业务支出"}
DRIVES = [
    ("爱心一日捐", 5, "市慈善总会"),
    ("慈善一日捐", 6, "区红十字会"),
    ("扶贫济困爱心捐赠", 10, "对口帮扶县"),
    ("抗洪救灾捐款", 7, "省红十字会"),
]
CHANNELS = ["微信公众号", "学校网站", "上级工会网站", "学习强国", "报刊", "其他"]
PUB_TYPES = ["新闻", "通知", "知识", "文娱", "养生"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def rand_date(rng: random.Random, year: int = YEAR, months: tuple[int, int] = (1, 12)) -> dt.date:
    month = rng.randint(*months)
    return dt.date(year, month, rng.randint(1, 28))


# --- the ledger model ---------------------------------------------------------------------


@dataclass
class Col:
    field: str
    header: str
    group: str | None = None  # label of a two-row header group above this column
    hidden: bool = False


Formatter = Callable[[Any, dict], Any]


@dataclass
class Ledger:
    kind: str
    seed: int
    records: list[dict]
    cols: list[Col]
    file_stem: str
    sheet_name: str = "Sheet1"
    title: str | None = None
    pre_lines: list[str] = field(default_factory=list)  # rows between title and header (单位、填报单位)
    fmt: str = "xlsx"  # xlsx, xls, csv-utf8, csv-bom, csv-gbk
    amount_scale: int = 1  # 10000 when the sheet is in 万元
    layers: dict[str, list[tuple[float, Formatter]]] = field(default_factory=dict)
    two_row_header: bool = False
    origin: tuple[int, int] = (0, 0)  # empty rows / columns before the table
    total: str | None = None  # label of the bottom total row ("" = no label), None = no total row
    total_formulas: bool = False
    subtotal: str | None = None  # "month" / "year" / "drive": 小计 rows after each group
    subtotal_label: Callable[[Any], str] = lambda key: "小计"
    notes: list[str] = field(default_factory=list)
    spacer_every: int = 0  # a blank row after every n data rows
    blank_between: str | None = None  # blank row whenever this key changes ("year", "session")
    repeat_header_every: int = 0
    split: str | None = None  # "month", "term", "year": one sheet per group
    split_title: Callable[[str], str] | None = None
    extra_sheets: list[tuple[str, list[list[Any]]]] = field(default_factory=list)  # before the data
    trailing_sheets: list[tuple[str, list[list[Any]]]] = field(default_factory=list)
    fill_down: set[str] = field(default_factory=set)  # fields written once per run (merged cells)
    merge_fill: bool = True  # fill_down as real merged cells (else just blank)
    merge_sum: str | None = None  # a figure written once per group (records sharing ``_group``), merged down
    pivot: str | None = None  # "headcount_years" / "budget_years"
    sort_key: Callable[[dict], Any] | None = None
    date_number_format: str = "yyyy-mm-dd"
    truth_rows: int | None = None  # overrides the row accounting (pivoted tables)
    tags: list[str] = field(default_factory=list)  # names of applied variations

    # helpers for variations
    def col(self, fld: str) -> Col:
        for c in self.cols:
            if c.field == fld:
                return c
        raise KeyError(fld)

    def has(self, fld: str) -> bool:
        return any(c.field == fld for c in self.cols)

    def rename(self, fld: str, header: str) -> None:
        self.col(fld).header = header

    def layer(self, fld: str, func: Formatter, fraction: float = 1.0) -> None:
        self.layers.setdefault(fld, []).append((fraction, func))

    def date_fields(self) -> list[str]:
        return [c.field for c in self.cols if c.field in DATE_FIELDS]

    def amount_fields(self) -> list[str]:
        return [c.field for c in self.cols if c.field in MONEY_FIELDS]


DATE_FIELDS = {"date", "start", "session_date", "submit_date", "reply_date", "award_date", "join_date"}
MONEY_FIELDS = {"amount", "cost", "budget", "final"}
SUM_FIELDS = {"count", "amount", "participants", "cost", "members", "female", "budget", "final", "donors", "reads"}


# --- baselines ----------------------------------------------------------------------------


def _welfare(rng: random.Random) -> list[dict]:
    recs = []
    for cat, (personal, amounts, (lo, hi)) in WELFARE_CATS.items():
        for _ in range(rng.randint(2, 4)):
            sub = rng.choice(SUB_UNIONS)
            n = 1 if personal else rng.randint(lo, hi)
            unit = rng.choice(amounts)
            months = {"高温慰问": (6, 8), "节日福利": (1, 2) if rng.random() < 0.5 else (9, 9)}.get(cat, (1, 12))
            recs.append(
                {
                    "date": rand_date(rng, months=months),
                    "sub_union": sub,
                    "category": cat,
                    "name": person(rng) if personal else sub.replace("分工会", "") + "教职工",
                    "personal": personal,
                    "count": n,
                    "amount": unit * n,
                    "note": "",
                }
            )
    recs.sort(key=lambda r: r["date"])
    return recs


def _activities(rng: random.Random, year: int = YEAR) -> list[dict]:
    recs = []
    for _ in range(14):
        cat = rng.choice(ACTIVITY_CATS)
        start = rand_date(rng, year)
        recs.append(
            {
                "name": rng.choice(ACTIVITY_NAMES[cat]),
                "start": start,
                "end": None,
                "organizer": rng.choice(["校工会"] * 3 + SUB_UNIONS[:3]),
                "category": cat,
                "participants": rng.randint(12, 400),
                "cost": rng.randint(5, 80) * 100,
                "note": "",
            }
        )
    recs.sort(key=lambda r: r["start"])
    return recs


def _members(rng: random.Random) -> list[dict]:
    recs = []
    for sub in SUB_UNIONS:
        base = rng.randint(25, 110)
        for year in (2021, 2022, 2023):
            n = base + (year - 2021) * rng.randint(-2, 4)
            recs.append(
                {"sub_union": sub, "year": year, "members": n, "female": n // 2 + rng.randint(-5, 5), "note": ""}
            )
    return recs


def _roster(rng: random.Random) -> list[dict]:
    recs = []
    seen = set()
    for sub in SUB_UNIONS[:5]:
        for _ in range(rng.randint(6, 12)):
            hire = rng.randint(1995, 2022)
            sid = f"{hire}{rng.randint(1, 999):03d}"
            while sid in seen:
                sid = f"{hire}{rng.randint(1, 999):03d}"
            seen.add(sid)
            recs.append(
                {
                    "staff_id": sid,
                    "name": person(rng),
                    "gender": rng.choice("男女"),
                    "sub_union": sub,
                    "join_date": dt.date(hire, 9, rng.randint(1, 20)),
                    "status": "在职",
                }
            )
    return recs


def _proposals(rng: random.Random, year: int = YEAR, session: str = "第十三届三次教代会") -> list[dict]:
    recs = []
    session_date = dt.date(year, 3, rng.randint(8, 25))
    for i in range(rng.randint(14, 20)):
        decision = rng.choices(DECISIONS, weights=[3, 4, 5, 1])[0]
        status = ""
        if decision in ("立案", "作为意见建议"):
            status = rng.choice(["已办结", "已办结", "办理中"])
        accepted = decision in ("立案", "作为意见建议")
        recs.append(
            {
                "session": session,
                "session_date": session_date,
                "number": f"{year % 100}-{i + 1:02d}",
                "title": rng.choice(PROPOSAL_TOPICS),
                "proposer": person(rng),
                "seconders": rng.randint(2, 9),
                "seconder_names": [person(rng) for _ in range(4)],
                "category": rng.choice(["教学", "后勤", "福利", "管理"]),
                "decision": decision,
                "department": rng.choice(DEPARTMENTS) if accepted else "",
                "status": status,
                "submit_date": session_date - dt.timedelta(days=rng.randint(3, 12)),
                "reply_date": session_date + dt.timedelta(days=rng.randint(20, 90)) if accepted else None,
                "satisfaction": rng.choice(["满意", "满意", "基本满意"]) if status == "已办结" else "",
            }
        )
    return recs


def _awards(rng: random.Random, year: int = YEAR) -> list[dict]:
    recs = []
    for _ in range(rng.randint(14, 20)):
        level = rng.choices(LEVELS, weights=[1, 2, 4, 4, 4])[0]
        kind = rng.choice(["个人", "个人", "集体"])
        recs.append(
            {
                "year": year,
                "title": rng.choice(AWARD_TITLES[level]),
                "level": level,
                "type": kind,
                "recipient": person(rng) if kind == "个人" else rng.choice(SUB_UNIONS),
                "sub_union": rng.choice(SUB_UNIONS),
                "grantor": {
                    "国家级": "中华全国总工会",
                    "省级": "省总工会",
                    "市级": "市总工会",
                    "区县级": "区总工会",
                    "校级": "校工会",
                }[level],
                "grade": rng.choice(["", "", "一等奖", "二等奖", "三等奖"]),
                "award_date": rand_date(rng, year),
            }
        )
    return recs


def _budget(rng: random.Random) -> list[dict]:
    recs = []
    for year in (2021, 2022, 2023):
        for subject, parent in BUDGET_SUBJECTS:
            b = rng.randint(2, 150) * 1000
            recs.append(
                {
                    "year": year,
                    "code": parent + f"{BUDGET_SUBJECTS.index((subject, parent)) + 1:02d}",
                    "parent": parent,
                    "subject": subject,
                    "budget": b,
                    "final": b + rng.randint(-20, 10) * 100,
                    "note": "",
                }
            )
    return recs


def _donations(rng: random.Random) -> list[dict]:
    recs = []
    for year in (YEAR,):
        for name, month, dest in DRIVES[:3]:
            day = dt.date(year, month, rng.randint(5, 20))
            for sub in rng.sample(SUB_UNIONS, 5):
                donors = rng.randint(15, 80)
                recs.append(
                    {
                        "date": day + dt.timedelta(days=rng.randint(0, 3)),
                        "drive": name,
                        "sub_union": sub,
                        "donors": donors,
                        "amount": donors * rng.choice([50, 100, 100, 200]),
                        "dest": dest,
                    }
                )
    return recs


def _publicity(rng: random.Random) -> list[dict]:
    recs = []
    for i in range(30):
        recs.append(
            {
                "date": rand_date(rng),
                "title": f"校工会{rng.choice(ACTIVITY_NAMES['文体活动'])}圆满举行（{i + 1}）",
                "channel": rng.choices(CHANNELS, weights=[8, 4, 2, 1, 1, 1])[0],
                "ptype": rng.choice(PUB_TYPES),
                "author": person(rng),
                "reads": rng.randint(80, 3000),
            }
        )
    recs.sort(key=lambda r: r["date"])
    return recs


def baseline(kind: str, seed: int = 0) -> Ledger:
    """The plainest ledger of a kind: header in A1, real dates and numbers, one sheet, .xlsx."""
    rng = random.Random(f"{kind}:{seed}")
    C = Col
    if kind == "welfare":
        return Ledger(
            kind,
            seed,
            _welfare(rng),
            [
                C("seq", "序号"),
                C("date", "日期"),
                C("sub_union", "分工会"),
                C("category", "类别"),
                C("name", "姓名"),
                C("count", "人数"),
                C("amount", "金额（元）"),
                C("note", "备注"),
            ],
            f"{YEAR}年工会慰问福利台账",
        )
    if kind == "activities":
        return Ledger(
            kind,
            seed,
            _activities(rng),
            [
                C("seq", "序号"),
                C("name", "活动名称"),
                C("start", "活动日期"),
                C("organizer", "主办单位"),
                C("category", "活动类别"),
                C("participants", "参加人数"),
                C("cost", "经费（元）"),
                C("note", "备注"),
            ],
            f"{YEAR}年工会活动台账",
        )
    if kind == "members":
        return Ledger(
            kind,
            seed,
            _members(rng),
            [
                C("seq", "序号"),
                C("sub_union", "分工会"),
                C("year", "年度"),
                C("members", "会员人数"),
                C("female", "其中：女"),
                C("note", "备注"),
            ],
            "会员人数统计表（2021-2023）",
        )
    if kind == "roster":
        return Ledger(
            kind,
            seed,
            _roster(rng),
            [
                C("seq", "序号"),
                C("staff_id", "工号"),
                C("name", "姓名"),
                C("gender", "性别"),
                C("sub_union", "分工会"),
                C("join_date", "入会日期"),
                C("status", "状态"),
            ],
            f"{YEAR}年会员名册",
        )
    if kind == "proposals":
        return Ledger(
            kind,
            seed,
            _proposals(rng),
            [
                C("seq", "序号"),
                C("session", "会议届次"),
                C("session_date", "会议日期"),
                C("number", "提案编号"),
                C("title", "提案标题"),
                C("proposer", "提案人"),
                C("seconders", "附议人数"),
                C("category", "提案类别"),
                C("decision", "处理结果"),
                C("department", "承办部门"),
                C("status", "办理状态"),
                C("submit_date", "提交日期"),
                C("reply_date", "答复日期"),
                C("satisfaction", "满意度"),
            ],
            "教代会提案台账（十三届三次）",
        )
    if kind == "awards":
        return Ledger(
            kind,
            seed,
            _awards(rng),
            [
                C("seq", "序号"),
                C("year", "年度"),
                C("title", "荣誉名称"),
                C("level", "级别"),
                C("type", "类型"),
                C("recipient", "获奖对象"),
                C("sub_union", "所在分工会"),
                C("grantor", "授予单位"),
                C("grade", "等次"),
                C("award_date", "获奖日期"),
            ],
            f"评优获奖台账（{YEAR}）",
        )
    if kind == "budget":
        return Ledger(
            kind,
            seed,
            _budget(rng),
            [
                C("seq", "序号"),
                C("year", "年度"),
                C("code", "科目编码"),
                C("subject", "支出科目"),
                C("budget", "预算数（元）"),
                C("final", "决算数（元）"),
                C("note", "备注"),
            ],
            "工会经费预算决算表（2021-2023）",
        )
    if kind == "donations":
        return Ledger(
            kind,
            seed,
            _donations(rng),
            [
                C("seq", "序号"),
                C("date", "日期"),
                C("drive", "活动名称"),
                C("sub_union", "分工会"),
                C("donors", "捐款人数"),
                C("amount", "金额（元）"),
                C("dest", "去向"),
            ],
            f"{YEAR}年爱心捐款台账",
        )
    if kind == "publicity":
        return Ledger(
            kind,
            seed,
            _publicity(rng),
            [
                C("seq", "序号"),
                C("date", "发布日期"),
                C("title", "标题"),
                C("channel", "发布渠道"),
                C("ptype", "类型"),
                C("author", "作者"),
                C("reads", "阅读量"),
            ],
            f"{YEAR}年工会宣传报道统计",
        )
    raise ValueError(kind)


# --- truth ----------------------------------------------------------------------------------


def _in_year(d: dt.date | None, year: int = YEAR) -> bool:
    return d is not None and d.year == year


def truth(ledger: Ledger) -> dict:
    """What a careful clerk computes for the calendar year YEAR, in the summary's shape."""
    r = [x for x in ledger.records if not x.get("_parent_line")]  # budget parent lines are subtotals
    k = ledger.kind
    out: dict[str, Any]
    if k == "welfare":
        rows = [x for x in r if _in_year(x["date"])]
        cats: dict[str, float] = {}
        for x in rows:
            cats[x["category"]] = round(cats.get(x["category"], 0.0) + x["amount"], 2)
        out = {
            "welfare": {
                "total_yuan": round(float(sum(x["amount"] for x in rows)), 2),
                "person_times": sum(x["count"] for x in rows),
                "by_category": cats,
            }
        }
    elif k == "activities":
        rows = [x for x in r if _in_year(x["start"])]
        out = {"activities": {"events": len(rows), "person_times": sum(x["participants"] for x in rows)}}
    elif k == "members":
        out = {"members": sum(x["members"] for x in r if x["year"] == YEAR)}
    elif k == "roster":
        out = {"members": len(r)}
    elif k == "proposals":
        rows = [x for x in r if _in_year(x["session_date"])]
        p = {"total": len(rows)}
        for d in DECISIONS:
            p[d] = sum(1 for x in rows if x["decision"] == d)
        p["已办结"] = sum(1 for x in rows if x["status"] == "已办结")
        out = {"proposals": {key: p[key] for key in ("total", "立案", "作为意见建议", "不予立案", "合并", "已办结")}}
    elif k == "awards":
        rows = [x for x in r if x["year"] == YEAR]
        out = {
            "awards": {
                "total": len(rows),
                "by_level": {lv: sum(1 for x in rows if x["level"] == lv) for lv in LEVELS},
                "个人": sum(1 for x in rows if x["type"] == "个人"),
                "集体": sum(1 for x in rows if x["type"] == "集体"),
            }
        }
    elif k == "budget":
        rows = [x for x in r if x["year"] == YEAR]
        out = {
            "budget": {
                "lines": len(rows),
                "total_budget": round(float(sum(x["budget"] for x in rows)), 2),
                "total_final": round(float(sum(x["final"] for x in rows)), 2),
            }
        }
    elif k == "donations":
        rows = [x for x in r if _in_year(x["date"])]
        out = {
            "donations": {
                "drives": len({x["drive"] for x in rows}),
                "person_times": sum(x["donors"] for x in rows),
                "total_yuan": round(float(sum(x["amount"] for x in rows)), 2),
            }
        }
    elif k == "publicity":
        rows = [x for x in r if _in_year(x["date"])]
        ch: dict[str, int] = {}
        for x in rows:
            ch[x["channel"]] = ch.get(x["channel"], 0) + 1
        out = {"publicity": {"items": len(rows), "by_channel": ch}}
    else:
        raise ValueError(k)
    out["rows"] = ledger.truth_rows if ledger.truth_rows is not None or ledger.pivot else len(r)
    return out


# --- rendering --------------------------------------------------------------------------------


@dataclass
class Formula:
    text: str  # without "=", e.g. SUM(F3:F20)


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (0-based, inclusive)
    hidden_cols: set[int] = field(default_factory=set)


def _cell_rng(ledger: Ledger, i: int, fld: str, k: int) -> float:
    return random.Random(f"{ledger.seed}:{ledger.kind}:{i}:{fld}:{k}").random()


def default_cell(ledger: Ledger, fld: str, value: Any, rec: dict) -> Any:
    if value is None or value == "":
        return None
    if fld in MONEY_FIELDS:
        v = value / ledger.amount_scale
        return int(v) if float(v).is_integer() else round(v, 4)
    if isinstance(value, list):
        return "、".join(value)
    return value


def cell_value(ledger: Ledger, i: int, rec: dict, fld: str) -> Any:
    if fld == "seq":
        return rec.get("_seq", i + 1)
    if fld == "end" and rec.get("end") is None:
        return None
    value = rec.get(fld)
    cell = default_cell(ledger, fld, value, rec)
    for k, (fraction, func) in enumerate(ledger.layers.get(fld, [])):
        if fraction >= 1.0 or _cell_rng(ledger, i, fld, k) < fraction:
            cell = func(cell, rec)
    return cell


def _sheet_groups(ledger: Ledger) -> list[tuple[str, list[dict]]]:
    recs = list(ledger.records)
    if ledger.sort_key:
        recs.sort(key=ledger.sort_key)
    for i, rec in enumerate(recs):
        rec["_seq"] = i + 1
    if not ledger.split:
        return [(ledger.sheet_name, recs)]
    groups: dict[str, list[dict]] = {}
    key = _split_key(ledger)
    if ledger.split == "month":
        for m in range(1, 13):
            groups[f"{m}月"] = []
    for rec in recs:
        groups.setdefault(key(rec), []).append(rec)
    for _name, rows in groups.items():
        for j, rec in enumerate(rows):
            rec["_seq"] = j + 1
    return list(groups.items())


def record_date(rec: dict) -> dt.date | None:
    for f in ("date", "start", "session_date", "award_date"):
        if isinstance(rec.get(f), dt.date):
            return rec[f]
    return None


def record_year(rec: dict) -> int:
    if "year" in rec:
        return rec["year"]
    return record_date(rec).year


def _split_key(ledger: Ledger) -> Callable[[dict], str]:
    if ledger.split == "month":
        return lambda r: f"{record_date(r).month}月"
    if ledger.split == "term":
        return lambda r: (
            f"{record_date(r).year}年春季学期" if record_date(r).month <= 7 else f"{record_date(r).year}年秋季学期"
        )
    if ledger.split == "year":
        return lambda r: f"{record_year(r)}年"
    raise ValueError(ledger.split)


def _group_key(ledger: Ledger, what: str | None) -> Callable[[dict], Any] | None:
    if what is None:
        return None
    if what == "month":
        return lambda r: record_date(r).month
    if what == "year":
        return record_year
    if what == "drive":
        return lambda r: (record_year(r), r["drive"])
    if what == "session":
        return lambda r: r["session"]
    if what == "parent":
        return lambda r: (r["year"], r["parent"])
    raise ValueError(what)


def _sum_row(ledger: Ledger, cols: list[Col], recs: list[dict], label: str | None) -> list[Any]:
    row: list[Any] = [None] * len(cols)
    label_col = 0 if cols[0].field == "seq" or label is None else 0
    for j, c in enumerate(cols):
        if c.field in SUM_FIELDS and c.field not in ("year",):
            total = sum((r.get(c.field) or 0) for r in recs)
            if c.field in MONEY_FIELDS:
                total = total / ledger.amount_scale
                total = int(total) if float(total).is_integer() else round(total, 4)
            row[j] = total
    if label:
        row[label_col] = label
    return row


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def render_sheet(ledger: Ledger, name: str, recs: list[dict]) -> Sheet:
    cols = ledger.cols
    ncol = len(cols)
    rows: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []
    title = ledger.split_title(name) if (ledger.split and ledger.split_title) else ledger.title
    if title:
        rows.append([title] + [None] * (ncol - 1))
        merges.append((len(rows) - 1, 0, len(rows) - 1, ncol - 1))
    for line in ledger.pre_lines:
        rows.append([line] + [None] * (ncol - 1))
        merges.append((len(rows) - 1, 0, len(rows) - 1, ncol - 1))
    if ledger.pivot:
        header_rows, body = _pivot(ledger, recs)
        top = len(rows)
        rows.extend(header_rows[0])
        merges.extend((top + a, b, top + c, d) for a, b, c, d in header_rows[1])
        rows.extend(body)
        _finish(ledger, rows, ncol=len(rows[top]))
        return Sheet(name, rows, merges)
    header_top = len(rows)
    if ledger.two_row_header:
        r1, r2 = [], []
        j = 0
        while j < ncol:
            c = cols[j]
            if c.group:
                k = j
                while k + 1 < ncol and cols[k + 1].group == c.group:
                    k += 1
                r1.extend([c.group] + [None] * (k - j))
                r2.extend(cc.header for cc in cols[j : k + 1])
                merges.append((header_top, j, header_top, k))
                j = k + 1
            else:
                r1.append(c.header)
                r2.append(None)
                merges.append((header_top, j, header_top + 1, j))
                j += 1
        rows.extend([r1, r2])
    else:
        rows.append([c.header for c in cols])
    header_copy = [list(r) for r in rows[header_top:]]
    data_top = len(rows)
    subkey = _group_key(ledger, ledger.subtotal)
    blankkey = _group_key(ledger, ledger.blank_between)
    prev_sub = prev_blank = object()
    group: list[dict] = []
    run_start: dict[str, tuple[int, Any]] = {}
    data_rows: list[tuple[int, int]] = []  # (row index, record index) for formulas
    gi = 0

    def close_runs(upto_row: int) -> None:
        for fld, (start, _v) in list(run_start.items()):
            if ledger.merge_fill and upto_row - 1 > start and ledger.fmt != "csv" and not ledger.fmt.startswith("csv"):
                j = [c.field for c in cols].index(fld)
                merges.append((start, j, upto_row - 1, j))
        run_start.clear()

    # A group's figure: its sum on the group's first row, blank below it, the cells merged.
    group_sum: dict[int, Any] = {}
    group_runs: list[tuple[int, int]] = []
    if ledger.merge_sum:
        i = 0
        while i < len(recs):
            end = i
            gid = recs[i].get("_group")
            while gid is not None and end + 1 < len(recs) and recs[end + 1].get("_group") == gid:
                end += 1
            if end > i:
                group_sum[i] = sum(r[ledger.merge_sum] for r in recs[i : end + 1])
                group_sum.update({k: None for k in range(i + 1, end + 1)})
                group_runs.append((i, end))
            i = end + 1
    row_of: dict[int, int] = {}

    for i, rec in enumerate(recs):
        if subkey is not None:
            k = subkey(rec)
            if group and k != prev_sub:
                close_runs(len(rows))
                rows.append(_sum_row(ledger, cols, group, ledger.subtotal_label(prev_sub)))
                group = []
            prev_sub = k
        if blankkey is not None:
            k = blankkey(rec)
            if i and k != prev_blank:
                close_runs(len(rows))
                rows.append([None] * ncol)
            prev_blank = k
        if ledger.spacer_every and i and i % ledger.spacer_every == 0:
            close_runs(len(rows))
            rows.append([None] * ncol)
        if ledger.repeat_header_every and i and i % ledger.repeat_header_every == 0:
            close_runs(len(rows))
            rows.extend([list(r) for r in header_copy])
        row = []
        for c in cols:
            if c.field == ledger.merge_sum and i in group_sum:
                total = group_sum[i]
                v = None if total is None else cell_value(ledger, gi, {**rec, c.field: total}, c.field)
            else:
                v = cell_value(ledger, gi, rec, c.field)
            if c.field in ledger.fill_down:
                if c.field in run_start and run_start[c.field][1] == v:
                    v = None
                else:
                    if c.field in run_start:
                        start, _ = run_start.pop(c.field)
                        if ledger.merge_fill and len(rows) - 1 > start and not ledger.fmt.startswith("csv"):
                            j = [cc.field for cc in cols].index(c.field)
                            merges.append((start, j, len(rows) - 1, j))
                    run_start[c.field] = (len(rows), v)
            row.append(v)
        rows.append(row)
        row_of[i] = len(rows) - 1
        data_rows.append((len(rows) - 1, gi))
        group.append(rec)
        gi += 1  # noqa: SIM113
    close_runs(len(rows))
    for first, last in group_runs:
        assert row_of[last] - row_of[first] == last - first, "a group's rows must be adjacent to be merged"
        j = [c.field for c in cols].index(ledger.merge_sum)
        merges.append((row_of[first], j, row_of[last], j))
    if subkey is not None and group:
        rows.append(_sum_row(ledger, cols, group, ledger.subtotal_label(prev_sub)))
    if ledger.total is not None and recs:
        label = ledger.total or None
        total = _sum_row(ledger, cols, recs, label)
        if ledger.total_formulas and data_rows:
            first, last = data_top + 1, len(rows)
            for j, c in enumerate(cols):
                if isinstance(total[j], (int, float)) and c.field in SUM_FIELDS:
                    col = _col_letter(j + ledger.origin[1])
                    total[j] = Formula(f"SUM({col}{first + ledger.origin[0]}:{col}{last + ledger.origin[0]})")
        if label is None:
            # the clerk leaves column A empty and writes the sums only
            total[0] = None
        rows.append(total)
    _finish(ledger, rows, ncol)
    sheet = Sheet(name, rows, merges, {j for j, c in enumerate(cols) if c.hidden})
    return sheet


def _finish(ledger: Ledger, rows: list[list[Any]], ncol: int) -> None:
    if ledger.notes:
        rows.append([None] * ncol)
        for note in ledger.notes:
            rows.append([note] + [None] * (ncol - 1))


def _pivot(ledger: Ledger, recs: list[dict]) -> tuple[tuple[list[list[Any]], list], list[list[Any]]]:
    years = sorted({r["year"] for r in recs})
    if ledger.pivot == "headcount_years":
        head = ["序号", "分工会"] + [f"{y}年末会员数" for y in years] + ["备注"]
        subs = list(dict.fromkeys(r["sub_union"] for r in recs))
        body = []
        for i, s in enumerate(subs):
            by_year = {r["year"]: r["members"] for r in recs if r["sub_union"] == s}
            body.append([i + 1, s] + [by_year.get(y) for y in years] + [None])
        if ledger.total is not None:
            body.append(
                [ledger.total or None, None]
                + [sum(r["members"] for r in recs if r["year"] == y) for y in years]
                + [None]
            )
        return ([head], []), body
    if ledger.pivot == "budget_years":
        r1 = ["科目编码", "支出科目"]
        r2: list[Any] = [None, None]
        merges = [(0, 0, 1, 0), (0, 1, 1, 1)]
        for k, y in enumerate(years):
            r1 += [f"{y}年", None]
            r2 += [ledger.col("budget").header, ledger.col("final").header]  # as the variations wrote them
            merges.append((0, 2 + 2 * k, 0, 3 + 2 * k))
        subjects = list(dict.fromkeys((r["code"], r["subject"]) for r in recs))
        body = []
        for code, subject in subjects:
            row: list[Any] = [code, cell_value(ledger, 0, {"subject": subject}, "subject")]
            for y in years:
                rec = next(r for r in recs if r["year"] == y and r["subject"] == subject)
                row += [
                    default_cell(ledger, "budget", rec["budget"], rec),
                    default_cell(ledger, "final", rec["final"], rec),
                ]
            body.append(row)
        if ledger.total is not None:
            row = [ledger.total or None, None]
            for y in years:
                yr = [r for r in recs if r["year"] == y]
                row += [
                    sum(r["budget"] for r in yr) / ledger.amount_scale,
                    sum(r["final"] for r in yr) / ledger.amount_scale,
                ]
            body.append(row)
        return ([r1, r2], merges), body
    raise ValueError(ledger.pivot)


def render(ledger: Ledger) -> list[Sheet]:
    sheets = [Sheet(n, [list(r) for r in rows]) for n, rows in ledger.extra_sheets]
    for name, recs in _sheet_groups(ledger):
        sheet = render_sheet(ledger, name, recs)
        r0, c0 = ledger.origin
        if r0 or c0:
            sheet.rows = [[] for _ in range(r0)] + [[None] * c0 + row for row in sheet.rows]
            sheet.merges = [(a + r0, b + c0, c + r0, d + c0) for a, b, c, d in sheet.merges]
            sheet.hidden_cols = {j + c0 for j in sheet.hidden_cols}
        sheets.append(sheet)
    sheets += [Sheet(n, [list(r) for r in rows]) for n, rows in ledger.trailing_sheets]
    return sheets


# --- writing --------------------------------------------------------------------------------


def _write_xlsx(ledger: Ledger, sheets: list[Sheet], path: Path) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for i, row in enumerate(sh.rows, start=1):
            for j, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=i, column=j)
                if isinstance(v, Formula):
                    cell.value = "=" + v.text
                elif isinstance(v, str) and v.startswith("="):
                    cell.value = v
                    cell.data_type = "s"
                else:
                    cell.value = v
                if isinstance(v, (dt.date, dt.datetime)):
                    cell.number_format = ledger.date_number_format
        for a, b, c, d in sh.merges:
            ws.merge_cells(start_row=a + 1, start_column=b + 1, end_row=c + 1, end_column=d + 1)
        for j in sh.hidden_cols:
            ws.column_dimensions[get_column_letter(j + 1)].hidden = True
    wb.save(path)


def _write_xls(ledger: Ledger, sheets: list[Sheet], path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd" if "年" not in ledger.date_number_format else "yyyy年m月d日")
    for sh in sheets:
        ws = wb.add_sheet(sh.name, cell_overwrite_ok=True)
        merged_tail = {(r, c) for a, b, c2, d in sh.merges for r in range(a, c2 + 1) for c in range(b, d + 1)} - {
            (a, b) for a, b, _c, _d in sh.merges
        }
        for i, row in enumerate(sh.rows):
            for j, v in enumerate(row):
                if v is None or (i, j) in merged_tail:
                    continue
                if isinstance(v, Formula):
                    ws.write(i, j, xlwt.Formula(v.text))
                elif isinstance(v, (dt.date, dt.datetime)):
                    ws.write(i, j, dt.datetime(v.year, v.month, v.day), date_style)
                else:
                    ws.write(i, j, v)
        for a, b, c, d in sh.merges:
            ws.merge(a, c, b, d)
        for j in sh.hidden_cols:
            ws.col(j).hidden = True
    wb.save(str(path))


def _csv_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Formula):
        return ""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _write_csv(ledger: Ledger, sheets: list[Sheet], path: Path) -> None:
    data = [s for s in sheets if s.name not in {n for n, _ in ledger.extra_sheets + ledger.trailing_sheets}]
    assert len(data) == 1, "a CSV holds one sheet"
    encoding = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}[ledger.fmt]
    width = max(len(r) for r in data[0].rows)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        for row in data[0].rows:
            w.writerow([_csv_text(v) for v in row] + [""] * (width - len(row)))


def write(ledger: Ledger, folder: Path) -> tuple[list[Path], dict]:
    """Write the ledger into ``folder``; returns (files, truth)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = render(ledger)
    suffix = {"xlsx": ".xlsx", "xls": ".xls"}.get(ledger.fmt, ".csv")
    path = folder / (ledger.file_stem + suffix)
    if ledger.fmt == "xlsx":
        _write_xlsx(ledger, sheets, path)
    elif ledger.fmt == "xls":
        _write_xls(ledger, sheets, path)
    else:
        _write_csv(ledger, sheets, path)
    return [path], truth(ledger)


def build(kind: str, variations: list, seed: int = 0) -> Ledger:
    """A baseline ledger of ``kind`` with ``variations`` (catalogue entries) applied in order."""
    ledger = baseline(kind, seed)
    for v in variations:
        v.apply(ledger, random.Random(f"{seed}:{kind}:{v.name}"))
        ledger.tags.append(v.name)
    return ledger
