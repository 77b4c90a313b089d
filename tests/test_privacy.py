"""Personal information (issue 20): loopback only, owner-only files, minimum necessary, forget, retention."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import stat
import tomllib
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

from core import erasure
from core.access import accounts_exist, is_loopback
from core.labels import t
from core.periods import Period
from core.privacy import id_checksum_ok, redact, wholly_withheld
from core.store import Store
from dashboard import __main__ as dashboard_cli
from dashboard import pack, queries, workbook
from loaders import __main__ as loaders_cli
from loaders.loading import load_path
from tests.helpers import SHARED, xlsx_bytes
from tests.test_pages import app_db, v2_navigation_only  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]
POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

ID_NUMBER = "110101199003074514"  # a valid check digit
ID_NUMBER_2 = "11010519491231002X"
MOBILE = "13812345678"
LANDLINE = "0571-87654321"
BANK_CARD = "6222020012345678901"
MEDICAL = "YB330100123456"
ADDRESS = "幸福路3号"
ESTATE = "阳光小区5栋2单元301室"
SECRETS = [ID_NUMBER, ID_NUMBER_2, MOBILE, "87654321", BANK_CARD, MEDICAL, ADDRESS, "阳光小区", "5栋2单元"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def all_text(store: Store) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value of every table of the store."""
    columns = store.query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND data_type = 'VARCHAR'"
    )
    out = []
    for table, column in columns.itertuples(index=False):
        values = store.query(f'SELECT DISTINCT "{column}" AS v FROM "{table}" WHERE "{column}" IS NOT NULL')["v"]
        out.extend((table, column, str(v)) for v in values)
    return out


# --- network ---------------------------------------------------------------------------------------


def test_config_binds_loopback_only():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("address", "local"),
    [
        (None, True),
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.168.1.23", False),
        ("10.0.0.5", False),
        ("fe80::1", False),
        ("2001:db8::1", False),
        ("not an address", False),
    ],
)
def test_is_loopback(address, local):
    assert is_loopback(address) is local


def test_no_accounts_yet(store):
    assert accounts_exist(store) is False  # issue 13 adds accounts


@pytest.mark.parametrize("page", ["overview", "welfare", "upload", "manage"])
def test_remote_client_gets_one_message_and_nothing_else(app_db, monkeypatch, page):  # noqa: F811
    # AppTest cannot seed st.context.ip_address (it comes from the session's client): fake the property.
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: "192.168.1.23"))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("privacy.remote_refused")]
    for kind in ("dataframe", "metric", "plotly_chart", "download_button", "file_uploader", "button", "selectbox"):
        assert not at.get(kind), kind
    assert not any(at.sidebar.get(k) for k in ("selectbox", "radio", "multiselect"))


def test_local_client_sees_the_app(app_db, monkeypatch):  # noqa: F811
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: None))  # what loopback reads as
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.error and at.get("metric")


# --- files -----------------------------------------------------------------------------------------


@POSIX
def test_store_wal_backup_and_exports_are_owner_only(tmp_path):
    previous = os.umask(0o022)  # a usual default: files 644 unless the product restricts them
    try:
        folder = tmp_path / "fresh"
        db = folder / "union.duckdb"
        with Store(db) as store:
            assert mode(folder) == 0o700
            assert mode(db) == 0o600
            store.set_meta("probe", "x")  # a commit leaves a write-ahead log until the checkpoint
            wal = Path(str(db) + ".wal")
            if wal.exists():
                assert mode(wal) == 0o600
            backup = store.backup(tmp_path / "backups" / "copy.duckdb")
            assert mode(backup) == 0o600
            assert mode(backup.parent) == 0o700
        os.umask(0o022)
        assert dashboard_cli.main(["backup", "--out", str(tmp_path / "cli.duckdb"), "--db", str(db)]) == 0
        assert mode(tmp_path / "cli.duckdb") == 0o600
        for suffix in (".xlsx", ".md", ".pptx"):
            os.umask(0o022)
            out = tmp_path / "exports" / f"report{suffix}"
            assert dashboard_cli.main(["report", "--period", "2022", "--out", str(out), "--db", str(db)]) == 0
            assert mode(out) == 0o600, suffix
        # a store made before this rule, mode 644, becomes the owner's only when opened
        os.umask(0o022)
        old = tmp_path / "old.duckdb"
        shutil.copy(db, old)
        old.chmod(0o644)
        with Store(old):
            assert mode(old) == 0o600
    finally:
        os.umask(previous)


