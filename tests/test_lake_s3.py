"""The lake's data on S3-compatible object storage (issue 15: ``UNION_LAKE_DATA=s3://bucket/prefix/``), offline.

A local S3 server (moto, ``python -m moto.server``, a dev requirement) is started once per session
on a free port, with authentication on: the bucket's only credentials are an access key of an IAM
user made for the session, so a wrong secret is refused as AWS, MinIO or OSS would refuse it.  The
catalog is the PostgreSQL server of tests/lake_fixtures.py.  The tests skip, saying why, only when
moto or duckdb-extension-httpfs is not importable (or no PostgreSQL can be started).

Select with ``-m lake``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.browser import free_port
from core.lake import ENV_S3_KEY_ID, ENV_S3_SECRET, LakeConfig, S3Settings, lake_config
from core.store import KIND_TABLES, LAKE_ONLY_TABLES, NotAStore, Store
from dashboard import queries
from dashboard.__main__ import main as dashboard_main
from loaders.__main__ import main as loaders_main
from loaders.loading import load_path, remove_batch
from tests.conftest import copy_store
from tests.lake_fixtures import (  # noqa: F401 - fixtures
    batch_rows,
    command,
    extensions_verified_once,
    lake,
    lake_template,
    postgres_server,
    wait_for,
)
from tests.test_truth import TRUTH, assert_matches, assert_summary_matches

pytestmark = pytest.mark.lake
ROOT = Path(__file__).resolve().parents[1]
BUCKET = "union-lake"
REGION = "us-east-1"
# Small ledgers of the corpus (member counts 2021-2023, budget 2021-2023) and the 2021 welfare ledger.
SMALL = ("会员人数统计表（2021-2023）.xlsx", "工会经费预算决算表（2021-2023）.xlsx")
WELFARE_2021 = "2021年工会慰问福利台账.xlsx"


@dataclass
class S3Server:
    """A running local S3 server: ``endpoint`` (host:port), one bucket, one access key allowed s3:*."""

    endpoint: str
    key_id: str
    secret: str

    @property
    def settings(self) -> S3Settings:
        return S3Settings(
            key_id=self.key_id, secret=self.secret, endpoint=self.endpoint, region=REGION, use_ssl="false"
        )

    def env(self, **override: str) -> dict[str, str]:
        """The UNION_LAKE_S3_* variables of a command that must reach this server."""
        env = {
            "UNION_LAKE_S3_KEY_ID": self.key_id,
            "UNION_LAKE_S3_SECRET": self.secret,
            "UNION_LAKE_S3_ENDPOINT": self.endpoint,
            "UNION_LAKE_S3_REGION": REGION,
            "UNION_LAKE_S3_URL_STYLE": "path",
            "UNION_LAKE_S3_USE_SSL": "false",
        }
        return env | override

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            region_name=REGION,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
        )

    def objects(self, prefix: str) -> set[str]:
        """The keys under ``prefix`` in the bucket, as s3:// URLs (read through the S3 API, not DuckDB)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return {f"s3://{BUCKET}/{item['Key']}" for page in pages for item in page.get("Contents", [])}


