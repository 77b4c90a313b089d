"""Every user-facing string (界面文字) in one catalogue: Chinese now, English can follow.

Use :func:`t` with a key and keyword arguments; a missing key raises KeyError so a
typo fails in tests, not in front of the chair.
"""

from __future__ import annotations

LANG = "zh"

ZH: dict[str, str] = {
    # --- app and navigation
    "app.title": "工会数据看板",
    "page.overview": "总览",
    "page.welfare": "福利慰问",
    "page.activities": "活动参与",
    "page.proposals": "提案办理",
    "page.awards": "评优获奖",
    "page.upload": "上传台账",
    "page.manage": "数据管理",
    "page.report": "汇报材料",
    # --- ledger kinds and fields
    "kind.welfare": "慰问/福利台账",
    "kind.activities": "活动台账",
    "kind.member_counts": "会员人数统计表",
    "kind.roster": "会员名册",
    "kind.members": "会员台账",
    "kind.proposals": "提案台账",
    "kind.awards": "评优获奖台账",
    "kind.budget": "经费预算决算表",
    "field.seq": "序号",
    "field.org": "学校（基层工会）",
    "field.note": "备注",
    "field.date": "日期",
    "field.sub_union": "分工会",
    "field.category": "类别",
    "field.item": "福利项目",
    "field.recipient": "对象",
    "field.person_times": "人数（人次）",
    "field.amount": "金额（元）",
    "field.unit_rate": "标准（元/人）",
    "field.handler": "经办人",
    "field.name": "名称/姓名",
    "field.start_date": "开始日期",
    "field.end_date": "结束日期",
    "field.organizer": "主办单位",
    "field.participants": "参加人数（人次）",
    "field.eligible": "应参加人数",
    "field.cost": "经费（元）",
    "field.year": "年度",
    "field.members": "会员人数",
    "field.female": "其中：女",
    "field.staff_id": "工号",
    "field.gender": "性别",
    "field.birth": "出生年月",
    "field.join_date": "入会日期",
    "field.status": "状态",
    "field.session": "会议届次",
    "field.session_date": "会议日期",
    "field.proposal_no": "提案编号",
    "field.title": "标题/荣誉名称",
    "field.proposer": "提案人",
    "field.seconders": "附议人数",
    "field.decision": "处理结果",
    "field.department": "承办部门",
    "field.submit_date": "提交日期",
    "field.reply_date": "答复日期",
    "field.satisfaction": "满意度",
    "field.level": "级别",
    "field.award_type": "类型（个人/集体）",
    "field.grantor": "授予单位",
    "field.grade": "等次",
    "field.award_date": "获奖日期",
    "field.code": "科目编码",
    "field.subject": "支出科目",
    "field.budget": "预算数（元）",
    "field.final": "决算数（元）",
    "field.execution": "执行率",
    # --- row outcomes and reasons (loaders)
    "skip.blank": "空行",
    "skip.total": "合计/小计行",
    "skip.note": "制表/签名/备注行",
    "skip.header_repeat": "重复的表头行",
    "skip.section": "分隔标题行（只有一格文字）",
    "skip.subtotal": "预算小计行（只计明细科目）",
    "reason.date_invalid": "日期不存在：“{value}”",
    "reason.date_unreadable": "日期无法识别：“{value}”",
    "reason.error_value": "单元格为错误值 {value}",
    "reason.not_number": "不是数字：“{value}”",
    "reason.negative_amount": "{field}为负数：“{value}”",
    "reason.negative_count": "人数不能为负数：“{value}”",
    "reason.not_integer": "人数不是整数：“{value}”",
    "reason.year_unreadable": "年度无法识别：“{value}”",
    "reason.missing": "缺少{field}",
    "reason.field": "{field}：{reason}",
    "reason.formula_no_value": "公式没有计算结果（请在 Excel/WPS 中打开并保存后再上传）：{cell}",
    # --- file and sheet messages
    "sheet.instructions": "说明页，不是台账，已跳过",
    "sheet.summary": "汇总页（由明细汇总而来），不作为明细导入，已跳过",
    "sheet.empty": "空工作表，已跳过",
    "sheet.hidden": "隐藏工作表，已跳过",
    "sheet.prose": "只有文字说明，没有表格，已跳过",
    "sheet.unrecognised": "无法识别台账类型。找到的表头：{headers}",
    "sheet.missing_required": "{kind}缺少必需的列：{fields}。找到的表头：{headers}",
    "sheet.kind_mismatch": "指定的类型为{kind}，但表头不符：{headers}",
    "file.unsupported": "不支持的文件类型“{suffix}”，请上传 .xlsx / .xlsm / .xls / .csv 文件",
    "file.unreadable": "文件无法读取：{error}",
    "file.damaged_sheet": "文件已损坏或不完整（工作表“{sheet}”无法读取），请重新保存后再上传",
    "file.bad_shared_index": "文件已损坏或不完整（工作表“{sheet}”的共享字符串索引无效），请重新保存后再上传",
    "file.cell_too_long": "“{part}”中有单元格超过 {limit} 个字符的上限",
    "file.no_rows": "没有数据行",
    "file.not_text_named": "CSV 文件内容不是文本（这是{format}），请上传台账表格",
    "file.other_format": "这是{format}，不是 Excel 表格或 CSV 文件，请上传台账表格",
    "file.encrypted": "文件有密码保护，请先去除文件密码后再上传",
    "file.damaged": "文件已损坏或不完整，请重新保存后再上传",
    "file.encoding": "CSV 文件编码无法识别（支持 UTF-8、GBK/GB18030，以及 Excel 另存的“Unicode 文本”UTF-16）",
    "file.too_big": "文件超过 {mb} MB，请拆分后再上传",
    "file.empty": "文件是空的（0 字节），请重新保存后再上传",
    "file.wrong_suffix": "文件内容与扩展名不符（实际是 {actual} 文件），请改正扩展名或另存后再上传",
    "file.not_text": "CSV 文件内容不是文本（可能是改了扩展名的其他文件）",
    "file.unzipped_too_big": "文件解压后超过 {mb} MB，疑似压缩炸弹，已拒绝",
    "file.entry_too_big": "文件中的部件 {part} 解压后超过 {mb} MB，已拒绝",
    "file.zip_bomb": "文件中的部件 {part} 压缩比超过 {ratio} 倍，疑似压缩炸弹，已拒绝",
    "file.unsafe_xml": "文件包含不安全的 XML 声明（{part}），已拒绝",
    "file.range_too_big": "工作表“{part}”的范围过大（{rows} 行 × {cols} 列，常见原因是远处有零星单元格），"
    "请删除多余的行列后另存再上传",
    "file.rows_too_many": "工作表“{part}”有 {rows} 行，超过 {limit} 行的上限",
    "file.columns_too_many": "工作表“{part}”有 {cols} 列，超过 {limit} 列的上限",
    "file.cells_too_many": "工作表“{part}”的单元格超过 {limit} 个的上限",
    "file.internal_error": "读取该文件时程序出错（{error}），未导入任何数据。请把该文件发给管理员",
    "file.reader_crashed": "读取该文件时读取程序异常退出（文件过大或格式异常），未导入任何数据",
    "file.reader_timeout": "读取该文件超过 {seconds} 秒，已停止，未导入任何数据",
    "file.write_failed": "写入数据库时出错（{error}），该文件未导入任何数据，其他文件不受影响",
    "file.duplicate": "该文件已导入过（第 {batch_id} 批，{loaded_at}），未重复导入",
    "file.rejected_rows": "有 {count} 行不合格，整个文件未导入。可修改后重新上传，或确认“只导入合格行”",
    "file.header_only": "没有数据行（工作表只有表头），未导入",
    "file.no_ledger": "文件中没有可识别的台账",
    "file.loaded": "已导入第 {batch_id} 批：{rows} 行",
    "file.not_found": "找不到文件或文件夹：{path}",
    "limits.text": "单个文件不超过 {upload} MB；解压后合计不超过 {unzipped} MB、单个部件不超过 {entry} MB，"
    "压缩比不超过 {ratio} 倍；每个工作表不超过 {rows} 行、{cols} 列、{cells} 个单元格，"
    "每个单元格不超过 {cell_chars} 个字符（CSV 同样适用）；"
    "读取时间不超过 {seconds} 秒、内存不超过 {memory} MB。",
    "limits.bounds": "每一行的数值须在合理范围内，否则该行不合格并注明原因：金额不超过 {amount} 万元、"
    "人数（人次）不超过 {count}、日期不早于 {year} 年且不晚于今天之后一年、日期范围的结束不早于开始。",
    "reason.amount_implausible": "金额超出合理范围（单行不超过 {limit} 万元）：“{value}”",
    "reason.count_implausible": "人数超出合理范围（不超过 {limit}）：“{value}”",
    "reason.too_large": "数值过大：“{value}”",
    "reason.date_implausible": "日期超出合理范围（{low} 至 {high}）：“{value}”",
    "reason.year_implausible": "年度超出合理范围（{low} 至 {high}）：“{value}”",
    "reason.range_reversed": "结束日期 {end} 早于开始日期 {start}",
    "export.note_withheld": "（备注已隐去）",
    "db.busy": "数据库正忙（另一个程序正在写入），请稍后重试",
    "db.not_store": "“{path}”不是本系统的数据库（文件不存在、不是 DuckDB 数据库，或没有工会台账的表），未做任何改动",
    "backup.unverified": "备份校验未通过（{reason}），未生成备份文件，请重试",
    "backup.exists": "备份文件已存在：{path}，请换一个文件名",
    "backup.done": "已备份到 {path}",
    # --- command line
    "cli.sheet_line": "  [{sheet}] {kind}：导入 {accepted} 行，不合格 {rejected} 行，跳过 {skipped} 行",
    "cli.reject_line": "    第 {row} 行：{reason}",
    "cli.more_rejects": "    ……另有 {count} 行不合格",
    "cli.unknown_values": "    未识别的取值（已按原文保留，可在“上传台账”页映射）：{values}",
    "cli.done": "共 {files} 个文件：导入 {loaded} 个，未导入 {failed} 个，重复 {duplicates} 个",
    "cli.batch_removed": "已删除第 {batch_id} 批",
    "cli.batch_missing": "没有第 {batch_id} 批",
    "period.invalid": "无法识别的期间“{value}”：请写成 2022 或 2022-2023学年",
    "org.default": "本校工会",
    "pack.detail_too_long": "本期明细共 {rows} 行，超过 {limit} 行未导出。请在看板左侧选择单个学校后再导出明细。",
}

