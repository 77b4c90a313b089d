"""The standard vocabulary (标准词表): ledger kinds, their fields, header aliases and value aliases.

Everything a school may write differently is listed here as data, so that a new
school's words are one line to add.  The pure functions that apply these tables
live in :mod:`loaders.normalize`.
"""

from __future__ import annotations

# Ledger kinds (台账类型).  ``member_counts`` and ``roster`` are the two shapes of
# the members ledger (会员人数统计表 / 会员名册).
KINDS: tuple[str, ...] = (
    "welfare",
    "activities",
    "member_counts",
    "roster",
    "proposals",
    "awards",
    "budget",
    "donations",
    "publicity",
)

# The user may name a kind on the command line in English or Chinese.
KIND_ALIASES: dict[str, str] = {
    "welfare": "welfare",
    "慰问": "welfare",
    "福利": "welfare",
    "activities": "activities",
    "activity": "activities",
    "活动": "activities",
    "members": "members",
    "member_counts": "member_counts",
    "会员人数": "member_counts",
    "roster": "roster",
    "会员名册": "roster",
    "会员": "members",
    "proposals": "proposals",
    "提案": "proposals",
    "awards": "awards",
    "获奖": "awards",
    "评优": "awards",
    "budget": "budget",
    "预算": "budget",
    "经费": "budget",
    "donations": "donations",
    "donation": "donations",
    "捐款": "donations",
    "publicity": "publicity",
    "宣传": "publicity",
}

# Fields shared by every kind.
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "no", "序"),
    # The school (学校) of a row in a district summary.  "单位" alone means the
    # sub-union in most school ledgers (DOMAIN.md), so it is listed under sub_union.
    "org": ("学校", "学校名称", "基层工会", "基层工会名称", "工会名称", "所在学校"),
    "note": ("备注", "说明", "附注", "备注说明"),
}

