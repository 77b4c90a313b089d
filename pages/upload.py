"""上传台账: upload ledgers, check detection, mapping and validation, then load them as batches."""

import pandas as pd
import streamlit as st

from dashboard import app, uploads
from dashboard import formatting as fmt
from dashboard.app import HEADER_MAPPING_COLUMNS, REJECTED_ROW_COLUMNS, UPLOAD_FILE_COLUMNS, field_label, kind_label, t

app.ensure_navigation()
app.require("upload")
st.title(t("page.upload"))
st.caption(t("upload.caption"))
store = app.store()
_, _, orgs = app.lists()

known_orgs = sorted({*orgs, *uploads.org_alias_names(store)})
kind_names = {t("upload.auto_kind"): None, **{kind_label(k): k for k in app.KINDS}}
forced = kind_names[st.selectbox(t("upload.kind"), list(kind_names), help=t("upload.kind_help"))]

files = st.file_uploader(
    t("upload.files"), type=["xlsx", "xlsm", "xls", "csv"], accept_multiple_files=True, key="uploader"
)
if not files:
    st.info(t("upload.choose"))
    app.stop()

reports = {}
schools = {}  # file → the school whose mapping profile reads it and keeps what the forms save (None: every school)
with app.guard(t("upload.section.reading")):
    progress = st.progress(0.0, text=t("upload.reading"))
    for i, upload in enumerate(files, start=1):
        options = (upload.getvalue(), upload.name, forced, t("org.default"), uploads.chosen_sheet_kinds(upload.file_id))
        report = uploads.analyse(store, *options)
        chosen = None
        if not report.fatal and uploads.needs_org(report):
            chosen = st.session_state.get(f"org|{upload.file_id}", uploads.org_guess(report, known_orgs))
        schools[upload.file_id] = uploads.file_school(store, report, chosen)
        if uploads.needs_school_profile(store, schools[upload.file_id]):
            report = uploads.analyse(store, *options, school=schools[upload.file_id])
        reports[upload.file_id] = report
        progress.progress(i / len(files), text=t("upload.checked", done=i, total=len(files)))
    progress.empty()


def duplicate_notices() -> dict[str, str | None]:
    """Each file's duplicate notice (已导入过), looked up once and shared by the list and the file's section."""
    return {file_id: uploads.duplicate_message(store, r.sha256) for file_id, r in reports.items()}


