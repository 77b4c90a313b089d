"""工会数据看板 (Union KPI Dashboard): the router. Page config, login, navigation, the page, then the shared sidebar."""

import streamlit as st

from core.labels import t
from dashboard import layout

if __name__ != "__main__":  # `streamlit run` imports this file once to serve it (dashboard/serve.py, issue 16)
    from dashboard import serve

    server = st.App(__file__, lifespan=serve.lifespan)
else:  # a visit: Streamlit runs this file as __main__ for every session and rerun
    layout.skip_direct_run_check()
    st.set_page_config(page_title=t("app.title"), page_icon=":material/bar_chart:", layout="wide")
    # Phone layout and Streamlit's own words in Chinese on every page, the login form's too: sent before
    # dashboard.app is imported (pandas, DuckDB: about a second on a first start), so the browser has them
    # while the server imports.
    layout.phone_layout()

    from dashboard import app  # after the page's first output (issue 16, first start)

    # Without accounts another computer gets one message and nothing else (个人信息保护法 Art. 51).
    app.local_only()
    # A first start without a usable demo snapshot loads the demo ledgers in the background: say so, then go on.
    app.wait_for_demo()
    # Once an account exists every session logs in; the pages offered follow the account's role.
    scope = app.login_gate()
    if scope is None:  # not logged in: the login form answers every page's URL (then that page opens)
        paths = ("welfare", "activities", "proposals", "awards", "report", "compliance", "district", "upload", "manage")
        login_pages = [st.Page(app.login_form, title=t("page.login"), default=True)]
        login_pages += [st.Page(app.login_form, title=t("page.login"), url_path=path) for path in paths]
        login_pages.append(st.Page(app.login_form, title=t("page.login"), url_path="history"))
        st.navigation(login_pages, position="hidden").run()
        st.stop()

    dashboards = [
        st.Page("pages/overview.py", title=t("page.overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/welfare.py", title=t("page.welfare"), icon=":material/volunteer_activism:"),
        st.Page("pages/activities.py", title=t("page.activities"), icon=":material/groups:"),
        st.Page("pages/proposals.py", title=t("page.proposals"), icon=":material/description:"),
        st.Page("pages/awards.py", title=t("page.awards"), icon=":material/emoji_events:"),
        st.Page("pages/outreach.py", title=t("page.outreach"), icon=":material/campaign:"),
    ]
    if scope.may("report"):
        dashboards.append(st.Page("pages/report.py", title=t("page.report"), icon=":material/co_present:"))
    if scope.may("compliance"):
        dashboards.append(st.Page("pages/compliance.py", title=t("page.compliance"), icon=":material/fact_check:"))
    if app.district_available():
        dashboards.append(st.Page("pages/district.py", title=t("page.district"), icon=":material/account_balance:"))
    data = []
    if scope.may("upload"):
        data.append(st.Page("pages/upload.py", title=t("page.upload"), icon=":material/upload_file:"))
    if scope.may("manage"):
        data.append(st.Page("pages/manage.py", title=t("page.manage"), icon=":material/database:"))
    if scope.may("history") and not scope.single_user:
        data.append(st.Page("pages/history.py", title=t("page.history"), icon=":material/history:"))
    pages = {t("nav.dashboards"): dashboards}
    if data:
        pages[t("nav.data")] = data
    # The filters are chosen first, then the page is drawn, then the sidebar's widgets showing those filters:
    # the page's elements reach the browser before the widgets' (issue 16, dashboard.app.run_page).
    app.run_page(st.navigation(pages))
    # The other pages' modules load in the background once this first page is out (issue 16).
    app.preload_later()
