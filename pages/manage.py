"""数据管理: loaded batches with removal, backup, personal information (forget, retention), templates, demo data."""

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

with app.guard("个人信息保护"):
    st.subheader("个人信息保护")
    st.caption(
        "身份证号、医保号、银行卡号、电话号码和住址在导入时一律不保存；涉及健康或家庭情况的备注默认隐去，"
        "不进入导出和汇报材料。下面可以删除某个人的信息，或设置姓名的保存期限。详见 README“个人信息保护”。"
    )
    oldest = app.oldest_named()
    today = datetime.date.today()
    if oldest is None:
        st.info(t("privacy.no_names"))
    else:
        st.markdown(t("privacy.oldest", date=f"{oldest:%Y-%m-%d}", years=f"{(today - oldest).days / 365.25:.1f}"))

    st.markdown("**删除某人的个人信息**")
    st.caption(
        "把此人在全部台账中的姓名（对象、名单中的姓名、名册姓名、提案人、备注中提到的姓名）替换为固定化名，"
        "并清除名册中的工号和出生年月。金额、人次、类别不变，各项统计数字不变。操作记入历史记录，不记录姓名。"
    )
    _, _, org_names = app.lists()
    with st.form("forget_person"):
        c1, c2, c3 = st.columns(3)
        person = c1.text_input("姓名")
        org_choice = c2.selectbox("学校（基层工会）", ["不指定", *org_names])
        member_id = c3.text_input("工号（有同名会员时填写）")
        if st.form_submit_button("查看将处理的数据"):
            st.session_state["forget_target"] = [
                person.strip(),
                None if org_choice == "不指定" else org_choice,
                member_id.strip() or None,
            ]
    chosen = st.session_state.get("forget_target")
    if chosen and chosen[0]:
        target = app.Target(*chosen)
        try:
            planned = app.forget_plan(target)
        except app.Ambiguous as err:
            st.warning(str(err).replace("--org", "“学校”").replace("--member-id", "“工号”"))
            planned = None
        if planned is not None and not planned.total:
            st.info(t("privacy.nothing", name=fmt.md(target.name)))
        elif planned is not None:
            st.markdown(t("privacy.plan_head", name=fmt.md(target.name), pseudonym=planned.pseudonym))
            st.dataframe(
                {
                    "数据表": [app.table_label(table) for table in planned.rows],
                    "行数": list(planned.rows.values()),
                    "涉及的列": ["、".join(app.column_label(c) for c in planned.columns[x]) for x in planned.rows],
                },
                hide_index=True,
            )
            for table in planned.skipped:
                st.caption(t("privacy.plan_skipped", table=app.table_label(table)).strip())
            sure = st.checkbox("我确认替换此人的姓名（不可恢复，建议先备份）", key="forget_confirm")
            if st.button("替换为化名", type="primary", disabled=not sure, key="forget_go"):
                rows = app.forget(planned)
                st.session_state.pop("forget_target", None)
                st.success(t("privacy.forgotten", rows=rows, name=fmt.md(target.name), pseudonym=planned.pseudonym))

    st.markdown("**保存期限**")
    current_years = app.retention_years()
    with st.form("retention"):
        years = st.number_input(
            "期间结束后保存姓名的年数（0 为不自动处理）",
            min_value=0,
            max_value=100,
            value=current_years or 0,
            step=1,
            help="期间按自然年和学年中较晚结束的一个计算。到期后，这些行中的姓名替换为化名，备注清除，数字不变。",
        )
        if st.form_submit_button("保存设置"):
            app.set_retention_years(int(years))
            st.success(t("privacy.retention_set", years=int(years)) if years else t("privacy.retention_off"))
            current_years = int(years) or None
    if current_years:
        due = app.retention_due(current_years)
        if due:
            st.warning(
                f"已超过保存期限、仍含姓名的记录：{'、'.join(f'{app.table_label(k)} {v} 行' for k, v in due.items())}。"
            )
            sure = st.checkbox("我确认替换这些姓名（不可恢复，建议先备份）", key="retention_confirm")
            if st.button("立即替换为化名", key="retention_go", disabled=not sure):
                rows, cutoff = app.apply_retention(current_years)
                st.success(t("privacy.retention_done", years=current_years, cutoff=f"{cutoff:%Y-%m-%d}", rows=rows))
        else:
            st.caption("没有超过保存期限的姓名记录。命令行：python -m dashboard retention apply")
    else:
        st.caption(t("privacy.retention_off"))

    acts = app.privacy_history()
    if len(acts):
        with st.expander("历史记录（删除、到期处理、查看敏感备注）"):
            names = {"forget": "删除个人信息", "retention": "到期处理", "reveal_notes": "查看敏感备注"}
            st.dataframe(
                acts.assign(action=acts["action"].map(lambda a: names.get(a, a))).rename(
                    columns={"acted_at": "时间", "action": "操作", "detail": "详情"}
                ),
                hide_index=True,
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
