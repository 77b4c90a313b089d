"""Upload page helpers (上传台账): cached analysis, header and value mapping forms, the commit."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from core import vocab
from core.labels import PREVIEW_COLUMNS, UNKNOWN_VALUE_COLUMNS, field_label, kind_label, t
from core.store import Store
from dashboard import profiles
from dashboard.app import get_store, record, scope, table
from dashboard.formatting import md, with_headers
from loaders import loading
from loaders.analysis import FileReport, SheetReport
from loaders.loading import (
    CommitResult,
    known_org_in,
    load_user_mappings,
    mappings_version,
    save_header_mapping,
    save_value_mapping,
)
from loaders.loading import duplicate_message as duplicate_message
from loaders.loading import reimport_batch as reimport_batch
from loaders.mapping import SKIP_FIELD, UserMappings, skipped_by_user, suggest_value
from loaders.normalize import normalize_header
from loaders.sandbox import analyse_isolated

KEEP_AS_WRITTEN = t("upload.keep_as_written")
NOT_IMPORTED = t("upload.not_imported")
# The file list's statuses; the page compares against READY.
FATAL, DUPLICATE, REJECTED, READY = (t(f"upload.status.{s}") for s in ("fatal", "duplicate", "rejected", "ready"))


# Saved mappings read once per data version (every mapping write bumps it), not per sheet and form:
# with eleven files the page asked the mapping tables ~64 times a run (about 2 s a rerun).
@st.cache_data(show_spinner=False, max_entries=64)
def _user_mappings(version: int, school: str | None) -> UserMappings:
    return load_user_mappings(get_store(), school)


@st.cache_data(show_spinner=False, max_entries=16)
def _mappings_digest(version: int) -> str:
    return mappings_version(get_store())


def user_mappings(store: Store, school: str | None) -> UserMappings:
    """The mappings users confirmed (:func:`loaders.loading.load_user_mappings`) for ``school``'s profile,
    read once per data version of ``store`` (the app's store)."""
    return _user_mappings(store.data_version(), school)


@st.cache_data(show_spinner=False, max_entries=64)
def _analyse(
    data: bytes,
    name: str,
    kind: str | None,
    org: str,
    mappings: str,
    sheet_kinds: tuple[tuple[str, str], ...],
    school: str | None = None,
) -> FileReport:
    user = _user_mappings(get_store().data_version(), school)
    return analyse_isolated(data, name, kind=kind, org=org, user=user, sheet_kinds=dict(sheet_kinds))


def analyse(
    store: Store,
    data: bytes,
    name: str,
    kind: str | None,
    org: str,
    sheet_kinds: dict[str, str] | None = None,
    school: str | None = None,
) -> FileReport:
    """Analyse an uploaded file (cached by content, options, per-sheet kinds and the saved mappings,
    so a new mapping or a sheet's new kind re-applies at once) with the mapping profile (映射方案) of
    ``school`` (None: the profile shared by every school)."""
    version = _mappings_digest(store.data_version())
    return _analyse(data, name, kind, org, version, tuple(sorted((sheet_kinds or {}).items())), school)


def file_school(store: Store, report: FileReport, chosen: str | None) -> str | None:
    """The school whose mapping profile a file is read with and whose profile the page's mapping forms
    save to: the school typed for the file, else the one school its rows name; None: every school's."""
    return loading.school_of(store, report, chosen)


def needs_school_profile(store: Store, school: str | None) -> bool:
    """True when ``school`` has a mapping profile of its own (so the file must be read again with it)."""
    return school is not None and school in profiles.profile_orgs()


def profile_caption(school: str | None) -> str:
    """Where the page's mapping forms save: 本校 X 的映射方案, or the one shared by every school."""
    return t("upload.profile_school", school=md(school)) if school else t("upload.profile_all")


SHEET_KIND_PREFIX = "sk|"


def sheet_kind_key(file_id: str, sheet: str) -> str:
    """The widget key of a sheet's kind choice (unique per uploaded file, so same-named sheets never clash)."""
    return f"{SHEET_KIND_PREFIX}{file_id}|{sheet}"


def chosen_sheet_kinds(file_id: str) -> dict[str, str]:
    """Sheet name → kind the user chose for the sheets of one uploaded file (from the widgets' state)."""
    prefix = f"{SHEET_KIND_PREFIX}{file_id}|"
    return {
        key[len(prefix) :]: value
        for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(prefix) and value and value != AUTO
    }


AUTO = "auto"  # the sheet's kind as detected (a string: None would show Streamlit's English placeholder)


def _kind_choice_label(detected: str | None, kind: str) -> str:
    if kind != AUTO:
        return kind_label(kind)
    return t("upload.auto_kind_is", kind=kind_label(detected)) if detected else t("upload.auto_kind")


def _field_choice_label(fld: str) -> str:
    return NOT_IMPORTED if fld == SKIP_FIELD else field_label(fld)


def sheet_kind_choice(file_id: str, sheet: SheetReport) -> None:
    """The kind of one sheet (台账类型), chosen per sheet; changing it re-reads the file with that kind."""
    key = sheet_kind_key(file_id, sheet.sheet)
    options = [AUTO, *vocab.KINDS]
    if key not in st.session_state:
        st.session_state[key] = AUTO
    st.selectbox(
        t("upload.sheet_kind", sheet=md(sheet.sheet)),
        options,
        key=key,
        format_func=functools.partial(_kind_choice_label, sheet.kind),
    )


def needs_org(report: FileReport) -> bool:
    """True when some rows name no school (no 学校 column): the user must say which school the file is."""
    default = t("org.default")
    return any(
        s.result is not None and "org" in s.result.records and (s.result.records["org"] == default).any()
        for s in report.data_sheets
    )


def org_guess(report: FileReport, known: list[str]) -> str:
    """A known school named by the file name, a sheet title or its 学校 column; else the only school of a
    one-school store; else "" (the user must fill it in)."""
    texts = [report.file_name, *(s.title for s in report.sheets)]
    for s in report.data_sheets:
        if s.result is not None and "org" in s.result.records:
            texts += [str(v) for v in s.result.records["org"].dropna().unique()[:20]]
    found = known_org_in(texts, known)
    if found:
        return found
    real = [k for k in known if k != t("org.default")]
    return real[0] if len(real) == 1 else ""


def chosen_kind(file_id: str, sheet: SheetReport, forced: str | None) -> str | None:
    """The kind the user chose for a sheet, else the page-wide one, else None."""
    value = st.session_state.get(sheet_kind_key(file_id, sheet.sheet))
    return value if value and value != AUTO else forced


def not_skipped(store: Store, sheet: SheetReport, school: str | None = None) -> list[str]:
    """The sheet's unrecognised headers, less those the user set to (不导入) (in ``school``'s profile)."""
    user = user_mappings(store, school)
    keys = dict(zip(sheet.headers, sheet.keys, strict=False))
    return [h for h in sheet.unmapped if not skipped_by_user([keys.get(h, "")], sheet.kind or "", user)]


def column_mapping_editor(
    store: Store, key: str, sheet: SheetReport, kind: str | None, school: str | None = None
) -> None:
    """Every column of a sheet with its field, recognised ones too; the field list is that of the sheet's kind.

    "(不导入)" is saved as a mapping too, so it sticks.  Saving stores it in ``school``'s mapping profile
    (None: every school's), used by the next upload and by the command line, and re-reads the file at once.
    """
    if kind is None:
        st.info(t("upload.choose_kind_first"))
        return
    user = user_mappings(store, school)
    keys = sheet.keys or [normalize_header(h).key for h in sheet.headers]
    fields = [SKIP_FIELD, *vocab.FIELD_ALIASES[kind]]

    st.markdown(t("upload.column_mapping"))
    st.caption(profile_caption(school))
    choices: dict[int, str] = {}
    current: dict[int, str] = {}
    columns = st.columns(3)
    shown = 0
    for j, header in enumerate(sheet.headers):
        if not header or header in sheet.withheld_headers or j >= len(keys) or not keys[j]:
            continue
        now = sheet.mapping.get(header) if sheet.status == "data" and sheet.kind == kind else None
        if skipped_by_user([keys[j]], kind, user):
            now = SKIP_FIELD
        current[j] = now or SKIP_FIELD
        choices[j] = columns[shown % 3].selectbox(
            header,
            fields,
            index=fields.index(current[j]) if current[j] in fields else 0,
            format_func=_field_choice_label,
            key=f"{key}|col|{j}|{kind}",
        )
        shown += 1
    if st.button(t("upload.save_columns"), key=f"{key}|save_cols"):
        changed = 0
        for j, fld in choices.items():
            if fld != current[j]:
                save_header_mapping(store, sheet.headers[j], kind, fld, key=keys[j], org=school)
                changed += 1
        st.session_state[f"{key}|saved"] = changed
        st.rerun()
    if (n := st.session_state.pop(f"{key}|saved", None)) is not None:
        st.success(t("upload.columns_saved", n=n))


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


def commit_file(store: Store, report: FileReport, *, accept_valid: bool = False, **keep: object) -> CommitResult:
    """Load one analysed file as a batch, inside the user's scope, and record it (上传 / 重新导入).

    A chair loads rows of her own school only: a file naming other schools is refused, nothing written.
    A file whose name was loaded before (with other content) is recorded as a re-import.
    ``keep`` passes on to :func:`loaders.loading.commit_file` (the original bytes, options, school).
    """
    orgs = loading.report_orgs(report)
    mine = scope()
    if mine.org is not None and any(o != mine.org for o in orgs):
        others = t("text.list_sep").join(o for o in orgs if o != mine.org)
        return CommitResult("refused", t("access.other_orgs", file=report.file_name, orgs=others))
    before = store.scalar("SELECT count(*) FROM batches WHERE file_name = ?", [report.file_name])
    result = loading.commit_file(store, report, accept_valid=accept_valid, **keep)
    if result.status == "loaded":
        record(
            "reimport" if before else "upload",
            {"batch_id": result.batch_id, "rows": report.accepted_rows},
            org=",".join(orgs) or None,
            obj=f"{result.batch_id}: {report.file_name}",
        )
    return result


def value_mapping_form(
    store: Store, file_name: str, sheet: SheetReport, key: str | None = None, school: str | None = None
) -> None:
    """List values outside the standard vocabulary and let the user map each to a standard word
    (saved in ``school``'s mapping profile; None: every school's)."""
    unknown = sheet.result.unknown_values
    st.markdown(t("upload.unknown_values"))
    table(
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
    )
    prefix = key or f"{file_name}|{sheet.sheet}"
    st.caption(profile_caption(school))
    with st.form(key=f"val|{prefix}"):
        choices = {}
        for (fld, value), _ in unknown.items():
            standard = list(vocab.VALUE_VOCABULARIES[sheet.kind][fld])
            options = [KEEP_AS_WRITTEN, *standard]
            suggested = suggest_value(value, sheet.kind, fld)
            choices[(fld, value)] = st.selectbox(
                t("upload.value_choice", field=field_label(fld), value=md(value)),
                options,
                index=options.index(suggested) if suggested in options else 0,
                key=f"v|{prefix}|{fld}|{value}",
            )
        if st.form_submit_button(t("upload.save_values")):
            saved = 0
            for (fld, value), canonical in choices.items():
                if canonical != KEEP_AS_WRITTEN:
                    save_value_mapping(store, sheet.kind, fld, value, canonical, org=school)
                    record("value_mapping", {"kind": sheet.kind, "field": fld, "canonical": canonical}, obj=value)
                    saved += 1
            st.success(t("upload.values_saved", n=saved))
            st.rerun()


def recognised_value_form(
    store: Store, file_name: str, sheet: SheetReport, key: str | None = None, school: str | None = None
) -> int:
    """The values the loader recognised (by alias, keyword rule or an earlier choice), each with the
    standard term it became pre-selected, so a wrong one can be changed; a change is saved as a value
    mapping (applied at once to this upload and to later ones).  Returns the number saved."""
    recognised = getattr(sheet, "recognised", None) or {}
    if not recognised or sheet.kind not in vocab.VALUE_VOCABULARIES:
        return 0
    prefix = key or f"{file_name}|{sheet.sheet}"
    saved = 0
    with st.expander(t("upload.recognised_values", n=len(recognised)), icon=":material/rule:"):
        st.caption(t("upload.recognised_help"))
        with st.form(key=f"rec|{prefix}"):
            choices = {}
            for (fld, value), (term, rows) in recognised.items():
                options = list(vocab.VALUE_VOCABULARIES[sheet.kind][fld])
                choices[(fld, value)] = (
                    term,
                    st.selectbox(
                        t("upload.recognised_choice", field=field_label(fld), value=md(value), rows=rows),
                        options,
                        index=options.index(term) if term in options else 0,
                        key=f"r|{prefix}|{fld}|{value}",
                    ),
                )
            if st.form_submit_button(t("upload.save_recognised")):
                for (fld, value), (term, chosen) in choices.items():
                    if chosen != term:
                        save_value_mapping(store, sheet.kind, fld, value, chosen, org=school)
                        record("value_mapping", {"kind": sheet.kind, "field": fld, "canonical": chosen}, obj=value)
                        saved += 1
                st.success(t("upload.values_saved", n=saved))
                if saved:
                    st.rerun()
    return saved


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


def org_alias_names(store: Store) -> list[str]:
    """Every spelling named in the alias table (aliases and standard names), for recognising a file's school."""
    frame = store.query("SELECT alias AS n FROM org_aliases UNION SELECT name FROM org_aliases")
    return list(frame["n"])


def batch_of(store: Store, sha256: str) -> int | None:
    """The batch that holds this file, or None."""
    value = store.scalar("SELECT min(batch_id) FROM batches WHERE sha256 = ?", [sha256])
    return None if value is None else int(value)


def commit(
    store: Store,
    report: FileReport,
    data: bytes,
    org: str | None,
    kind: str | None,
    *,
    accept_valid: bool = False,
    sheet_kinds: dict[str, str] | None = None,
):
    """Load one analysed upload as a batch, keeping its original bytes (so it can be re-imported) and its school."""
    options = {"kind": kind, "analysis_org": t("org.default"), "sheet_kinds": sheet_kinds or {}}
    return commit_file(store, report, accept_valid=accept_valid, data=data, options=options, org=org or None)
