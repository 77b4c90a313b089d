"""Vocabulary rules (词表规则): how a person reads a header or a value that no alias lists.

Data, not code: ordered keyword rules for free-text values (a 事由 such as
看望生病住院教职工 is 生病住院慰问), header keyword and pattern rules (a header with
时间 words is a date; 起 / 始 is a start, 至 / 止 an end), and the type of every
field, which decides what values a column must hold to be that field.  Applied by
:mod:`loaders.understanding`; the alias tables stay in :mod:`core.vocab`.
Sources: ../shared/DOMAIN.md, the five seed reports, the district ledgers' words,
and the categories of 《基层工会经费收支管理办法》 (全总, 2017) for welfare spending.
"""

from __future__ import annotations

import re

# --- field types ---------------------------------------------------------------------------
# date, money (元), count (人/人次/件), year, vocab (a standard term), person (a name or a
# group), text, code (编号), rate (a ratio; never imported as a figure).
FIELD_TYPES: dict[str, dict[str, str]] = {
    "*": {"seq": "code", "org": "org", "note": "text"},
    "welfare": {
        "date": "date",
        "sub_union": "unit",
        "category": "vocab",
        "item": "text",
        "recipient": "person",
        "person_times": "count",
        "amount": "money",
        "unit_rate": "money",
        "handler": "person",
    },
    "activities": {
        "name": "text",
        "start_date": "date",
        "end_date": "date",
        "organizer": "unit",
        "category": "vocab",
        "participants": "count",
        "eligible": "count",
        "cost": "money",
    },
    "member_counts": {"sub_union": "unit", "year": "year", "members": "count", "female": "count"},
    "roster": {
        "staff_id": "code",
        "name": "person",
        "gender": "vocab",
        "birth": "date",
        "sub_union": "unit",
        "join_date": "date",
        "status": "vocab",
    },
    "proposals": {
        "session": "text",
        "session_date": "date",
        "proposal_no": "code",
        "title": "text",
        "proposer": "person",
        "seconders": "count",
        "category": "text",
        "decision": "vocab",
        "department": "unit",
        "status": "vocab",
        "submit_date": "date",
        "reply_date": "date",
        "satisfaction": "vocab",
    },
    "awards": {
        "year": "year",
        "title": "text",
        "level": "vocab",
        "award_type": "vocab",
        "recipient": "person",
        "sub_union": "unit",
        "grantor": "unit",
        "grade": "text",
        "award_date": "date",
    },
    "budget": {
        "year": "year",
        "code": "code",
        "subject": "text",
        "budget": "money",
        "final": "money",
        "execution": "rate",
    },
    "donations": {
        "date": "date",
        "drive": "text",
        "sub_union": "unit",
        "donor": "person",
        "staff_id": "code",
        "donors": "count",
        "amount": "money",
        "recipient_org": "text",
    },
    "publicity": {
        "date": "date",
        "title": "text",
        "channel": "vocab",
        "category": "vocab",
        "author": "person",
        "sub_union": "unit",
        "reads": "count",
    },
}


def field_type(kind: str, fld: str) -> str:
    """The type of ``fld`` in ledgers of ``kind`` ("text" when unknown)."""
    return FIELD_TYPES.get(kind, {}).get(fld) or FIELD_TYPES["*"].get(fld, "text")