@POSIX
def test_loader_cli_creates_owner_only_store(tmp_path, capsys):
    previous = os.umask(0o022)
    try:
        path = tmp_path / "ledgers"
        path.mkdir()
        rows = [["日期", "部门", "姓名", "类别", "金额"], ["2022-03-01", "语文组", "张三", "结婚慰问", 500]]
        (path / "福利.xlsx").write_bytes(xlsx_bytes({"慰问": rows}))
        db = tmp_path / "data" / "union.duckdb"
        assert loaders_cli.main([str(path), "--db", str(db)]) == 0
        assert mode(db) == 0o600 and mode(db.parent) == 0o700
    finally:
        os.umask(previous)


# --- minimum necessary -----------------------------------------------------------------------------


def test_value_patterns():
    assert id_checksum_ok(ID_NUMBER) and id_checksum_ok(ID_NUMBER_2) and not id_checksum_ok("110101199003074515")
    assert wholly_withheld(ID_NUMBER) == "身份证号"
    assert wholly_withheld(MOBILE) == "电话号码"
    assert wholly_withheld("138 1234 5678") == "电话号码"
    assert wholly_withheld(LANDLINE) == "电话号码"
    assert wholly_withheld(BANK_CARD) == "银行卡号"
    assert wholly_withheld(ESTATE) == "住址"
    assert wholly_withheld("浙江省杭州市西湖区文三路90号") == "住址"
    for harmless in ("张三", "2022年春节慰问", "第十三届三次教代会", "关于改善幸福路交通的建议", "500", "12号提案"):
        assert redact(harmless) == (harmless, frozenset()), harmless
    text, found = redact("住院治疗（腰椎手术），家住幸福路3号")
    assert found == {"住址"} and ADDRESS not in text and "〔已删除住址〕" in text
    text, found = redact(f"联系电话{MOBILE}，身份证{ID_NUMBER}")
    assert found == {"电话号码", "身份证号"} and MOBILE not in text and ID_NUMBER not in text


def _pii_ledger() -> bytes:
    header = [
        "序号",
        "日期",
        "部门",
        "姓名",
        "身份证号",
        "联系电话",
        "家庭住址",
        "医保号",
        "工资卡",
        "类别",
        "金额",
        "备注",
    ]
    rows = [
        ["2022年慰问金发放台账"],
        header,
        [
            1,
            "2022-03-08",
            "语文组",
            "张三",
            ID_NUMBER,
            MOBILE,
            ESTATE,
            MEDICAL,
            BANK_CARD,
            "住院慰问",
            500,
            f"住院治疗（腰椎手术），家住{ADDRESS}",
        ],
        [
            2,
            "2022-04-10",
            "数学组",
            "李四",
            ID_NUMBER_2,
            LANDLINE,
            "文三路90号",
            MEDICAL + "1",
            None,
            "结婚慰问",
            300,
            f"联系电话{MOBILE}",
        ],
        [3, "2022-05-12", "英语组", "王五", None, None, None, None, None, "生育慰问", 400, f"身份证{ID_NUMBER}"],
        [4, "2022-13-40", "英语组", "赵六", ID_NUMBER, MOBILE, ESTATE, None, None, "生育慰问", 200, f"家住{ESTATE}"],
        ["合计", None, None, None, None, None, None, None, None, None, 1400, None],
    ]
    return xlsx_bytes({"2022年": rows})


