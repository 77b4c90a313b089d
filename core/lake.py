"""Where the store lives (数据存放位置): the embedded DuckDB file, or a DuckLake with a PostgreSQL catalog.

The embedded file is the default and needs nothing else.  A lake (数据湖) is chosen by
configuration, from environment variables or, when unset there, from ``.streamlit/secrets.toml``
(in the project folder or the working folder; never committed):

- ``UNION_STORE=ducklake`` selects the lake (any other value, or none, keeps the file);
- ``UNION_LAKE_CATALOG``: the PostgreSQL catalog in libpq form, e.g.
  ``dbname=union host=127.0.0.1 port=5432 user=union`` (the password, if any, in ``~/.pgpass``
  or ``PGPASSWORD``, never here);
- ``UNION_LAKE_DATA``: the folder (local, NFS) or ``s3://`` prefix holding the Parquet files.

DuckDB 1.5.5 loads DuckLake and the PostgreSQL scanner offline only by file path, from the PyPI
packages ``duckdb-extension-ducklake`` and ``duckdb-extension-postgres`` (``LOAD ducklake`` by name
tries the network): :func:`extension_files` finds them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb

ENV_STORE = "UNION_STORE"
ENV_CATALOG = "UNION_LAKE_CATALOG"
ENV_DATA = "UNION_LAKE_DATA"
LAKE_KIND = "ducklake"
PROJECT_DIR = Path(__file__).resolve().parent.parent


class LakeConfigError(Exception):
    """``UNION_STORE=ducklake`` without a catalog or a data path, or an extension that is not installed."""


@dataclass(frozen=True)
class LakeConfig:
    """One lake: ``catalog`` (libpq connection string of the PostgreSQL catalog) and ``data_path`` (folder or URL)."""

    catalog: str
    data_path: str

    @property
    def is_local(self) -> bool:
        """True when the data path is a folder of this machine (or a mounted share), not an ``s3://`` URL."""
        return "://" not in self.data_path

    def describe(self) -> str:
        """A short name for messages: ``ducklake:<catalog> @ <data path>``."""
        return f"ducklake:{self.catalog} @ {self.data_path}"


def _secrets() -> dict:
    """The top-level keys of ``.streamlit/secrets.toml`` (working folder first, then project folder); {} if none."""
    for folder in (Path.cwd(), PROJECT_DIR):
        path = folder / ".streamlit" / "secrets.toml"
        if path.is_file():
            with contextlib.suppress(OSError, tomllib.TOMLDecodeError), path.open("rb") as handle:
                return {k: v for k, v in tomllib.load(handle).items() if isinstance(v, str)}
    return {}


def _setting(name: str, secrets: dict) -> str:
    value = os.environ.get(name)
    if value is None:
        value = secrets.get(name, "")
    return str(value).strip()


def lake_config() -> LakeConfig | None:
    """The configured lake, or None for the embedded file.

    Raises :class:`LakeConfigError` when ``UNION_STORE=ducklake`` lacks ``UNION_LAKE_CATALOG`` or
    ``UNION_LAKE_DATA``, or ``UNION_STORE`` names something else than ``ducklake`` or ``duckdb``.
    """
    secrets = _secrets()
    kind = _setting(ENV_STORE, secrets).lower()
    if kind in ("", "duckdb", "file"):
        return None
    if kind != LAKE_KIND:
        raise LakeConfigError(f"{ENV_STORE}={kind}: expected {LAKE_KIND} or duckdb")
    catalog, data = _setting(ENV_CATALOG, secrets), _setting(ENV_DATA, secrets)
    if not catalog or not data:
        raise LakeConfigError(f"{ENV_STORE}={LAKE_KIND} needs {ENV_CATALOG} and {ENV_DATA}")
    if "://" not in data and not data.endswith("/"):
        data += "/"
    return LakeConfig(catalog=catalog, data_path=data)


def _package_extension(package: str, name: str) -> Path:
    try:
        module = __import__(package)
    except ImportError as err:
        raise LakeConfigError(f"{package} is not installed (pip install -r requirements.txt)") from err
    folder = Path(module.__file__).resolve().parent / "extensions" / f"v{duckdb.__version__}"
    path = folder / f"{name}.duckdb_extension"
    if not path.is_file():
        raise LakeConfigError(f"{path} is missing: {package} does not match DuckDB {duckdb.__version__}")
    return path


def extension_files() -> tuple[Path, Path]:
    """(postgres scanner, ducklake) extension files to ``LOAD`` by path, in that order.

    The PostgreSQL extension ships as ``postgres.duckdb_extension`` but DuckDB derives the entry
    point from the file name (``postgres_scanner_duckdb_cpp_init``), so it is loaded through a link
    named ``postgres_scanner.duckdb_extension`` in a private folder of this user.
    Raises :class:`LakeConfigError` when a package is missing or built for another DuckDB.
    """
    postgres = _package_extension("duckdb_extension_postgres", "postgres")
    ducklake = _package_extension("duckdb_extension_ducklake", "ducklake")
    for base in (Path.home() / ".cache" / "union-dashboard", Path(tempfile.gettempdir()) / f"union-ext-{os.getuid()}"):
        folder = base / f"v{duckdb.__version__}"
        link = folder / "postgres_scanner.duckdb_extension"
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if folder.stat().st_uid != os.getuid():
                continue
            if not (link.is_symlink() and Path(os.readlink(link)) == postgres):
                temp = folder / f".link.{os.getpid()}"
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
                temp.symlink_to(postgres)
                temp.replace(link)
            return link, ducklake
        except OSError:
            continue
    raise LakeConfigError("no writable folder for the postgres extension link")