# --- header rules --------------------------------------------------------------------------
# (pattern on the normalised header key, kind or "*", field).  Tried in order after the alias
# tables: the first rule of the sheet's kind that matches gives the field (evidence "表头关键词").
HEADER_RULES: tuple[tuple[str, str, str], ...] = (
    # dates: 起 / 始 / 开始 → start; 至 / 止 / 结束 / 截止 → end; otherwise 日期 / 时间 / 年月 words
    (r"起止|起讫|(开始|起始|始)(日期|时间)", "activities", "start_date"),
    (r"(结束|截止|终止|止)(日期|时间)?$", "activities", "end_date"),
    (r"活动(日期|时间)|(日期|时间)$", "activities", "start_date"),
    (r"会议(日期|时间)|召开(日期|时间)", "proposals", "session_date"),
    (r"(提交|提出|立案)(日期|时间)", "proposals", "submit_date"),
    (r"(答复|回复|办结|反馈)(日期|时间)", "proposals", "reply_date"),
    (r"(获奖|授予|表彰|颁奖|获得)(日期|时间|年月)|(日期|时间)$", "awards", "award_date"),
    (r"入会", "roster", "join_date"),
    (r"(日期|时间|年月|月份)$", "welfare", "date"),
    # money: 金额 / 元 words
    (r"(预算)", "budget", "budget"),
    (r"(决算|实际|执行数|支出数)", "budget", "final"),
    (r"(标准|单价)", "welfare", "unit_rate"),
    (r"(金额|慰问金|补助|款|费用|钱)", "welfare", "amount"),
    (r"(经费|费用|金额|开支|花费)", "activities", "cost"),
    # counts
    (r"^应(到|参加|参与|出席)?(人数|人次)?", "activities", "eligible"),
    (r"(参加|参与|出席|到场|实到)?(人数|人次)", "activities", "participants"),
    (r"(人数|人次|数量|份数)", "welfare", "person_times"),
    (r"附议", "proposals", "seconders"),
    (r"(会员|人数|职工数)", "member_counts", "members"),
    (r"女", "member_counts", "female"),
    # who
    (r"(分工会|二级工会|部门|单位|科室|年级组|教研组|处室)", "welfare", "sub_union"),
    (r"(主办|组织|承办|负责|牵头|举办)", "activities", "organizer"),
    (r"(承办|办理|责任)(部门|单位)", "proposals", "department"),
    (r"(分工会|部门|单位|科室)", "member_counts", "sub_union"),
    (r"(分工会|部门|单位|科室)", "roster", "sub_union"),
    (r"(所在|所属)(分工会|部门|单位|教研组|年级组|处室|科室|组)", "awards", "sub_union"),
    (r"(授予|颁发|颁奖|发文|评选)(单位|部门|机关)", "awards", "grantor"),
    (r"(姓名|对象|人员|受助人|领取人)", "welfare", "recipient"),
    (r"(获奖|受表彰|获表彰|得奖)(者|人|对象|个人|集体|单位|教师|老师|教职工|职工|团队)|获得者", "awards", "recipient"),
    (r"(提案|领衔)(人|代表)", "proposals", "proposer"),
    # what
    (r"(类别|类型|事由|种类|性质)", "welfare", "category"),
    (r"(类别|类型|种类|性质)", "activities", "category"),
    (r"(活动|项目)(名称|内容|主题)?$|^(名称|内容|主题)$", "activities", "name"),
    (r"(案由|标题|题目|名称|提案内容)", "proposals", "title"),
    (r"(处理|审查|立案)(意见|结果|情况)", "proposals", "decision"),
    (r"(办理|落实)(情况|状态|进度)", "proposals", "status"),
    (r"满意", "proposals", "satisfaction"),
    (r"(届次|会议)", "proposals", "session"),
    (r"(编号|案号)", "proposals", "proposal_no"),
    (r"(荣誉|称号|奖项|奖励|表彰)(名称|项目)?", "awards", "title"),
    (r"级别|层级", "awards", "level"),
    (r"(个人|集体|类型)", "awards", "award_type"),
    (r"(等次|等第|等级|名次|奖次)", "awards", "grade"),
    (r"(科目|项目)", "budget", "subject"),
    # donations (捐款台账)
    (r"(日期|时间)$", "donations", "date"),
    (r"(捐款|捐赠|活动)(名称|项目|主题)?$", "donations", "drive"),
    (r"(人数|人次)", "donations", "donors"),
    (r"(金额|款|元)", "donations", "amount"),
    (r"(去向|接收|受捐|受助|用途)", "donations", "recipient_org"),
    (r"(捐款|捐赠)(人|者)", "donations", "donor"),
    (r"(分工会|部门|单位|科室)", "donations", "sub_union"),
    # publicity (宣传台账)
    (r"(日期|时间)$", "publicity", "date"),
    (r"(渠道|平台|媒体|载体)", "publicity", "channel"),
    (r"(标题|题目|稿件)", "publicity", "title"),
    (r"(阅读|点击|浏览)", "publicity", "reads"),
    (r"(类型|类别|栏目)", "publicity", "category"),
    (r"(作者|撰稿|供稿人)", "publicity", "author"),
    (r"(供稿|来稿)?(单位|部门|分工会)", "publicity", "sub_union"),
)
_COMPILED_HEADER_RULES = tuple((re.compile(p), k, f) for p, k, f in HEADER_RULES)


def header_rule(key: str, kind: str) -> str | None:
    """The field a header keyword rule gives ``key`` in a ledger of ``kind``, or None."""
    for pattern, rule_kind, fld in _COMPILED_HEADER_RULES:
        if rule_kind in (kind, "*") and pattern.search(key):
            return fld
    return None


