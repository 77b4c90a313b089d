"""数据管理: loaded batches with removal, backup, personal information (forget, retention), templates, demo data."""

import datetime
import json

import streamlit as st

from dashboard import app, profiles, templates
from dashboard import formatting as fmt
from dashboard.app import BATCH_COLUMNS, kind_label, t

app.ensure_navigation()
app.require("manage")
st.title(t("page.manage"))
store = app.store()
mine = app.scope().org  # a school account manages its own school only
org_names = app.lists()[2]  # the schools in the store (within the account's scope)

with app.guard(t("manage.section.batches")):
    st.subheader(t("manage.batches"))
    batches = app.batches()
    rows = int(batches["rows_accepted"].sum()) if len(batches) else 0
    st.caption(t("manage.batch_count", n=len(batches), rows=rows))
    if len(batches) == 0:
        st.info(t("manage.no_batches"))
    else:
        kinds = batches["kinds"].map(lambda k: t("text.list_sep").join(kind_label(x) for x in k.split(",") if x))
        app.table(batches.assign(kinds=kinds), BATCH_COLUMNS)
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
        kept = app.reimportable(store)
        again = {label: batch_id for label, batch_id in labels.items() if batch_id in kept}
        if again:
            pick = st.selectbox(t("manage.reimport_pick"), list(again), key="reimport_pick")
            if st.button(t("manage.reimport"), key="reimport_button"):
                _, result = app.reimport_batch(store, again[pick])
                (st.success if result.status == "loaded" else st.error)(fmt.md(result.message))

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

# The whole database (backup), personal information and demo data are the administrator's (or the
# single user's); a chair manages her school's batches and downloads templates only.
if not app.may("backup"):
    app.stop()

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
        on_click=app.record_export(t("manage.backup_button")),
    )

with app.guard(t("targets.section")):
    st.subheader(t("targets.section"))
    st.caption(t("targets.help"))
    edited = st.data_editor(
        app.target_table(),
        num_rows="dynamic",
        hide_index=True,
        column_config=app.target_column_config(),
        key="targets_editor",
    )
    c1, c2 = st.columns(2)
    if c1.button(t("targets.save"), type="primary", key="targets_save"):
        try:
            saved = app.save_targets(edited)
        except app.TargetError as err:
            st.error(fmt.md(err))
        else:
            st.success(t("targets.saved", n=saved))
    c2.download_button(
        t("targets.export"),
        lambda: app.targets_toml(),
        file_name=t("targets.export_file"),
        mime="application/toml",
        icon=":material/download:",
        key="targets_export",
    )

