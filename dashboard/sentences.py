"""Ready-to-paste report sentences (数据摘要) in the style of the union work reports.

Every sentence is a template filled from :class:`dashboard.pack.PackData`; nothing is
invented, and an area or category without data is left out rather than written as zero.
Money follows the reports: 万元 with up to 4 decimals (13.0989万元, 3.58万元, 1.9万元).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.labels import t
from core.vocab import LEVEL_ORDER, PUBLICITY_CHANNEL_ORDER, WECHAT_CHANNEL
from dashboard import targets
from dashboard.formatting import md_literal, seed_wan
from dashboard.pack import PackData, PeriodFigures

RELIEF = (  # category → how the reports name the people visited
    ("生病住院慰问", "生病住院"),
    ("亲属去世慰问", "亲人去世"),
    ("结婚慰问", "结婚"),
    ("生育慰问", "生育"),
    ("退休慰问", "退休"),
)
HARDSHIP = ("困难补助", "大病救助")
DUTY = (("高温慰问", "高温和户外作业人员"), ("在岗慰问", "节日在岗人员"))
BENEFITS = (("节日福利", "节日福利"), ("生日慰问", "生日慰问"), ("观影福利", "观影福利"))
KNOWN = {c for c, _ in RELIEF} | set(HARDSHIP) | {c for c, _ in DUTY} | {c for c, _ in BENEFITS}
KNOWN |= {"疫情防控慰问", "互助保险"}
AREAS = ("福利慰问", "活动参与", "提案办理", "评优获奖", "会员", "爱心捐款", "宣传工作")
COVERAGE = "数据说明"  # what the period's data cannot tell (no donations ledger, no roster …)
PUBLICITY_TYPE_WORDS = {"知识": "知识类", "文娱": "文娱类", "养生": "养生类"}


@dataclass(frozen=True)
class Sentence:
    """One report sentence and the area (福利慰问 / 活动参与 / 提案办理 / 评优获奖 / 会员) it belongs to."""

    area: str
    text: str


def percent(ratio: float) -> str:
    """A ratio as the reports write it: 1.0 → "100%", 0.6834 → "68.3%"."""
    text = f"{ratio * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _change(current: float, previous: float | None, pack: PackData, unit_text: str) -> str:
    """ "，同比增长12.8%（2021年为160.1962万元）" or "" without a comparison."""
    if pack.previous is None or previous is None or previous == 0:
        return ""
    ratio = (current - previous) / previous
    word = "同比" if pack.current.filters.period.kind == "year" else "较上学年"
    direction = "增长" if ratio > 0 else "下降"
    trend = f"{word}持平" if abs(ratio) < 0.0005 else f"{word}{direction}{percent(abs(ratio))}"
    caveat = "，" + t("coverage.sentence_caveat") if months_differ(pack) else ""
    return f"，{trend}（{pack.previous.label}为{unit_text}{caveat}）"


def months_differ(pack: PackData) -> bool:
    """True when the two periods hold data for different numbers of months (a part year against a whole
    one): every change in the sentences then says 仅供参考, as the pack's note does."""
    return any(note.endswith(t("coverage.for_reference")) for note in pack.notes)


def _scope(f: PeriodFigures) -> str:
    return f"{f.label}" if f.filters.period.kind == "year" else f"{f.label}"


def _amounts(f: PeriodFigures) -> dict[str, tuple[float, int]]:
    return {
        row.category: (float(row.amount_yuan), int(row.person_times)) for row in f.by_category.itertuples(index=False)
    }


def welfare_sentences(pack: PackData) -> list[Sentence]:
    """Relief visits, hardship aid, duty care, festival benefits, insurance, others, and the total."""
    cur = pack.current
    if not cur.has_welfare:
        return []
    amounts = _amounts(cur)
    out: list[Sentence] = []
    visits = [(phrase, amounts[c]) for c, phrase in RELIEF if c in amounts]
    if visits:
        people = "、".join(f"{n}位{phrase}" for phrase, (_, n) in visits)
        total = sum(a for _, (a, _) in visits)
        out.append(Sentence("福利慰问", f"{cur.label}，看望慰问{people}教职工，发放慰问金（品）{seed_wan(total)}。"))
    aid = [(c, amounts[c]) for c in HARDSHIP if c in amounts]
    if aid:
        n = sum(p for _, (_, p) in aid)
        total = sum(a for _, (a, _) in aid)
        who = "申请困难补助和大病救助" if len(aid) == 2 else f"申请{aid[0][0]}"
        out.append(Sentence("福利慰问", f"对{who}的{n}位教职工发放补助金{seed_wan(total)}。"))
    duty = [(phrase, amounts[c]) for c, phrase in DUTY if c in amounts]
    if duty:
        people = "，".join(f"慰问{n}位{phrase}" for phrase, (_, n) in duty)
        total = sum(a for _, (a, _) in duty)
        out.append(Sentence("福利慰问", f"{people}，共发放慰问金（品）{seed_wan(total)}。"))
    if "疫情防控慰问" in amounts:
        amount, n = amounts["疫情防控慰问"]
        out.append(Sentence("福利慰问", f"对疫情防控值班值守的{n}名教职工发放慰问品{seed_wan(amount)}。"))
    benefits = [(word, amounts[c]) for c, word in BENEFITS if c in amounts]
    if benefits:
        words = "、".join(word for word, _ in benefits)
        total = sum(a for _, (a, _) in benefits)
        out.append(Sentence("福利慰问", f"发放{words}等共计{seed_wan(total)}。"))
    if "互助保险" in amounts:
        out.append(Sentence("福利慰问", f"为会员办理职工互助保险，支出{seed_wan(amounts['互助保险'][0])}。"))
    others = [(c, a) for c, a in amounts.items() if c not in KNOWN]
    if others:
        words = "、".join(c for c, _ in others)
        total = sum(a for _, (a, _) in others)
        out.append(Sentence("福利慰问", f"其他慰问（{words}）支出{seed_wan(total)}。"))
    total, person_times = cur.welfare["total_yuan"], cur.welfare["person_times"]
    previous = pack.previous.welfare["total_yuan"] if pack.previous and pack.previous.has_welfare else None
    change = _change(total, previous, pack, seed_wan(previous or 0))
    text = f"{cur.label}共发放福利慰问{seed_wan(total)}，惠及{person_times}人次{change}。"
    if cur.members:
        text = text.removesuffix("。") + f"，人均{total / cur.members:.0f}元。"
    out.append(Sentence("福利慰问", text))
    return out


