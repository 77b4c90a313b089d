"""The core package: layering of imports, frozen migrations, strict inserts."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core import store as store_module
from core.store import KIND_TABLES, MIGRATIONS, SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[1]
# pages → dashboard → loaders → core: what each package may import of ours.
ALLOWED = {
    "core": {"core"},
    "loaders": {"core", "loaders"},
    "dashboard": {"core", "loaders", "dashboard"},
    "pages": {"dashboard"},
}


# Imported inside a function on purpose (issue 16, first start): dashboard.app leaves the loaders, the .xlsx
# workbook (openpyxl) and the congress pack out of 总览's first run; demo_store needs the loaders only to
# rebuild the snapshot.  Every other import of ours stays at the top of its module.
IN_FUNCTION = {
    "dashboard/app.py": ("loaders.loading", "dashboard.pack", "dashboard.workbook"),
    "dashboard/demo_store.py": ("loaders.loading",),
    # streamlit_app.py imports dashboard.serve when the server starts: the heavy modules load in its warm-up thread.
    "dashboard/serve.py": ("dashboard.app", "dashboard.charts"),
}


def _our_imports(path: Path) -> list[tuple[str, bool]]:
    """(dotted name, inside a function?) of every import of ours in ``path`` (from a import b: a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ALLOWED:
                found.append((name, id(node) in nested))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_point_down_only(package):
    offending = []
    for path in sorted((ROOT / package).glob("*.py")):
        lazy = IN_FUNCTION.get(f"{package}/{path.name}", ())
        for name, in_function in _our_imports(path):
            top = name.split(".")[0]
            if top not in ALLOWED[package]:
                offending.append(f"{path.name} imports {top}")
            if in_function and not any(name == m or name.startswith(m + ".") for m in lazy):
                offending.append(f"{path.name} imports {name} inside a function")
    assert offending == []


def test_importing_loaders_does_not_import_dashboard():
    code = (
        "import loaders, loaders.loading, loaders.__main__, sys; "
        "print(sorted(m for m in sys.modules if m.startswith(('dashboard', 'pages', 'streamlit'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_reading_child_imports_no_store():
    code = "import loaders.analysis, sys; print(sorted(m for m in sys.modules if m in ('duckdb', 'core.store')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_migrations_are_literal_sql():
    """Frozen: no migration is built from a live structure (each entry is a literal in the source)."""
    tree = ast.parse((ROOT / "core" / "store.py").read_text(encoding="utf-8"))
    assign = next(
        n for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", None) == "MIGRATIONS"
    )
    assert isinstance(assign.value, ast.List)
    assert all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in assign.value.elts)
    assert len(assign.value.elts) == SCHEMA_VERSION == len(MIGRATIONS)


def test_store_of_the_first_schema_is_migrated(tmp_path):
    """A store made by schema version 1 (its frozen SQL), holding data, opens and migrates to the current version."""
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_migrations VALUES (1, now())")
    con.execute("INSERT INTO batches VALUES (1, 'a.xlsx', 'abc', 'welfare', 1, 0, 0, now(), false, '{}')")
    con.execute(
        "INSERT INTO welfare (org, date, category, person_times, amount_yuan, batch_id, source_file, source_sheet,"
        " source_row) VALUES ('某校工会', DATE '2022-03-08', '结婚慰问', 1, 600, 1, 'a.xlsx', 'S', 3)"
    )
    con.close()
    with Store(path) as store:
        versions = store.query("SELECT version FROM schema_migrations ORDER BY version")["version"].tolist()
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        assert float(store.scalar("SELECT sum(amount_yuan) FROM welfare")) == 600.0
        assert store.scalar("SELECT count(*) FROM batches") == 1
    with Store(path) as again:  # opening twice applies nothing twice
        assert again.scalar("SELECT count(*) FROM schema_migrations") == SCHEMA_VERSION


def test_insert_frame_refuses_an_unknown_column(store):
    frame = pd.DataFrame(
        {
            "org": ["某校工会"],
            "date": [pd.Timestamp("2022-03-08")],
            "amount_yuan": [600.0],
            "batch_id": [1],
            "source_file": ["a.xlsx"],
            "source_sheet": ["S"],
            "source_row": [3],
            "no_such_column": ["x"],
        }
    )
    with store.transaction() as cur, pytest.raises(ValueError, match="no_such_column"):
        store.insert_frame(cur, "welfare", frame)
    assert store.row_count("welfare") == 0
    with store.transaction() as cur:
        assert store.insert_frame(cur, "welfare", frame.drop(columns="no_such_column")) == 1
    assert store.row_count("welfare") == 1


def test_every_kind_has_a_table(store):
    tables = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert set(KIND_TABLES.values()) <= tables
    assert store_module.KIND_TABLES is KIND_TABLES
