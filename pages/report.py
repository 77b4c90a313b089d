"""汇报材料: the congress pack — report sentences, KPI table, slides, workbook — for the chosen periods."""

import dataclasses

import streamlit as st

from dashboard import app, deck, pack, sentences, workbook
from dashboard.app import t

app.ensure_navigation()
st.title(t("page.report"))
current, compare = app.require_filters()
st.caption(app.period_caption(current, compare) + " ｜ 期间和对比期在左侧栏选择")

with app.guard("汇报材料"):
    data = app.pack_data(current, compare)
    name = st.text_input("单位名称（用于幻灯片标题）", value=data.union_name)
    data = dataclasses.replace(data, union_name=name.strip() or data.union_name)
    if current.sub_unions:
        st.warning("已按分工会筛选：材料只包含所选分工会的数据。")

    st.subheader("下载")
    stem = f"{data.union_name}{data.current.label}工作数据"
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "幻灯片 PPTX",
        lambda: deck.build_deck(data),
        file_name=f"{stem}汇报.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        type="primary",
        icon=":material/slideshow:",
        key="dl_pptx",
    )
    c2.download_button(
        "数据表 Excel",
        lambda: workbook.build_workbook(data, pack.detail_rows(app.store(), current)),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_chart:",
        key="dl_xlsx",
    )
    c3.download_button(
        "数据摘要 TXT",
        sentences.as_text(data).encode("utf-8"),
        file_name=f"{stem}摘要.txt",
        mime="text/plain",
        icon=":material/article:",
        key="dl_txt",
    )
    c4.download_button(
        "数据摘要 Markdown",
        sentences.as_markdown(data).encode("utf-8"),
        file_name=f"{stem}摘要.md",
        mime="text/markdown",
        icon=":material/article:",
        key="dl_md",
    )
    st.caption(
        "幻灯片中的图表是可编辑的 PowerPoint/WPS 原生图表；会议材料只含汇总数，不含个人姓名。"
        "Excel 明细表中的姓名已脱敏。"
    )

    st.subheader("数据摘要（可直接复制到工作报告）")
    if len(sentences.sentences(data)) == 0:
        st.info("本期间没有台账数据。")
    else:
        for area in sentences.AREAS:
            texts = [s.text for s in sentences.sentences(data) if s.area == area]
            if texts:
                st.markdown(f"**{area}**")
                st.code("".join(texts), language=None, wrap_lines=True)

    st.subheader("主要指标")
    kpi = workbook.kpi_table(data)

    def show(v: object) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    shown = kpi.map(show)
    app.table(shown)
