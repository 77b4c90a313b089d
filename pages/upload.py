"""上传台账: upload ledgers, check detection, mapping and validation, then load them as batches."""

import pandas as pd
import streamlit as st

from dashboard import app, demo, uploads
from dashboard import formatting as fmt
from dashboard.app import field_label, kind_label, t

app.ensure_navigation()
st.title(t("page.upload"))
st.caption(
    "支持 .xlsx / .xlsm / .xls / .csv（UTF-8 或 GBK），可一次选多个文件。导入前会先逐行检查，确认后才写入数据库。"
)
store = app.store()
_, _, orgs = app.lists()

left, right = st.columns(2)
org = left.text_input(
    "学校（基层工会）名称",
    value=orgs[0] if len(orgs) == 1 and orgs[0] != demo.ORG else t("org.default"),
    help="台账中有“学校”列时按该列逐行归属；否则归入这里填写的名称。",
)
kind_names = {"自动识别": None, **{kind_label(k): k for k in app.KINDS}}
forced = kind_names[right.selectbox("台账类型", list(kind_names), help="一般无需选择；自动识别不准时再指定。")]

files = st.file_uploader(
    "选择台账文件", type=["xlsx", "xlsm", "xls", "csv"], accept_multiple_files=True, key="uploader"
)
if not files:
    st.info("请选择要导入的台账文件。需要标准格式的可到“数据管理”页下载模板。")
    st.stop()

reports = {}
with app.guard("读取台账"):
    progress = st.progress(0.0, text="正在读取和检查台账……")
    for i, upload in enumerate(files, start=1):
        reports[upload.file_id] = uploads.analyse(
            store, upload.getvalue(), upload.name, forced, org.strip() or t("org.default")
        )
        progress.progress(i / len(files), text=f"已检查 {i}/{len(files)} 个文件")
    progress.empty()


def duplicate_notices() -> dict[str, str | None]:
    """Each file's "已导入过" notice, looked up once and shared by the list and the file's section."""
    return {file_id: uploads.duplicate_message(store, r.sha256) for file_id, r in reports.items()}


duplicates = duplicate_notices()
status = {file_id: uploads.status_of(r, duplicates[file_id]) for file_id, r in reports.items()}

with app.guard("文件清单"):
    overview = pd.DataFrame(
        {
            "文件": [r.file_name for r in reports.values()],
            "状态": list(status.values()),
            "台账类型": ["、".join(kind_label(k) for k in r.kinds) for r in reports.values()],
            "合格行": [r.accepted_rows for r in reports.values()],
            "不合格行": [r.rejected_rows for r in reports.values()],
            "跳过行": [r.skipped_rows for r in reports.values()],
        }
    )
    st.dataframe(overview, hide_index=True)
    ready = [r for file_id, r in reports.items() if status[file_id] == "可导入"]
    if len(ready) > 1 and st.button(f"全部导入可导入的 {len(ready)} 个文件", type="primary", key="load_all"):
        for report in ready:
            result = uploads.commit_file(store, report)
            (st.success if result.status == "loaded" else st.info)(
                f"{fmt.md(report.file_name)}：{fmt.md(result.message)}"
            )
        # the files just loaded now read as 已导入过 in their sections below
        duplicates = duplicate_notices()

