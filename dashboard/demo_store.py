"""The demo store snapshot (演示数据快照): data/demo/store/, the rows the loaders make of data/demo/*.xlsx.

A first start copies these rows into the new database in a fraction of a second instead of loading the
nine demo ledgers (about 8 s on 2 cores).  The database file itself stays git-ignored: the snapshot is
one Parquet file per table and a manifest.  It is used only when it was made from exactly these files
(sha256) for exactly this schema (every table, column and type); otherwise the app loads the ledgers
as before, in the background (dashboard.app.start_demo).  ``python -m dashboard.demo_store`` rewrites
it from the ledgers; tests/test_first_start.py checks that it equals a fresh load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import tempfile
from pathlib import Path

from core.store import Store, quote_ident
from dashboard import demo

SNAPSHOT_DIR = demo.DEMO_DIR / "store"
MANIFEST = "manifest.json"
# Not part of a demo load (meta holds the data version and the demo flag, set on restore).
SKIP = frozenset({"meta", "schema_migrations", "history", "users"})


def schema(store: Store) -> dict[str, list[list[str]]]:
    """Every table of the store with its columns and types, in order."""
    rows = store.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' ORDER BY table_name, ordinal_position"
    )
    out: dict[str, list[list[str]]] = {}
    for table, column, kind in rows.itertuples(index=False):
        out.setdefault(str(table), []).append([str(column), str(kind)])
    return out


def ledger_hashes(folder: Path = demo.DEMO_DIR) -> dict[str, str]:
    """sha256 of each demo ledger, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"  # COPY takes no bound parameters


def write(store: Store, folder: Path = SNAPSHOT_DIR) -> Path:
    """Write the snapshot of ``store`` (holding the demo ledgers and nothing else) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    tables = {}
    for table in schema(store):
        if table in SKIP:
            continue
        rows = int(store.scalar(f"SELECT count(*) FROM {quote_ident(table)}"))
        if rows:
            target = folder / f"{table}.parquet"
            store.query(
                f"COPY (SELECT * FROM {quote_ident(table)}) TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd)"
            )
            tables[table] = rows
    manifest = {"schema": schema(store), "ledgers": ledger_hashes(), "tables": tables}
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def manifest(folder: Path | None = None) -> dict | None:
    folder = folder or SNAPSHOT_DIR
    with contextlib.suppress(OSError, ValueError):
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return None


def usable(store: Store, folder: Path | None = None) -> bool:
    """True when the snapshot was made from these ledgers for this schema and all its files are there."""
    folder = folder or SNAPSHOT_DIR
    found = manifest(folder)
    if not found or found.get("ledgers") != ledger_hashes() or found.get("schema") != schema(store):
        return False
    return all((folder / f"{table}.parquet").is_file() for table in found.get("tables", {}))


def restore(store: Store, folder: Path | None = None) -> bool:
    """Copy the snapshot into ``store`` (one transaction); False (and nothing written) when not usable."""
    folder = folder or SNAPSHOT_DIR
    if not usable(store, folder):
        return False
    tables = manifest(folder)["tables"]
    with store.transaction() as cur:
        for table, rows in tables.items():
            path = folder / f"{table}.parquet"
            cur.execute(f"INSERT INTO {quote_ident(table)} SELECT * FROM read_parquet({_literal(path)})")
            copied = cur.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0]
            if copied != rows:  # a damaged file: the rollback leaves the store empty
                raise ValueError(f"{table}: {copied} != {rows}")
        cur.execute("UPDATE batches SET loaded_at = ?", [dt.datetime.now()])  # loaded now, as a fresh load
        last = cur.execute("SELECT coalesce(max(batch_id), 0) FROM batches").fetchone()[0]
        if last:  # the next upload's batch number follows the demo's
            cur.execute("SELECT max(nextval('batch_seq')) FROM range(?)", [int(last)])
        cur.execute("DELETE FROM meta WHERE key = 'demo'")
        cur.execute("INSERT INTO meta VALUES ('demo', 'true')")
        store.bump_version(cur)
    return True


def rebuild(folder: Path = SNAPSHOT_DIR) -> Path:
    """Load the demo ledgers into a new store (no snapshot) and write its snapshot."""
    from loaders.loading import load_path  # not on a first start's path: the snapshot needs no loader

    with tempfile.TemporaryDirectory() as temp, Store(Path(temp) / "demo.duckdb") as store:
        for path in sorted(demo.DEMO_DIR.glob("*.xlsx")):
            load_path(store, path, org=demo.ORG)
        return write(store, folder)


if __name__ == "__main__":
    print(rebuild())