with app.guard(t("privacy.section")):
    st.subheader(t("privacy.section"))
    st.caption(t("privacy.section_help"))
    oldest = app.oldest_named()
    today = datetime.date.today()
    if oldest is None:
        st.info(t("privacy.no_names"))
    else:
        st.markdown(t("privacy.oldest", date=f"{oldest:%Y-%m-%d}", years=f"{(today - oldest).days / 365.25:.1f}"))

    st.markdown(t("privacy.forget_title"))
    st.caption(t("privacy.forget_help"))
    with st.form("forget_person"):
        c1, c2, c3 = st.columns(3)
        person = c1.text_input(t("privacy.person"))
        org_choice = c2.selectbox(t("field.org"), [t("privacy.any_org"), *org_names])
        member_id = c3.text_input(t("privacy.member_id"))
        if st.form_submit_button(t("privacy.plan_button")):
            st.session_state["forget_target"] = [
                person.strip(),
                None if org_choice == t("privacy.any_org") else org_choice,
                member_id.strip() or None,
            ]
    chosen = st.session_state.get("forget_target")
    if chosen and chosen[0]:
        target = app.Target(*chosen)
        try:
            planned = app.forget_plan(target)
        except app.Ambiguous as err:
            st.warning(str(err).replace("--org", t("privacy.org_box")).replace("--member-id", t("privacy.id_box")))
            planned = None
        if planned is not None and not planned.total:
            st.info(t("privacy.nothing", name=fmt.md(target.name)))
        elif planned is not None:
            st.markdown(t("privacy.plan_head", name=fmt.md(target.name), pseudonym=planned.pseudonym))
            app.table(
                {
                    t("privacy.col.table"): [app.table_label(table) for table in planned.rows],
                    t("privacy.col.rows"): list(planned.rows.values()),
                    t("privacy.col.columns"): [
                        t("text.list_sep").join(app.column_label(c) for c in planned.columns[x]) for x in planned.rows
                    ],
                },
            )
            for table in planned.skipped:
                st.caption(t("privacy.plan_skipped", table=app.table_label(table)).strip())
            sure = st.checkbox(t("privacy.forget_confirm"), key="forget_confirm")
            if st.button(t("privacy.forget_go"), type="primary", disabled=not sure, key="forget_go"):
                rows = app.forget(planned)
                st.session_state.pop("forget_target", None)
                st.success(t("privacy.forgotten", rows=rows, name=fmt.md(target.name), pseudonym=planned.pseudonym))

    st.markdown(t("privacy.retention_title"))
    current_years = app.retention_years()
    with st.form("retention"):
        years = st.number_input(
            t("privacy.retention_years"),
            min_value=0,
            max_value=100,
            value=current_years or 0,
            step=1,
            help=t("privacy.retention_help"),
        )
        if st.form_submit_button(t("privacy.retention_save")):
            app.set_retention_years(int(years))
            st.success(t("privacy.retention_set", years=int(years)) if years else t("privacy.retention_off"))
            current_years = int(years) or None
    if current_years:
        due = app.retention_due(current_years)
        if due:
            st.warning(
                t(
                    "privacy.retention_due",
                    rows=t("text.list_sep").join(
                        t("privacy.table_rows", table=app.table_label(k), rows=v) for k, v in due.items()
                    ),
                )
            )
            sure = st.checkbox(t("privacy.retention_confirm"), key="retention_confirm")
            if st.button(t("privacy.retention_go"), key="retention_go", disabled=not sure):
                rows, cutoff = app.apply_retention(current_years)
                st.success(t("privacy.retention_done", years=current_years, cutoff=f"{cutoff:%Y-%m-%d}", rows=rows))
        else:
            st.caption(t("privacy.retention_none_due"))
    else:
        st.caption(t("privacy.retention_off"))

    acts = app.privacy_history()
    if len(acts):
        with st.expander(t("privacy.history")):
            names = {a: t(f"privacy.action.{a}") for a in ("forget", "retention", "reveal_notes")}
            app.table(
                acts.assign(action=acts["action"].map(lambda a: names.get(a, a))).rename(
                    columns={
                        "acted_at": t("privacy.col.time"),
                        "action": t("privacy.col.action"),
                        "detail": t("privacy.col.detail"),
                    }
                ),
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

with app.guard(t("manage.org_alias_section")):
    st.markdown(t("manage.org_alias"))
    for alias, name in profiles.suggest_org_aliases(tuple(org_names)):
        left, right = st.columns([3, 1])
        left.caption(t("manage.org_alias_suggest", alias=fmt.md(alias), name=fmt.md(name)))
        if right.button(t("manage.org_alias_apply", name=name), key=f"alias|{alias}|{name}"):
            st.success(t("org_alias.done", alias=alias, name=name, rows=app.set_org_alias(store, alias, name)))
            st.rerun()
    with st.form("org_alias"):
        left, right = st.columns(2)
        alias = left.text_input(t("manage.org_alias_from"))
        name = right.text_input(t("manage.org_alias_to"))
        if st.form_submit_button(t("manage.org_alias_save")):
            try:
                changed = app.set_org_alias(store, alias, name)
            except ValueError as err:
                st.error(str(err))
            else:
                st.success(t("org_alias.done", alias=fmt.md(alias), name=fmt.md(name), rows=changed))

with app.guard(t("manage.section.sub_unions")):
    st.markdown(t("manage.sub_unions"))
    schools = [mine] if mine else sorted(set(org_names) - {t("org.default")})
    school = st.selectbox(t("manage.sub_union_school"), schools, key="sub_union_school") if schools else None
    written = profiles.sub_union_rows(school)
    app.table(written, app.SUB_UNION_COLUMNS)
    names = list(written["sub_union"])
    for alias, name in profiles.suggest_sub_union_aliases(tuple(names)):
        left, right = st.columns([3, 1])
        left.caption(t("manage.sub_union_suggest", alias=fmt.md(alias), name=fmt.md(name)))
        if right.button(t("manage.sub_union_apply", name=name), key=f"sub|{school}|{alias}|{name}"):
            rows = profiles.set_sub_union_alias(store, alias, name, school)
            done = t("sub_union_alias.done", alias=fmt.md(alias), name=fmt.md(name), school=fmt.md(school), rows=rows)
            st.session_state["sub_union_done"] = done
            st.rerun()
    if done := st.session_state.pop("sub_union_done", None):
        st.success(done)
    with st.form("sub_union_alias"):
        left, right = st.columns(2)
        alias = left.selectbox(t("manage.sub_union_from"), names, key="sub_union_from") if names else ""
        name = right.text_input(t("manage.sub_union_to"), key="sub_union_to")
        if st.form_submit_button(t("manage.sub_union_save")):
            try:
                rows = profiles.set_sub_union_alias(store, alias or "", name, school)
            except ValueError as err:
                st.error(str(err))
            else:
                st.success(
                    t("sub_union_alias.done", alias=fmt.md(alias), name=fmt.md(name), school=fmt.md(school), rows=rows)
                )

with app.guard(t("manage.section.mappings")):
    st.markdown(t("manage.mappings"))
    every = t("mappings.every_school")
    schools = [mine] if mine else sorted({*profiles.profile_orgs(), *org_names} - {t("org.default")})
    names = {"": every, **{s: s for s in schools}}
    shown = st.selectbox(t("manage.mappings_school"), schools if mine else list(names), format_func=names.get)
    profile = profiles.profile(shown or None)
    if profile["headers"] or profile["values"]:
        app.table(profiles.profile_rows(profile), app.PROFILE_COLUMNS)
        st.download_button(
            t("manage.mappings_download"),
            json.dumps(profile, ensure_ascii=False, indent=2).encode("utf-8"),
            file_name=t("manage.mappings_file", school=shown or every),
            mime="application/json",
        )
    else:
        st.info(t("manage.mappings_empty"))
    with st.form("import_mappings"):
        upload = st.file_uploader(t("manage.mappings_upload"), type=["json"], key="mappings_file")
        targets = {"": t("manage.mappings_as_written"), **{s: s for s in schools}}
        target = st.selectbox(
            t("manage.mappings_import_to"), schools if mine else list(targets), format_func=targets.get
        )
        if st.form_submit_button(t("manage.mappings_import")) and upload is not None:
            try:
                counts = profiles.import_profile(store, upload.getvalue(), target or None)
            except ValueError as err:
                st.error(fmt.md(str(err)))
            else:
                app.record("mappings_import", counts, org=target or None, obj=upload.name)
                st.success(t("mappings.imported", **counts))