duplicates = duplicate_notices()
first_of: dict[str, str] = {}  # sha256 → the first file of the selection with that content
same_content = {}  # a later file with the same content → the first one's name
for upload in files:
    if upload.file_id in reports:
        sha = reports[upload.file_id].sha256
        if sha in first_of:
            same_content[upload.file_id] = first_of[sha]
        first_of.setdefault(sha, upload.name)
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
    app.table(overview, UPLOAD_FILE_COLUMNS)
    file_orgs = {}
    for upload in files:
        report = reports[upload.file_id]
        if report.fatal or not uploads.needs_org(report) or upload.file_id in same_content:
            continue
        file_orgs[upload.file_id] = st.text_input(
            t("upload.file_org", file=fmt.md(upload.name)),
            value=uploads.org_guess(report, known_orgs),
            key=f"org|{upload.file_id}",
            help=t("upload.file_org_help"),
        ).strip()
    data_of = {upload.file_id: upload for upload in files}
    ready = [
        (file_id, r)
        for file_id, r in reports.items()
        if status[file_id] == uploads.READY and file_orgs.get(file_id, "-") and file_id not in same_content
    ]
    if len(ready) > 1 and st.button(t("upload.load_all", n=len(ready)), type="primary", key="load_all"):
        for file_id, report in ready:
            result = uploads.commit(
                store,
                report,
                data_of[file_id].getvalue(),
                file_orgs.get(file_id),
                forced,
                sheet_kinds=uploads.chosen_sheet_kinds(file_id),
            )
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
        twin = same_content.get(upload.file_id)
        if twin is not None:  # the same bytes twice in one selection: one batch, one set of buttons
            st.info(t("upload.same_content", file=file, other=fmt.md(twin)))
            continue
        loaded_before = duplicates[upload.file_id]
        if loaded_before:
            st.info(t("upload.file_message", file=file, message=fmt.md(loaded_before)))

        for index, sheet in enumerate(report.sheets):
            sheet_key = f"{upload.file_id}|{index}"
            if sheet.status == "skipped":
                st.caption(t("upload.sheet_skipped", sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.note)))
                continue
            if sheet.status == "rejected":
                st.error(t("upload.sheet_rejected", file=file, sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.note)))
                if sheet.headers:
                    uploads.sheet_kind_choice(upload.file_id, sheet)
                    uploads.column_mapping_editor(
                        store,
                        sheet_key,
                        sheet,
                        uploads.chosen_kind(upload.file_id, sheet, forced),
                        schools[upload.file_id],
                    )
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
            school = schools[upload.file_id]
            problems = bool(sheet.rejected or result.unknown_values or uploads.not_skipped(store, sheet, school))
            if sheet.withheld_note:
                note = t("upload.sheet_note", sheet=fmt.md(sheet.sheet), note=fmt.md(sheet.withheld_note))
                st.info(note, icon=":material/shield_person:")
            with st.expander(title, expanded=problems or len(report.data_sheets) == 1):
                # Column decisions with their reasons, row accounting, the sheet's own 合计, warnings.
                for line in sheet.explain():
                    st.caption(fmt.md(line))
                uploads.sheet_kind_choice(upload.file_id, sheet)
                mapping = pd.DataFrame(
                    {
                        "header": list(sheet.mapping),
                        "field": [field_label(f) for f in sheet.mapping.values()],
                        "conversion": [t("upload.conversion") if h in sheet.converted else "" for h in sheet.mapping],
                    }
                )
                st.markdown(t("upload.headers"))
                app.table(mapping, HEADER_MAPPING_COLUMNS)
                if unmapped_headers := uploads.not_skipped(store, sheet, schools[upload.file_id]):
                    unmapped = t("text.list_sep").join(fmt.md(h) for h in unmapped_headers)
                    st.warning(t("upload.unmapped", headers=unmapped))
                uploads.column_mapping_editor(store, sheet_key, sheet, sheet.kind, schools[upload.file_id])
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
                    app.table(rejected, REJECTED_ROW_COLUMNS)
                if result.unknown_values:
                    uploads.value_mapping_form(store, upload.name, sheet, key=sheet_key, school=schools[upload.file_id])
                uploads.recognised_value_form(store, upload.name, sheet, key=sheet_key, school=schools[upload.file_id])
                st.markdown(t("upload.preview"))
                preview = fmt.hide_sensitive_notes(result.records.head(20).copy())
                if file_orgs.get(upload.file_id) and "org" in preview:  # the school typed above, as it will load
                    preview.loc[preview["org"] == t("org.default"), "org"] = file_orgs[upload.file_id]
                for column in ("recipient", "name", "proposer"):
                    if column in preview and sheet.kind != "activities":
                        preview[column] = fmt.mask_column(preview[column])
                app.table(uploads.preview_frame(preview))

        if report.fatal:
            st.error(t("upload.fatal", file=file, error=fmt.md(report.fatal)))
            continue
        if loaded_before:
            batch_id = uploads.batch_of(store, report.sha256)
            if batch_id is not None and st.button(t("upload.reimport", batch_id=batch_id), key=f"re_{report.sha256}"):
                _, result = uploads.reimport_batch(store, batch_id, accept_valid=bool(report.rejected_rows) or None)
                (st.success if result.status == "loaded" else st.error)(
                    t("upload.file_message", file=file, message=fmt.md(result.message))
                )
            continue
        accept_valid = False
        if report.rejected_rows:
            st.warning(t("upload.file_message", file=file, message=t("file.rejected_rows", count=report.rejected_rows)))
            accept_valid = st.checkbox(
                t("upload.accept_valid", n=report.accepted_rows),
                key=f"accept_{report.sha256}",
            )
        missing_org = upload.file_id in file_orgs and not file_orgs[upload.file_id]
        if missing_org:
            st.warning(t("upload.file_org_required"))
        if st.button(
            t("upload.load", file=file, n=report.accepted_rows),
            key=f"load_{report.sha256}",
            type="primary",
            disabled=(bool(report.rejected_rows) and not accept_valid) or missing_org,
        ):
            result = uploads.commit(
                store,
                report,
                upload.getvalue(),
                file_orgs.get(upload.file_id),
                forced,
                accept_valid=accept_valid,
                sheet_kinds=uploads.chosen_sheet_kinds(upload.file_id),
            )
            message = t("upload.file_message", file=file, message=fmt.md(result.message))
            if result.status == "loaded":
                st.success(message)
            elif result.status == "duplicate":
                st.info(message)
            else:
                st.error(message)
