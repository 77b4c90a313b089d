"""A throwaway PostgreSQL server for the lake tests (issue 15), started by the tests themselves.

Debian's ``postgresql`` (installed by .ci/run when missing) or any ``initdb``/``pg_ctl`` on PATH.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (runuser)
in a folder it owns.  Random free port, sockets in the data folder, trust authentication for the
role ``union``; stopped (immediate mode) and removed at the end of the session.  The tests skip,
saying why, only when no server can be started.
"""

from __future__ import annotations

import contextlib
import contextvars
import glob
import io
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import core.store
from benchmarks.browser import free_port
from core.lake import LakeConfig, extension_files
from core.store import KIND_TABLES, Store

ROLE = "union"


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian's newest version first, then PATH), or None."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


@dataclass
class PostgresServer:
    """A running throwaway server: ``port`` on 127.0.0.1, role ``union``, binaries in ``bin``."""

    bin: Path
    folder: Path
    port: int
    prefix: list[str]

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.prefix, str(self.bin / tool), *args], capture_output=True, text=True, timeout=60, check=True
        )

    def new_lake(self, data_folder: Path, template: LakeConfig | None = None) -> LakeConfig:
        """A new empty catalog database and a data folder: a fresh lake.

        With ``template`` (a migrated lake holding no data files), a copy of its catalog (PostgreSQL
        ``createdb -T``, well under a second instead of several for the migrations); the copy keeps
        the template's data folder, where each lake writes files of its own (UUID names).  A catalog
        keeps the data path it was first opened with (DuckLake refuses another), so a lake on S3
        (tests/test_lake_s3.py) is a new catalog whose ``data_path`` is replaced before it is opened.
        """
        name = f"lake_{os.urandom(4).hex()}"
        copy = ["-T", template.catalog.split()[0].removeprefix("dbname=")] if template else []
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, *copy, name)
        return LakeConfig(
            catalog=f"dbname={name} host=127.0.0.1 port={self.port} user={ROLE}",
            data_path=template.data_path if template else f"{data_folder}/",
        )

    def clone_lake(self, template: LakeConfig, data_folder: Path) -> LakeConfig:
        """A lake of its own that starts as ``template`` (which no connection may hold open): a copy of its
        catalog (``createdb -T``), a copy of its data folder in ``data_folder``, and the copy's catalog
        pointed at that folder (DuckLake names its files relative to the ``data_path`` of its catalog).

        Well under a second, where migrating a new lake and copying the corpus into it take ~25 s of a
        busy worker; every file in ``data_folder`` is this lake's (maintenance and purge tests may take one).
        """
        source = Path(template.data_path)
        if source.is_dir():
            shutil.copytree(source, data_folder)
        else:
            data_folder.mkdir(parents=True)
        return self.copy_lake(template, f"{data_folder}/")

    def copy_lake(self, template: LakeConfig, data_path: str) -> LakeConfig:
        """A copy of ``template``'s catalog (``createdb -T``) whose data path is ``data_path``: the files the
        catalog names must be there (:meth:`clone_lake`), or there must be none (a migrated lake's few rows
        are inlined in the catalog: a lake on S3 starts from the migrated template)."""
        lake = self.new_lake(Path(data_path), template=template)
        database = lake.catalog.split()[0].removeprefix("dbname=")
        update = f"UPDATE ducklake_metadata SET value = '{data_path}' WHERE key = 'data_path'"
        self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, "-d", database, "-qAtc", update)
        return LakeConfig(catalog=lake.catalog, data_path=data_path)

    def env(self, lake: LakeConfig) -> dict[str, str]:
        """The environment of a command that must use ``lake`` (UNION_STORE=ducklake, catalog, data path)."""
        env = {k: v for k, v in os.environ.items() if k != "UNION_DB"}
        env.update(UNION_STORE="ducklake", UNION_LAKE_CATALOG=lake.catalog, UNION_LAKE_DATA=lake.data_path)
        return env


UNSIGNED = {"allow_unsigned_extensions": "true"}


def _verified_duckdb() -> types.SimpleNamespace:
    """``duckdb`` as :mod:`core.store` sees it, but an in-memory ``connect()`` (a lake's) loads the extension
    files without checking their signatures again (:func:`extensions_verified_once`)."""

    def connect(database: str = ":memory:", *args, **kwargs):
        if database == ":memory:" and not args and not kwargs:
            kwargs["config"] = UNSIGNED
        return duckdb.connect(database, *args, **kwargs)

    return types.SimpleNamespace(**{**vars(duckdb), "connect": connect})


@pytest.fixture(scope="session", autouse=True)
def extensions_verified_once(tmp_path_factory):
    """DuckDB checks the signature of an extension file at each ``LOAD``: the postgres and ducklake files
    (78 MB) cost ~0.9 s of CPU for every lake connection, and the tests open a hundred or so in their own
    process.  The files do not change during a run, so they are checked once here, the product's way
    (:meth:`core.store.Store._open_lake`, which must keep the check on); afterwards this process's lake
    connections load them without the check.  The commands, servers and writers the tests start as
    processes of their own check as the product does.  (As tests/conftest.py's cheap_password_hashes.)"""
    if core.store.duckdb is not duckdb:  # done already (each module importing this fixture has one of its own)
        yield
        return
    conn = Store._open_lake(LakeConfig("dbname=none", f"{tmp_path_factory.mktemp('verify')}/"), read_only=True)
    try:
        assert conn.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0] is False
        loaded = {
            row[0] for row in conn.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
        }
        assert {"postgres_scanner", "ducklake"} <= loaded, loaded
    finally:
        conn.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core.store, "duckdb", _verified_duckdb())
        yield