def test_ledger_with_identity_numbers_phones_and_addresses_stores_none(tmp_path, capsys):
    # 工资卡 is not a header the vocabulary knows as a bank card: its values give it away.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2022年慰问台账.xlsx").write_bytes(_pii_ledger())
    db = tmp_path / "pii.duckdb"
    assert loaders_cli.main([str(folder), "--db", str(db), "--accept-valid"]) == 1  # one bad date
    printed = capsys.readouterr().out
    # rows 1, 2 and 4 by the column, row 3 by its note; rejected row 4 counts too (its raw cells are kept)
    assert "已按最小必要原则不导入：身份证号（4 行）" in printed
    assert "电话号码（3 行）" in printed and "住址（3 行）" in printed
    assert "医保号（2 行）" in printed and "银行卡号（1 行）" in printed
    with Store(db) as store:
        assert float(store.scalar("SELECT sum(amount_yuan) FROM welfare")) == 1200.0
        assert store.scalar("SELECT count(*) FROM rejected_rows") == 1
        leaks = [(tb, c, v) for tb, c, v in all_text(store) for s in SECRETS if s in v.replace("-", "")]
        leaks += [(tb, c, v) for tb, c, v in all_text(store) for s in (LANDLINE, ADDRESS) if s in v]
        assert not leaks, leaks
        notes = set(store.query("SELECT note FROM welfare")["note"])
        assert "住院治疗(腰椎手术),家住〔已删除住址〕" in notes
        report = json.loads(store.scalar("SELECT report FROM batches"))
        assert report["sheets"][0]["withheld_note"].startswith("已按最小必要原则不导入：身份证号（4 行）")
        # exports: the congress workbook with its detail rows, the sentences and the deck
        current = queries.Filters(Period("year", 2022), None, ())
        data = pack.gather(store, current, None)
        book = openpyxl.load_workbook(io.BytesIO(workbook.build_workbook(data, pack.detail_rows(store, current))))
        cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c for c in cells for s in SECRETS if s in c]
        assert not [c for c in cells if "腰椎" in c or "住院治疗" in c], "health notes stay out of exports"
        assert t("privacy.note_hidden") in cells


def test_pii_column_is_dropped_whatever_its_header_says(store):
    data = xlsx_bytes(
        {
            "慰问": [
                ["日期", "部门", "姓名", "备注", "类别", "金额"],
                ["2022-03-01", "语文组", "张三", ID_NUMBER, "结婚慰问", 500],
                ["2022-03-02", "语文组", "李四", MOBILE, "结婚慰问", 500],
                ["2022-03-03", "语文组", "王五", ESTATE, "结婚慰问", 500],
            ]
        }
    )
    path = store.path + ".xlsx"
    Path(path).write_bytes(data)
    report, result = load_path(store, Path(path), isolated=False)
    assert result.status == "loaded"
    assert store.query("SELECT note FROM welfare")["note"].isna().all()
    assert report.sheets[0].withheld == {"身份证号": 1, "电话号码": 1, "住址": 1}


def test_sensitive_notes_hidden_in_pack_rows(store, tmp_path):
    data = xlsx_bytes(
        {
            "慰问": [
                ["日期", "姓名", "类别", "金额", "备注"],
                ["2022-03-01", "张三", "住院慰问", 500, "腰椎间盘突出"],
                ["2022-03-02", "李四", "结婚慰问", 500, "新婚"],
                ["2022-03-03", "王五", "节日慰问", 100, "母亲去世后困难"],
            ]
        }
    )
    path = tmp_path / "n.xlsx"
    path.write_bytes(data)
    load_path(store, path, isolated=False)
    rows = pack.detail_rows(store, queries.Filters(Period("year", 2022), None, ()))["福利慰问明细"]
    # Health or family notes say so; every other note is withheld from exports too (issue 12).
    assert list(rows["备注"]) == [t("privacy.note_hidden"), t("export.note_withheld"), t("privacy.note_hidden")]


# --- forget ----------------------------------------------------------------------------------------


def _truth_periods() -> list[str]:
    return list(json.loads((SHARED / "truth.json").read_text(encoding="utf-8")))


def _summaries(db: Path) -> dict[str, dict]:
    with Store(db) as store:
        return {p: queries.summary(store, queries.Filters.of(p)) for p in _truth_periods()}