def activity_sentences(pack: PackData) -> list[Sentence]:
    """Events and person-times, by category, the biggest events and the participation rate."""
    cur = pack.current
    if not cur.has_activities:
        return []
    acts = cur.activities
    previous = pack.previous.activities["person_times"] if pack.previous and pack.previous.has_activities else None
    change = _change(acts["person_times"], previous, pack, f"{previous}人次")
    out = [
        Sentence(
            "活动参与",
            f"{cur.label}共组织开展各类活动{acts['events']}场，参与教职工{acts['person_times']}人次{change}。",
        )
    ]
    cats = [r for r in cur.activities_by_category.itertuples(index=False) if r.key != "未分类"]
    if cats:
        parts = "、".join(f"{r.key}{r.events}场（{r.person_times}人次）" for r in cats)
        out.append(Sentence("活动参与", f"其中{parts}。"))
    top = cur.top_activities.dropna(subset=["participants"]).head(3)
    if len(top):
        parts = "、".join(f"{r.name}（{int(r.participants)}人次）" for r in top.itertuples(index=False))
        out.append(Sentence("活动参与", f"参与人数较多的活动有{parts}。"))
    if acts["participation_rate"] is not None:
        out.append(
            Sentence("活动参与", f"有应参加人数记录的活动，教职工参与率为{percent(acts['participation_rate'])}。")
        )
    return out


def proposal_sentences(pack: PackData) -> list[Sentence]:
    """Proposals collected and their handling (立案 / 意见建议 / 不予立案 / 合并, 办结率, 满意率)."""
    cur = pack.current
    if not cur.has_proposals:
        return []
    p = cur.proposals
    where = "、".join(cur.sessions) if cur.sessions else cur.label
    parts = [f"立案{p['立案']}件", f"作为意见建议{p['作为意见建议']}件", f"不予立案{p['不予立案']}件"]
    if p["合并"]:
        parts.append(f"合并{p['合并']}件")
    out = [Sentence("提案办理", f"{where}共征集提案{p['total']}件，其中{'，'.join(parts)}。")]
    if p["accepted"]:
        text = f"立案及作为意见建议的{p['accepted']}件提案已办结{p['已办结']}件，办结率{percent(p['completion_rate'])}"
        if p["satisfaction_rate"] is not None:
            text += f"，提案人满意率{percent(p['satisfaction_rate'])}"
        out.append(Sentence("提案办理", text + "。"))
    return out


def award_sentences(pack: PackData) -> list[Sentence]:
    """Honours by level and type, with the change, and prize grades."""
    cur = pack.current
    if not cur.has_awards:
        return []
    a = cur.awards
    levels = "、".join(f"{lv}{a['by_level'][lv]}项" for lv in LEVEL_ORDER if a["by_level"][lv])
    types = "、".join(f"{k}{a[k]}项" for k in ("个人", "集体") if a[k])
    previous = pack.previous.awards["total"] if pack.previous and pack.previous.has_awards else None
    change = _change(a["total"], previous, pack, f"{previous}项")
    text = f"{cur.label}获得各级各类荣誉{a['total']}项，其中{levels}"
    text += f"；{types}" if types else ""
    out = [Sentence("评优获奖", text + f"{change}。")]
    grades = [r for r in cur.award_grades.itertuples(index=False) if r.grade]
    order = {"一等奖": 0, "二等奖": 1, "三等奖": 2, "优秀奖": 3}
    grades.sort(key=lambda r: order.get(r.grade, 9))
    if grades:
        out.append(Sentence("评优获奖", f"在各类竞赛中获{'、'.join(f'{r.grade}{r.n}个' for r in grades)}。"))
    return out


