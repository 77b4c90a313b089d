"""Accounts, roles and scope (issue 13): CLI, login, what each role sees and cannot reach, history."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import accounts
from core.access import accounts_exist
from core.store import Store
from dashboard import __main__ as cli
from dashboard import queries
from loaders.loading import load_path
from tests.conftest import built_once
from tests.helpers import app_store

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT.parent / "shared" / "ledgers-district"
# One file per school and kind (the school given at load); the district summaries name schools otherwise.
SCHOOL_FILES = {
    "滨江区实验小学": [
        "实验小学2023年慰问金发放登记.xls",
        "实验小学2024年慰问金发放登记.xlsx",
        "实验小学工会活动记录（2023-2024）.xls",
    ],
    "滨江区第一中学": ["滨江一中工会福利慰问台账（2023-2024）.xlsx", "一中工会活动台账.xlsx"],
    "滨江区社区学院": ["社区学院慰问台账2023-2024.csv", "社区学院活动台账.csv"],
}
SCHOOLS = list(SCHOOL_FILES)
PASSWORD = "correct horse 1"


@pytest.fixture(autouse=True)
def v2_navigation_only(monkeypatch):
    """As in test_pages: keep AppTest reruns going through streamlit_app.py's st.navigation."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="session")
def district_db(tmp_path_factory):
    """Three schools' ledgers of ../shared/ledgers-district (closed, built once per run: open it read-only
    or copy it)."""
    if not DISTRICT.is_dir():
        pytest.skip("../shared/ledgers-district is not beside the checkout")

    def build(store: Store) -> None:
        for org, names in SCHOOL_FILES.items():
            for name in names:
                _, result = load_path(store, DISTRICT / name, org=org, accept_valid=True)
                assert result.status == "loaded", (name, result.message)
        store.set_meta("demo", "cleared")

    return built_once(tmp_path_factory, "district", build)


@pytest.fixture()
def db(district_db, tmp_path, monkeypatch):
    """A copy of the three-school store with an admin, a chair and a viewer of 滨江区实验小学."""
    path = tmp_path / "union.duckdb"
    path.write_bytes(district_db.read_bytes())
    with Store(path) as store:
        accounts.add_user(store, "admin", "admin", PASSWORD)
        accounts.add_user(store, "chair", "chair", PASSWORD, SCHOOLS[0])
        accounts.add_user(store, "viewer", "viewer", PASSWORD, SCHOOLS[0])
        accounts.add_user(store, "district", "viewer", PASSWORD)
    with app_store(path, monkeypatch):
        yield path