def test_forget_a_2022_welfare_recipient(corpus_db, tmp_path, capsys):
    db = tmp_path / "forget.duckdb"
    shutil.copy(corpus_db, db)
    with Store(db) as store:
        names = store.query(
            "SELECT recipient, count(*) AS n FROM welfare WHERE year(date) = 2022 "
            "AND length(recipient) BETWEEN 2 AND 3 GROUP BY 1 ORDER BY n DESC, 1"
        )["recipient"]
        name = next(n for n in names if erasure.plan(store, erasure.Target(n)).total)
    before = _summaries(db)
    assert dashboard_cli.main(["forget", "--person", name, "--db", str(db), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "福利慰问" in out and "已删除人员-" in out
    assert _summaries(db) == before
    with Store(db) as store:
        assert not [(tb, c) for tb, c, v in all_text(store) if name in v]
        acts = store.query("SELECT action, detail FROM history")
        assert list(acts["action"]) == ["forget"] and name not in acts["detail"].iloc[0]
        pseudonym = json.loads(acts["detail"].iloc[0])["pseudonym"]
        assert store.scalar("SELECT count(*) FROM welfare WHERE recipient = ?", [pseudonym]) > 0
    # the same name again finds nothing
    assert dashboard_cli.main(["forget", "--person", name, "--db", str(db), "--yes"]) == 1


def _load_rows(store: Store, tmp_path: Path, name: str, sheets: dict, org: str | None = None) -> None:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(sheets))
    _, result = load_path(store, path, org=org, isolated=False)
    assert result.status == "loaded", result.message


def test_forget_needs_member_id_for_namesakes_and_org_for_two_schools(tmp_path, capsys):
    db = tmp_path / "twins.duckdb"
    with Store(db) as store:
        roster = [["工号", "姓名", "性别", "部门"], ["1001", "张伟", "男", "语文组"], ["1002", "张伟", "男", "数学组"]]
        _load_rows(store, tmp_path, "2022年会员名册.xlsx", {"名册": roster}, org="一中")
        welfare = [
            ["日期", "部门", "姓名", "类别", "金额", "备注"],
            ["2022-03-01", "语文组", "张伟", "结婚慰问", 500, None],
            ["2022-03-02", "数学组", "张伟", "生育慰问", 600, "张伟老师喜得千金"],
            ["2022-03-03", "数学组", "李娜、张伟", "节日慰问", 200, None],
        ]
        _load_rows(store, tmp_path, "2022年慰问.xlsx", {"慰问": welfare}, org="一中")
        _load_rows(
            store,
            tmp_path,
            "二中慰问.xlsx",
            {"慰问": [welfare[0], ["2022-05-01", "音乐组", "李娜", "结婚慰问", 800]]},
            org="二中",
        )
    assert dashboard_cli.main(["forget", "--person", "张伟", "--db", str(db), "--yes"]) == 2
    assert "--member-id" in capsys.readouterr().err
    assert dashboard_cli.main(["forget", "--person", "李娜", "--db", str(db), "--yes"]) == 2
    assert "--org" in capsys.readouterr().err
    before = _summaries_2022(db)
    assert dashboard_cli.main(["forget", "--person", "张伟", "--member-id", "1002", "--db", str(db), "--yes"]) == 0
    with Store(db) as store:
        welfare = store.query("SELECT sub_union, recipient, note FROM welfare WHERE org = '一中' ORDER BY date")
        assert welfare["recipient"].iloc[0] == "张伟"  # the namesake in 语文组 stays
        assert welfare["recipient"].iloc[1].startswith("已删除人员-")
        assert welfare["recipient"].iloc[2].startswith("李娜、已删除人员-")
        assert "张伟" not in welfare["note"].iloc[1]
        roster = store.query("SELECT staff_id, name FROM roster ORDER BY name")
        assert list(roster["name"]).count("张伟") == 1 and roster["staff_id"].isna().sum() == 1
    assert _summaries_2022(db) == before
    assert dashboard_cli.main(["forget", "--person", "李娜", "--org", "二中", "--db", str(db), "--yes"]) == 0
    with Store(db) as store:
        assert store.scalar("SELECT count(*) FROM welfare WHERE org = '一中' AND contains(recipient, '李娜')") == 1


def _summaries_2022(db: Path) -> dict:
    with Store(db) as store:
        return {org: queries.summary(store, queries.Filters.of("2022", org)) for org in (None, "一中", "二中")}


# --- retention -------------------------------------------------------------------------------------


def test_retention_on_a_fixed_clock(tmp_path, capsys):
    db = tmp_path / "retention.duckdb"
    with Store(db) as store:
        welfare = [
            ["日期", "部门", "姓名", "类别", "金额", "备注"],
            ["2018-03-01", "语文组", "老张", "住院慰问", 500, "胃癌手术"],
            ["2022-10-08", "语文组", "老李", "结婚慰问", 600, None],
            ["2024-03-01", "语文组", "老王", "生育慰问", 700, None],
        ]
        _load_rows(store, tmp_path, "慰问.xlsx", {"慰问": welfare})
        awards = [
            ["年度", "荣誉名称", "级别", "类型", "获奖对象"],
            [2018, "优秀教师", "市级", "个人", "老张"],
            [2018, "先进集体", "市级", "集体", "语文组"],
        ]
        _load_rows(store, tmp_path, "获奖.xlsx", {"获奖": awards})
        assert erasure.retention_years(store) is None  # default off
        assert erasure.apply_retention(store, dt.date(2026, 6, 1)) == (0, None)
        assert erasure.oldest_named(store) == dt.date(2018, 3, 1)
        before = {y: queries.summary(store, queries.Filters.of(str(y))) for y in (2018, 2022, 2024)}
    today = "2026-06-01"
    assert dashboard_cli.main(["retention", "apply", "--years", "3", "--today", today, "--db", str(db)]) == 0
    assert "2023-06-01" in capsys.readouterr().out
    with Store(db) as store:
        rows = store.query("SELECT recipient, note FROM welfare ORDER BY date")
        assert rows["recipient"].iloc[0].startswith("已删除人员-") and rows["note"].iloc[0] is None
        # 2022-10 belongs to the 2022-2023 academic year, which ended 2023-08-31: not yet due
        assert list(rows["recipient"].iloc[1:]) == ["老李", "老王"]
        awards = store.query("SELECT award_type, recipient FROM awards ORDER BY award_type")
        assert dict(awards.itertuples(index=False)) == {"个人": rows["recipient"].iloc[0], "集体": "语文组"}
        assert erasure.retention_years(store) == 3
        assert erasure.oldest_named(store) == dt.date(2022, 10, 8)
        assert {y: queries.summary(store, queries.Filters.of(str(y))) for y in (2018, 2022, 2024)} == before
        assert "老张" not in store.scalar("SELECT string_agg(detail, '') FROM history")
    # a year later the 2022-2023 academic year is past too (the stored setting applies)
    assert dashboard_cli.main(["retention", "apply", "--today", "2027-06-01", "--db", str(db)]) == 0
    with Store(db) as store:
        assert store.scalar("SELECT recipient FROM welfare WHERE year(date) = 2022").startswith("已删除人员-")
        assert store.scalar("SELECT recipient FROM welfare WHERE year(date) = 2024") == "老王"


# --- pages -----------------------------------------------------------------------------------------


def _start() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_upload_page_reports_what_was_not_imported(app_db):  # noqa: F811
    at = _start()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="uploader").set_value(("2022年慰问台账.xlsx", _pii_ledger(), "application/octet-stream")).run()
    assert not at.exception
    notes = [i.value for i in at.info if "已按最小必要原则不导入" in i.value]
    assert notes and "身份证号（4 行）" in notes[0]
    shown = " ".join(str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel())
    assert not [s for s in SECRETS if s in shown]
    assert "腰椎" not in shown  # the preview hides health notes


