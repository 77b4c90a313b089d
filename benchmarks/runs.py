"""The benchmark parts: ingest against fastexcel, page scripts in AppTest, summary, congress pack.

Each part returns a flat dict of figures (medians in ms, memory in MB) for the table
and the JSON; none asserts a time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "overview",
    "welfare",
    "activities",
    "proposals",
    "awards",
    "outreach",
    "report",
    "compliance",
    "district",
    "upload",
    "manage",
]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def write_ledger(path: Path, rows: int, seed: int = 1) -> float:
    """A welfare ledger .xlsx as clerks keep it (title row, mixed date forms, 合计 row); returns its total in 元."""
    import xlsxwriter

    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("2023年")
    date_format = book.add_format({"num_format": "yyyy年m月d日"})
    sheet.write_row(0, 0, ["某某学校工会2023年慰问及福利发放台账"])
    sheet.write_row(1, 0, ["序号", "日期", "分工会", "类别", "姓名", "人数", "金额（元）", "经办人", "备注", "工号"])
    categories = ["生病住院慰问", "住院慰问", "结婚慰问", "生育慰问", "节日福利", "春节福利", "生日慰问", "光荣退休"]
    total = 0
    for i in range(rows):
        r = i + 2
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        form = rng.random()
        sheet.write_number(r, 0, i + 1)
        if form < 0.6:
            sheet.write_datetime(r, 1, dt.datetime(day.year, day.month, day.day), date_format)
        elif form < 0.8:
            sheet.write_string(r, 1, f"{day.year}年{day.month}月{day.day}日")
        else:
            sheet.write_string(r, 1, f"{day.year}.{day.month}.{day.day}")
        sheet.write_string(r, 2, f"第{rng.randint(1, 20)}分工会")
        sheet.write_string(r, 3, rng.choice(categories))
        sheet.write_string(r, 4, f"教工{rng.randint(1, 99999)}")
        if rng.random() < 0.8:
            sheet.write_number(r, 5, 1)
        amount = rng.choice([300, 500, 800, 1000])
        total += amount
        sheet.write_number(r, 6, amount)
        sheet.write_string(r, 7, "王会计")
        sheet.write_string(r, 9, f"{rng.randint(2000000, 2099999)}")
    sheet.write_row(rows + 3, 0, ["合计", "", "", "", "", "", total])
    book.close()
    return float(total)


def _tiny_ledger(folder: Path) -> bytes:
    path = folder / "tiny.xlsx"
    write_ledger(path, 3, seed=2)
    return path.read_bytes()


def _raw_fastexcel(data: bytes) -> int:
    import fastexcel

    return fastexcel.read_excel(data).load_sheet(0, header_row=None).to_arrow().num_rows


# The lake the benchmark measures instead of files (``--store lake``), or None for the embedded file.
LAKE = None


def open_store(db: Path):
    """The store under test: the file ``db``, or the configured lake when :data:`LAKE` is set."""
    from core.store import Store

    return Store(lake=LAKE) if LAKE is not None else Store(db)


def _full_ingest(data: bytes, name: str, db: Path, timer: list[float] | None = None) -> int:
    """Checks, isolated parse, validation and the one-transaction commit into the store at ``db``; rows loaded.

    The store is opened (and its schema created) before the clock starts, as in the app,
    where it is open already; ``timer`` receives the seconds of the ingest itself.  In a lake
    the batch is removed again after the clock stops, so that the next round is not a duplicate.
    """
    from loaders.loading import commit_file, remove_batch
    from loaders.sandbox import analyse_isolated

    with open_store(db) as store:
        start = time.perf_counter()
        report = analyse_isolated(data, name)
        result = commit_file(store, report)
        if timer is not None:
            timer.append(time.perf_counter() - start)
        if result.status != "loaded":
            raise RuntimeError(result.message)
        loaded = int(store.scalar("SELECT count(*) FROM welfare WHERE batch_id = ?", [result.batch_id]))
        if LAKE is not None:
            remove_batch(store, result.batch_id)
        return loaded


def ingest(rows: int, rounds: int = 3) -> dict[str, float]:
    """Full ingest (checks, isolated parse, validation, one-transaction commit) vs a raw fastexcel read.

    Alternates the two in each round on the same file; reports medians, the ratio and
    the peak memory of one ingest run in its own process (with its parsing child).
    """
    return _ingest(rows, rounds, [LAKE])[0]


def ingest_side_by_side(rows: int, rounds: int, lake: object) -> tuple[dict[str, float], dict[str, float]]:
    """``--store both``: :func:`ingest` into the file and into ``lake``, alternating round by round.

    Each round ingests the same ledger into a file and into the lake (the order swapped every round),
    so that a busy machine's load falls on both alike rather than on whichever ran second; returns
    (the file's figures, the lake's figures).
    """
    file_figures, lake_figures = _ingest(rows, rounds, [None, lake])
    return file_figures, lake_figures


def _ingest(rows: int, rounds: int, targets: list[object]) -> list[dict[str, float]]:
    """The figures of :func:`ingest` for each store of ``targets`` (None: a new file per round; else a lake)."""
    global LAKE
    saved = LAKE
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ledger.xlsx"
            total = write_ledger(path, rows)
            data = path.read_bytes()
            raw: list[list[float]] = [[] for _ in targets]
            full: list[list[float]] = [[] for _ in targets]
            for j, target in enumerate(targets):  # start the forkserver; a lake's first catalog reads
                LAKE = target
                _full_ingest(_tiny_ledger(Path(folder)), "warm-up.xlsx", Path(folder) / f"warm{j}.duckdb")
            for i in range(rounds):
                for j in range(len(targets)) if i % 2 == 0 else reversed(range(len(targets))):
                    LAKE = targets[j]
                    start = time.perf_counter()
                    assert _raw_fastexcel(data) >= rows
                    raw[j].append(time.perf_counter() - start)
                    loaded = _full_ingest(data, path.name, Path(folder) / f"round{i}-{j}.duckdb", full[j])
                    if loaded != rows:
                        raise RuntimeError(f"loaded {loaded} rows of {rows}")
            LAKE = None
            peak = _peak_memory(path, Path(folder) / "peak.duckdb") if None in targets else None
    finally:
        LAKE = saved
    results = []
    for j, target in enumerate(targets):
        raw_ms, full_ms = _ms(statistics.median(raw[j])), _ms(statistics.median(full[j]))
        figures = {
            "ingest_rows": rows,
            "ingest_total_yuan": total,
            "fastexcel_read_ms": raw_ms,
            "ingest_ms": full_ms,
            "ingest_ratio_vs_fastexcel": round(full_ms / raw_ms, 2),
        }
        if target is None and peak is not None:
            figures["ingest_peak_memory_mb"] = peak
        results.append(figures)
    return results


PEAK_CHILD = """
import resource, sys
from pathlib import Path
from benchmarks.runs import _full_ingest
path = Path(sys.argv[1])
_full_ingest(path.read_bytes(), path.name, Path(sys.argv[2]))
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(max(own, children))
"""


def _peak_memory(path: Path, db: Path) -> float:
    """Peak resident memory (MB) of one ingest: the process or its parsing child, whichever is larger."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_CHILD, str(path), str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return round(int(out.stdout.strip().splitlines()[-1]) / 1024, 1)


