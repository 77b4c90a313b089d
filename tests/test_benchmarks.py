"""The benchmark runs end to end at a small size (CI keeps it from rotting); no timing is asserted."""

from __future__ import annotations

import json

from benchmarks import district, runs
from core.store import Store
from dashboard import queries


def test_small_benchmark_runs_and_reports_every_figure(tmp_path, capsys):
    """``python -m benchmarks --small --json FILE`` through its ``main(argv)`` in this process (a new
    interpreter cost seconds of imports and, in its AppTest runs, Streamlit's package scan that
    tests/conftest.py does once per worker: issue 16)."""
    from benchmarks.__main__ import main

    out = tmp_path / "bench.json"
    assert main(["--small", "--json", str(out)]) == 0
    assert "ingest_rows" in capsys.readouterr().out  # the table
    figures = json.loads(out.read_text())
    assert figures["ingest_rows"] == 5_000
    assert figures["store_welfare_rows"] == 2 * 2 * district.WELFARE_PER_SCHOOL_YEAR
    for page in runs.PAGES:
        assert figures[f"page_{page}_cold_ms"] > 0 and figures[f"page_{page}_warm_ms"] > 0
    for key in (
        "ingest_ratio_vs_fastexcel",
        "ingest_peak_memory_mb",
        "summary_year_ms",
        "summary_academic_ms",
        "pack_school_ms",
        "pack_district_ms",
    ):
        assert figures[key] > 0


def test_district_store_has_the_requested_size(tmp_path):
    db = tmp_path / "d.duckdb"
    sizes = district.build(db, schools=3, years=2)
    with Store(db) as store:
        for table, rows in sizes.items():
            assert store.row_count(table) == rows
        assert len(queries.organisations(store)) == 3
        year = district.FIRST_YEAR + 1
        assert queries.members_total(store, queries.Filters.of(year)) == 3 * district.SUB_UNIONS * 60


def test_benchmark_ledger_loads_with_its_own_total(tmp_path):
    path = tmp_path / "ledger.xlsx"
    total = runs.write_ledger(path, 300)
    db = tmp_path / "i.duckdb"
    assert runs._full_ingest(path.read_bytes(), path.name, db) == 300
    with Store(db) as store:
        assert queries.welfare_totals(store, queries.Filters.of(2023))["total_yuan"] == total


def test_ingest_stages_name_every_stage_and_load_the_ledger():
    """``ingest --stages``: a line per stage, each stage ran (CPU > 0 where it does work), the wrapped
    functions are put back afterwards."""
    import loaders.analysis
    import loaders.validation

    before = (loaders.analysis.validate_sheet, loaders.validation.classify_rows)
    text = runs.ingest_stages(300, rounds=1)
    assert (loaders.analysis.validate_sheet, loaders.validation.classify_rows) == before
    lines = {line[:60].strip(): line.split()[-2:] for line in text.splitlines()[1:]}
    expected = {label[:60].strip() for label, _, _ in runs.INGEST_STAGES} | {
        "fastexcel read (raw)",
        "analysis (as in the child)",
        "report through the pipe (pickle)",
        "commit",
        "ingest in process",
    }
    assert set(lines) == expected
    for stage in ("commit", "ingest in process", "validation: whole", "detection"):
        assert float(lines[stage][0]) > 0
