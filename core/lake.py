"""Where the store lives (数据存放位置): the embedded DuckDB file, or a DuckLake with a PostgreSQL catalog.

The embedded file is the default and needs nothing else.  A lake (数据湖) is chosen by
configuration, from environment variables or, when unset there, from ``.streamlit/secrets.toml``
(in the project folder or the working folder; never committed):

- ``UNION_STORE=ducklake`` selects the lake (any other value, or none, keeps the file);
- ``UNION_LAKE_CATALOG``: the PostgreSQL catalog in libpq form, e.g.
  ``dbname=union host=127.0.0.1 port=5432 user=union`` (the password, if any, in ``~/.pgpass``
  or ``PGPASSWORD``, never here);
- ``UNION_LAKE_DATA``: the folder (local, NFS) or ``s3://bucket/prefix/`` (S3-compatible object
  storage: AWS S3, MinIO, Ceph, Aliyun OSS, …) holding the Parquet files.

With an ``s3://`` data path (对象存储), the same sources give the credentials and the endpoint
(:class:`S3Settings`): ``UNION_LAKE_S3_KEY_ID`` and ``UNION_LAKE_S3_SECRET`` (required),
``UNION_LAKE_S3_ENDPOINT`` (``host:port``; unset: AWS), ``UNION_LAKE_S3_REGION`` (default
``us-east-1``), ``UNION_LAKE_S3_URL_STYLE`` (``path`` or ``vhost``; default ``path`` with an
endpoint, ``vhost`` without) and ``UNION_LAKE_S3_USE_SSL`` (default true).  The standard
``AWS_*`` variables are not read: DuckDB's credential chain needs its ``aws`` extension, which
is downloaded from the network (no offline package), so the store names its settings itself.

DuckDB 1.5.5 loads DuckLake, the PostgreSQL scanner and httpfs (S3) offline only by file path,
from the PyPI packages ``duckdb-extension-ducklake``, ``duckdb-extension-postgres`` and
``duckdb-extension-httpfs`` (``LOAD ducklake`` by name tries the network): :func:`extension_files`
and :func:`use_object_storage` find them.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.labels import t

ENV_STORE = "UNION_STORE"
ENV_CATALOG = "UNION_LAKE_CATALOG"
ENV_DATA = "UNION_LAKE_DATA"
ENV_S3_KEY_ID = "UNION_LAKE_S3_KEY_ID"
ENV_S3_SECRET = "UNION_LAKE_S3_SECRET"
ENV_S3_ENDPOINT = "UNION_LAKE_S3_ENDPOINT"
ENV_S3_REGION = "UNION_LAKE_S3_REGION"
ENV_S3_URL_STYLE = "UNION_LAKE_S3_URL_STYLE"
ENV_S3_USE_SSL = "UNION_LAKE_S3_USE_SSL"
S3_SECRET_NAME = "union_lake_s3"  # the TEMPORARY secret of a lake connection (in memory, never persisted)
LAKE_KIND = "ducklake"
PROJECT_DIR = Path(__file__).resolve().parent.parent


class LakeConfigError(Exception):
    """``UNION_STORE=ducklake`` without a catalog or a data path, or an extension that is not installed."""


class LakeStorageError(LakeConfigError):
    """The object storage of an ``s3://`` data path cannot be used (数据湖的对象存储无法使用).

    Its text is the whole user-facing Chinese message, naming the setting to check; it never holds
    the secret.
    """


@dataclass(frozen=True)
class S3Settings:
    """Credentials and endpoint of S3-compatible storage (对象存储), as configured (not validated yet).

    ``secret`` is left out of ``repr`` (and so of logs and tracebacks that show the config).
    """

    key_id: str = ""
    secret: str = field(default="", repr=False)
    endpoint: str = ""  # host:port (a scheme is tolerated); "" = AWS
    region: str = ""
    url_style: str = ""  # path | vhost; "" = path with an endpoint, vhost without
    use_ssl: str = ""  # true | false; "" = true (http:// in the endpoint: false)


@dataclass(frozen=True)
class LakeConfig:
    """One lake: ``catalog`` (libpq connection string of the PostgreSQL catalog) and ``data_path`` (folder or URL).

    ``s3``: the object storage settings of an ``s3://`` data path; None reads them from the
    environment / secrets.toml when the store opens (:func:`s3_settings`).
    """

    catalog: str
    data_path: str
    s3: S3Settings | None = None

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
    if "://" in data and not data.startswith("s3://"):
        raise LakeConfigError(f"{ENV_DATA}={data}: expected a folder or s3://bucket/prefix/")
    if not data.endswith("/"):
        data += "/"
    return LakeConfig(catalog=catalog, data_path=data, s3=s3_settings(secrets) if data.startswith("s3://") else None)


def s3_settings(secrets: dict | None = None) -> S3Settings:
    """The ``UNION_LAKE_S3_*`` settings, each from the environment, else from ``.streamlit/secrets.toml``."""
    secrets = _secrets() if secrets is None else secrets
    return S3Settings(
        key_id=_setting(ENV_S3_KEY_ID, secrets),
        secret=_setting(ENV_S3_SECRET, secrets),
        endpoint=_setting(ENV_S3_ENDPOINT, secrets),
        region=_setting(ENV_S3_REGION, secrets),
        url_style=_setting(ENV_S3_URL_STYLE, secrets).lower(),
        use_ssl=_setting(ENV_S3_USE_SSL, secrets).lower(),
    )


def _s3_secret_options(settings: S3Settings, data_path: str) -> tuple[str, list[str]]:
    """(``CREATE TEMPORARY SECRET`` statement, its parameters) for ``settings``, scoped to the bucket.

    Raises :class:`LakeStorageError` naming the setting that is missing or malformed.
    """
    bucket = data_path.removeprefix("s3://").split("/", 1)[0]
    if not bucket:
        raise LakeStorageError(_bad(ENV_DATA, data_path, "s3://bucket/prefix/"))
    missing = [
        name for name, value in ((ENV_S3_KEY_ID, settings.key_id), (ENV_S3_SECRET, settings.secret)) if not value
    ]
    if missing:
        raise LakeStorageError(t("lake.s3_missing", data=data_path, settings="、".join(missing)))
    endpoint, use_ssl = settings.endpoint, settings.use_ssl
    for scheme, ssl in (("https://", "true"), ("http://", "false")):
        if endpoint.lower().startswith(scheme):
            endpoint, use_ssl = endpoint[len(scheme) :], use_ssl or ssl
    endpoint = endpoint.rstrip("/")
    if use_ssl not in ("", "true", "false", "1", "0", "yes", "no"):
        raise LakeStorageError(_bad(ENV_S3_USE_SSL, use_ssl, "true / false"))
    url_style = settings.url_style or ("path" if endpoint else "vhost")
    if url_style not in ("path", "vhost"):
        raise LakeStorageError(_bad(ENV_S3_URL_STYLE, url_style, "path / vhost"))
    options = ["TYPE s3", "KEY_ID ?", "SECRET ?", "REGION ?", "URL_STYLE ?", "USE_SSL ?", "SCOPE ?"]
    params: list = [settings.key_id, settings.secret, settings.region or "us-east-1", url_style]
    params += [use_ssl in ("", "true", "1", "yes"), f"s3://{bucket}"]
    if endpoint:
        options.append("ENDPOINT ?")
        params.append(endpoint)
    return f"CREATE OR REPLACE TEMPORARY SECRET {S3_SECRET_NAME} ({', '.join(options)})", params


def _bad(setting: str, value: str, expected: str) -> str:
    return t("lake.s3_bad_setting", setting=setting, value=value, expected=expected)


def _storage_reason(error: str) -> tuple[str, str]:
    """(short reason, settings to check) from httpfs's error text: the HTTP status and the S3 error code."""
    status = re.search(r"\(HTTP (\d{3}[^)]*)\)", error) or re.search(r"\(HTTP code (\d{3})\)", error)
    code = re.search(r"^([A-Z][A-Za-z]+): ", error, re.MULTILINE)
    code_settings = {
        "SignatureDoesNotMatch": ENV_S3_SECRET,
        "InvalidAccessKeyId": ENV_S3_KEY_ID,
        "AccessDenied": ENV_S3_KEY_ID,
        "NoSuchBucket": ENV_DATA,
        "AuthorizationHeaderMalformed": ENV_S3_REGION,
        "PermanentRedirect": f"{ENV_S3_REGION}、{ENV_S3_URL_STYLE}",
    }
    reason = " ".join(
        part for part in ("HTTP " + status.group(1) if status else "", code.group(1) if code else "") if part
    )
    if code and code.group(1) in code_settings:
        return reason, code_settings[code.group(1)]
    if status:
        return reason, f"{ENV_S3_KEY_ID}、{ENV_S3_SECRET}、{ENV_S3_REGION}"
    return error.strip().splitlines()[0][:200], f"{ENV_S3_ENDPOINT}、{ENV_S3_USE_SSL}、{ENV_S3_URL_STYLE}"