@contextlib.contextmanager
def _app_tests(db: Path) -> Iterator[Callable[[], object]]:
    """AppTest over ``db`` as a server runs the app: yields a maker of a fresh session (new AppTest,
    empty caches, empty script cache).

    As in a server, the compiled scripts are kept between the runs of one session (AppTest alone
    would compile streamlit_app.py and the page again on every run, 25–60 ms here that a user never
    waits for); each session starts with an empty script cache, so a page's cold run includes its compile.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner

    if LAKE is None:
        os.environ["UNION_DB"] = str(db)
        os.environ.pop("UNION_STORE", None)
    else:  # the app opens the lake: UNION_STORE=ducklake and no UNION_DB
        os.environ.pop("UNION_DB", None)
        os.environ.update(UNION_STORE="ducklake", UNION_LAKE_CATALOG=LAKE.catalog, UNION_LAKE_DATA=LAKE.data_path)
    original = PagesManager.__init__
    shared = [ScriptCache()]

    def init(self, *args, **kwargs):  # AppTest 1.67 and a pages/ folder: see tests/test_pages.py
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    def session() -> AppTest:
        st.cache_data.clear()
        st.cache_resource.clear()
        shared[0] = ScriptCache()
        return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)

    PagesManager.__init__ = init
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared[0]
    try:
        yield session
    finally:
        PagesManager.__init__ = original
        app_test.ScriptCache = local_script_runner.ScriptCache = ScriptCache
        st.cache_data.clear()
        st.cache_resource.clear()


RERUN_PAUSE_S = 1.2  # longer than core.store.LAKE_VERSION_TTL_S


def _app_store():
    """The store the app in this process holds open (dashboard.app.get_store)."""
    from dashboard.app import get_store

    return get_store()


def pages(db: Path, rounds: int = 3, only: list[str] | None = None, pause: float = RERUN_PAUSE_S) -> dict[str, float]:
    """Every page's script (or those ``only`` names) run in AppTest over ``db``: cold (caches cleared,
    new store), warm (rerun at once) and rerun (after a pause of ``pause`` s, by default :data:`RERUN_PAUSE_S`, as a
    user's next click: in a lake the snapshot id is then asked of the catalog again)."""
    import streamlit as st

    figures: dict[str, float] = {}
    startup: list[float] = []
    with _app_tests(db) as session:
        for page in only or PAGES:
            cold, warm, rerun = [], [], []
            for _ in range(rounds):
                at = session()
                start = time.perf_counter()
                at.run()  # app start: opens the store, draws 总览
                startup.append(time.perf_counter() - start)
                st.cache_data.clear()  # cold: no cached query results (nor results the lake store keeps)
                _app_store().forget_reads()
                start = time.perf_counter()
                at.switch_page(f"pages/{page}.py").run()
                cold.append(time.perf_counter() - start)
                if at.exception:
                    raise RuntimeError(f"{page}: {at.exception[0].value}")
                start = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - start)
                time.sleep(pause)
                start = time.perf_counter()
                at.run()
                rerun.append(time.perf_counter() - start)
            figures[f"page_{page}_cold_ms"] = _ms(statistics.median(cold))
            figures[f"page_{page}_warm_ms"] = _ms(statistics.median(warm))
            figures[f"page_{page}_rerun_ms"] = _ms(statistics.median(rerun))
    figures["app_start_ms"] = _ms(statistics.median(startup))
    return figures