# Per kind: canonical field -> header aliases (after :func:`normalize_header`).
FIELD_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "welfare": {
        "date": (
            "日期",
            "发放日期",
            "发放时间",
            "时间",
            "慰问日期",
            "慰问时间",
            "办理日期",
            "发放月份",
            "月份",
        ),
        "sub_union": (
            "分工会",
            "部门",
            "单位",
            "所在分工会",
            "二级工会",
            "部门工会",
            "所在部门",
            "所在单位",
            "分会",
        ),
        "category": (
            "类别",
            "慰问类别",
            "福利类别",
            "慰问类型",
            "福利类型",
            "类型",
            "慰问事由",
            "事由",
            "发放类别",
        ),
        "item": ("福利项目", "项目", "发放项目", "慰问品", "物品"),
        "recipient": (
            "姓名",
            "对象",
            "慰问对象",
            "对象姓名",
            "发放对象",
            "受慰问人",
            "教职工姓名",
            "职工姓名",
        ),
        "person_times": (
            "人数",
            "人次",
            "发放人数",
            "慰问人数",
            "人数人次",
            "发放人次",
            "慰问人次",
            "数量",
        ),
        "amount": (
            "金额",
            "慰问金额",
            "发放金额",
            "慰问金",
            "补助金额",
            "金额合计",
            "合计金额",
            "总金额",
            "实发金额",
            "发放总额",
            "支出金额",
        ),
        "unit_rate": ("标准", "发放标准", "慰问标准", "单价", "标准元人"),
        "handler": ("经办人", "经手人", "发放人", "经办"),
    },
    "activities": {
        "name": ("活动名称", "活动", "活动内容", "活动主题", "名称", "项目名称"),
        "start_date": (
            "开始日期",
            "活动日期",
            "日期",
            "活动时间",
            "时间",
            "举办日期",
            "举办时间",
            "起始日期",
        ),
        "end_date": ("结束日期", "截止日期", "终止日期"),
        "organizer": (
            "主办单位",
            "主办",
            "主办方",
            "组织单位",
            "承办单位",
            "举办单位",
            "组织者",
            "分工会",
            "主办部门",
        ),
        "category": ("活动类别", "类别", "活动类型", "类型"),
        "participants": (
            "参加人数",
            "参与人数",
            "参加人次",
            "参与人次",
            "人数",
            "人次",
            "参加人员数",
        ),
        "eligible": (
            "应参加人数",
            "应到人数",
            "应参与人数",
            "应参加人次",
            "可参加人数",
        ),
        "cost": ("经费", "活动经费", "费用", "金额", "支出", "经费支出", "支出金额"),
    },
    "member_counts": {
        "sub_union": ("分工会", "部门", "单位", "二级工会", "部门工会", "所在分工会"),
        "year": ("年度", "年份", "统计年度"),
        "members": ("会员人数", "会员数", "人数", "工会会员人数", "会员总数"),
        "female": ("其中女", "女", "女会员", "女性", "女会员人数"),
    },
    "roster": {
        "staff_id": ("工号", "职工号", "教工号", "人员编号"),
        "name": ("姓名", "会员姓名"),
        "gender": ("性别",),
        "birth": ("出生年月", "出生日期", "生日"),
        "sub_union": (
            "分工会",
            "部门",
            "单位",
            "二级工会",
            "部门工会",
            "所在分工会",
            "所在部门",
        ),
        "join_date": ("入会日期", "入会时间", "入会年月"),
        "status": ("状态", "会员状态", "在职状态", "人员状态"),
    },
    "proposals": {
        "session": ("会议届次", "届次", "会议", "教代会届次", "会议名称"),
        "session_date": ("会议日期", "会议时间", "大会日期"),
        "proposal_no": ("提案编号", "提案号", "案号"),
        "title": ("提案标题", "标题", "提案名称", "案由", "提案题目"),
        "proposer": ("提案人", "领衔人", "提案代表", "第一提案人"),
        "seconders": ("附议人数", "附议人"),
        "category": ("提案类别", "类别", "类型", "提案类型"),
        "decision": ("处理结果", "审查结果", "立案情况", "处理意见", "立案结果"),
        "department": ("承办部门", "承办单位", "办理部门", "主办部门", "责任部门"),
        "status": ("办理状态", "办理情况", "落实情况", "状态"),
        "submit_date": ("提交日期", "提交时间", "提出日期"),
        "reply_date": ("答复日期", "答复时间", "回复日期"),
        "satisfaction": ("满意度", "提案人意见", "满意情况", "反馈意见"),
    },
    "awards": {
        "year": ("年度", "年份", "评选年度"),
        "title": (
            "荣誉名称",
            "奖项名称",
            "荣誉称号",
            "获奖名称",
            "奖项",
            "荣誉",
            "获奖项目",
            "比赛名称",
        ),
        "level": ("级别", "获奖级别", "荣誉级别", "奖项级别"),
        "award_type": ("类型", "获奖类型", "个人集体", "奖励类型"),
        "recipient": (
            "获奖对象",
            "获奖者",
            "获奖人",
            "获奖单位",
            "姓名",
            "获奖个人集体",
        ),
        "sub_union": ("所在分工会", "分工会", "部门", "单位", "所在部门", "所在单位"),
        "grantor": ("授予单位", "颁发单位", "发证单位", "授奖单位", "主办单位"),
        "grade": ("等次", "等级", "获奖等次", "名次", "奖次"),
        "award_date": ("获奖日期", "获奖时间", "日期", "授予日期", "表彰日期"),
    },
    "budget": {
        "year": ("年度", "年份"),
        "code": ("科目编码", "科目代码", "编码", "代码"),
        "subject": ("支出科目", "科目", "科目名称", "项目", "预算科目"),
        "budget": ("预算数", "预算", "预算金额", "年初预算", "预算额"),
        "final": ("决算数", "决算", "决算金额", "实际支出", "执行数", "支出数"),
        "execution": ("执行率", "预算执行率"),
    },
    # 捐款台账 (issue 18): one drive's collection in one sub-union, or one donor.
    "donations": {
        "date": ("日期", "捐款日期", "捐款时间", "时间", "活动日期", "收款日期", "上交日期"),
        "drive": ("活动名称", "捐款活动", "活动", "项目", "捐款项目", "名称", "活动项目"),
        "sub_union": ("分工会", "部门", "单位", "二级工会", "部门工会", "所在分工会", "所在部门", "所在单位"),
        "donor": ("捐款人", "姓名", "捐款人姓名", "捐赠人", "捐款者"),
        "staff_id": ("工号", "职工号", "教工号"),
        "donors": ("捐款人数", "人数", "人次", "参加人数", "捐款人次", "参与人数", "捐款人数人次"),
        "amount": ("金额", "捐款金额", "捐款额", "捐赠金额", "募集金额", "金额合计", "捐款数"),
        "recipient_org": ("去向", "接收单位", "捐赠对象", "受捐单位", "捐款去向", "受助对象", "用途"),
    },
    # 宣传台账 (issue 18): one published item on one channel.
    "publicity": {
        "date": ("发布日期", "日期", "发布时间", "时间", "刊发日期", "推送日期"),
        "title": ("标题", "稿件标题", "文章标题", "题目", "推文标题", "新闻标题"),
        "channel": ("发布渠道", "渠道", "发布平台", "平台", "媒体", "刊发媒体", "发布媒体"),
        "category": ("类型", "稿件类型", "类别", "内容类型", "栏目"),
        "author": ("作者", "撰稿人", "撰稿", "供稿人"),
        "sub_union": ("供稿单位", "分工会", "部门", "单位", "来稿单位"),
        "reads": ("阅读量", "阅读数", "点击量", "浏览量", "阅读次数"),
    },
}

