"""工会数据看板 (Union KPI Dashboard): the router. Page config, shared sidebar filters, navigation."""

import streamlit as st

from dashboard import app
from dashboard.app import t

st.set_page_config(page_title=t("app.title"), page_icon=":material/bar_chart:", layout="wide")
# No login yet: another computer gets one message and nothing else (个人信息保护法 Art. 51).
app.local_only()

pages = {
    t("nav.dashboards"): [
        st.Page("pages/overview.py", title=t("page.overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/welfare.py", title=t("page.welfare"), icon=":material/volunteer_activism:"),
        st.Page("pages/activities.py", title=t("page.activities"), icon=":material/groups:"),
        st.Page("pages/proposals.py", title=t("page.proposals"), icon=":material/description:"),
        st.Page("pages/awards.py", title=t("page.awards"), icon=":material/emoji_events:"),
        st.Page("pages/outreach.py", title=t("page.outreach"), icon=":material/campaign:"),
        st.Page("pages/report.py", title=t("page.report"), icon=":material/co_present:"),
        st.Page("pages/compliance.py", title=t("page.compliance"), icon=":material/fact_check:"),
    ],
    t("nav.data"): [
        st.Page("pages/upload.py", title=t("page.upload"), icon=":material/upload_file:"),
        st.Page("pages/manage.py", title=t("page.manage"), icon=":material/database:"),
    ],
}
navigation = st.navigation(pages)
with app.guard(t("sidebar.section")):
    app.sidebar()
navigation.run()
