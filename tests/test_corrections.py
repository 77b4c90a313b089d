"""Issue 11: the chair corrects anything on the upload page, and every page says what is missing."""

from __future__ import annotations

import hashlib
import json

from dashboard import queries
from dashboard.__main__ import main as dashboard_main
from loaders.loading import export_mappings, load_path
from tests import test_pages as _pages
from tests.helpers import xlsx_bytes
from tests.test_pages import live_store, start

app_db = _pages.app_db  # fixtures shared with the page tests
v2_navigation_only = _pages.v2_navigation_only

WELFARE = {
    "慰问": [
        ["日期", "分工会", "类别", "姓名", "金额"],
        ["2024.3.8", "机关分工会", "结婚慰问", "甲乙", 600],
        ["2024.4.8", "机关分工会", "生育慰问", "丙丁", 500],
        ["2024.5.8", "机关分工会", "结婚慰问", "戊己", 600],
    ]
}


def _upload(at, *files):
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="uploader").set_value([(n, d, "application/octet-stream") for n, d in files]).run()
    assert not at.exception, at.exception
    return at


def _column(at, header):
    return next(s for s in at.selectbox if s.label == header and "|col|" in (s.key or ""))


def _save(at):
    next(b for b in at.button if b.label == "保存并重新检查").click().run()
    assert not at.exception, at.exception


def test_recognised_header_can_be_remapped_and_not_imported_sticks(app_db):
    at = _upload(start(), ("慰问.xlsx", xlsx_bytes(WELFARE)))
    assert _column(at, "姓名").value == "recipient"
    _column(at, "姓名").set_value("handler")
    _save(at)
    assert _column(at, "姓名").value == "handler"
    assert any("已保存 1 项表头映射" in s.value for s in at.success)
    _column(at, "姓名").set_value("__skip__")
    _save(at)
    at.run()
    assert _column(at, "姓名").value == "__skip__"  # (不导入) sticks
    preview = [d.value for d in at.dataframe if "对象" in d.value.columns][-1]
    assert preview["对象"].isna().all() and preview["经办人"].isna().all()


def test_kind_is_chosen_per_sheet_and_the_field_list_follows(app_db):
    sheets = {**WELFARE, "活动": [["活动名称", "日期", "参加人数"], ["羽毛球赛", "2024.3.1", 30]]}
    at = _upload(start(), ("两表.xlsx", xlsx_bytes(sheets)))
    kind_boxes = [s for s in at.selectbox if (s.key or "").startswith("sk|")]
    assert len(kind_boxes) == 2
    activity_box = next(s for s in kind_boxes if "活动" in s.label)
    activity_box.set_value("activities").run()
    assert not at.exception
    options = next(s for s in at.selectbox if s.label == "日期" and s.key.endswith("|activities")).options
    assert "开始日期" in options
    # the welfare sheet keeps its own kind and fields
    assert any(s.label == "金额" and s.key.endswith("|welfare") for s in at.selectbox)


def test_two_same_named_sheets_with_the_same_unknown_value_do_not_clash(app_db):
    rows = [["日期", "分工会", "类别", "姓名", "金额"], ["2024.3.8", "机关分工会", "稀奇慰问", "甲乙", 600]]
    at = _upload(start(), ("甲.xlsx", xlsx_bytes({"慰问": rows})), ("乙.xlsx", xlsx_bytes({"慰问": rows + [rows[1]]})))
    assert not at.exception
    assert not [e for e in at.error if "duplicate" in e.value.lower()]


def test_batch_is_reimported_after_a_mapping_changes(app_db):
    data = xlsx_bytes(WELFARE)
    at = _upload(start(), ("重导.xlsx", data))
    at.button(key=f"load_{hashlib.sha256(data).hexdigest()}").click().run()
    store = live_store()
    assert store.scalar("SELECT count(*) FROM welfare WHERE recipient = '甲乙'") == 1
    at.run()
    _column(at, "姓名").set_value("handler")
    _save(at)
    at.button(key=f"re_{hashlib.sha256(data).hexdigest()}").click().run()
    assert any("重新导入" in s.value for s in at.success), [s.value for s in at.success]
    assert store.scalar("SELECT count(*) FROM welfare WHERE recipient = '甲乙'") == 0
    assert store.scalar("SELECT count(*) FROM welfare WHERE handler = '甲乙'") == 1
    assert store.scalar("SELECT count(*) FROM batches WHERE sha256 = ?", [hashlib.sha256(data).hexdigest()]) == 1