# Fields whose presence identifies a kind (at least one must be found) and the
# fields a sheet must have for rows to be read.
SIGNATURE_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare": ("amount", "unit_rate"),
    "activities": ("name", "participants"),
    "member_counts": ("members",),
    "roster": ("name", "join_date", "staff_id", "gender"),
    "proposals": ("title", "decision", "proposal_no"),
    "awards": ("title", "level", "award_type"),
    "budget": ("budget", "final"),
    "donations": ("drive", "donors", "recipient_org", "donor"),
    "publicity": ("channel", "reads"),
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare": ("amount",),
    "activities": ("name", "start_date"),
    "member_counts": ("members",),
    "roster": ("name",),
    "proposals": ("title",),
    "awards": ("title",),
    "budget": ("subject",),
    "donations": ("amount",),  # a drive's donor list may take its date from the title
    "publicity": ("date", "title", "channel"),
}

# Fields whose unreadable value rejects the row (the figures and what places a row in a period).
# Any other field that cannot be parsed is left empty with a warning: the row still counts.
FIGURE_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare": ("date", "amount", "person_times"),
    "activities": ("name", "start_date", "participants"),
    "member_counts": ("members", "year"),
    "roster": ("name",),
    "proposals": ("title", "session_date", "submit_date"),
    "awards": ("title", "year", "award_date"),
    "budget": ("subject", "year", "budget", "final"),
}

# Money fields, converted to 元 (a header or note in 万元 multiplies by 10,000).
MONEY_FIELDS: frozenset[str] = frozenset({"amount", "cost", "budget", "final", "unit_rate"})
COUNT_FIELDS: frozenset[str] = frozenset(
    {"person_times", "participants", "eligible", "members", "female", "seconders", "donors", "reads"}
)
DATE_FIELDS: frozenset[str] = frozenset(
    {
        "date",
        "start_date",
        "end_date",
        "session_date",
        "submit_date",
        "reply_date",
        "award_date",
        "join_date",
    }
)