# Column headers of the row-level tables (明细), shared by the pages and the workbook.
WELFARE_ROW_COLUMNS = {
    "date": "日期",
    "sub_union": "分工会",
    "category": "类别",
    "item": "项目",
    "recipient": "对象",
    "person_times": "人次",
    "amount_yuan": "金额（元）",
    "note": "备注",
    "source_file": "来源文件",
    "source_sheet": "工作表",
    "source_row": "行号",
}
AWARD_ROW_COLUMNS = {
    "year": "年度",
    "title": "荣誉名称",
    "level": "级别",
    "award_type": "类型",
    "recipient": "获奖对象",
    "sub_union": "分工会",
    "grantor": "授予单位",
    "grade": "等次",
    "award_date": "获奖日期",
}

_CATALOGUES = {"zh": ZH}


def t(key: str, **kwargs: object) -> str:
    """The label for ``key`` in the current language, formatted with ``kwargs``.

    Raises KeyError for an unknown key.
    """
    text = _CATALOGUES[LANG][key]
    return text.format(**kwargs) if kwargs else text


def field_label(field: str) -> str:
    """Chinese name of a canonical field (e.g. ``amount`` → 金额（元）); the field itself if unknown."""
    return ZH.get(f"field.{field}", field)


def kind_label(kind: str) -> str:
    """Chinese name of a ledger kind (e.g. ``welfare`` → 慰问/福利台账)."""
    return ZH.get(f"kind.{kind}", kind)
