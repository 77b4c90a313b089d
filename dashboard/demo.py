"""Demo ledgers (演示数据) of an invented school union, written as clerks write them.

``python -m dashboard.demo`` rewrites data/demo/*.xlsx (seeded, so the same files
every time).  :func:`build` also returns the figures computed from the generated
records, which the tests compare with what the loaders and queries make of the files.
All people and the school are invented.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is imported by the generator only: the app reads DEMO_DIR and ORG
    import openpyxl

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
ORG = "东湖实验学校工会"
# From 2024 on, so the demo never overlaps the years of ../shared/ledgers (2021-2023); the last
# year stops at CUTOFF like a ledger kept up to date during the year.
YEARS = (2024, 2025, 2026)
CUTOFF = dt.date(2026, 10, 31)
SUB_UNIONS = {
    "行政分工会": 46,
    "语文组分工会": 52,
    "数学组分工会": 48,
    "英语组分工会": 38,
    "理化生分工会": 41,
    "政史地分工会": 33,
    "艺体分工会": 29,
    "后勤分工会": 24,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然欣怡雪梅晨阳子轩思远"
RELIEF = {  # category: (payments per year, amount choices in 元)
    "生病住院慰问": (22, (500, 600, 800)),
    "亲属去世慰问": (10, (800, 1000)),
    "结婚慰问": (5, (600, 800)),
    "生育慰问": (7, (600, 800)),
    "退休慰问": (8, (1500, 2000)),
}
EVENTS = [
    ("教职工新春联欢会", "文体活动", "校工会", 1),
    ("三八妇女节主题活动", "主题教育", "校工会女工委", 3),
    ("春季健步走", "文体活动", "校工会", 4),
    ("教职工羽毛球赛", "竞赛", "校工会", 5),
    ("青年教师教学基本功比赛", "竞赛", "校工会", 5),
    ("暑期疗休养", "疗休养", "校工会", 7),
    ("教师节表彰大会", "主题教育", "校工会", 9),
    ("秋季运动会教工组比赛", "文体活动", "校工会", 10),
    ("心理健康讲座", "培训", "校工会", 11),
    ("工会干部培训", "培训", "校工会", 12),
]
LEVELS = ["国家级", "省级", "市级", "区县级", "校级"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _date_cell(rng: random.Random, day: dt.date) -> object:
    """A date as clerks write it: mostly real dates, some text forms."""
    form = rng.random()
    if form < 0.7:
        return day
    if form < 0.85:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.year}.{day.month}.{day.day}"


def _sheet(
    wb: openpyxl.Workbook,
    name: str,
    title: str,
    header: list[str],
    rows: list[list[object]],
    total: list[object] | None,
) -> None:
    import openpyxl

    ws = wb.create_sheet(name)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    if total:
        ws.append([])
        ws.append(total)
    ws.append(["制表人：工会办公室    审核：工会主席"])
    for i, width in enumerate([6, 14, 16, 16, 14, 10, 12, 16, 12, 12, 12, 12, 12, 12, 12], start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = width


def _save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build(seed: int = 20251) -> tuple[dict[str, bytes], dict[int, dict[str, object]]]:
    """The demo files (file name → .xlsx bytes) and the figures per calendar year computed from them."""
    import openpyxl

    rng = random.Random(seed)
    facts: dict[int, dict[str, object]] = defaultdict(lambda: defaultdict(float))
    files: dict[str, bytes] = {}
    members = {y: {s: n + rng.randint(-2, 3) * (y - YEARS[0]) for s, n in SUB_UNIONS.items()} for y in YEARS}

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in YEARS:
        rows: list[list[object]] = []
        for month, festival, standard in ((1, "春节福利", 800), (6, "端午福利", 300), (9, "中秋福利", 500)):
            for sub, n in members[year].items():
                day = dt.date(year, month, rng.randint(3, 20))
                rows.append([day, sub, "节日福利", festival, n, n * standard])
        for category, (times, amounts) in RELIEF.items():
            for _ in range(times + rng.randint(-2, 2)):
                day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                rows.append([day, rng.choice(list(SUB_UNIONS)), category, _name(rng), None, rng.choice(amounts)])
        for _ in range(rng.randint(4, 7)):
            rows.append(
                [
                    dt.date(year, 1, rng.randint(5, 25)),
                    rng.choice(list(SUB_UNIONS)),
                    "困难补助",
                    _name(rng),
                    1,
                    rng.choice((1000, 1500, 2000)),
                ]
            )
        hot = rng.randint(40, 60)
        rows.append([dt.date(year, 7, 15), "后勤分工会", "高温慰问", "高温及户外作业人员", hot, hot * 60])
        rows.append([dt.date(year, 1, 28), "行政分工会", "在岗慰问", "春节在岗值班人员", 12, 12 * 60])
        rows = sorted((r for r in rows if r[0] <= CUTOFF), key=lambda r: r[0])
        out = []
        for i, (day, sub, category, who, n, amount) in enumerate(rows, start=1):
            count = n if n is not None else 1
            facts[year]["welfare_yuan"] += amount
            facts[year]["welfare_person_times"] += count
            facts[year][f"cat:{category}"] += amount
            written_n = n if (n is not None or rng.random() < 0.5) else None  # blank for one person
            out.append([i, _date_cell(rng, day), sub, category, who, written_n, amount, ""])
        total_n = sum(r[5] or 1 for r in out)
        _sheet(
            wb,
            f"{year}年",
            f"{ORG}{year}年慰问及福利发放台账",
            ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）", "备注"],
            out,
            ["合计", "", "", "", "", total_n, sum(r[6] for r in out), ""],
        )
    files[f"慰问福利台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in YEARS:
        rows = []
        for name, category, organiser, month in EVENTS:
            day = dt.date(year, month, rng.randint(2, 26))
            eligible = sum(members[year].values()) if organiser.startswith("校工会") else None
            people = int((eligible or 300) * rng.uniform(0.15, 0.9))
            rows.append([name, day, organiser, category, people, eligible, people * rng.choice((20, 30, 50))])
        for sub, n in members[year].items():
            for _ in range(2):
                day = dt.date(year, rng.choice((3, 4, 5, 10, 11, 12)), rng.randint(1, 28))
                people = int(n * rng.uniform(0.55, 0.98))
                rows.append(
                    [
                        rng.choice(("春季踏青", "趣味运动会", "读书沙龙", "插花体验", "秋游活动")),
                        day,
                        sub,
                        "文体活动",
                        people,
                        n,
                        people * 60,
                    ]
                )
        rows = sorted((r for r in rows if r[1] <= CUTOFF), key=lambda r: r[1])
        out = []
        for i, (name, day, organiser, category, people, eligible, cost) in enumerate(rows, start=1):
            facts[year]["events"] += 1
            facts[year]["activity_person_times"] += people
            out.append([i, name, _date_cell(rng, day), organiser, category, people, eligible, cost, ""])
        _sheet(
            wb,
            f"{year}年",
            f"{ORG}{year}年工会活动台账",
            ["序号", "活动名称", "活动日期", "主办单位", "活动类别", "参加人数", "应参加人数", "经费（元）", "备注"],
            out,
            ["合计", "", "", "", "", sum(r[5] for r in out), "", sum(r[7] for r in out), ""],
        )
    files[f"工会活动台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in YEARS:
        out = [[i, s, year, n, n // 2 + 3, ""] for i, (s, n) in enumerate(members[year].items(), start=1)]
        facts[year]["members"] = sum(members[year].values())
        _sheet(
            wb,
            f"{year}年",
            f"{ORG}{year}年度会员人数统计表（截至{year}年12月31日）",
            ["序号", "分工会", "年度", "会员人数", "其中：女", "备注"],
            out,
            ["合计", "", "", facts[year]["members"], sum(r[4] for r in out), ""],
        )
    files[f"会员人数统计表（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    out = []
    departments = ("教务处", "总务处", "人事处", "学生处", "办公室")
    topics = (
        "关于改善教工食堂伙食的建议",
        "关于增设教师休息室的提案",
        "关于优化课后服务安排的建议",
        "关于完善绩效考核办法的提案",
        "关于加强校园安全管理的建议",
        "关于更新办公电脑的提案",
        "关于开设教师心理辅导的建议",
        "关于改善停车条件的提案",
        "关于减少非教学任务的建议",
    )
    seq = 0
    for session, year in enumerate(YEARS, start=2):
        meeting = dt.date(year, 3, rng.randint(5, 20))
        for k in range(1, rng.randint(16, 22) + 1):
            seq += 1
            decision = rng.choices(("立案", "作为意见建议", "不予立案", "合并"), (3, 4, 6, 1))[0]
            accepted = decision in ("立案", "作为意见建议")
            status = (
                rng.choice(("已办结", "已办结", "办理中"))
                if accepted and year == YEARS[-1]
                else ("已办结" if accepted else "")
            )
            submit = meeting - dt.timedelta(days=rng.randint(3, 20))
            reply = submit + dt.timedelta(days=rng.randint(20, 120)) if status == "已办结" else None
            facts[year]["proposals"] += 1
            facts[year][f"decision:{decision}"] += 1
            out.append(
                [
                    seq,
                    f"第五届{'一二三四五六'[session - 1]}次教代会",
                    meeting,
                    f"5-{session}-{k:02d}",
                    rng.choice(topics),
                    _name(rng),
                    rng.randint(2, 9),
                    decision,
                    rng.choice(departments) if accepted else "",
                    status,
                    submit,
                    reply,
                    rng.choice(("满意", "满意", "基本满意")) if reply else "",
                    "",
                ]
            )
    _sheet(
        wb,
        "提案台账",
        f"{ORG}教职工代表大会提案台账",
        [
            "序号",
            "会议届次",
            "会议日期",
            "提案编号",
            "提案标题",
            "提案人",
            "附议人数",
            "处理结果",
            "承办部门",
            "办理状态",
            "提交日期",
            "答复日期",
            "满意度",
            "备注",
        ],
        out,
        None,
    )
    files["教代会提案台账（第五届）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    out = []
    honours = [
        ("优秀班主任", "个人"),
        ("师德标兵", "个人"),
        ("优质课评比", "个人"),
        ("先进教职工小家", "集体"),
        ("工会积极分子", "个人"),
        ("三八红旗集体", "集体"),
        ("教学能手", "个人"),
    ]
    for year in YEARS:
        for _ in range(rng.randint(18, 26)):
            title, kind = rng.choice(honours)
            level = rng.choices(LEVELS, (1, 3, 6, 8, 12))[0]
            grade = rng.choice(("一等奖", "二等奖", "三等奖")) if title == "优质课评比" else ""
            day = dt.date(year, rng.randint(3, 12), rng.randint(1, 28))
            if day > CUTOFF:
                continue
            who = _name(rng) if kind == "个人" else rng.choice(list(SUB_UNIONS))
            facts[year]["awards"] += 1
            facts[year][f"level:{level}"] += 1
            out.append(
                [
                    len(out) + 1,
                    year,
                    f"{level[:-1] if level != '区县级' else '区'}{title}",
                    level,
                    kind,
                    who,
                    rng.choice(list(SUB_UNIONS)),
                    f"{level}主管部门",
                    grade,
                    _date_cell(rng, day),
                    "",
                ]
            )
    _sheet(
        wb,
        "获奖台账",
        f"{ORG}评优获奖台账",
        ["序号", "年度", "荣誉名称", "级别", "类型", "获奖对象", "所在分工会", "授予单位", "等次", "获奖日期", "备注"],
        out,
        None,
    )
    files[f"评优获奖台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in YEARS:
        welfare = facts[year]["cat:节日福利"]
        relief = sum(facts[year][f"cat:{c}"] for c in (*RELIEF, "高温慰问", "在岗慰问"))
        lines = [
            ("50101", "职工教育支出", 30000),
            ("50102", "文体活动支出", 90000),
            ("50104", "职工集体福利支出", welfare),
            ("50105", "职工疗休养支出", 60000),
            ("50201", "困难职工帮扶支出", facts[year]["cat:困难补助"]),
            ("50202", "送温暖支出", relief),
            ("50301", "培训支出", 12000),
        ]
        out = [
            [i, code, f"  {name}", round(final * rng.uniform(0.95, 1.08), -2), final, None, ""]
            for i, (code, name, final) in enumerate(lines, start=1)
        ]
        for row in out:
            row[5] = round(row[4] / row[3], 4)
        _sheet(
            wb,
            f"{year}年",
            f"{ORG}{year}年度经费支出预算执行情况表",
            ["序号", "科目编码", "支出科目", "预算数（元）", "决算数（元）", "执行率", "备注"],
            out,
            ["合计", "", "", sum(r[3] for r in out), sum(r[4] for r in out), "", ""],
        )
    files[f"经费预算决算表（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)
    _more(files, facts, members, random.Random(seed + 18))
    return files, {y: dict(v) for y, v in facts.items()}


ROSTER_YEAR = 2025
DRIVES = (  # (活动名称, month, 去向, per sub-union share of members who give, yuan per donor)
    ("慈善一日捐", 5, "区慈善总会", 0.85, (50, 100, 200)),
    ("“爱心一日捐”", 12, "校工会困难教职工帮扶基金", 0.9, (100, 200)),
)
CHANNELS = (("微信公众号", 0.7), ("学校网站", 0.2), ("上级工会网站", 0.06), ("学习强国", 0.02), ("报刊", 0.02))
TYPES = ("新闻", "通知", "知识", "文娱", "养生")


def _people(files: dict[str, bytes]) -> dict[tuple[str, str], None]:
    """(sub-union, name) of every person named in the demo's welfare rows and individual awards of ROSTER_YEAR."""
    import openpyxl

    out: dict[tuple[str, str], None] = {}
    welfare = openpyxl.load_workbook(io.BytesIO(files[f"慰问福利台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"]))
    if str(ROSTER_YEAR) + "年" in welfare.sheetnames:
        for row in welfare[f"{ROSTER_YEAR}年"].iter_rows(min_row=3, values_only=True):
            # 序号 日期 分工会 类别 姓名 人数 金额 备注
            if row[2] in SUB_UNIONS and isinstance(row[4], str) and 2 <= len(row[4]) <= 3 and row[3] != "节日福利":
                out[(row[2], row[4])] = None
    awards = openpyxl.load_workbook(io.BytesIO(files[f"评优获奖台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"])).worksheets[0]
    for row in awards.iter_rows(min_row=3, values_only=True):
        if row[1] == ROSTER_YEAR and row[4] == "个人" and row[5]:
            out[(row[6], row[5])] = None
    return out


