"""The store under interruption: rollback on any exit, isolation, kill -9, another process, backups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from core.store import Store, StoreBusy
from dashboard import queries
from loaders.analysis import analyse_file
from loaders.loading import commit_file
from tests.conftest import made_once
from tests.helpers import store_content, xlsx_bytes

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）"]


def ledger(n: int, amount: int = 100, year: int = 2022, tag: str = "") -> bytes:
    rows = [[i, f"{year}.3.8", "机关分工会", "结婚慰问", f"员工{tag}{i}", 1, amount] for i in range(1, n + 1)]
    return xlsx_bytes({"慰问": [HEADER, *rows]})


class Rerun(BaseException):
    """Stands in for Streamlit's RerunException / StopException (BaseException subclasses)."""


def test_rollback_on_base_exception(store, monkeypatch):
    commit_file(store, analyse_file(ledger(3), "first.xlsx"))
    before = store_content(store)
    real = Store.insert_frame

    def interrupted(self, cur, kind, frame):
        real(self, cur, kind, frame)
        raise Rerun()  # a widget click arrives in the middle of the load

    monkeypatch.setattr(Store, "insert_frame", interrupted)
    with pytest.raises(Rerun):
        commit_file(store, analyse_file(ledger(5, tag="b"), "second.xlsx"))
    assert store_content(store) == before
    # the store is usable afterwards (no transaction left open)
    monkeypatch.undo()
    assert commit_file(store, analyse_file(ledger(5, tag="b"), "second.xlsx")).status == "loaded"


def test_readers_never_see_half_a_batch(store):
    inserted, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def writer():
        with store.transaction() as cur:
            cur.execute("INSERT INTO batches VALUES (99, 'x.xlsx', 'sha', 'welfare', 1, 0, 0, now(), false, '')")
            cur.execute(
                "INSERT INTO welfare (org, date, amount_yuan, batch_id, source_file, source_sheet, source_row) "
                "VALUES ('本校工会', DATE '2022-03-08', 500, 99, 'x.xlsx', 's', 2)"
            )
            inserted.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert inserted.wait(10)
    seen.append(store.row_count("welfare"))
    seen.append(int(store.scalar("SELECT count(*) FROM batches")))
    release.set()
    thread.join(10)
    assert seen == [0, 0]
    assert store.row_count("welfare") == 1


KILL_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from core.store import Store
    from loaders.loading import load_path
    with Store(sys.argv[1]) as store:
        for path in sorted(Path(sys.argv[2]).glob("*.xlsx")):
            print("loading", path.name, flush=True)
            load_path(store, path, isolated=False)
    print("done", flush=True)
    """
)


def _invariants(db: Path) -> dict[int, int]:
    """Every batch has exactly its rows; no row without its batch.  Returns batch → rows."""
    with Store(db) as store:
        batches = store.query("SELECT batch_id, rows_accepted FROM batches")
        rows = store.query("SELECT batch_id, count(*) AS n FROM welfare GROUP BY 1")
    declared = dict(zip(batches["batch_id"], batches["rows_accepted"], strict=True))
    actual = dict(zip(rows["batch_id"], rows["n"], strict=True))
    assert declared == actual
    return declared


@pytest.fixture(scope="session")
def ledger_folder(tmp_path_factory):
    """Six 8,000-row ledgers (written once per run, shared by the xdist workers: only read)."""

    def make(folder: Path) -> None:
        folder.mkdir()
        for i in range(6):  # the rows of ledger(8_000, tag=str(i)), by openpyxl's faster write-only workbook
            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet("慰问")
            sheet.append(HEADER)
            for n in range(1, 8_001):
                sheet.append([n, "2022.3.8", "机关分工会", "结婚慰问", f"员工{i}{n}", 1, 100])
            book.save(folder / f"f{i}.xlsx")

    return made_once(tmp_path_factory, "kill-ledgers", make)


@pytest.mark.parametrize("delay", [0.2, 0.7, 1.3, 2.1])
def test_kill_9_during_loads_leaves_earlier_batches_intact(tmp_path, ledger_folder, delay):
    db = tmp_path / "k.duckdb"
    with Store(db) as store:
        commit_file(store, analyse_file(ledger(10, amount=7, year=2021), "earlier.xlsx"))
        earlier = store_content(store)
    folder = ledger_folder
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(db), str(folder)], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().startswith("loading")  # the child is inside its first load now
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    batches = _invariants(db)
    assert 1 <= len(batches) <= 7
    with Store(db) as store:
        after = store_content(store)
        assert queries.welfare_totals(store, queries.Filters.of(2021))["total_yuan"] == 70.0
    for table in ("welfare", "batches"):
        assert set(earlier[table]) <= set(after[table])


HOLDER = (
    "import sys, time; from core.store import Store; s = Store(sys.argv[1]); print('open', flush=True); time.sleep(60)"
)


def test_second_process_gets_busy_message_not_a_crash(tmp_path):
    db = tmp_path / "busy.duckdb"
    Store(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreBusy, match="数据库正忙"):
            Store(db)
        file = tmp_path / "a.xlsx"
        file.write_bytes(ledger(2))
        cli = subprocess.run(
            [sys.executable, "-m", "loaders", str(file), "--db", str(db)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert cli.returncode == 2
        assert "数据库正忙" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        holder.kill()
        holder.wait(10)


def test_backup_is_a_consistent_copy(tmp_path):
    db = tmp_path / "main.duckdb"
    with Store(db) as store:
        commit_file(store, analyse_file(ledger(4, amount=250), "a.xlsx"))
    out = tmp_path / "backup" / "copy.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "backup", "--db", str(db), "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "已备份到" in done.stdout
    summary = [sys.executable, "-m", "dashboard", "summary", "--period", "2022", "--json", "--db"]
    original = json.loads(
        subprocess.run([*summary, str(db)], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    )
    copied = json.loads(
        subprocess.run([*summary, str(out)], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    )
    assert copied == original and copied["welfare"]["total_yuan"] == 1000.0
    # the copy is a working store: loading into it continues the batch numbering
    with Store(out) as restored:
        result = commit_file(restored, analyse_file(ledger(1, tag="z"), "b.xlsx"))
        assert result.batch_id == 2
    again = subprocess.run(
        [sys.executable, "-m", "dashboard", "backup", "--db", str(db), "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "已存在" in again.stderr
