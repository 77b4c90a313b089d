"""数据管理: loaded batches with removal, ledger templates, demo data."""

import datetime

import streamlit as st

from dashboard import app, templates
from dashboard import formatting as fmt
from dashboard.app import kind_label, t

app.ensure_navigation()
st.title(t("page.manage"))
store = app.store()

with app.guard("已导入的批次"):
    st.subheader("已导入的批次")
    batches = app.batches()
    st.caption(f"数据库中共有 {len(batches)} 批、{int(batches['rows_accepted'].sum()) if len(batches) else 0} 行记录。")
    if len(batches) == 0:
        st.info("还没有导入任何台账。")
    else:
        st.dataframe(
            batches.assign(
                kinds=batches["kinds"].map(lambda k: "、".join(kind_label(x) for x in k.split(",") if x))
            ).rename(
                columns={
                    "batch_id": "批次",
                    "file_name": "文件",
                    "kinds": "台账类型",
                    "rows_accepted": "导入行数",
                    "rows_rejected": "不合格行数",
                    "rows_skipped": "跳过行数",
                    "loaded_at": "导入时间",
                    "partial": "部分导入",
                }
            ),
            hide_index=True,
        )
        with st.form("remove_batch"):
            labels = {
                f"第 {r.batch_id} 批：{r.file_name}（{r.rows_accepted} 行）": int(r.batch_id)
                for r in batches.itertuples()
            }
            choice = st.selectbox("删除批次", list(labels))
            confirm = st.checkbox("我确认删除这一批及其全部数据（不可恢复，建议先备份）")
            if st.form_submit_button("删除", type="primary"):
                if not confirm:
                    st.warning("请先勾选确认。")
                elif app.remove_batch(store, labels[choice]):
                    st.success(f"已删除：{fmt.md(choice)}")
                    st.rerun()

with app.guard("备份"):
    st.subheader("备份")
    st.caption(
        "下载整个数据库的一致副本（.duckdb 文件）。恢复方法：停止看板，用备份文件替换 data/union.duckdb"
        "（或设置环境变量 UNION_DB 指向备份文件）后重新启动。命令行：python -m dashboard backup --out 备份.duckdb"
    )
    st.download_button(
        "备份数据库",
        lambda: app.backup_bytes(),
        file_name=f"工会数据备份-{datetime.date.today():%Y%m%d}.duckdb",
        mime="application/octet-stream",
        icon=":material/backup:",
        key="backup",
    )

with app.guard("台账模板"):
    st.subheader("下载台账模板")
    st.caption("标准表头 + 示例行 + 填表说明。按模板填写的台账可直接导入。")
    cols = st.columns(4)
    for i, kind in enumerate(app.KINDS):
        cols[i % 4].download_button(
            kind_label(kind),
            templates.template_bytes(kind),
            file_name=f"{kind_label(kind).replace('/', '')}模板.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"tpl_{kind}",
        )

with app.guard("演示数据"):
    st.subheader("演示数据")
    if store.get_meta("demo") == "true":
        st.warning("当前数据库包含演示数据（虚构的东湖实验学校工会）。导入本校台账前建议先清除。")
        if st.button("清除演示数据"):
            removed = app.clear_demo(store)
            st.success(f"已清除 {removed} 批演示数据。")
            st.rerun()
    elif st.button("重新载入演示数据"):
        app.ensure_demo(store, force=True)
        st.rerun()
