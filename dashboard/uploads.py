"""Upload page helpers (上传台账): cached analysis, header and value mapping forms, the commit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import vocab
from core.labels import PREVIEW_COLUMNS, UNKNOWN_VALUE_COLUMNS, field_label, kind_label, t
from core.store import Store
from dashboard.app import get_store, record, scope
from dashboard.formatting import md, with_headers
from loaders import loading
from loaders.analysis import FileReport, SheetReport
from loaders.loading import CommitResult, load_user_mappings, mappings_version, save_header_mapping, save_value_mapping
from loaders.loading import duplicate_message as duplicate_message
from loaders.sandbox import analyse_isolated

KEEP_AS_WRITTEN = t("upload.keep_as_written")
NOT_IMPORTED = t("upload.not_imported")
# The file list's statuses; the page compares against READY.
FATAL, DUPLICATE, REJECTED, READY = (t(f"upload.status.{s}") for s in ("fatal", "duplicate", "rejected", "ready"))


@st.cache_data(show_spinner=False, max_entries=64)
def _analyse(data: bytes, name: str, kind: str | None, org: str, mappings: str) -> FileReport:
    return analyse_isolated(data, name, kind=kind, org=org, user=load_user_mappings(get_store()))


def analyse(store: Store, data: bytes, name: str, kind: str | None, org: str) -> FileReport:
    """Analyse an uploaded file (cached by content, options and the saved mappings, so new mappings re-apply)."""
    return _analyse(data, name, kind, org, mappings_version(store))


def status_of(report: FileReport, duplicate: str | None) -> str:
    """One word for the file list: 可导入 / 有不合格行 / 无法导入 / 已导入过.

    ``duplicate`` is loaders.loading.duplicate_message for the file (looked up once by the page).
    """
    if report.fatal:
        return FATAL
    if duplicate:
        return DUPLICATE
    if report.rejected_rows:
        return REJECTED
    return READY


def report_orgs(report: FileReport) -> list[str]:
    """The schools the file's rows belong to (a district summary's 学校 column names several)."""
    found: set[str] = set()
    for sheet in report.data_sheets:
        records = sheet.result.records
        if "org" in records:
            found.update(str(o) for o in records["org"].dropna().unique())
    return sorted(found)


def commit_file(store: Store, report: FileReport, *, accept_valid: bool = False) -> CommitResult:
    """Load one analysed file as a batch, inside the user's scope, and record it (上传 / 重新导入).

    A chair loads rows of her own school only: a file naming other schools is refused, nothing written.
    A file whose name was loaded before (with other content) is recorded as a re-import.
    """
    orgs = report_orgs(report)
    mine = scope()
    if mine.org is not None and any(o != mine.org for o in orgs):
        others = t("text.list_sep").join(o for o in orgs if o != mine.org)
        return CommitResult("refused", t("access.other_orgs", file=report.file_name, orgs=others))
    before = store.scalar("SELECT count(*) FROM batches WHERE file_name = ?", [report.file_name])
    result = loading.commit_file(store, report, accept_valid=accept_valid)
    if result.status == "loaded":
        record(
            "reimport" if before else "upload",
            {"batch_id": result.batch_id, "rows": report.accepted_rows},
            org=",".join(orgs) or None,
            obj=f"{result.batch_id}: {report.file_name}",
        )
    return result


def header_mapping_form(store: Store, file_name: str, sheet: SheetReport, kind: str | None) -> None:
    """Let the user say what an unrecognised header means; saved for every later upload and the command line."""
    headers = sheet.unmapped if sheet.status == "data" else sheet.headers
    kinds = [kind] if kind else list(vocab.KINDS)
    with st.form(key=f"hdr_{file_name}_{sheet.sheet}"):
        st.markdown(t("upload.header_mapping"))
        c1, c2, c3 = st.columns(3)
        header = c1.selectbox(t("upload.header"), headers)
        chosen_kind = c2.selectbox(t("upload.kind"), kinds, format_func=kind_label)
        fields = [NOT_IMPORTED, *vocab.FIELD_ALIASES[chosen_kind or kinds[0]]]
        fld = c3.selectbox(t("upload.field"), fields, format_func=lambda f: f if f == NOT_IMPORTED else field_label(f))
        if st.form_submit_button(t("upload.save_header")) and fld != NOT_IMPORTED:
            save_header_mapping(store, header, chosen_kind, fld)
            record("header_mapping", {"kind": chosen_kind, "field": fld}, obj=header)
            st.success(
                t("upload.header_saved", header=md(header), field=field_label(fld), kind=kind_label(chosen_kind))
            )
            st.rerun()


def value_mapping_form(store: Store, file_name: str, sheet: SheetReport) -> None:
    """List values outside the standard vocabulary and let the user map each to a standard word."""
    unknown = sheet.result.unknown_values
    st.markdown(t("upload.unknown_values"))
    st.dataframe(
        with_headers(
            pd.DataFrame(
                {
                    "field": [field_label(f) for f, _ in unknown],
                    "value": [v for _, v in unknown],
                    "rows": list(unknown.values()),
                }
            ),
            UNKNOWN_VALUE_COLUMNS,
        ),
        hide_index=True,
    )
    with st.form(key=f"val_{file_name}_{sheet.sheet}"):
        choices = {}
        for (fld, value), _ in unknown.items():
            standard = list(vocab.VALUE_VOCABULARIES[sheet.kind][fld])
            choices[(fld, value)] = st.selectbox(
                t("upload.value_choice", field=field_label(fld), value=md(value)),
                [KEEP_AS_WRITTEN, *standard],
                key=f"v_{sheet.sheet}_{fld}_{value}",
            )
        if st.form_submit_button(t("upload.save_values")):
            saved = 0
            for (fld, value), canonical in choices.items():
                if canonical != KEEP_AS_WRITTEN:
                    save_value_mapping(store, sheet.kind, fld, value, canonical)
                    record("value_mapping", {"kind": sheet.kind, "field": fld, "canonical": canonical}, obj=value)
                    saved += 1
            st.success(t("upload.values_saved", n=saved))
            st.rerun()


def preview_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Records with Chinese column names for the preview table."""
    names = {c: field_label(c) for c in records.columns}
    names.update(PREVIEW_COLUMNS)
    shown = records.copy()
    if "date_precision" in shown:
        shown["date_precision"] = shown["date_precision"].map(
            {"day": t("upload.precision.day"), "month": t("upload.precision.month")}
        )
    return with_headers(shown, names)
