"""上传台账: upload ledgers, check detection, mapping and validation, then load them as batches."""

import pandas as pd
import streamlit as st

from dashboard import app, demo, uploads
from dashboard import formatting as fmt
from dashboard.app import HEADER_MAPPING_COLUMNS, REJECTED_ROW_COLUMNS, UPLOAD_FILE_COLUMNS, field_label, kind_label, t

app.ensure_navigation()
app.require("upload")
st.title(t("page.upload"))
st.caption(t("upload.caption"))
store = app.store()
_, _, orgs = app.lists()

left, right = st.columns(2)
own_org = app.scope().org
if own_org is not None:  # a chair loads her own school's ledgers only
    org = own_org
    left.text_input(t("upload.org"), value=own_org, disabled=True, help=t("access.upload_org", org=own_org))
else:
    org = left.text_input(
        t("upload.org"),
        value=orgs[0] if len(orgs) == 1 and orgs[0] != demo.ORG else t("org.default"),
        help=t("upload.org_help"),
    )
kind_names = {t("upload.auto_kind"): None, **{kind_label(k): k for k in app.KINDS}}
forced = kind_names[right.selectbox(t("upload.kind"), list(kind_names), help=t("upload.kind_help"))]

files = st.file_uploader(
    t("upload.files"), type=["xlsx", "xlsm", "xls", "csv"], accept_multiple_files=True, key="uploader"
)
if not files:
    st.info(t("upload.choose"))
    st.stop()

reports = {}
with app.guard(t("upload.section.reading")):
    progress = st.progress(0.0, text=t("upload.reading"))
    for i, upload in enumerate(files, start=1):
        reports[upload.file_id] = uploads.analyse(
            store, upload.getvalue(), upload.name, forced, org.strip() or t("org.default")
        )
        progress.progress(i / len(files), text=t("upload.checked", done=i, total=len(files)))
    progress.empty()


def duplicate_notices() -> dict[str, str | None]:
    """Each file's duplicate notice (已导入过), looked up once and shared by the list and the file's section."""
    return {file_id: uploads.duplicate_message(store, r.sha256) for file_id, r in reports.items()}


duplicates = duplicate_notices()
status = {file_id: uploads.status_of(r, duplicates[file_id]) for file_id, r in reports.items()}

with app.guard(t("upload.section.files")):
    overview = pd.DataFrame(
        {
            "file": [r.file_name for r in reports.values()],
            "status": list(status.values()),
            "kinds": [t("text.list_sep").join(kind_label(k) for k in r.kinds) for r in reports.values()],
            "accepted": [r.accepted_rows for r in reports.values()],
            "rejected": [r.rejected_rows for r in reports.values()],
            "skipped": [r.skipped_rows for r in reports.values()],
        }
    )
    st.dataframe(fmt.with_headers(overview, UPLOAD_FILE_COLUMNS), hide_index=True)
    ready = [r for file_id, r in reports.items() if status[file_id] == uploads.READY]
    if len(ready) > 1 and st.button(t("upload.load_all", n=len(ready)), type="primary", key="load_all"):
        for report in ready:
            result = uploads.commit_file(store, report)
            (st.success if result.status == "loaded" else st.info)(
                t("upload.file_message", file=fmt.md(report.file_name), message=fmt.md(result.message))
            )
        # the files just loaded now read as already loaded (已导入过) in their sections below
        duplicates = duplicate_notices()