# Value vocabularies: canonical value -> aliases (compared after normalize_value).
WELFARE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "生病住院慰问": (
        "生病住院慰问",
        "住院慰问",
        "生病慰问",
        "患病慰问",
        "生病住院",
        "病困慰问",
        "住院",
        "生病",
        "探病慰问",
    ),
    "亲属去世慰问": (
        "亲属去世慰问",
        "丧事慰问",
        "亲属去世",
        "直系亲属去世慰问",
        "丧葬慰问",
        "亲人去世慰问",
        "去世慰问",
        "丧事",
        "吊唁慰问",
    ),
    "会员去世慰问": ("会员去世慰问", "会员去世", "教职工去世慰问", "职工去世慰问", "本人去世慰问", "在职去世慰问"),
    "结婚慰问": ("结婚慰问", "结婚", "新婚慰问", "婚庆慰问", "新婚"),
    "生育慰问": ("生育慰问", "生育", "生育慰问金", "生小孩慰问"),
    "退休慰问": ("退休慰问", "光荣退休", "退休", "退休纪念", "荣休慰问"),
    "困难补助": (
        "困难补助",
        "困难帮扶",
        "困难职工补助",
        "困难慰问",
        "困难救助",
        "帮扶补助",
        "困难职工帮扶",
    ),
    "大病救助": ("大病救助", "重病救助", "大病慰问", "重大疾病救助", "大病补助"),
    "节日福利": (
        "节日福利",
        "节日慰问",
        "春节福利",
        "中秋福利",
        "端午福利",
        "元旦福利",
        "春节慰问品",
        "节日慰问品",
        "三八节福利",
        "妇女节福利",
        "节日福利品",
    ),
    "生日慰问": ("生日慰问", "生日福利", "生日蛋糕", "生日蛋糕券", "生日"),
    "观影福利": ("观影福利", "电影券", "观影", "电影票"),
    "高温慰问": ("高温慰问", "防暑降温", "夏季高温慰问", "防暑降温慰问", "高温补贴"),
    "在岗慰问": (
        "在岗慰问",
        "春节在岗慰问",
        "节日在岗慰问",
        "值班慰问",
        "节日值班慰问",
    ),
    "疫情防控慰问": ("疫情防控慰问", "防疫慰问", "疫情慰问", "疫情防控值守慰问"),
    "互助保险": ("互助保险", "职工互助保险", "互助保障", "住院互助保险", "互助金"),
}
AWARD_LEVELS: dict[str, tuple[str, ...]] = {
    "国家级": ("国家级", "全国", "国家", "部级", "全国级"),
    "省级": ("省级", "省部级", "省", "省厅级"),
    "市级": ("市级", "地市级", "市", "市厅级", "市局级"),
    "区县级": ("区县级", "区级", "县级", "区", "县", "县区级"),
    "校级": ("校级", "院级", "校", "学校级"),
}
LEVEL_ORDER: tuple[str, ...] = tuple(AWARD_LEVELS)
AWARD_TYPES: dict[str, tuple[str, ...]] = {
    "个人": ("个人",),
    "集体": ("集体", "团体", "单位", "团队"),
}
DECISIONS: dict[str, tuple[str, ...]] = {
    "立案": ("立案", "正式立案", "予以立案"),
    "作为意见建议": (
        "作为意见建议",
        "转为意见建议",
        "意见建议",
        "作为建议",
        "转意见建议",
        "作为意见和建议",
    ),
    "不予立案": ("不予立案", "暂不予立案", "不立案", "未立案"),
    "合并": ("合并", "并案", "合并立案", "合并处理"),
}
DECISION_ORDER: tuple[str, ...] = tuple(DECISIONS)
STATUSES: dict[str, tuple[str, ...]] = {
    "未办理": ("未办理", "待办理", "未办"),
    "办理中": ("办理中", "落实中", "正在办理", "在办"),
    "已办结": ("已办结", "已完成", "办结", "完成"),
    "已落实": ("已落实", "落实"),
    # A declined or merged proposal answered in writing: replied, not handled (not 已办结).
    "已答复": ("已答复", "已回复", "已书面答复", "答复"),
}
STATUS_ORDER: tuple[str, ...] = tuple(STATUSES)
# The sets every proposal figure is defined from (dashboard.queries.proposal_totals).
# accepted (受理): the proposals to be handled; a proposal with no 处理结果 written counts as accepted.
ACCEPTED_DECISIONS: tuple[str, ...] = ("立案", "作为意见建议")
# handled (已办结): an accepted proposal whose 办理状态 is 已办结 or 已落实.
HANDLED_STATUSES: tuple[str, ...] = ("已办结", "已落实")
IN_PROGRESS = "办理中"
HANDLED_KEY = "已办结"  # the figure's key in summary --json and proposal_totals
SATISFACTION: dict[str, tuple[str, ...]] = {
    "满意": ("满意", "非常满意"),
    "基本满意": ("基本满意", "比较满意", "较满意"),
    "不满意": ("不满意",),
}
SATISFIED: tuple[str, ...] = ("满意", "基本满意")  # 满意率 = satisfied ÷ answered
MEMBER_STATUSES: dict[str, tuple[str, ...]] = {
    "在职": ("在职", "在岗"),
    "退休": ("退休", "离退休", "离休"),
}
GENDERS: dict[str, tuple[str, ...]] = {"男": ("男",), "女": ("女",)}