# Words in a title, sheet or file name that say which ledger it is (2023年节日福利发放表 → welfare).
KIND_WORDS: dict[str, str] = {
    "welfare": r"慰问|福利|补助|帮扶|送温暖|救助",
    "activities": r"活动|赛事|比赛记录|文体",
    "member_counts": r"会员人数|会员数|人数统计",
    "roster": r"名册|花名册|会员名单",
    "proposals": r"提案|教代会|职代会",
    "awards": r"获奖|评优|荣誉|表彰|奖项",
    "budget": r"预算|决算|预决算|收支",
    "donations": r"捐款|捐赠|募捐|一日捐|献爱心|爱心款",
    "publicity": r"宣传|报道|稿件|投稿|信息发布",
}
_KIND_WORDS = {kind: re.compile(words) for kind, words in KIND_WORDS.items()}


def kinds_named(text: str) -> set[str]:
    """The ledger kinds whose words appear in ``text`` (a title, sheet name or file name)."""
    return {kind for kind, pattern in _KIND_WORDS.items() if pattern.search(text or "")}


# A headcount table's year column: a year with 年末 / 年底 / 年度 / 会员 / 人数 words (2023年末会员数).
YEAR_COLUMN = re.compile(r"^((?:19|20)\d{2})年?(?:末|底|度|年末|年底)?(?:会员|工会会员)?(?:人数|数|总数|总人数)?$")

# A staff congress session named in a title (第五届二次教代会, 第十三届教职工代表大会第三次会议).
_CN_NUM = "一二三四五六七八九十百零〇两0-9０-９"
SESSION_IN_TEXT = re.compile(
    rf"第[{_CN_NUM}]+届(?:[{_CN_NUM}]+次)?(?:教职工代表大会|教职代会|教代会|职代会|双代会|会员代表大会|工会会员代表大会)"
    rf"(?:第[{_CN_NUM}]+次(?:全体)?会议)?"
)

# The level (级别) of an award from who granted it or from its name, as a person reads 浙江省教育厅 or
# 杭州市优秀教师: the LAST administrative unit named is the granting body's level (浙江省杭州市教育局 →
# 市级).  A place name, then 省 / 市 / 州 / 区 / 县 / 旗; 社区 / 校区 / 园区 / 小区 are not places.
_ADMIN_UNIT = re.compile(r"(?<=[\u4e00-\u9fff])(省|自治区|市|州|区|县|旗)|^(省|市|区|县)")
_TITLE_UNIT = re.compile(r"(?<=[\u4e00-\u9fff])(省|自治区|市|区|县)|^(省|市|区|县)")
_NOT_ADMIN = re.compile(r"社区|校区|园区|小区|景区|片区|学区|城市|联盟|区域|地区|市场|市民|县域")
_ADMIN_LEVEL = {
    **dict.fromkeys(("省", "自治区"), "省级"),
    **dict.fromkeys(("市", "州"), "市级"),
    **dict.fromkeys(("区", "县", "旗"), "区县级"),
}
_NATIONAL = re.compile(
    r"^(全国|国家|中华全国|中国教育工会|中央|中共中央|国务院|团中央|共青团中央)|^[\u4e00-\u9fff]{1,8}部$|部级"
)
# A granting body may be 中华… / 中国… (中国教育学会);
# an award's name starting so (中华经典诵读, 中国梦征文) says nothing.
_NATIONAL_GRANTOR = re.compile(r"^(中华|中国)")
# A school grants its own awards: 本校, 校工会, or a school's name (滨江区第一中学 names a district, and is a school).
_SCHOOL = re.compile(r"^(本校|学校|校级|院级|校|本院)|((学校|小学|中学|学院|大学|幼儿园|分校|校)(工会|党委|行政)?)$")


def award_level_in(text: str | None, *, grantor: bool = False) -> str | None:
    """The standard level a granting body (``grantor``) or an award's name implies, or None.

    教育部 / 中华全国总工会 / 全国优秀教师 → 国家级; 浙江省教育厅 / 省优秀教师 → 省级; 杭州市妇联 → 市级;
    西湖区教育局 / 区教学能手 → 区县级; 本校 / 校级优秀班主任 → 校级.  Only the start of a name is read
    for a place, the first one (优秀社区工作者 names none); a grantor is read whole, its last place.
    """
    if not text:
        return None
    text = _NOT_ADMIN.sub("", re.sub(r"\s+", "", text))
    national = _NATIONAL.search(text) or (grantor and _NATIONAL_GRANTOR.search(text))
    if national and not (grantor and _ADMIN_UNIT.search(text)):
        return "国家级"
    if grantor and _SCHOOL.search(text):
        return "校级"
    if grantor:
        units = [m.group(1) or m.group(2) for m in _ADMIN_UNIT.finditer(text)]
        if units:
            return _ADMIN_LEVEL[units[-1]]
    # A name says its level first (杭州市优秀教师), and 红旗 / 州 words are not places there.
    elif m := _TITLE_UNIT.search(text[:6]):
        return _ADMIN_LEVEL[m.group(1) or m.group(2)]
    if _SCHOOL.search(text):
        return "校级"
    return None