for upload in files:
    report = reports.get(upload.file_id)
    if report is None:
        continue
    with st.container(border=True), app.guard(fmt.md(upload.name)):
        file = fmt.md(upload.name)
        st.markdown(t("upload.file_heading", file=file))
        if report.error:
            st.error(t("upload.file_message", file=file, message=fmt.md(report.error)))
            continue
        loaded_before = duplicates[upload.file_id]
        if loaded_before:
            st.info(t("upload.file_message", file=file, message=fmt.md(loaded_before)))

        for sheet in report.sheets:
            if sheet.status == "skipped":
                st.caption(t("upload.sheet_skipped", sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.note)))
                continue
            if sheet.status == "rejected":
                st.error(t("upload.sheet_rejected", file=file, sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.note)))
                if sheet.headers:
                    uploads.header_mapping_form(store, upload.name, sheet, forced)
                continue
            result = sheet.result
            title = t(
                "upload.sheet_title",
                sheet=fmt.md(sheet.sheet),
                kind=kind_label(sheet.kind),
                accepted=sheet.accepted,
                rejected=len(sheet.rejected),
                skipped=sheet.skipped,
            )
            problems = bool(sheet.rejected or result.unknown_values or sheet.unmapped)
            if sheet.withheld_note:
                note = t("upload.sheet_note", sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.withheld_note))
                st.info(note, icon=":material/shield_person:")
            with st.expander(title, expanded=problems or len(report.data_sheets) == 1):
                # Column decisions with their reasons, row accounting, the sheet's own 合计, warnings.
                for line in sheet.explain():
                    st.caption(fmt.md(line))
                mapping = pd.DataFrame(
                    {
                        "header": list(sheet.mapping),
                        "field": [field_label(f) for f in sheet.mapping.values()],
                        "conversion": [t("upload.conversion") if h in sheet.converted else "" for h in sheet.mapping],
                    }
                )
                st.markdown(t("upload.headers"))
                st.dataframe(fmt.with_headers(mapping, HEADER_MAPPING_COLUMNS), hide_index=True)
                if sheet.unmapped:
                    unmapped = t("text.list_sep").join(fmt.md(h) for h in sheet.unmapped)
                    st.warning(t("upload.unmapped", headers=unmapped))
                    uploads.header_mapping_form(store, upload.name, sheet, sheet.kind)
                if result.skipped:
                    reasons = t("upload.skipped_sep").join(
                        t("upload.skipped_reason", reason=reason, n=n) for reason, n in result.skipped.items()
                    )
                    st.caption(t("upload.skipped", reasons=reasons))
                if sheet.rejected:
                    st.markdown(t("upload.rejected_rows"))
                    raw_sep = t("upload.raw_sep")
                    rejected = pd.DataFrame(
                        {
                            "file": upload.name,
                            "sheet": sheet.sheet,
                            "row": [r.row for r in sheet.rejected],
                            "reason": [r.reason for r in sheet.rejected],
                            "raw": [raw_sep.join(f"{k}={v}" for k, v in r.raw.items()) for r in sheet.rejected],
                        }
                    )
                    st.dataframe(fmt.with_headers(rejected, REJECTED_ROW_COLUMNS), hide_index=True)
                if result.unknown_values:
                    uploads.value_mapping_form(store, upload.name, sheet)
                st.markdown(t("upload.preview"))
                preview = fmt.hide_sensitive_notes(result.records.head(20).copy())
                for column in ("recipient", "name", "proposer"):
                    if column in preview and sheet.kind != "activities":
                        preview[column] = fmt.mask_column(preview[column])
                st.dataframe(uploads.preview_frame(preview), hide_index=True)

        if report.fatal:
            st.error(t("upload.fatal", file=file, error=fmt.md(report.fatal)))
            continue
        if loaded_before:
            continue
        accept_valid = False
        if report.rejected_rows:
            st.warning(t("upload.file_message", file=file, message=t("file.rejected_rows", count=report.rejected_rows)))
            accept_valid = st.checkbox(
                t("upload.accept_valid", n=report.accepted_rows),
                key=f"accept_{report.sha256}",
            )
        if st.button(
            t("upload.load", file=file, n=report.accepted_rows),
            key=f"load_{report.sha256}",
            type="primary",
            disabled=bool(report.rejected_rows) and not accept_valid,
        ):
            result = uploads.commit_file(store, report, accept_valid=accept_valid)
            message = t("upload.file_message", file=file, message=fmt.md(result.message))
            if result.status == "loaded":
                st.success(message)
            elif result.status == "duplicate":
                st.info(message)
            else:
                st.error(message)