ACTIVITY_CATEGORIES: dict[str, tuple[str, ...]] = {
    "文体活动": ("文体活动", "文体", "文体类", "文体类活动", "文娱活动", "体育活动", "文艺活动"),
    "疗休养": ("疗休养", "疗养", "休养", "职工疗休养"),
    "培训": ("培训", "培训类", "学习", "学习类", "讲座", "学习培训"),
    "竞赛": ("竞赛", "竞赛类", "比赛", "技能竞赛", "劳动竞赛"),
    "志愿服务": ("志愿服务", "志愿", "志愿类", "志愿者活动", "公益活动"),
    "主题教育": ("主题教育", "主题活动", "思想教育", "党建活动"),
}

# Publicity (宣传): the channels and types of the seeds' sentences (003: 全年发布微信推文175篇,
# 新闻、通知、知识类、文娱类、养生类; 004: 学习强国、工会网站、微信公众号).
PUBLICITY_CHANNELS: dict[str, tuple[str, ...]] = {
    "微信公众号": ("微信公众号", "公众号", "微信", "微信推文", "工会公众号", "微信平台", "微信号"),
    "学校网站": ("学校网站", "校园网", "学校官网", "校网", "学院网站", "学校主页", "官网"),
    "上级工会网站": (
        "上级工会网站",
        "上级工会平台",
        "上级工会网站平台",
        "市总工会网站",
        "教育工会网站",
        "工会网站",
        "市教育工会网站",
        "省教育工会网站",
        "上级平台",
    ),
    "学习强国": ("学习强国", "学习强国平台", "学习强国app"),
    "报刊": ("报刊", "报纸", "杂志", "报社", "期刊", "报刊杂志"),
    "其他": ("其他", "其它", "视频号", "抖音", "微博"),
}
PUBLICITY_CHANNEL_ORDER: tuple[str, ...] = tuple(PUBLICITY_CHANNELS)
WECHAT_CHANNEL = "微信公众号"  # 全年发布微信推文N篇 (seed 003)
PUBLICITY_TYPES: dict[str, tuple[str, ...]] = {
    "新闻": ("新闻", "新闻类", "动态", "工作动态", "报道", "新闻报道"),
    "通知": ("通知", "通知类", "公告", "通告"),
    "知识": ("知识", "知识类", "科普", "政策解读", "工会知识"),
    "文娱": ("文娱", "文娱类", "文艺", "娱乐", "节日祝福"),
    "养生": ("养生", "养生类", "健康", "健康养生", "节气养生"),
    "其他": ("其他", "其它"),
}
PUBLICITY_TYPE_ORDER: tuple[str, ...] = tuple(PUBLICITY_TYPES)

# kind -> field -> vocabulary.  Values not in the vocabulary are kept as written
# and reported to the user to map.
VALUE_VOCABULARIES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "welfare": {"category": WELFARE_CATEGORIES},
    "activities": {"category": ACTIVITY_CATEGORIES},
    "awards": {"level": AWARD_LEVELS, "award_type": AWARD_TYPES},
    "proposals": {
        "decision": DECISIONS,
        "status": STATUSES,
        "satisfaction": SATISFACTION,
    },
    "roster": {"status": MEMBER_STATUSES, "gender": GENDERS},
    "publicity": {"channel": PUBLICITY_CHANNELS, "category": PUBLICITY_TYPES},
}