def profile(db: Path, page: str, top: int = 30, pause: float = 0.0) -> str:
    """Where a warm run of ``page`` spends its time: cProfile of the script thread, by cumulative time.

    The store is the file ``db`` or, with :data:`LAKE` set, the lake.  ``pause`` seconds pass before
    the profiled run (a user's next click: in a lake, the snapshot id is then asked of the catalog again).
    """
    import cProfile
    import io
    import pstats

    from streamlit.runtime.scriptrunner import script_runner

    profiler = cProfile.Profile()
    original = script_runner.ScriptRunner._run_script_thread

    def profiled(self, *args, **kwargs):  # AppTest runs the script in its own thread
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    with _app_tests(db) as session:
        at = session()
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        at.run()
        time.sleep(pause)
        script_runner.ScriptRunner._run_script_thread = profiled
        try:
            at.run()
        finally:
            script_runner.ScriptRunner._run_script_thread = original
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def summary(db: Path, year: int, rounds: int = 5) -> dict[str, float]:
    """``summary`` for a calendar year and an academic year: each call on its own (what a command or a
    new filter pays: in a lake nothing kept from the call before), and again at once (in a lake, answered
    from the reads the store keeps for the current snapshot; a file reads again)."""
    from dashboard import queries

    figures = {}
    with open_store(db) as store:  # same configuration as the app's connection in this process
        for label, period in (("year", str(year)), ("academic", f"{year - 1}-{year}学年")):
            first, again = [], []
            for _ in range(rounds):
                store.forget_reads()
                start = time.perf_counter()
                queries.summary(store, queries.Filters.of(period))
                first.append(time.perf_counter() - start)
                start = time.perf_counter()
                queries.summary(store, queries.Filters.of(period))
                again.append(time.perf_counter() - start)
            figures[f"summary_{label}_ms"] = _ms(statistics.median(first))
            figures[f"summary_{label}_again_ms"] = _ms(statistics.median(again))
    return figures