def test_welfare_rows_hide_sensitive_notes_until_revealed(app_db, tmp_path):  # noqa: F811
    at = _start()
    from dashboard.app import get_store

    path = tmp_path / "2022年慰问台账.xlsx"
    path.write_bytes(_pii_ledger())
    load_path(get_store(), path, accept_valid=True, isolated=False)
    at.switch_page("pages/welfare.py").run()
    period = at.selectbox(key="f_period_year")
    period.set_value(next(o for o in period.options if "2022" in o)).run()

    def notes() -> list[str]:
        frame = next(d.value for d in at.dataframe if "备注" in d.value.columns)
        return [n for n in frame["备注"] if isinstance(n, str)]

    hidden = notes()
    assert t("privacy.note_hidden") in hidden
    at.toggle(key="reveal_福利慰问").set_value(True).run()
    revealed = notes()
    assert t("privacy.note_hidden") not in revealed and len(revealed) == len(hidden)
    assert "住院治疗(腰椎手术),家住〔已删除住址〕" in revealed
    assert list(get_store().query("SELECT action FROM history")["action"]) == ["reveal_notes"]


def test_manage_page_forgets_a_person(app_db):  # noqa: F811
    at = _start()
    from dashboard.app import get_store

    store = get_store()
    name = store.scalar(
        "SELECT recipient FROM welfare WHERE length(recipient) = 3 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    before = queries.summary(store, queries.Filters.of("2025"))
    at.switch_page("pages/manage.py").run()
    at.text_input[0].set_value(name)
    next(b for b in at.button if b.label == "查看将处理的数据").click().run()
    assert any("福利慰问" in str(d.value) for d in at.dataframe)
    at.checkbox(key="forget_confirm").check().run()
    at.button(key="forget_go").click().run()
    assert any("已删除人员-" in s.value for s in at.success), [s.value for s in at.success]
    assert not [(tb, c) for tb, c, v in all_text(store) if name in v]
    assert queries.summary(store, queries.Filters.of("2025")) == before


def test_compact_leaves_no_erased_name_in_the_store_file(corpus_db, tmp_path):
    """DuckDB keeps an updated string's old bytes in the file; `dashboard compact` rewrites the file without them."""
    import subprocess
    import sys

    from tests.cli_inprocess import run_cli
    from tests.conftest import copy_store
    from tests.test_truth import TRUTH, assert_summary_matches

    db = copy_store(corpus_db, tmp_path / "file.duckdb")
    with Store(db) as store:
        name = store.scalar("SELECT max(recipient) FROM welfare WHERE length(recipient) = 3")
        erasure.forget(store, erasure.plan(store, erasure.Target(name)))
    assert db.read_bytes().count(name.encode()) > 0  # the gap compact closes
    done = run_cli("compact", "--db", str(db))  # in this process; the refusal below needs another one
    assert done.returncode == 0, done.stderr
    assert "已重写数据库文件" in done.stdout
    assert db.read_bytes().count(name.encode()) == 0
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob(".file.duckdb.compact-*"))
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM welfare WHERE recipient = ?", [name]) == 0
        for period, expected in TRUTH.items():
            assert_summary_matches(queries.summary(store, queries.Filters.of(period)), expected)
    # a store another process holds is refused, nothing replaced
    with Store(db):
        busy = subprocess.run(
            [sys.executable, "-m", "dashboard", "compact", "--db", str(db)], capture_output=True, text=True, cwd=ROOT
        )
    assert busy.returncode == 2 and "Traceback" not in busy.stderr