# Rows whose first text says they are totals or notes (合计行 / 制表人行).
TOTAL_MARKERS: tuple[str, ...] = (
    "合计",
    "总计",
    "小计",
    "本月合计",
    "本页合计",
    "累计",
    "共计",
    "总额",
)
NOTE_MARKERS: tuple[str, ...] = (
    "制表人",
    "制表",
    "审核",
    "审核人",
    "填表人",
    "填报人",
    "负责人",
    "经办人：",
    "注：",
    "注:",
    "备注：",
    "说明：",
    "制表日期",
    "填表日期",
    "单位负责人",
    "工会主席",
)
# Sheet names that hold instructions, not data (说明页).
INSTRUCTION_SHEETS: tuple[str, ...] = (
    "说明",
    "填表说明",
    "填写说明",
    "使用说明",
    "目录",
    "封面",
    "instructions",
    "readme",
)
# Sheets that summarise other sheets (汇总页): never imported as rows.
SUMMARY_SHEETS: tuple[str, ...] = (
    "全年汇总",
    "汇总",
    "年度汇总",
    "统计",
    "汇总表",
    "总表",
    # breakdowns of a detail sheet by channel, type or month (宣传台账's 分渠道统计, COUNTIF formulas)
    "分渠道统计",
    "渠道统计",
    "分类统计",
    "分类型统计",
    "分月统计",
    "分渠道汇总",
    "分类汇总",
)

# --- personal information (个人信息, 最小必要) -------------------------------------------
# Identity numbers, phone numbers and street addresses are never stored (个人信息保护法 Art. 6, 28):
# a column is dropped when its header contains one of these words (after normalize_header) or
# when its values look like them (core.privacy), and such values are cut out of any other text.
# Category → header words (a header containing the word, e.g. 家庭住址, 手机号码).
WITHHELD_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "身份证号": ("身份证", "身份号码", "证件号", "证件号码", "公民身份"),
    "医保号": ("医保", "社保卡", "社会保障卡", "医疗保险号", "医疗保险卡", "社保号"),
    "银行卡号": ("银行卡", "银行账号", "银行帐号", "卡号", "账号", "帐号", "开户行账号"),
    "电话号码": ("电话", "手机", "联系方式", "联系号码", "移动电话", "手机号"),
    "住址": ("住址", "地址", "住所", "居住地", "家庭住址", "通讯地址"),
}
WITHHELD_ORDER: tuple[str, ...] = tuple(WITHHELD_HEADER_WORDS)

# Health and family details (敏感个人信息, Art. 28): welfare categories whose notes tell of an
# illness, a death in the family or hardship, and note words that do.  Such notes are shown only
# in row-level views after the user reveals them, never in exports or the congress pack.
SENSITIVE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "health": ("生病住院慰问", "大病救助"),
    "family": ("亲属去世慰问", "困难补助"),
}
SENSITIVE_NOTE_WORDS: dict[str, tuple[str, ...]] = {
    "health": (
        "病",
        "住院",
        "手术",
        "癌",
        "瘤",
        "化疗",
        "放疗",
        "透析",
        "骨折",
        "治疗",
        "医院",
        "门诊",
        "确诊",
        "抑郁",
        "康复",
        "残疾",
        "伤残",
        "怀孕",
        "流产",
        "心梗",
        "中风",
        "脑梗",
        "ICU",
    ),
    "family": (
        "去世",
        "病故",
        "逝世",
        "丧",
        "离婚",
        "单亲",
        "低保",
        "困难",
        "父亲",
        "母亲",
        "配偶",
        "丈夫",
        "妻子",
        "子女",
        "儿子",
        "女儿",
        "家属",
        "遗属",
    ),
}