def pack(db: Path, year: int, rounds: int = 3) -> dict[str, float]:
    """The congress pack (figures, PPTX, sentences, workbook) for one school and for the whole district."""
    from dashboard import deck, queries, sentences, workbook
    from dashboard import pack as pack_data

    figures = {}
    with open_store(db) as store:  # same configuration as the app's connection in this process
        school = queries.organisations(store)[0]
        for label, org in (("school", school), ("district", None)):
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                current = queries.Filters.of(year, org)
                data = pack_data.gather(store, current, current.with_period(current.period.previous()))
                deck.build_deck(data)
                sentences.as_markdown(data)
                workbook.build_workbook(data, pack_data.detail_rows(store, current))
                times.append(time.perf_counter() - start)
            figures[f"pack_{label}_ms"] = _ms(statistics.median(times))
    return figures


def max_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# The stages of an ingest, as (label, module, function): timed by wrapping each function in place.
INGEST_STAGES = (
    ("read: whole (reader thread, checks and XML scan beside it)", "loaders.analysis", "read_sheets"),
    ("read: checks before parsing (beside the reader)", "loaders.reading", "check_file"),
    ("read: scan of the sheet XML (beside the reader)", "loaders.reading", "scan_sheet_xml"),
    ("read: invisible characters", "loaders.reading", "_clean_frame"),
    ("detection", "loaders.analysis", "detect_layout"),
    ("validation: whole", "loaders.analysis", "validate_sheet"),
    ("validation: row classes", "loaders.validation", "classify_rows"),
    ("validation: withheld columns", "loaders.validation", "_withhold_columns"),
    ("validation: redaction", "loaders.validation", "_redact_records"),
    ("validation: records to Arrow", "loaders.validation", "_to_arrow"),
    ("recognised values", "loaders.analysis", "recognised_values"),
)


def ingest_stages(rows: int, rounds: int = 3) -> str:
    """Where one ingest spends its time, stage by stage, in this process (no reading child): wall and CPU
    (ms, medians) of each stage, of the pickling a child's report travels by, of the commit, and of a raw
    fastexcel read of the same file in the same rounds.  CPU counts every thread of the process, so a
    stage with work beside it (the read) shows that work too."""
    import importlib
    import pickle

    from loaders.analysis import analyse_file
    from loaders.loading import commit_file

    spent: dict[str, list[float]] = {label: [0.0, 0.0] for label, _, _ in INGEST_STAGES}

    def timed(label, function):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label][0] += time.perf_counter() - wall
                spent[label][1] += time.process_time() - cpu

        return wrapper

    originals = []
    for label, module_name, name in INGEST_STAGES:
        module = importlib.import_module(module_name)
        originals.append((module, name, getattr(module, name)))
        setattr(module, name, timed(label, getattr(module, name)))
    runs: list[dict[str, tuple[float, float]]] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ledger.xlsx"
            write_ledger(path, rows)
            data = path.read_bytes()
            analyse_file(_tiny_ledger(Path(folder)), "warm-up.xlsx")
            for i in range(rounds):
                spent.update({label: [0.0, 0.0] for label, _, _ in INGEST_STAGES})
                wall, cpu = time.perf_counter(), time.process_time()
                _raw_fastexcel(data)
                got = {"fastexcel read (raw)": (time.perf_counter() - wall, time.process_time() - cpu)}
                with open_store(Path(folder) / f"round{i}.duckdb") as store:
                    start = time.perf_counter(), time.process_time()
                    report = analyse_file(data, path.name, check="alongside")
                    got["analysis (as in the child)"] = (time.perf_counter() - start[0], time.process_time() - start[1])
                    step = time.perf_counter(), time.process_time()
                    report = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
                    got["report through the pipe (pickle)"] = (
                        time.perf_counter() - step[0],
                        time.process_time() - step[1],
                    )
                    step = time.perf_counter(), time.process_time()
                    result = commit_file(store, report)
                    got["commit"] = (time.perf_counter() - step[0], time.process_time() - step[1])
                    got["ingest in process"] = (time.perf_counter() - start[0], time.process_time() - start[1])
                    if result.status != "loaded":
                        raise RuntimeError(result.message)
                got.update({label: (w, c) for label, (w, c) in spent.items()})
                runs.append(got)
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
    width = max(len(k) for k in runs[0])
    lines = [f"{'stage'.ljust(width)}  {'wall ms':>8}  {'cpu ms':>8}"]
    for key in runs[0]:
        wall = statistics.median(r[key][0] for r in runs)
        cpu = statistics.median(r[key][1] for r in runs)
        lines.append(f"{key.ljust(width)}  {_ms(wall):>8}  {_ms(cpu):>8}")
    return "\n".join(lines)