def login(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["登录"] and not at.sidebar.selectbox
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def nav(at: AppTest) -> list[str]:
    return [p["title"] for section in at.session_state._state._new_session_state.get("_nav", {}) for p in section] or []


def text_of(at: AppTest) -> str:
    """Everything the page shows as text: markdown, captions, metrics, tables, widget options."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader, *at.info, *at.error)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        parts.append(" ".join(map(str, frame.value.columns)))
        parts.append(" ".join(map(str, frame.value.to_numpy().ravel())))
    for box in (*at.selectbox, *at.multiselect):
        parts.append(" ".join(map(str, box.options)))
    return "\n".join(str(p) for p in parts)


# --- store, hashing, CLI ---------------------------------------------------------------------------


def test_users_command_and_hashes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "u.duckdb"
    Store(path).close()
    with Store(path) as store:
        assert not accounts_exist(store)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    assert (
        cli.main(["users", "add", "王主席", "--role", "chair", "--org", "一中", "--password-stdin", "--db", str(path)])
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["users", "add", "x", "--role", "admin", "--password-stdin", "--db", str(path)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("whatever-long\n"))
    assert cli.main(["users", "add", "y", "--role", "chair", "--password-stdin", "--db", str(path)]) == 2  # no --org
    assert cli.main(["users", "list", "--db", str(path)]) == 0
    assert "王主席" in capsys.readouterr().out
    with Store(path) as store:
        assert accounts_exist(store)
        stored = store.scalar("SELECT password_hash FROM users")
        assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
        assert accounts.authenticate(store, "王主席", "s3cret-pass") == accounts.Scope("王主席", "chair", "一中")
        assert accounts.authenticate(store, "王主席", "wrong") is None
        assert accounts.authenticate(store, "nobody", "s3cret-pass") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("new-password-1\n"))
    assert cli.main(["users", "passwd", "王主席", "--password-stdin", "--db", str(path)]) == 0
    with Store(path) as store:
        assert accounts.authenticate(store, "王主席", "new-password-1") is not None
    assert cli.main(["users", "remove", "王主席", "--db", str(path)]) == 0
    assert cli.main(["users", "remove", "王主席", "--db", str(path)]) == 2
    capsys.readouterr()
    assert cli.main(["history", "--json", "--db", str(path)]) == 0
    acts = json.loads(capsys.readouterr().out)
    assert [a["action"] for a in acts] == ["user_remove", "user_password", "user_add"]
    assert all(a["user"].startswith("命令行") and a["object"] == "王主席" for a in acts)


def test_repeated_failures_slow_down(tmp_path):
    waits = []
    with Store(tmp_path / "f.duckdb") as store:
        accounts.add_user(store, "a", "admin", PASSWORD)
        for _ in range(6):
            assert accounts.authenticate(store, "a", "nope", sleep=waits.append) is None
        assert waits == [1.0, 2.0, 4.0]  # three answered at once, then 1, 2, 4 s …
        assert accounts.authenticate(store, "a", PASSWORD, sleep=waits.append) is not None
        assert accounts.failures("a") == 0
    assert accounts.failure_delay(100) == accounts.MAX_DELAY_SECONDS


def test_scope_capabilities():
    chair = accounts.Scope("c", "chair", "一中")
    viewer = accounts.Scope("v", "viewer", "一中")
    district = accounts.Scope("d", "viewer", None)
    assert chair.may("upload") and chair.may("reveal") and not chair.may("district") and not chair.may("backup")
    assert not viewer.may("upload") and not viewer.may("reveal") and not viewer.may("report")
    assert district.may("district") and not district.may("reveal")
    assert viewer.allows("一中") and not viewer.allows("二中") and not viewer.allows(None)
    assert accounts.LOCAL.may("district") and accounts.LOCAL.allows(None)


# --- login form ------------------------------------------------------------------------------------


def test_wrong_password_says_one_thing_only(db):
    at = login("viewer", "not the password")
    assert [e.value for e in at.error] == ["用户名或密码错误"]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox
    at = login("nobody", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码错误"]


def test_logout_and_idle_timeout(db, monkeypatch):
    at = login("admin")
    assert at.metric, "the overview after login"
    logout = next(b for b in at.sidebar.button if b.label == "退出登录")
    logout.click().run()
    assert [b.label for b in at.button] == ["登录"] and not at.metric
    at = login("admin")
    at.session_state["last_seen"] = at.session_state["last_seen"] - 31 * 60
    at.run()
    assert [b.label for b in at.button] == ["登录"] and not at.metric
    assert any("自动退出" in i.value for i in at.info)


# --- what each role sees ---------------------------------------------------------------------------


def pages_reached(at: AppTest) -> dict[str, bool]:
    """Which restricted pages the navigation offers and opens for this session.

    A page left out of the navigation is also opened by its own file with the session's account
    (what a URL to it would run): it must stop with 当前账号无权查看此页面。 and show nothing else.
    """
    reached = {}
    account = at.session_state["account"]
    for page in ("upload", "manage", "report", "district", "history", "compliance"):
        try:
            at.switch_page(f"pages/{page}.py").run()
        except ValueError:  # not registered in st.navigation for this role
            reached[page] = False
            direct = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
            direct.session_state["account"] = account
            direct.session_state["last_seen"] = 1e18
            direct.run()
            assert [e.value for e in direct.error] == ["当前账号无权查看此页面。"], page
            assert not direct.metric and not direct.dataframe and not direct.get("download_button")
            continue
        assert not at.exception, (page, at.exception)
        reached[page] = not any(e.value == "当前账号无权查看此页面。" for e in at.error)
    at.switch_page("pages/overview.py").run()
    return reached


def test_viewer_sees_her_school_only_with_masked_names(db):
    at = login("viewer")
    assert not at.sidebar.selectbox(key="f_period_year").disabled
    assert not [s for s in at.sidebar.selectbox if s.key == "f_org"], "no school choice for a school account"
    reached = pages_reached(at)
    assert not any(reached.values()), reached
    for page in ("overview", "welfare", "activities", "proposals", "awards"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.error, (page, [e.value for e in at.error])
        shown = text_of(at)
        for other in SCHOOLS[1:]:
            assert other not in shown, (page, other)
        assert not [tg for tg in at.toggle if tg.label == "显示完整姓名"], page
    at.switch_page("pages/welfare.py").run()
    frame = next(d.value for d in at.dataframe if "对象" in d.value.columns)
    names = [n for n in frame["对象"] if isinstance(n, str) and 2 <= len(n) <= 3]  # person names (groups stay)
    assert names and all("*" in n for n in names)


def test_viewer_cannot_widen_scope_by_session_state_or_query_params(db):
    at = login("viewer")
    at.session_state["f_org"] = SCHOOLS[1]
    at.query_params["org"] = SCHOOLS[1]
    at.run()
    filters = at.session_state["filters"]
    assert filters[1] == SCHOOLS[0]
    # forge the filters the pages read: the school is forced back to the viewer's own
    at.session_state["filters"] = ((filters[0][0], filters[0][1]), SCHOOLS[1], ())
    at.switch_page("pages/welfare.py").run()
    assert SCHOOLS[1] not in text_of(at)
    at.session_state["filters"] = ((filters[0][0], filters[0][1]), None, ())
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    for other in SCHOOLS[1:]:
        assert other not in text_of(at)


def test_scope_is_checked_where_data_is_read(db, monkeypatch):
    """The cached query layer refuses filters outside the scope (what a download or a page would read)."""
    from dashboard import app

    monkeypatch.setattr(app, "scope", lambda: accounts.Scope("viewer", "viewer", SCHOOLS[0]))
    stops = []
    monkeypatch.setattr(app.st, "stop", lambda: stops.append(True) or (_ for _ in ()).throw(RuntimeError("stopped")))
    monkeypatch.setattr(app.st, "error", lambda *a, **k: None)
    period = queries.Filters.of("2023")
    for attempt in (
        lambda: app.q("welfare_totals", queries.Filters.of("2023", SCHOOLS[1])),
        lambda: app.q("welfare_rows", period),
        lambda: app.pack_data(queries.Filters.of("2023", SCHOOLS[2]), None),
        lambda: app.detail_rows(queries.Filters.of("2023", SCHOOLS[1])),
        lambda: app.district(period),
        lambda: app.backup_bytes(),
    ):
        with pytest.raises(RuntimeError, match="stopped"):
            attempt()
    assert len(stops) == 6


def test_chair_uploads_reveals_and_sees_her_history(db):
    at = login("chair")
    reached = pages_reached(at)
    assert reached["upload"] and reached["manage"] and reached["report"] and reached["history"]
    assert not reached["district"]
    at.switch_page("pages/manage.py").run()
    batch_files = " ".join(" ".join(map(str, d.value.to_numpy().ravel())) for d in at.dataframe)
    assert "实验小学" in batch_files and "一中" not in batch_files and "社区学院" not in batch_files
    assert not [b for b in at.get("download_button") if b.proto.label == "下载备份"]
    at.switch_page("pages/welfare.py").run()
    at.toggle(key="names_福利慰问").set_value(True).run()
    frame = next(d.value for d in at.dataframe if "对象" in d.value.columns)
    assert any(isinstance(n, str) and "*" not in n and len(n) >= 2 for n in frame["对象"])
    at.switch_page("pages/history.py").run()
    shown = text_of(at)
    assert "显示完整姓名" in shown and "chair" in shown and SCHOOLS[0] in shown


def test_admin_sees_district_page_and_every_school(db):
    at = login("admin")
    assert [s for s in at.sidebar.selectbox if s.key == "f_org"][0].options[1:] == sorted(SCHOOLS)
    reached = pages_reached(at)
    assert all(reached.values()), reached
    at.switch_page("pages/district.py").run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "学校" in d.value.columns and "办结率" in d.value.columns)
    assert sorted(table["学校"]) == sorted(SCHOOLS)
    assert len(at.get("plotly_chart")) >= 2


def test_district_table_matches_school_figures(district_db):
    truth = json.loads((DISTRICT / "truth_by_school.json").read_text(encoding="utf-8"))["by_school"]
    with Store(district_db, read_only=True) as store:
        table = queries.district_table(store, queries.Filters.of("2023")).set_index("org")
        for school in SCHOOLS:
            assert table.loc[school, "welfare_yuan"] == pytest.approx(truth[school]["2023"]["welfare"]["total_yuan"])
            assert "welfare" not in table.loc[school, "missing"]
        trend = queries.district_trend(store)
        assert set(trend["org"]) == set(SCHOOLS) and {2023, 2024} <= set(trend["year"])
        # a chosen few schools (the pack's list): the same figures, the others' rows left out
        two = sorted(SCHOOLS)[:2]
        some = queries.district_table(store, queries.Filters.of("2023"), two).set_index("org")
        assert list(some.index) == two
        assert some["welfare_yuan"].tolist() == table.loc[two, "welfare_yuan"].tolist()
        assert some["members"].tolist() == table.loc[two, "members"].tolist()
        some_trend = queries.district_trend(store, two)
        assert set(some_trend["org"]) == set(two)
        assert some_trend.reset_index(drop=True).equals(trend[trend["org"].isin(two)].reset_index(drop=True))
        from dashboard import workbook

        data = workbook.build_district_workbook(
            queries.district_table(store, queries.Filters.of("2023")), trend, "2023年"
        )
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data))
        cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
        assert set(SCHOOLS) <= cells


def test_single_user_mode_has_no_login(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_DB", str(tmp_path / "solo.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.metric and not [b for b in at.button if b.label == "登录"]
    assert not [b for b in at.sidebar.button if b.label == "退出登录"]
    st.cache_resource.clear()
    st.cache_data.clear()


def test_district_slides_compare_schools_without_names(district_db):
    from pptx import Presentation

    from dashboard import deck, pack

    with Store(district_db, read_only=True) as store:
        data = pack.gather(store, queries.Filters.of("2023"), None)
        single = pack.gather(store, queries.Filters.of("2023", SCHOOLS[0]), None)
        persons = set(store.query("SELECT DISTINCT recipient FROM welfare WHERE length(recipient) <= 3")["recipient"])
    assert data.district is not None and single.district is None
    prs = Presentation(io.BytesIO(deck.build_deck(data)))
    texts = [
        cell.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    assert set(SCHOOLS) <= set(texts)
    words = " ".join(
        shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame
    ) + " ".join(texts)
    assert not [p for p in persons if isinstance(p, str) and p in words]
    # 各校福利慰问支出 is in 万元: labels to 2 decimals like the pages' bars, plain axis ticks (tests/test_pack.py
    # checks the four area charts).
    (chart,) = [
        shape.chart
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart and "各校" in shape.chart.chart_title.text_frame.text
    ]
    assert chart.plots[0].data_labels.number_format == "#,##0.00"
    assert chart.value_axis.tick_labels.number_format == "General"