def test_one_pass_pre_test_answers_as_the_two_pass_one():
    """loaders.validation._may_hold (one RE2 pass, the folded pass only where NFKC could change a value)
    gives core.privacy.may_hold_mask's answer for every value: full-width digits and spaces, a
    compatibility ideograph that NFKC folds to 路, circled and enclosed numbers, ＴＥＬ, plain names."""
    import pandas as pd
    import pyarrow as pa

    from core.privacy import may_hold_mask
    from loaders.validation import _may_hold

    values = [
        "教工123",
        "张三",
        "第3分工会",
        "１３８１２３４５６７８",
        "138 1234 5678",
        "0571\u30008888 1234",
        "幸福\uf9373号",  # U+F937, NFKC → 路
        "㉑㉒㉓㉔",  # NFKC → 21222324 (eight digits)
        "ＴＥＬ：见备注",
        "电话见备注",
        "住院慰问（腰椎手术）",
        "2023年1月1日",
        "",
        None,
    ]
    expected = may_hold_mask(values).tolist()
    assert expected[:3] == [False, False, False] and expected[3] and expected[6] and expected[7] and expected[8]
    assert _may_hold(pa.array(values, pa.string())).tolist() == expected
    assert _may_hold(pd.Series(values, dtype="string")).tolist() == expected
    assert _may_hold(values).tolist() == expected
