"""合规检查: welfare payments and budget lines against the union's rules (issue 14).

Flags by rule with severity and ledger row (names masked by default), totals per rule, the
经费审查委员会's workbook and a paragraph for the 经费审查工作报告.  The rule set is chosen from
the presets or the union's own saved set, and can be edited here (TOML).
"""

import streamlit as st

from dashboard import app, compliance, compliance_export
from dashboard.app import t

OWN = "__own__"

app.ensure_navigation()
app.require("compliance")
st.title(t("page.compliance"))
current, _ = app.require_filters()
st.caption(app.period_caption(current, None))
store = app.store()

rules = None
with app.guard(t("compliance.choose")):
    presets = compliance.presets()
    try:
        own = compliance.saved_rules(store)
    except compliance.RulesError as err:
        own = None
        st.error(str(err))
    names = {OWN: t("compliance.own"), **{key: preset.name for key, preset in presets.items()}}
    choice = st.selectbox(
        t("compliance.choose"), ([OWN] if own else []) + list(presets), format_func=names.get, key="c_rules"
    )
    base = own if choice == OWN else presets[choice]
    with st.expander(t("compliance.edit")):
        text = st.text_area("TOML", base.text, height=420, key=f"c_text_{choice}", help=t("compliance.edit_help"))
        try:
            rules = compliance.parse_rules(text)
        except compliance.RulesError as err:
            st.error(str(err))
        if (
            rules is not None
            and app.may("rules")
            and st.button(t("compliance.save"), key="c_save", icon=":material/save:")
        ):
            compliance.save_rules(store, text)
            st.success(t("compliance.saved", name=rules.name))
    if rules is not None:
        st.caption(app.md(t("compliance.rules_caption", name=rules.name, source=rules.source)))
        if rules.source_url:
            st.caption(rules.source_url)
        for warning in rules.warnings:
            st.warning(t("compliance.warning", text=warning))

if rules is not None:
    with app.guard(t("compliance.totals")):
        flags = compliance.check(store, current, rules)
        totals = compliance.totals(flags)
        columns = st.columns(len(totals))
        for column, row in zip(columns, totals.itertuples(index=False), strict=True):
            column.metric(
                row.label,
                t("compliance.flag_count", n=row.flags) if row.flags else t("compliance.rule_none"),
                border=True,
                help=t("compliance.severity", severity=row.severity),
            )
        app.table(compliance_export.totals_table(flags), key="c_totals")

    with app.guard(t("compliance.paragraph")):
        text = compliance.paragraph(current, rules, flags, compliance.welfare_spend(store, current))
        st.subheader(t("compliance.paragraph"))
        st.code(text, language=None, wrap_lines=True)
        st.download_button(
            t("compliance.export"),
            lambda: compliance_export.build_workbook(
                compliance.union_name(store, current), current, rules, flags, text
            ),
            file_name=t("compliance.export_file", period=current.period.label),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_chart:",
            key="c_export",
            on_click=app.record_export(t("compliance.export"), current.org),
        )

    with app.guard(t("compliance.flags")):
        st.subheader(t("compliance.flags"))
        if not len(flags):
            st.success(t("compliance.none"))
        else:
            reveal = app.names_toggle(t("page.compliance"), help=t("compliance.show_names_help"))
            for row in totals[totals["flags"] > 0].itertuples(index=False):
                st.markdown(
                    t(
                        "compliance.rule_heading",
                        rule=row.label,
                        n=row.flags,
                        severity=t("compliance.severity", severity=row.severity),
                    )
                )
                part = flags[flags["rule"] == row.rule]
                app.table(compliance_export.flag_table(part, reveal=reveal, drop_empty=True), key=f"c_flags_{row.rule}")