def member_sentences(pack: PackData) -> list[Sentence]:
    """The year-end membership."""
    cur = pack.current
    if not cur.members:
        return []
    return [Sentence("会员", f"截至{cur.filters.period.headcount_year}年底，工会会员{cur.members}人。")]


def target_sentences(pack: PackData) -> list[Sentence]:
    """One sentence per target of the period: "…，达到年初目标（…）。" / "…，距年初目标（…）尚差…。"."""
    return [Sentence(status.area, targets.sentence(status)) for status in pack.current.targets]


def yuan(amount: float) -> str:
    """元 as the seeds write a collection: 20819元, 5499.66元."""
    return f"{amount:.2f}".removesuffix(".00") + "元"


def donation_sentences(pack: PackData) -> list[Sentence]:
    """Seed 003: 开展爱心捐款N次，M人次参加，募集捐款X元 — and where the money went."""
    cur = pack.current
    if not cur.has_donations:
        return []
    d = cur.donations
    text = f"{cur.label}开展爱心捐款{d['drives']}次，{d['person_times']}人次参加，募集捐款{yuan(d['total_yuan'])}"
    out = [Sentence("爱心捐款", text + "。")]
    places = [r for r in cur.drives.itertuples(index=False) if r.recipient_org]
    if places:
        parts = "；".join(f"{r.drive}{yuan(r.amount_yuan)}，转交{r.recipient_org}" for r in places)
        out.append(Sentence("爱心捐款", f"其中{parts}。"))
    return out


def publicity_sentences(pack: PackData) -> list[Sentence]:
    """Seed 003: 全年发布微信推文N篇; the other channels and the types."""
    cur = pack.current
    if not cur.has_publicity:
        return []
    channels = cur.publicity["by_channel"]
    out = []
    if channels.get(WECHAT_CHANNEL):
        out.append(Sentence("宣传工作", f"全年发布微信推文{channels[WECHAT_CHANNEL]}篇。"))
    others = [(c, n) for c, n in channels.items() if c != WECHAT_CHANNEL and c in PUBLICITY_CHANNEL_ORDER[:-1]]
    if others:
        first, rest = others[0], others[1:]
        parts = "".join(f"、{c}{n}篇" for c, n in rest)
        out.append(Sentence("宣传工作", f"在{first[0]}发布稿件{first[1]}篇{parts}。"))
    types = [r for r in cur.publicity_by_category.itertuples(index=False) if r.key not in ("未分类", "其他")]
    if types:
        parts = "、".join(f"{PUBLICITY_TYPE_WORDS.get(r.key, r.key)}{r.items}篇" for r in types)
        out.append(Sentence("宣传工作", f"各渠道共发布宣传稿件{cur.publicity['items']}篇，其中{parts}。"))
    return out


def coverage_notes(pack: PackData) -> list[str]:
    """What is missing, said in every format of the pack (.md, .txt, .docx, slides): the ledgers and
    months missing for the period and the comparison period (pack.notes, from queries.coverage_notes:
    本期无提案台账; 对比期只有 9–12 月数据，同比仅供参考), then why donations, publicity or reach are not in
    the sentences (pack.outreach_notes)."""
    return [note + "。" for note in (*pack.notes, *pack.outreach_notes)]


def sentences(pack: PackData) -> list[Sentence]:
    """All sentences, area by area (areas without data are left out), each area's targets last."""
    return [
        *member_sentences(pack),
        *welfare_sentences(pack),
        *activity_sentences(pack),
        *proposal_sentences(pack),
        *award_sentences(pack),
        *target_sentences(pack),
        *donation_sentences(pack),
        *publicity_sentences(pack),
    ]


def as_markdown(pack: PackData) -> str:
    """The sentences as a Markdown document: a title, then one paragraph per area."""
    # Sentences quote ledger values (categories, activity, session and unit names, grades):
    # every text is escaped as a whole, so none of them can become markup (issue 12).
    lines = [f"# {md_literal(pack.union_name)}{md_literal(pack.current.label)}工作数据摘要", ""]
    if pack.previous:
        lines += [f"对比期间：{md_literal(pack.previous.label)}", ""]
    for area in AREAS:
        texts = [md_literal(s.text) for s in sentences(pack) if s.area == area]
        if texts:
            lines += [f"## {area}", "", "".join(texts), ""]
    if notes := coverage_notes(pack):
        lines += [f"## {COVERAGE}", "", "".join(md_literal(n) for n in notes), ""]
    return "\n".join(lines)


def as_text(pack: PackData) -> str:
    """The sentences as plain text, one paragraph per area (for pasting into Word/WPS)."""
    parts = [f"{pack.union_name}{pack.current.label}工作数据摘要"]
    for area in AREAS:
        texts = [s.text for s in sentences(pack) if s.area == area]
        if texts:
            parts.append(f"【{area}】" + "".join(texts))
    if notes := coverage_notes(pack):
        parts.append(f"【{COVERAGE}】" + "".join(notes))
    return "\n\n".join(parts) + "\n"