# A group award's name ends in the group (先进集体, 模范职工之家); 优秀教研组长 / 党支部书记 are one person's.
_GROUP_TITLE = re.compile(r"(集体|单位|团队|班组|小组|职工之家|示范岗|先锋岗|党支部|工作室|教研组|年级组|巾帼文明岗)$")
# A recipient that is a group: these endings, of at least two characters (王会, 李科 are people).
_GROUP_NAME = re.compile(
    r"(教研组|年级组|备课组|学科组|小组|班组|处室|科室|中心|工会|支部|之家|办公室|委员会|团队|年级|学院|学校|部门|团支部|党支部)$"
    r"|^[\u4e00-\u9fff]{2,}(处|室|组|部|队)$"  # 后勤处, 教务处: no given name ends so
)
_GROUP_LONG = re.compile(r"(组|室|部|处|中心|年级|班|队|团|会|科|院|系|校|馆|站|所)$")  # beyond a name's length
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def award_type_in(recipient: str | None, title: str | None) -> str | None:
    """个人 or 集体 as a person reads who got the award and its name, or None.

    A recipient that names a group (语文教研组, 初三年级组, 后勤处办公室; a name longer than a person's
    ending in 组 / 处 / 室 …) → 集体; one person's name (2–4 characters) → 个人; otherwise an award whose
    name ends in a group (先进集体, 模范职工之家, 巾帼文明岗) → 集体.  A list of names says neither.
    """
    name = re.sub(r"\s+", "", recipient or "")
    if name and (_GROUP_NAME.search(name) or (len(name) > 4 and _GROUP_LONG.search(name))):
        return "集体"
    if name and _PERSON.match(name):
        return "个人"
    if title and _GROUP_TITLE.search(re.sub(r"\s+", "", title)):
        return "集体"
    return None


