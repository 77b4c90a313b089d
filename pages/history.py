"""操作记录: who uploaded, re-imported, removed, mapped, revealed, exported or changed an account, and when."""

import streamlit as st

from dashboard import app
from dashboard.app import HISTORY_COLUMNS, t

app.ensure_navigation()
app.require("history")
st.title(t("page.history"))
own = app.scope().org
st.caption(t("history.caption_org", org=app.md(own)) if own else t("history.caption"))

with app.guard(t("page.history")):
    acts = app.history()
    if not len(acts):
        st.info(t("history.none"))
    else:
        acts = acts.assign(action=acts["action"].map(app.history_action_label))
        app.table(acts[list(HISTORY_COLUMNS)], HISTORY_COLUMNS, key="history")