def test_school_is_asked_per_file_and_an_alias_joins_two_spellings(app_db):
    at = start()
    store = live_store()
    at = _upload(
        at,
        ("滨江区实验小学2024年慰问.xlsx", xlsx_bytes(WELFARE)),
        ("其他.xlsx", xlsx_bytes({"慰问": WELFARE["慰问"][:2]})),
    )
    boxes = [x for x in at.text_input if (x.key or "").startswith("org|")]
    assert len(boxes) == 2  # one per file
    boxes[0].set_value("滨江区实验小学").run()
    boxes[1].set_value("实验小学").run()
    for b in [b for b in at.button if (b.key or "").startswith("load_")]:
        b.click().run()
    assert {"滨江区实验小学", "实验小学"} <= set(queries.organisations(store))
    at.switch_page("pages/manage.py").run()
    assert any("实验小学" in c.value and "滨江区实验小学" in c.value for c in at.caption)
    next(b for b in at.button if (b.key or "") == "alias|实验小学|滨江区实验小学").click().run()
    assert not at.exception
    assert "实验小学" not in queries.organisations(store)
    total = queries.welfare_totals(store, queries.Filters.of(2024, "滨江区实验小学"))["total_yuan"]
    assert total == 1700 + 600


def test_summary_json_has_coverage_and_missing(tmp_path, corpus_dir, capsys):
    db = tmp_path / "c.duckdb"
    from core.store import Store

    with Store(db) as store:
        load_path(store, corpus_dir / "2022年慰问金发放台账.xlsx", isolated=False)
    assert dashboard_main(["summary", "--period", "2022", "--json", "--db", str(db)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["coverage"]["welfare"] > 0 and result["coverage"]["proposals"] == 0
    assert "proposals" in result["missing"] and "welfare" not in result["missing"]


def test_coverage_notes_on_overview(app_db):
    at = start()
    store = live_store()
    from core.periods import Period

    current = queries.Filters.of(at.selectbox(key="f_period_year").value)
    compare = current.with_period(Period(*at.session_state["compare"]))  # the page compares with 2025
    notes = queries.coverage_notes(store, current, compare)
    assert notes  # the demo's 2026 has January to October only
    for note in notes:
        assert any(note == i.value for i in at.info), (note, [i.value for i in at.info])


def test_mapping_profile_round_trip_and_org_alias_cli(tmp_path, capsys):
    from core.store import Store

    db, out = tmp_path / "m.duckdb", tmp_path / "profile.json"
    with Store(db) as store:
        from loaders.loading import save_header_mapping, save_value_mapping

        save_header_mapping(store, "附 议 人", "proposals", "__skip__")
        save_value_mapping(store, "welfare", "category", "稀奇慰问", "困难补助")
    assert dashboard_main(["mappings", "export", "--out", str(out), "--db", str(db)]) == 0
    profile = json.loads(out.read_text(encoding="utf-8"))
    db2 = tmp_path / "n.duckdb"
    Store(db2).close()
    assert dashboard_main(["mappings", "import", str(out), "--db", str(db2)]) == 0
    with Store(db2) as store:
        assert export_mappings(store)["headers"] == profile["headers"]
        assert export_mappings(store)["values"] == profile["values"]
    assert dashboard_main(["org-alias", "实验小学", "--to", "滨江区实验小学", "--db", str(db2)]) == 0
    with Store(db2) as store:
        assert export_mappings(store)["org_aliases"] == [{"alias": "实验小学", "name": "滨江区实验小学"}]


def test_overview_says_a_missing_ledger_instead_of_zero(app_db):
    """With the welfare ledgers removed, 总览's welfare cards say 未导入台账 (no 0万元, no −100%),
    while activities keep their figure, computed independently from the store."""
    from core.labels import t
    from loaders import loading

    at = start()
    store = live_store()
    for batch_id in store.query("SELECT DISTINCT batch_id FROM welfare")["batch_id"]:
        loading.remove_batch(store, int(batch_id))
    at.run()
    assert not at.exception, at.exception
    spent = next(m for m in at.metric if m.label == t("overview.welfare_spent"))
    assert spent.value == t("overview.no_ledger") and not spent.delta
    year = at.selectbox(key="f_period_year").value
    expected = store.scalar(
        "SELECT coalesce(sum(participants), 0) FROM activities WHERE year(start_date) = ?", [int(str(year)[:4])]
    )
    shown = next(m.value for m in at.metric if m.label == t("overview.activity_person_times"))
    assert shown.replace(",", "").startswith(str(int(expected)))


def _columns(at, header):
    return [s for s in at.selectbox if s.label == header and "|col|" in (s.key or "")]


def test_a_mapping_saved_for_one_school_reads_that_school_only(app_db):
    """The same file for two schools: 姓名 remapped on 甲校's copy goes into 甲校's mapping profile;
    乙校's copy still reads 姓名 as the recipient, and the command line loads 甲校's files with it."""
    store = live_store()
    other = {"慰问": [*WELFARE["慰问"], ["2024.6.8", "机关分工会", "结婚慰问", "庚辛", 600]]}
    at = _upload(start(), ("甲校慰问.xlsx", xlsx_bytes(WELFARE)), ("乙校慰问.xlsx", xlsx_bytes(other)))
    boxes = [x for x in at.text_input if (x.key or "").startswith("org|")]
    boxes[0].set_value("甲校").run()
    boxes[1].set_value("乙校").run()
    first, second = _columns(at, "姓名")
    assert first.value == second.value == "recipient"
    assert any("甲校 的映射方案" in c.value for c in at.caption)
    first.set_value("handler")
    next(b for b in at.button if b.label == "保存并重新检查").click().run()
    assert not at.exception, at.exception
    first, second = _columns(at, "姓名")
    assert (first.value, second.value) == ("handler", "recipient")
    saved = store.query("SELECT header_key, kind, field, org FROM header_mappings")
    assert saved.values.tolist() == [["姓名", "welfare", "handler", "甲校"]]
    for b in [b for b in at.button if (b.key or "").startswith("load_")]:
        b.click().run()
    assert store.scalar("SELECT count(*) FROM welfare WHERE org = '甲校' AND handler IS NOT NULL") == 3
    assert store.scalar("SELECT count(*) FROM welfare WHERE org = '乙校' AND recipient IS NOT NULL") == 4
    assert store.scalar("SELECT count(*) FROM welfare WHERE org = '甲校' AND recipient IS NOT NULL") == 0


def test_school_profiles_precedence_alias_export_and_import(tmp_path, capsys):
    """A school's own entry wins over every school's; a school's value mapping fixes its own rows only;
    an alias joins the alias's profile to the school's; export --org and import --org carry the school."""
    from core.store import Store
    from loaders.loading import load_user_mappings, save_header_mapping, save_value_mapping, set_org_alias

    rows = [["日期", "学校", "类别", "姓名", "金额"]]
    rows += [["2024.3.8", school, "稀奇慰问", "甲乙", 600] for school in ("甲校", "乙校")]
    ledger = tmp_path / "两校.xlsx"
    ledger.write_bytes(xlsx_bytes({"慰问": rows}))
    db = tmp_path / "p.duckdb"
    with Store(db) as store:
        load_path(store, ledger, accept_valid=True, isolated=False)
        save_header_mapping(store, "姓名", "welfare", "handler")  # every school
        save_header_mapping(store, "姓名", "welfare", "__skip__", org="甲小")  # 甲小 = 甲校 written otherwise
        save_value_mapping(store, "welfare", "category", "稀奇慰问", "困难补助", org="甲校")
        categories = dict(store.query("SELECT org, category FROM welfare ORDER BY org").values.tolist())
        assert categories == {"甲校": "困难补助", "乙校": "稀奇慰问"}
        assert load_user_mappings(store, "乙校").headers["姓名"] == ("welfare", "handler")
        assert load_user_mappings(store, "甲小").headers["姓名"] == ("welfare", "__skip__")
        assert load_user_mappings(store, "甲校").headers["姓名"] == ("welfare", "handler")  # not yet joined
        set_org_alias(store, "甲小", "甲校")
        assert load_user_mappings(store, "甲校").headers["姓名"] == ("welfare", "__skip__")
        assert load_user_mappings(store, "甲校").values[("welfare", "category", "稀奇慰问")] == "困难补助"
        assert ("welfare", "category", "稀奇慰问") not in load_user_mappings(store, "乙校").values
    out = tmp_path / "甲校.json"
    assert dashboard_main(["mappings", "export", "--org", "甲校", "--out", str(out), "--db", str(db)]) == 0
    profile = json.loads(out.read_text(encoding="utf-8"))
    assert {(e["field"], e["org"]) for e in profile["headers"]} == {("handler", None), ("__skip__", "甲校")}
    db2 = tmp_path / "q.duckdb"
    Store(db2).close()
    assert dashboard_main(["mappings", "import", str(out), "--org", "丙校", "--db", str(db2)]) == 0
    with Store(db2) as store:
        orgs = store.query("SELECT DISTINCT org FROM header_mappings UNION SELECT org FROM value_mappings")
        assert orgs["org"].tolist() == ["丙校"]
        # 丙校 got both header entries; the later (the school's own (不导入)) won, as in 甲校
        assert load_user_mappings(store, "丙校").headers["姓名"] == ("welfare", "__skip__")
    version1 = {
        "format": profile["format"],
        "version": 1,
        "headers": [{"header": "经手人", "kind": "welfare", "field": "handler"}],
    }
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(version1, ensure_ascii=False), encoding="utf-8")
    assert dashboard_main(["mappings", "import", str(old), "--db", str(db2)]) == 0
    with Store(db2) as store:
        assert store.query("SELECT org FROM header_mappings WHERE header_key = '经手人'")["org"].isna().all()


def test_command_line_reads_a_file_with_its_school_profile(tmp_path):
    """``python -m loaders`` with --org, or a file whose 学校 column names one school, uses that school's profile."""
    from core.store import Store
    from loaders.loading import save_header_mapping

    rows = [
        ["日期", "学校", "分工会", "类别", "姓名", "金额"],
        ["2024.3.8", "甲校", "机关分工会", "结婚慰问", "甲乙", 600],
    ]
    named, plain = tmp_path / "甲校慰问.xlsx", tmp_path / "慰问.xlsx"
    named.write_bytes(xlsx_bytes({"慰问": rows}))
    plain.write_bytes(xlsx_bytes(WELFARE))
    with Store(tmp_path / "c.duckdb") as store:
        save_header_mapping(store, "姓名", "welfare", "handler", org="甲校")
        load_path(store, named, isolated=False)
        load_path(store, plain, org="甲校", isolated=False)
        assert store.scalar("SELECT count(*) FROM welfare WHERE handler = '甲乙'") == 2
        assert store.scalar("SELECT count(*) FROM welfare WHERE recipient IS NOT NULL") == 0


def test_the_same_file_twice_in_one_selection_is_loaded_once(app_db):
    store = live_store()
    data = xlsx_bytes(WELFARE)
    at = _upload(start(), ("甲.xlsx", data), ("甲 - 副本.xlsx", data))
    assert any("内容完全相同" in i.value for i in at.info)
    loads = [b for b in at.button if (b.key or "").startswith("load_")]
    assert len(loads) == 1
    loads[0].click().run()
    assert not at.exception, at.exception
    assert store.scalar("SELECT count(*) FROM welfare WHERE source_file = '甲.xlsx'") == 3
    assert store.scalar("SELECT count(*) FROM batches WHERE file_name LIKE '甲%'") == 1


def test_manage_page_shows_downloads_and_imports_a_school_profile(app_db):
    """数据管理 lists a school's mappings (its own and every school's), offers them as JSON, and imports
    a profile file into a chosen school — the chair needs no terminal for profiles."""
    from core.labels import field_label, t
    from loaders.loading import load_user_mappings, save_header_mapping

    store = live_store()
    save_header_mapping(store, "经手人", "welfare", "handler")
    save_header_mapping(store, "姓名", "welfare", "__skip__", org="甲校")
    at = start()
    at.switch_page("pages/manage.py").run()
    assert not at.exception, at.exception
    box = next(s for s in at.selectbox if s.label == t("manage.mappings_school"))
    assert "甲校" in box.options
    box.set_value("甲校").run()
    shown = next(d.value for d in at.dataframe if "映射为" in d.value.columns)
    assert sorted(zip(shown["台账中写作"], shown["映射为"], shown["适用学校"], strict=True)) == [
        ("姓名", t("upload.not_imported"), "甲校"),
        ("经手人", field_label("handler"), t("mappings.every_school")),
    ]
    profile = {
        "format": "union-dashboard-mappings",
        "version": 2,
        "headers": [{"header": "发放人", "kind": "welfare", "field": "handler", "org": None}],
    }
    at.file_uploader(key="mappings_file").set_value(
        [("区里的方案.json", json.dumps(profile).encode("utf-8"), "application/json")]
    )
    next(s for s in at.selectbox if s.label == t("manage.mappings_import_to")).set_value("甲校")
    next(b for b in at.button if b.label == t("manage.mappings_import")).click().run()
    assert not at.exception, at.exception
    assert any("表头映射 1 项" in s.value for s in at.success), [s.value for s in at.success]
    assert load_user_mappings(store, "甲校").headers["发放人"] == ("welfare", "handler")
    assert "发放人" not in load_user_mappings(store).headers  # 甲校's only, not every school's


def test_a_sub_union_written_two_ways_is_joined_for_loaded_and_later_rows(app_db):
    """语文组 and 语文分工会 of one school become one sub-union on 数据管理 (suggested there); the
    school's later ledgers read 语文组 as 语文分工会; another school's 语文组 is left alone."""
    from core.labels import t
    from loaders.loading import load_path, load_user_mappings

    store = live_store()
    rows = [["日期", "学校", "分工会", "类别", "姓名", "金额"]]
    rows += [
        ["2024.3.8", "甲校", "语文分工会", "结婚慰问", "甲乙", 600],
        ["2024.3.9", "甲校", "语文组", "结婚慰问", "丙丁", 500],
    ]
    rows += [["2024.3.9", "乙校", "语文组", "结婚慰问", "戊己", 400]]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "两校慰问.xlsx"
        first.write_bytes(xlsx_bytes({"慰问": rows}))
        load_path(store, first, isolated=False)
        at = start()
        at.switch_page("pages/manage.py").run()
        assert not at.exception, at.exception
        at.selectbox(key="sub_union_school").set_value("甲校").run()
        assert any(t("manage.sub_union_suggest", alias="语文组", name="语文分工会") in c.value for c in at.caption)
        at.button(key="sub|甲校|语文组|语文分工会").click().run()
        assert not at.exception, at.exception
        assert any("改了 1 行" in s.value for s in at.success), [s.value for s in at.success]
        by_school = store.query(
            "SELECT org, sub_union, sum(amount_yuan) AS yuan FROM welfare "
            "WHERE org IN ('甲校', '乙校') GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert by_school.values.tolist() == [["乙校", "语文组", 400], ["甲校", "语文分工会", 1100]]
        later = Path(folder) / "甲校补录.xlsx"
        later.write_bytes(xlsx_bytes({"慰问": [rows[0], ["2024.5.1", "甲校", "语文组", "生育慰问", "庚辛", 300]]}))
        load_path(store, later, isolated=False)
    assert store.scalar("SELECT sub_union FROM welfare WHERE recipient = '庚辛'") == "语文分工会"
    assert ("*", "sub_union", "语文组") not in load_user_mappings(store, "乙校").values


def test_the_whole_corpus_loads_through_the_upload_page_alone(app_db, corpus_dir):
    """Issue 11's done-when: every ledger of ../shared/ledgers through the pages only (no terminal): the
    demo cleared on 数据管理, all files chosen at once on 上传台账, a school typed where the page asks for
    one, the first file loaded with its own button and the rest with 导入全部; then every period of
    truth.json is reproduced.  (One click per file reran the page with every file's sections 27 times,
    about 30 s: issue 16.)"""
    from core.labels import t
    from tests.test_truth import TRUTH, assert_summary_matches

    at = start()
    at.switch_page("pages/manage.py").run()
    next(b for b in at.button if b.label == t("manage.clear_demo")).click().run()
    store = live_store()
    assert store.scalar("SELECT count(*) FROM batches") == 0
    files = sorted(corpus_dir.glob("*.xlsx"))
    at = _upload(at, *((p.name, p.read_bytes()) for p in files))
    for box in [x for x in at.text_input if (x.key or "").startswith("org|")]:
        if not box.value:
            box.set_value("示例学校").run()
    at.button(key=f"load_{hashlib.sha256(files[0].read_bytes()).hexdigest()}").click().run()
    assert not at.exception, at.exception
    assert store.scalar("SELECT count(*) FROM batches") == 1
    at.button(key="load_all").click().run()  # the rest (the one loaded says 已导入过)
    assert not at.exception, at.exception
    loaded = store.scalar("SELECT count(*) FROM batches")
    assert loaded == len(files), [s.value for s in at.info + at.error]
    for period, expected in TRUTH.items():
        assert_summary_matches(queries.summary(store, queries.Filters.of(period)), expected)
