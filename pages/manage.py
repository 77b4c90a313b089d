"""数据管理: loaded batches with removal, ledger templates, demo data."""

import datetime

import streamlit as st

from dashboard import app, templates
from dashboard import formatting as fmt
from dashboard.app import BATCH_COLUMNS, kind_label, t

app.ensure_navigation()
st.title(t("page.manage"))
store = app.store()

with app.guard(t("manage.section.batches")):
    st.subheader(t("manage.batches"))
    batches = app.batches()
    rows = int(batches["rows_accepted"].sum()) if len(batches) else 0
    st.caption(t("manage.batch_count", n=len(batches), rows=rows))
    if len(batches) == 0:
        st.info(t("manage.no_batches"))
    else:
        kinds = batches["kinds"].map(lambda k: t("text.list_sep").join(kind_label(x) for x in k.split(",") if x))
        st.dataframe(fmt.with_headers(batches.assign(kinds=kinds), BATCH_COLUMNS), hide_index=True)
        with st.form("remove_batch"):
            labels = {
                t("manage.batch_option", batch_id=r.batch_id, file=r.file_name, rows=r.rows_accepted): int(r.batch_id)
                for r in batches.itertuples()
            }
            choice = st.selectbox(t("manage.remove"), list(labels))
            confirm = st.checkbox(t("manage.confirm"))
            if st.form_submit_button(t("manage.remove_button"), type="primary"):
                if not confirm:
                    st.warning(t("manage.confirm_first"))
                elif app.remove_batch(store, labels[choice]):
                    st.success(t("manage.removed", batch=fmt.md(choice)))
                    st.rerun()

with app.guard(t("manage.section.backup")):
    st.subheader(t("manage.backup"))
    st.caption(t("manage.backup_help"))
    st.download_button(
        t("manage.backup_button"),
        lambda: app.backup_bytes(),
        file_name=t("manage.backup_file", day=datetime.date.today()),
        mime="application/octet-stream",
        icon=":material/backup:",
        key="backup",
    )

with app.guard(t("manage.section.templates")):
    st.subheader(t("manage.templates"))
    st.caption(t("manage.templates_help"))
    cols = st.columns(4)
    for i, kind in enumerate(app.KINDS):
        cols[i % 4].download_button(
            kind_label(kind),
            templates.template_bytes(kind),
            file_name=t("manage.template_file", kind=kind_label(kind).replace("/", "")),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"tpl_{kind}",
        )

with app.guard(t("manage.section.demo")):
    st.subheader(t("manage.demo"))
    if store.get_meta("demo") == "true":
        st.warning(t("manage.demo_loaded"))
        if st.button(t("manage.clear_demo")):
            removed = app.clear_demo(store)
            st.success(t("manage.demo_cleared", n=removed))
            st.rerun()
    elif st.button(t("manage.reload_demo")):
        app.ensure_demo(store, force=True)
        st.rerun()