for upload in files:
    report = reports.get(upload.file_id)
    if report is None:
        continue
    with st.container(border=True), app.guard(fmt.md(upload.name)):
        st.markdown(f"#### :material/description: {fmt.md(upload.name)}")
        if report.error:
            st.error(f"{fmt.md(upload.name)}：{fmt.md(report.error)}")
            continue
        loaded_before = duplicates[upload.file_id]
        if loaded_before:
            st.info(f"{fmt.md(upload.name)}：{fmt.md(loaded_before)}")

        for sheet in report.sheets:
            if sheet.status == "skipped":
                st.caption(f"工作表“{fmt.md(sheet.sheet)}”：{fmt.md(sheet.note)}")
                continue
            if sheet.status == "rejected":
                st.error(f"{fmt.md(upload.name)} · 工作表“{fmt.md(sheet.sheet)}”：{fmt.md(sheet.note)}")
                if sheet.headers:
                    uploads.header_mapping_form(store, upload.name, sheet, forced)
                continue
            result = sheet.result
            title = (
                f"工作表“{fmt.md(sheet.sheet)}”：{kind_label(sheet.kind)} ｜ 合格 {sheet.accepted} 行 ｜ "
                f"不合格 {len(sheet.rejected)} 行 ｜ 跳过 {sheet.skipped} 行"
            )
            problems = bool(sheet.rejected or result.unknown_values or sheet.unmapped)
            if sheet.withheld_note:
                note = f"工作表“{fmt.md(sheet.sheet)}”：{fmt.md(sheet.withheld_note)}"
                st.info(note, icon=":material/shield_person:")
            with st.expander(title, expanded=problems or len(report.data_sheets) == 1):
                mapping = pd.DataFrame(
                    {
                        "表头": list(sheet.mapping),
                        "识别为": [field_label(f) for f in sheet.mapping.values()],
                        "换算": ["万元 × 10000 → 元" if h in sheet.converted else "" for h in sheet.mapping],
                    }
                )
                st.markdown("**表头识别**")
                st.dataframe(mapping, hide_index=True)
                if sheet.unmapped:
                    st.warning("以下列未识别，不会导入：" + "、".join(fmt.md(h) for h in sheet.unmapped))
                    uploads.header_mapping_form(store, upload.name, sheet, sheet.kind)
                if result.skipped:
                    st.caption("跳过：" + "，".join(f"{reason} {n} 行" for reason, n in result.skipped.items()))
                if sheet.rejected:
                    st.markdown("**不合格的行**")
                    st.dataframe(
                        pd.DataFrame(
                            {
                                "文件": upload.name,
                                "工作表": sheet.sheet,
                                "行号": [r.row for r in sheet.rejected],
                                "原因": [r.reason for r in sheet.rejected],
                                "原始内容": ["；".join(f"{k}={v}" for k, v in r.raw.items()) for r in sheet.rejected],
                            }
                        ),
                        hide_index=True,
                    )
                if result.unknown_values:
                    uploads.value_mapping_form(store, upload.name, sheet)
                st.markdown("**预览（前 20 行，姓名已脱敏，涉及健康或家庭情况的备注已隐去）**")
                preview = fmt.hide_sensitive_notes(result.records.head(20).copy())
                for column in ("recipient", "name", "proposer"):
                    if column in preview and sheet.kind != "activities":
                        preview[column] = fmt.mask_column(preview[column])
                st.dataframe(uploads.preview_frame(preview), hide_index=True)

        if report.fatal:
            st.error(f"{fmt.md(upload.name)}：{fmt.md(report.fatal)}。整个文件不会导入。")
            continue
        if loaded_before:
            continue
        accept_valid = False
        if report.rejected_rows:
            st.warning(f"{fmt.md(upload.name)}：" + t("file.rejected_rows", count=report.rejected_rows))
            accept_valid = st.checkbox(
                f"只导入合格的 {report.accepted_rows} 行（不合格行连同原始内容保存在批次记录中）",
                key=f"accept_{report.sha256}",
            )
        if st.button(
            f"导入 {fmt.md(upload.name)}（{report.accepted_rows} 行）",
            key=f"load_{report.sha256}",
            type="primary",
            disabled=bool(report.rejected_rows) and not accept_valid,
        ):
            result = uploads.commit_file(store, report, accept_valid=accept_valid)
            if result.status == "loaded":
                st.success(f"{fmt.md(upload.name)}：{fmt.md(result.message)}")
            elif result.status == "duplicate":
                st.info(f"{fmt.md(upload.name)}：{fmt.md(result.message)}")
            else:
                st.error(f"{fmt.md(upload.name)}：{fmt.md(result.message)}")
