"""汇报材料: the congress pack — report sentences, KPI table, slides, workbook — for the chosen periods."""

import dataclasses

import streamlit as st

from dashboard import app, deck, docx_report, pack, sentences, workbook
from dashboard.app import t

app.ensure_navigation()
app.require("report")
st.title(t("page.report"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare) + t("report.caption"))
app.coverage_notes(current, compare)

with app.guard(t("report.section")):
    data = app.pack_data(current, compare)
    name = st.text_input(t("report.union_name"), value=data.union_name)
    data = dataclasses.replace(data, union_name=name.strip() or data.union_name)
    if current.sub_unions:
        st.warning(t("report.filtered"))

    st.subheader(t("report.downloads"))
    stem = t("report.stem", union=data.union_name, period=data.current.label)
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.download_button(
        t("report.pptx"),
        lambda: deck.build_deck(data),
        file_name=t("report.pptx_file", stem=stem),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        type="primary",
        icon=":material/slideshow:",
        key="dl_pptx",
        on_click=app.record_export(t("report.pptx"), current.org),
    )
    c2.download_button(
        t("report.xlsx"),
        lambda: workbook.build_workbook(data, app.detail_rows(current), pack.sources(app.store(), data)),
        file_name=t("report.xlsx_file", stem=stem),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_chart:",
        key="dl_xlsx",
        on_click=app.record_export(t("report.xlsx"), current.org),
    )
    c3.download_button(
        t("report.docx"),
        lambda: docx_report.build_docx(data),
        file_name=t("report.docx_file", stem=stem),
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/description:",
        key="dl_docx",
    )
    c4.download_button(
        t("report.txt"),
        sentences.as_text(data).encode("utf-8"),
        file_name=t("report.txt_file", stem=stem),
        mime="text/plain",
        icon=":material/article:",
        key="dl_txt",
        on_click=app.record_export(t("report.txt"), current.org),
    )
    c5.download_button(
        t("report.md"),
        sentences.as_markdown(data).encode("utf-8"),
        file_name=t("report.md_file", stem=stem),
        mime="text/markdown",
        icon=":material/article:",
        key="dl_md",
        on_click=app.record_export(t("report.md"), current.org),
    )
    st.caption(t("report.privacy"))

    st.subheader(t("report.sentences"))
    if len(sentences.sentences(data)) == 0:
        st.info(t("report.none"))
    else:
        for area in sentences.AREAS:
            texts = [s.text for s in sentences.sentences(data) if s.area == area]
            if texts:
                st.markdown(f"**{area}**")
                st.code("".join(texts), language=None, wrap_lines=True)

    st.subheader(t("report.kpis"))
    kpi = workbook.kpi_table(data)

    app.table(app.kpi_shown(kpi))