def _wait_for(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> S3Server:
    """A moto S3 server on a free port with bucket ``union-lake``, authentication on; stopped at the end."""
    pytest.importorskip("moto", reason="moto[server] is not installed (pip install -r requirements-dev.txt)")
    pytest.importorskip(
        "duckdb_extension_httpfs", reason="duckdb-extension-httpfs is not installed (pip install -r requirements.txt)"
    )
    import boto3

    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/moto-api/", time.monotonic() + 60)
        # Set up without authentication (moto's default), then turn it on: from then every request
        # must be signed with the access key made here.
        anyone = {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": "setup"}
        anyone["aws_secret_access_key"] = "setup"
        boto3.client("s3", **anyone).create_bucket(Bucket=BUCKET)
        iam = boto3.client("iam", **anyone)
        iam.create_user(UserName="union-lake")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="union-lake", PolicyName="lake", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="union-lake")["AccessKey"]
        request = urllib.request.Request(
            f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request, timeout=10).read()
        yield S3Server(f"127.0.0.1:{port}", key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def s3_lake_of(lake: LakeConfig, server: S3Server, prefix: str) -> LakeConfig:
    """``lake``'s catalog with its data at s3://union-lake/<prefix>/ (the catalog is new: no data path yet)."""
    return dataclasses.replace(lake, data_path=f"s3://{BUCKET}/{prefix}/", s3=server.settings)


def migrated_s3_lake(postgres_server, lake_template: LakeConfig, server: S3Server, prefix: str) -> LakeConfig:
    """A migrated lake with its data at s3://union-lake/<prefix>/: a copy of the template's catalog (whose
    few rows are inlined in the catalog: no file to copy) pointed at the bucket."""
    copy = postgres_server.copy_lake(lake_template, f"s3://{BUCKET}/{prefix}/")
    return dataclasses.replace(copy, s3=server.settings)


def lake_env(postgres_server, config: LakeConfig, server: S3Server, **override: str) -> dict[str, str]:
    """The environment of a command on ``config``: UNION_STORE, catalog, data path and the S3 settings."""
    return postgres_server.env(config) | server.env(**override)


def lake_files(store: Store) -> set[str]:
    """Every file (data and delete files) the lake's current snapshot names, from the catalog."""
    tables = [name for name in Store._tables(store._conn) if name not in LAKE_ONLY_TABLES] + list(LAKE_ONLY_TABLES)
    files: set[str] = set()
    for table in tables:
        rows = store._conn.execute("SELECT data_file, delete_file FROM ducklake_list_files('lake', ?)", [table])
        files |= {path for row in rows.fetchall() for path in row if path}
    return files


def local_parquet(*folders: Path) -> list[Path]:
    return [path for folder in folders if folder.exists() for path in folder.rglob("*.parquet")]


@pytest.fixture(scope="session")
def s3_corpus_lake(postgres_server, lake_template, s3_server, corpus_db, tmp_path_factory) -> LakeConfig:
    """The whole corpus in a lake on S3 (prefix corpus/), moved there by ``python -m dashboard migrate-to-lake``
    (run in this process: :func:`tests.lake_fixtures.command`).

    The command finds the lake and the S3 credentials in its environment only (UNION_LAKE_S3_*).
    """
    folder = tmp_path_factory.mktemp("s3-corpus")
    config = migrated_s3_lake(postgres_server, lake_template, s3_server, "corpus")
    source = copy_store(corpus_db, folder / "corpus.duckdb")  # private: migrate-to-lake opens it for writing
    env = lake_env(postgres_server, config, s3_server)
    out = command(dashboard_main, "migrate-to-lake", "--db", str(source), env=env)
    assert out.returncode == 0, out.stderr
    assert "迁入数据湖" in out.stdout
    return config


@pytest.mark.parametrize("period", list(TRUTH))
def test_the_corpus_in_a_lake_on_s3_equals_truth(s3_corpus_lake, period):
    with Store(lake=s3_corpus_lake, read_only=True) as store:
        assert_summary_matches(queries.summary(store, queries.Filters.of(period)), TRUTH[period])


def test_the_parquet_files_are_in_the_bucket_and_in_no_local_folder(s3_corpus_lake, s3_server, tmp_path_factory):
    in_bucket = s3_server.objects("corpus/")
    with Store(lake=s3_corpus_lake, read_only=True) as store:
        named = lake_files(store)
        through_duckdb = {
            row[0] for row in store._conn.execute("SELECT file FROM glob(?)", ["s3://union-lake/corpus/**"]).fetchall()
        }
        secrets = store._conn.execute("SELECT name, persistent, scope, secret_string FROM duckdb_secrets()").fetchall()
    assert len(named) >= len(KIND_TABLES) and all(f.startswith("s3://union-lake/corpus/") for f in named), named
    assert named <= in_bucket and through_duckdb == in_bucket  # every file the catalog names is an object
    assert all(key.endswith(".parquet") for key in in_bucket), in_bucket
    # The only secret is this store's: temporary (memory), scoped to the bucket, the secret redacted.
    assert [(name, persistent, scope) for name, persistent, scope, _ in secrets] == [
        ("union_lake_s3", False, ["s3://union-lake"])
    ]
    assert s3_server.secret not in secrets[0][3] and "secret=redacted" in secrets[0][3]
    # Nothing on a local disk: not the folder the fixture did not use, not a folder named after the URL.
    assert not local_parquet(*tmp_path_factory.getbasetemp().glob("s3-corpus*"), ROOT / "s3:", Path.cwd() / "s3:")
    assert not (ROOT / "s3:").exists() and not (Path.cwd() / "s3:").exists()


def test_backup_of_a_lake_on_s3_is_a_local_file_store(s3_corpus_lake, postgres_server, s3_server, tmp_path):
    backup = tmp_path / "backup.duckdb"
    env = lake_env(postgres_server, s3_corpus_lake, s3_server)
    out = command(dashboard_main, "backup", "--out", str(backup), env=env)
    assert out.returncode == 0, out.stderr
    with Store(backup, read_only=True) as copy:
        assert_summary_matches(queries.summary(copy, queries.Filters.of("2023")), TRUTH["2023"])


def test_a_second_store_and_the_cli_see_each_others_batches(lake_template, postgres_server, s3_server, corpus_dir):
    config = migrated_s3_lake(postgres_server, lake_template, s3_server, "shared")
    env = lake_env(postgres_server, config, s3_server)
    with Store(lake=config) as first:  # writes its tables to the bucket
        assert load_path(first, corpus_dir / WELFARE_2021, isolated=False)[1].status == "loaded"
        with Store(lake=config, read_only=True) as second:  # another server on the same lake
            assert set(batch_rows(second)) == {WELFARE_2021}
            assert_matches(queries.summary(second, queries.Filters.of("2021"))["welfare"], TRUTH["2021"]["welfare"])
        out = command(loaders_main, str(corpus_dir / SMALL[0]), env=env)  # the loader, configured by its environment
        assert out.returncode == 0, out.stdout + out.stderr
        # The first store checks the lake's snapshot once a second: the loader's batch shows by then.
        wait_for(lambda: set(batch_rows(first)) == {WELFARE_2021, SMALL[0]})
        rows = batch_rows(first)
        assert all(accepted == stored > 0 for accepted, stored in rows.values()), rows
        assert queries.summary(first, queries.Filters.of("2021"))["members"] == TRUTH["2021"]["members"]
    out = command(dashboard_main, "summary", "--period", "2021", "--json", env=env)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert_matches(got["welfare"], TRUTH["2021"]["welfare"])
    assert got["members"] == TRUTH["2021"]["members"]
    assert all(f.startswith("s3://union-lake/shared/") for f in s3_server.objects("shared/"))


def _removed_count(text: str, what: str) -> int:
    match = re.search(rf"{what} (\d+) 个", text)
    assert match, text
    return int(match.group(1))


def test_lake_maintenance_on_s3_deletes_orphans_and_old_files_and_keeps_every_figure(
    lake_template, postgres_server, s3_server, corpus_dir
):
    # A prefix of its own: maintenance deletes every object there that the catalog does not name.
    config = migrated_s3_lake(postgres_server, lake_template, s3_server, "maintained")
    env = lake_env(postgres_server, config, s3_server)
    with Store(lake=config) as store:
        assert load_path(store, corpus_dir / WELFARE_2021, isolated=False)[1].status == "loaded"
        result = load_path(store, corpus_dir / SMALL[0], isolated=False)[1]
        assert result.status == "loaded"
        remove_batch(store, result.batch_id)  # its files are needed by older snapshots only
        # A later write: the snapshot that removed the batch is then not the last one, and expiring the
        # snapshots before the last frees the removed batch's files.
        assert load_path(store, corpus_dir / SMALL[1], isolated=False)[1].status == "loaded"
        figures = queries.summary(store, queries.Filters.of("2021"))
        kept = lake_files(store)
    assert_matches(figures["welfare"], TRUTH["2021"]["welfare"])
    before = s3_server.objects("maintained/")
    assert kept <= before  # and the removed batch's files, for the older snapshots (until they are purged)
    # An orphan: a Parquet object under the data path that no snapshot names (what a writer killed
    # inside its transaction leaves behind).
    some = sorted(kept)[0].removeprefix(f"s3://{BUCKET}/")
    orphan = some.rsplit("/", 1)[0] + "/ducklake-00000000-0000-7000-8000-000000000001.parquet"
    s3_server.client().copy_object(Bucket=BUCKET, Key=orphan, CopySource={"Bucket": BUCKET, "Key": some})
    out = command(dashboard_main, "lake-maintenance", "--dry-run", "--keep-hours", "0", env=env)
    assert out.returncode == 0, out.stderr
    assert _removed_count(out.stdout, "孤立文件") == 1
    assert s3_server.objects("maintained/") == before | {f"s3://{BUCKET}/{orphan}"}  # a dry run deletes nothing
    out = command(dashboard_main, "lake-maintenance", "--keep-hours", "0", env=env)
    assert out.returncode == 0, out.stderr
    assert _removed_count(out.stdout, "孤立文件") == 1
    after = s3_server.objects("maintained/")
    # The orphan is gone, every file the catalog names stays, the old files counted are the objects deleted.
    assert kept <= after <= before and _removed_count(out.stdout, "旧文件") == len(before - after)
    with Store(lake=config, read_only=True) as store:
        assert queries.summary(store, queries.Filters.of("2021")) == figures
        assert set(batch_rows(store)) == {WELFARE_2021, SMALL[1]}


def _refused(config: LakeConfig) -> str:
    with pytest.raises(NotAStore) as info:
        Store(lake=config)
    return str(info.value)


def test_wrong_credentials_are_named_in_chinese_and_the_secret_never_shows(lake, postgres_server, s3_server, caplog):
    config = s3_lake_of(lake, s3_server, "refused")
    wrong = "wrong-" + s3_server.secret[::-1]
    caplog.set_level("DEBUG")
    message = _refused(dataclasses.replace(config, s3=dataclasses.replace(s3_server.settings, secret=wrong)))
    assert "无法访问数据湖的对象存储" in message and "SignatureDoesNotMatch" in message, message
    assert message.endswith(f"请检查 {ENV_S3_SECRET}"), message
    message = _refused(dataclasses.replace(config, s3=dataclasses.replace(s3_server.settings, key_id="AKIAUNKNOWN")))
    assert "InvalidAccessKeyId" in message and message.endswith(f"请检查 {ENV_S3_KEY_ID}"), message
    message = _refused(dataclasses.replace(config, data_path="s3://no-such-bucket/x/"))
    assert "NoSuchBucket" in message and message.endswith("请检查 UNION_LAKE_DATA"), message
    # The command line: the same message, no traceback, neither secret anywhere in its output.
    out = command(
        dashboard_main,
        "summary",
        "--period",
        "2022",
        env=lake_env(postgres_server, config, s3_server, UNION_LAKE_S3_SECRET=wrong),
    )
    assert out.returncode != 0
    assert "无法访问数据湖的对象存储" in out.stderr and ENV_S3_SECRET in out.stderr, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    for text in (out.stdout, out.stderr, caplog.text, repr(config), repr(s3_server.settings)):
        assert wrong not in text and s3_server.secret not in text
    # Nothing was created: the refused lake has no tables and its prefix no object.
    assert not s3_server.objects("refused/")


# --- without a server: configuration and the messages of a missing package or setting ---------


def test_the_s3_settings_come_from_the_environment_then_secrets_toml(tmp_path, monkeypatch):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'UNION_STORE = "ducklake"\nUNION_LAKE_CATALOG = "dbname=u"\nUNION_LAKE_DATA = "s3://b/p"\n'
        'UNION_LAKE_S3_KEY_ID = "AKIAFILE"\nUNION_LAKE_S3_SECRET = "file-secret-value"\n'
        'UNION_LAKE_S3_REGION = "cn-north-1"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("UNION_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("UNION_LAKE_S3_REGION", "eu-west-1")  # the environment wins, as for the other settings
    config = lake_config()
    assert config.data_path == "s3://b/p/" and not config.is_local
    assert config.s3 == S3Settings(key_id="AKIAFILE", secret="file-secret-value", region="eu-west-1")
    assert "file-secret-value" not in repr(config) and "file-secret-value" not in config.describe()
    monkeypatch.setenv("UNION_LAKE_DATA", "gs://b/p/")
    with pytest.raises(NotAStore, match="s3://"):
        from core.store import open_store

        open_store()


def _unreachable(data: str, settings: S3Settings) -> LakeConfig:
    """A lake whose catalog is never reached: the object storage is set up (and refused) first."""
    return LakeConfig("dbname=none host=127.0.0.1 port=1 user=union connect_timeout=1", data, settings)


def test_missing_settings_and_a_missing_httpfs_are_named_without_the_secret(monkeypatch):
    message = _refused(_unreachable("s3://b/p/", S3Settings(key_id="AKIA1")))
    assert f"但未设置 {ENV_S3_SECRET}" in message and ENV_S3_KEY_ID not in message, message
    message = _refused(
        _unreachable("s3://b/p/", S3Settings(key_id="AKIA1", secret="s3cr3t-value", url_style="virtual"))
    )
    assert "UNION_LAKE_S3_URL_STYLE=“virtual”无效" in message and "s3cr3t-value" not in message, message
    message = _refused(_unreachable("s3://b/p/", S3Settings(key_id="AKIA1", secret="s3cr3t-value", use_ssl="maybe")))
    assert "UNION_LAKE_S3_USE_SSL=“maybe”无效" in message, message
    monkeypatch.setitem(sys.modules, "duckdb_extension_httpfs", None)  # import fails: the package is missing
    message = _refused(_unreachable("s3://b/p/", S3Settings(key_id="AKIA1", secret="s3cr3t-value")))
    assert "需要 duckdb-extension-httpfs" in message and "pip install -r requirements.txt" in message, message
    assert "s3cr3t-value" not in message


def test_an_endpoint_that_does_not_answer_is_named():
    pytest.importorskip("duckdb_extension_httpfs", reason="duckdb-extension-httpfs is not installed")
    settings = S3Settings(key_id="AKIA1", secret="s3cr3t-value", endpoint=f"127.0.0.1:{free_port()}", use_ssl="false")
    message = _refused(_unreachable("s3://b/p/", settings))
    assert "无法访问数据湖的对象存储“s3://b/p/”" in message and "Could not connect" in message, message
    assert "请检查 UNION_LAKE_S3_ENDPOINT" in message and "s3cr3t-value" not in message, message