# --- value keyword rules --------------------------------------------------------------------
# (kind, field) → ordered (pattern, standard term).  The first match wins, so the specific
# words come first (值班 before 节日, 互助 before 住院, a relative's death before 去世).
VALUE_RULES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("welfare", "category"): (
        (r"疫情|防疫|抗疫|核酸", "疫情防控慰问"),
        (r"值班|值守|在岗|坚守|留守|加班", "在岗慰问"),
        (r"高温|防暑|降温|清凉|酷暑|避暑", "高温慰问"),
        (r"互助|保险|保障计划|医疗互助|职工保障", "互助保险"),
        (r"大病|重病|重疾|重大疾病", "大病救助"),
        (r"困难|帮扶|救助|扶贫|救济|解困", "困难补助"),
        (r"(会员|职工|教职工|教师|本人)(病故|去世|逝世|死亡)|在职(病故|去世)", "会员去世慰问"),
        (r"去世|丧|吊唁|逝|病故|亡|殡|悼|白事", "亲属去世慰问"),
        (r"住院|生病|患病|疾病|病|探望|手术|医", "生病住院慰问"),
        (r"结婚|新婚|婚庆|婚礼|喜结|完婚", "结婚慰问"),
        (r"生育|分娩|添丁|新生儿|生小孩|产假|育儿", "生育慰问"),
        (r"退休|荣休|离岗", "退休慰问"),
        (r"生日|蛋糕|寿", "生日慰问"),
        (r"观影|电影|影票", "观影福利"),
        (r"节|春节|中秋|端午|元旦|国庆|年货|新春|过年|重阳|妇女", "节日福利"),
    ),
    ("activities", "category"): (
        (r"疗休养|疗养|休养|职工之家休养", "疗休养"),
        (r"志愿|公益|献血|义务", "志愿服务"),
        (r"培训|讲座|学习|读书|研修|课程|讲堂|辅导", "培训"),
        (r"竞赛|比赛|比武|大赛|评比|技能", "竞赛"),
        (r"主题|党建|思政|宣讲|教育", "主题教育"),
        (r"文体|文艺|体育|运动|联欢|文化|健身|球|棋|歌|舞|摄影|书画", "文体活动"),
    ),
    ("awards", "level"): (
        # A ministry written in the 级别 column (教育部, 人力资源和社会保障部) is a national body.
        (r"全国|国家|中华|部级|^(?!.*[校院系省市区县厅局])[\u4e00-\u9fff]{1,10}部$", "国家级"),
        (r"省", "省级"),
        (r"市|地级|州", "市级"),
        (r"区|县|旗", "区县级"),
        (r"校|院|系|本单位", "校级"),
    ),
    ("awards", "award_type"): (
        (r"个人|本人", "个人"),
        # Not a bare 组: 语文组 in a 所在教研组 column is where a person works, not the award's type.
        (r"集体|团体|单位|团队|班组|部门|小组", "集体"),
    ),
    ("proposals", "decision"): (
        (r"不予|不立案|未立案|不作|不宜", "不予立案"),
        (r"并案|合并|并入", "合并"),
        (r"意见|建议", "作为意见建议"),
        (r"立案", "立案"),
    ),
    ("proposals", "status"): (
        # Partly done, planned or not yet done is not handled (部分解决 is no 已办结; 未办结 no 办结).
        (r"部分|逐步|分步|列入|计划|跟进|未完全|尚未完成", "办理中"),
        (r"^(未|尚未|暂未|没有)", "未办理"),
        (r"落实中|办理中|正在|推进|进行", "办理中"),
        (r"已落实|落实到位", "已落实"),
        (r"办结|完成|已办|解决", "已办结"),
        (r"未办|待办|未启动", "未办理"),
    ),
    ("proposals", "satisfaction"): (
        (r"不满意", "不满意"),
        (r"基本|比较|较", "基本满意"),
        (r"满意", "满意"),
    ),
    ("publicity", "channel"): (
        (r"学习强国", "学习强国"),
        (r"公众号|微信|推文", "微信公众号"),
        (r"(总工会|教育工会|上级|市总|省总|区总).*(网|平台)|工会网", "上级工会网站"),
        (r"校园网|学校网|学院网|官网|主页|校网", "学校网站"),
        (r"报|刊|杂志", "报刊"),
    ),
    ("publicity", "category"): (
        (r"养生|健康|节气", "养生"),
        (r"通知|公告|通告|提示", "通知"),
        (r"知识|科普|解读|课堂", "知识"),
        (r"文娱|文艺|娱乐|祝福|节日", "文娱"),
        (r"新闻|动态|报道", "新闻"),
    ),
    ("roster", "status"): ((r"退|离休", "退休"), (r"在职|在岗|在编|聘", "在职")),
    ("roster", "gender"): ((r"^男", "男"), (r"^女", "女")),
}
_COMPILED_VALUE_RULES = {key: tuple((re.compile(p), v) for p, v in rules) for key, rules in VALUE_RULES.items()}


def value_rule(text: str, kind: str, fld: str) -> str | None:
    """The standard term a keyword rule gives the normalised value ``text``, or None."""
    for pattern, term in _COMPILED_VALUE_RULES.get((kind, fld), ()):
        if pattern.search(text):
            return term
    return None


# --- yes/no columns ---------------------------------------------------------------------------
# A header that asks a question (是否立案, 是否办结, 是否满意) holds ticks and crosses: √ means the term
# the question names, × its negation (未立案 → 不予立案, 未办结, 不满意), read through the field's vocabulary.
YES_NO_HEADER = re.compile(r"^(?:是否|有无|是不是)(.+?)[?？]?$")
YES_WORDS = frozenset({"√", "✓", "✔", "☑", "是", "Y", "YES", "有", "对"})
NO_WORDS = frozenset({"×", "✗", "✘", "☒", "X", "否", "N", "NO", "无", "不"})


def yes_no(text: str) -> bool | None:
    """True for a tick (√ 是 Y), False for a cross (× 否 N), None for anything else (normalised text)."""
    word = text.strip().upper()
    return True if word in YES_WORDS else False if word in NO_WORDS else None


# --- derived fields ------------------------------------------------------------------------
# A count written as a list of names: 张三、李四等6人 → 6; 张三、李四 → 2.
NAME_LIST_SEPARATORS = re.compile(r"[、，,；;/\s]+")
NAME_LIST_TOTAL = re.compile(r"等\s*(\d+)\s*(?:人|位|名)")
# Inside a note: 应到196人 (eligible), 至2024/11/14 (the end of a range).
NOTE_ELIGIBLE = re.compile(r"应(?:到|参加|参与|出席)\s*(\d+)\s*(?:人|名)")
NOTE_END_DATE = re.compile(r"(?:至|到|止于?|结束于?)\s*((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)")