def catalog_connection(lake: LakeConfig) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB attached read-only to ``lake``'s catalog database as ``catalog_db`` (PostgreSQL's own
    tables, not the lake), its postgres extension verified once (:func:`extensions_verified_once`)."""
    postgres, _ = extension_files()
    con = duckdb.connect(config=UNSIGNED)
    con.execute(f"LOAD '{postgres}'")
    con.execute(f"ATTACH '{lake.catalog}' AS catalog_db (TYPE postgres, READ_ONLY)")
    return con


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session; skips with the reason when none can be started."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (initdb/pg_ctl not found; Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="union-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses root: run it as postgres, in a folder postgres owns
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    server = PostgresServer(binaries, folder, port, prefix)
    try:
        server.run("initdb", "-D", str(folder), "-A", "trust", "-U", ROLE, "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        server.run("pg_ctl", "-D", str(folder), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
    except (subprocess.SubprocessError, OSError) as err:
        shutil.rmtree(folder, ignore_errors=True)
        detail = getattr(err, "stderr", "") or str(err)
        pytest.skip(f"PostgreSQL could not be started: {detail.strip()[:300]}")
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            server.run("pg_ctl", "-D", str(folder), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def lake(postgres_server, tmp_path) -> LakeConfig:
    """A fresh, empty lake (its own catalog database and data folder), not migrated yet."""
    return postgres_server.new_lake(tmp_path / "lake-data")


@pytest.fixture(scope="session")
def lake_template(postgres_server, tmp_path_factory) -> LakeConfig:
    """A lake migrated once, without data: the template of :func:`migrated_lake`."""
    config = postgres_server.new_lake(tmp_path_factory.mktemp("lake-template"))
    Store(lake=config).close()
    return config


@pytest.fixture()
def migrated_lake(postgres_server, lake_template) -> LakeConfig:
    """A migrated, empty lake of its own (a copy of the template's catalog)."""
    return postgres_server.new_lake(Path(lake_template.data_path), template=lake_template)


def command(main, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m <module> *args`` run in this process (``main``: the module's entry point) with the
    ``UNION_*`` settings of ``env`` only: what the command prints and returns, as from its own process,
    without ~2 s of a new Python's imports and extension loads.  For commands whose check is not about
    processes (the loaders and servers that must be processes of their own stay so)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for key in [key for key in os.environ if key.startswith("UNION_")]:
            patch.delenv(key)
        for key, value in env.items():
            if key.startswith("UNION_"):
                patch.setenv(key, value)
        try:  # a context of its own: the command's actor (core.erasure.ACTOR) stays in it
            code = contextvars.copy_context().run(main, list(args))
        except SystemExit as exit:  # argparse
            code = exit.code
    return subprocess.CompletedProcess([main.__module__, *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def corpus_lake_template(postgres_server, lake_template, corpus_db, tmp_path_factory) -> LakeConfig:
    """The corpus moved into a lake once per worker by ``python -m dashboard migrate-to-lake`` (run in this
    process, :func:`command`), never opened again: the template of :func:`corpus_lake_copy`."""
    from dashboard.__main__ import main
    from tests.conftest import copy_store

    folder = tmp_path_factory.mktemp("corpus-lake-template")
    config = postgres_server.clone_lake(lake_template, folder / "data")  # migrated already
    # A private copy: the shared corpus file may be open in another worker, and migrate-to-lake opens its
    # source for writing (to bring it to this schema version) before it reads it.
    source = copy_store(corpus_db, folder / "corpus.duckdb")
    out = command(main, "migrate-to-lake", "--db", str(source), env=postgres_server.env(config))
    assert out.returncode == 0, out.stderr
    assert "已把" in out.stdout and "迁入数据湖" in out.stdout, out.stdout
    return config


@pytest.fixture()
def corpus_lake_copy(postgres_server, corpus_lake_template, tmp_path) -> LakeConfig:
    """A lake of its own holding the corpus, with a data folder of its own (every file there is this lake's):
    a clone of the template (:meth:`PostgresServer.clone_lake`)."""
    return postgres_server.clone_lake(corpus_lake_template, tmp_path / "own-data")


def wait_for(done: Callable[[], bool], deadline_s: float = 300) -> None:
    """Until ``done()``: a wait on state, whose deadline only stops a hang (a busy machine is slow, not wrong)."""
    deadline = time.monotonic() + deadline_s
    while not done():
        assert time.monotonic() < deadline, "still not done"
        time.sleep(0.05)


def batch_rows(store: Store) -> dict[str, tuple[int, int]]:
    """file name → (rows_accepted of its batch, rows carrying its batch_id in the data tables)."""
    union = " UNION ALL ".join(f'SELECT batch_id FROM "{table}"' for table in KIND_TABLES.values())
    frame = store.query(
        f"SELECT b.file_name, b.rows_accepted, (SELECT count(*) FROM ({union}) r WHERE r.batch_id = b.batch_id) AS n "
        "FROM batches b"
    )
    return {row.file_name: (int(row.rows_accepted), int(row.n)) for row in frame.itertuples()}