def use_object_storage(conn: duckdb.DuckDBPyConnection, lake: LakeConfig) -> None:
    """Make ``conn`` reach the ``s3://`` data path of ``lake``: httpfs by file path, a secret, one check.

    The secret is TEMPORARY (in this connection's memory only, never written to disk) and scoped to
    the bucket.  The check lists the data path once (a name no file has), so wrong credentials, a
    missing bucket or an unreachable endpoint are reported when the store opens, not at the first
    read of a Parquet file.  Raises :class:`LakeStorageError` with the Chinese message naming the
    setting; the secret is never part of it (nor of the exception chain).
    """
    try:
        httpfs = _package_extension("duckdb_extension_httpfs", "httpfs")
    except LakeConfigError:
        raise LakeStorageError(t("lake.s3_no_httpfs", data=lake.data_path)) from None
    settings = lake.s3 if lake.s3 is not None else s3_settings()
    statement, params = _s3_secret_options(settings, lake.data_path)
    try:
        conn.execute(f"LOAD '{httpfs}'")
    except duckdb.Error as err:
        raise LakeStorageError(t("lake.s3_no_httpfs", data=lake.data_path) + f"（{_redact(err, settings)}）") from None
    try:
        conn.execute(statement, params)
    except duckdb.Error as err:
        raise LakeStorageError(
            t("lake.s3_denied", data=lake.data_path, reason=_redact(err, settings)[:200], settings=ENV_S3_ENDPOINT)
        ) from None
    probe = lake.data_path + ".union-probe-*"
    try:
        conn.execute("SELECT count(*) FROM glob(?)", [probe]).fetchone()
    except duckdb.Error as err:
        reason, setting = _storage_reason(_redact(err, settings))
        raise LakeStorageError(t("lake.s3_denied", data=lake.data_path, reason=reason, settings=setting)) from None


def _redact(error: object, settings: S3Settings) -> str:
    """The text of ``error`` with the secret (if it ever appeared) replaced by ***."""
    text = str(error)
    return text.replace(settings.secret, "***") if settings.secret else text


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
