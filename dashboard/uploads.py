"""Upload page helpers (上传台账): cached analysis, header and value mapping forms, the commit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import vocab
from core.labels import field_label, kind_label
from core.store import Store
from dashboard.app import get_store
from dashboard.formatting import md
from loaders.analysis import FileReport, SheetReport
from loaders.loading import commit_file as commit_file
from loaders.loading import duplicate_message as duplicate_message
from loaders.loading import load_user_mappings, mappings_version, save_header_mapping, save_value_mapping
from loaders.sandbox import analyse_isolated

KEEP_AS_WRITTEN = "（保留原文）"
NOT_IMPORTED = "（不导入）"


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
        return "无法导入"
    if duplicate:
        return "已导入过"
    if report.rejected_rows:
        return "有不合格行"
    return "可导入"


def header_mapping_form(store: Store, file_name: str, sheet: SheetReport, kind: str | None) -> None:
    """Let the user say what an unrecognised header means; saved for every later upload and the command line."""
    headers = sheet.unmapped if sheet.status == "data" else sheet.headers
    kinds = [kind] if kind else list(vocab.KINDS)
    with st.form(key=f"hdr_{file_name}_{sheet.sheet}"):
        st.markdown("**表头映射**：告诉系统这些列的含义，保存后以后上传的台账都会自动识别。")
        c1, c2, c3 = st.columns(3)
        header = c1.selectbox("表头", headers)
        chosen_kind = c2.selectbox("台账类型", kinds, format_func=kind_label)
        fields = [NOT_IMPORTED, *vocab.FIELD_ALIASES[chosen_kind or kinds[0]]]
        fld = c3.selectbox("对应字段", fields, format_func=lambda f: f if f == NOT_IMPORTED else field_label(f))
        if st.form_submit_button("保存表头映射") and fld != NOT_IMPORTED:
            save_header_mapping(store, header, chosen_kind, fld)
            st.success(f"已保存：“{md(header)}” → {field_label(fld)}（{kind_label(chosen_kind)}）")
            st.rerun()


def value_mapping_form(store: Store, file_name: str, sheet: SheetReport) -> None:
    """List values outside the standard vocabulary and let the user map each to a standard word."""
    unknown = sheet.result.unknown_values
    st.markdown("**未识别的取值**（已按原文保留；可映射到标准用语，保存后自动应用）")
    st.dataframe(
        pd.DataFrame(
            {
                "字段": [field_label(f) for f, _ in unknown],
                "取值": [v for _, v in unknown],
                "行数": list(unknown.values()),
            }
        ),
        hide_index=True,
    )
    with st.form(key=f"val_{file_name}_{sheet.sheet}"):
        choices = {}
        for (fld, value), _ in unknown.items():
            standard = list(vocab.VALUE_VOCABULARIES[sheet.kind][fld])
            choices[(fld, value)] = st.selectbox(
                f"{field_label(fld)}：“{md(value)}” 对应",
                [KEEP_AS_WRITTEN, *standard],
                key=f"v_{sheet.sheet}_{fld}_{value}",
            )
        if st.form_submit_button("保存取值映射"):
            saved = 0
            for (fld, value), canonical in choices.items():
                if canonical != KEEP_AS_WRITTEN:
                    save_value_mapping(store, sheet.kind, fld, value, canonical)
                    saved += 1
            st.success(f"已保存 {saved} 条取值映射。")
            st.rerun()


def preview_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Records with Chinese column names for the preview table."""
    names = {c: field_label(c) for c in records.columns}
    names.update(
        {
            "amount_yuan": "金额（元）",
            "cost_yuan": "经费（元）",
            "budget_yuan": "预算数（元）",
            "final_yuan": "决算数（元）",
            "source_row": "行号",
            "date_precision": "日期精度",
            "as_of_year": "名册年度",
            "org": "学校",
        }
    )
    shown = records.copy()
    if "date_precision" in shown:
        shown["date_precision"] = shown["date_precision"].map({"day": "日", "month": "月"})
    return shown.rename(columns=names)