def _more(files: dict[str, bytes], facts, members, rng: random.Random) -> None:
    """Issue 18: a 2025 roster (会员名册), the donations ledger (捐款台账) and the publicity ledger (宣传台账).

    A separate random stream, so the other demo files stay as they were.  Two members of one
    sub-union share a name (同名), as happens; one drive lists its donors by name and 工号.
    """
    import openpyxl

    # roster of ROSTER_YEAR: everyone the ledgers name, then more members up to each sub-union's headcount
    named = _people(files)
    roster: list[list[object]] = []
    seen: set[tuple[str, str]] = set()
    for sub, n in members[ROSTER_YEAR].items():
        people = [name for (s, name) in named if s == sub]
        while len(people) < n:
            name = _name(rng)
            if (sub, name) not in named and name not in people:
                people.append(name)
        for name in people:
            seen.add((sub, name))
            roster.append([len(roster) + 1, f"D{1000 + len(roster)}", name, rng.choice("男女"), sub, "在职"])
    twin = roster[0]  # 同名会员: a second member with a named member’s name, in the same sub-union
    roster.append([len(roster) + 1, f"D{1000 + len(roster)}", twin[2], twin[3], twin[4], "在职"])
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "会员名册",
        f"{ORG}{ROSTER_YEAR}年会员名册",
        ["序号", "工号", "姓名", "性别", "分工会", "状态"],
        roster,
        None,
    )
    files[f"{ROSTER_YEAR}年会员名册.xlsx"] = _save(wb)

    rows: list[list[object]] = []
    for year in YEARS:
        for drive, month, where, share, amounts in DRIVES:
            day0 = dt.date(year, month, rng.randint(5, 20))
            if day0 > CUTOFF:
                continue
            facts[year]["drives"] += 1
            for i, (sub, n) in enumerate(members[year].items()):
                donors = round(n * share) - rng.randint(0, 3)
                amount = sum(rng.choice(amounts) for _ in range(donors))
                day = day0 + dt.timedelta(days=rng.randint(0, 3))
                rows.append(
                    [
                        len(rows) + 1,
                        _date_cell(rng, day),
                        drive if i == 0 else None,
                        sub,
                        None,
                        donors,
                        amount,
                        where if i == 0 else None,
                    ]
                )
                facts[year]["donation_person_times"] += donors
                facts[year]["donation_yuan"] += amount
        if year == ROSTER_YEAR:
            # a relief drive listed donor by donor, with 工号
            facts[year]["drives"] += 1
            day = dt.date(year, 8, 12)
            for i, member in enumerate(rng.sample(roster[:-1], 12)):
                amount = rng.choice((200, 300, 500))
                rows.append(
                    [
                        len(rows) + 1,
                        day,
                        "防汛救灾爱心捐款" if i == 0 else None,
                        member[4],
                        f"{member[2]}（{member[1]}）",
                        1,
                        amount,
                        "区红十字会" if i == 0 else None,
                    ]
                )
                facts[year]["donation_person_times"] += 1
                facts[year]["donation_yuan"] += amount
    # The donors' 工号 in its own column (clerks who list donors keep 工号 beside the name).
    table = [
        [
            r[0],
            r[1],
            r[2],
            r[3],
            (r[4] or "").split("（")[0] or None,
            (r[4] or "").split("（")[1].rstrip("）") if r[4] else None,
            r[5],
            r[6],
            r[7],
        ]
        for r in rows
    ]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "捐款台账",
        f"{ORG}爱心捐款台账",
        ["序号", "日期", "活动名称", "分工会", "捐款人", "工号", "捐款人数", "金额（元）", "去向"],
        table,
        ["合计", "", "", "", "", "", sum(r[6] for r in table), sum(r[7] for r in table), ""],
    )
    files[f"爱心捐款台账（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year in YEARS:
        items: list[list[object]] = []
        for _ in range(rng.randint(60, 90)):
            day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if day > CUTOFF:
                continue
            channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
            kind = rng.choice(TYPES)
            reads = rng.randint(200, 1500) if channel in ("微信公众号", "学校网站") else None
            items.append(
                [
                    day,
                    f"{rng.choice(EVENTS)[0]}{'通知' if kind == '通知' else ''}",
                    channel,
                    kind,
                    "校工会",
                    rng.choice(list(SUB_UNIONS)),
                    reads,
                ]
            )
            facts[year]["publicity_items"] += 1
            facts[year][f"channel:{channel}"] += 1
        items.sort(key=lambda r: r[0])
        out = [[i, _date_cell(rng, r[0]), *r[1:]] for i, r in enumerate(items, start=1)]
        _sheet(
            wb,
            f"{year}年",
            f"{ORG}{year}年宣传报道统计表",
            ["序号", "发布日期", "标题", "发布渠道", "类型", "作者", "供稿单位", "阅读量"],
            out,
            ["合计", "", f"共{len(out)}条", "", "", "", "", sum(r[7] or 0 for r in out)],
        )
    files[f"工会宣传报道统计（{YEARS[0]}-{YEARS[-1]}）.xlsx"] = _save(wb)


def write(folder: Path = DEMO_DIR) -> list[Path]:
    """Write the demo ledgers into ``folder`` (created); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    files, _ = build()
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write():
        print(p)
