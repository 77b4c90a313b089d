"""Loading (导入): analyse a file into a report, then write it to the store as one batch.

Two steps so that the app can show the report before the user confirms:
:func:`loaders.analysis.analyse_file` reads, detects and validates without touching the store;
:func:`commit_file` writes one batch in one transaction, or nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core.labels import kind_label, t
from core.orgs import same_org
from core.store import KIND_TABLES, Store
from loaders.analysis import FileReport, analyse_file
from loaders.mapping import UserMappings
from loaders.normalize import normalize_header, normalize_value
from loaders.sandbox import analyse_isolated


@dataclass
class CommitResult:
    """What :func:`commit_file` did: ``status`` is "loaded", "duplicate" or "refused"."""

    status: str
    message: str
    batch_id: int | None = None


def load_user_mappings(store: Store) -> UserMappings:
    """The header and value mappings users confirmed, from the store."""
    headers = {
        row.header_key: (row.kind, row.field)
        for row in store.query("SELECT header_key, kind, field FROM header_mappings").itertuples()
    }
    values = {
        (row.kind, row.field, row.raw_value): row.canonical
        for row in store.query("SELECT kind, field, raw_value, canonical FROM value_mappings").itertuples()
    }
    return UserMappings(headers=headers, values=values)


def mappings_version(store: Store) -> str:
    """A digest of the saved header and value mappings: changes exactly when a mapping does."""
    return str(
        store.scalar(
            """SELECT md5(
                 coalesce((SELECT string_agg(concat_ws('|', header_key, kind, field), ';'
                           ORDER BY header_key, kind) FROM header_mappings), '') || '#' ||
                 coalesce((SELECT string_agg(concat_ws('|', kind, field, raw_value, canonical), ';'
                           ORDER BY kind, field, raw_value) FROM value_mappings), ''))"""
        )
    )


def save_header_mapping(store: Store, header: str, kind: str, fld: str) -> None:
    """Remember that ``header`` means ``fld`` in ledgers of ``kind`` (used by app and command line)."""
    key = normalize_header(header).key
    with store.transaction() as cur:
        cur.execute("DELETE FROM header_mappings WHERE header_key = ? AND kind = ?", [key, kind])
        cur.execute("INSERT INTO header_mappings VALUES (?, ?, ?)", [key, kind, fld])
        store.bump_version(cur)


def save_value_mapping(store: Store, kind: str, fld: str, raw: str, canonical: str) -> None:
    """Remember that the value ``raw`` of ``kind``/``fld`` means ``canonical``; also fixes stored rows."""
    key = normalize_value(raw)
    table = KIND_TABLES[kind]
    with store.transaction() as cur:
        cur.execute(
            "DELETE FROM value_mappings WHERE kind = ? AND field = ? AND raw_value = ?",
            [kind, fld, key],
        )
        cur.execute(
            "INSERT INTO value_mappings VALUES (?, ?, ?, ?)",
            [kind, fld, key, canonical],
        )
        # fld is one of our own column names (a vocabulary field), never user text.
        cur.execute(f'UPDATE "{table}" SET "{fld}" = ? WHERE "{fld}" = ?', [canonical, raw])
        store.bump_version(cur)


def duplicate_message(store: Store, sha256: str) -> str | None:
    """ "该文件已导入过（第 N 批，时间）" when a file with this SHA-256 is in the store, else None."""
    existing = store.query(
        "SELECT batch_id, loaded_at FROM batches WHERE sha256 = ? ORDER BY batch_id LIMIT 1", [sha256]
    )
    if not len(existing):
        return None
    row = existing.iloc[0]
    loaded_at = pd.Timestamp(row["loaded_at"]).strftime("%Y-%m-%d %H:%M")
    return t("file.duplicate", batch_id=int(row["batch_id"]), loaded_at=loaded_at)


def list_batches(store: Store) -> pd.DataFrame:
    """The loaded batches, newest first: batch_id, file_name, kinds, rows_accepted/rejected/skipped, loaded_at."""
    return store.query(
        "SELECT batch_id, file_name, kinds, rows_accepted, rows_rejected, rows_skipped, loaded_at, partial "
        "FROM batches ORDER BY batch_id DESC"
    )


def commit_file(store: Store, report: FileReport, *, accept_valid: bool = False) -> CommitResult:
    """Write one analysed file as one batch, in one transaction.

    Refuses (writes nothing) when the file or a sheet was not recognised, or when a
    row was rejected and ``accept_valid`` is False.  With ``accept_valid`` the valid
    rows load and the rejected rows are kept, raw values and reasons, in
    ``rejected_rows`` of the batch.  A file whose SHA-256 is already in the store
    adds nothing (status "duplicate").
    """
    if report.fatal:
        return CommitResult("refused", report.fatal)
    if report.rejected_rows and not accept_valid:
        # A file already loaded says so even when rows would be refused (the duplicate wins).
        return _duplicate(store, report.sha256) or CommitResult(
            "refused", t("file.rejected_rows", count=report.rejected_rows)
        )
    summary = {
        "sheets": [
            {
                "sheet": s.sheet,
                "status": s.status,
                "kind": s.kind,
                "note": s.note,
                "accepted": s.accepted,
                "rejected": len(s.rejected),
                "skipped": dict(s.result.skipped) if s.result else {},
                "withheld": s.withheld,
                "withheld_note": s.withheld_note,
                "explain": s.explain(),
            }
            for s in report.sheets
        ]
    }
    try:
        batch_id = _write_batch(store, report, summary)
    except (duckdb.ConstraintException, duckdb.TransactionException) as err:
        # Another session committed the same file between our check and our insert: the
        # UNIQUE index on batches.sha256 refused the second batch, whose transaction rolled back.
        if duplicate := _duplicate(store, report.sha256):
            return duplicate
        return CommitResult("refused", t("file.write_failed", error=f"{type(err).__name__}: {err}"))
    except duckdb.Error as err:
        # Validation keeps every value within its column's type; if one still fails, the
        # transaction rolled back and the file is refused by name, and the next file still loads.
        return CommitResult("refused", t("file.write_failed", error=f"{type(err).__name__}: {err}"))
    if batch_id is None:
        return _duplicate(store, report.sha256) or CommitResult("duplicate", "")
    return CommitResult(
        "loaded",
        t("file.loaded", batch_id=batch_id, rows=report.accepted_rows),
        batch_id,
    )


def _duplicate(store: Store, sha256: str) -> CommitResult | None:
    message = duplicate_message(store, sha256)
    return CommitResult("duplicate", message) if message else None


def _unify_orgs(cur, report: FileReport) -> dict[str, str]:
    """One name per school (实验小学 = 滨江区实验小学; 滨江一中 = 滨江区第一中学), inside the batch's transaction.

    An incoming name that matches exactly one stored name (core.orgs.same_org) takes the longer of
    the two; stored rows under the shorter name are renamed, so every figure of the school adds up.
    Rows under the default name (本校工会: no school named anywhere) join the one school the store
    and the batch name, when there is exactly one.  Returns incoming name → name to store.
    """
    incoming = {
        o for s in report.data_sheets if "org" in s.result.records for o in s.result.records["org"].dropna().unique()
    }
    union = " UNION ".join(f'SELECT DISTINCT org FROM "{table}"' for table in KIND_TABLES.values())
    stored = [row[0] for row in cur.execute(union).fetchall()]
    default = t("org.default")
    names: dict[str, str] = {}
    for name in sorted(incoming, key=len, reverse=True):
        if name == default:
            continue
        pool = [o for o in {*stored, *names.values()} if o != default and o != name]
        matches = [o for o in pool if same_org(o, name)]
        if len(matches) != 1:
            continue
        other = matches[0]
        if len(other) >= len(name):
            names[name] = other
        else:
            names[name] = name
            for table in KIND_TABLES.values():
                cur.execute(f'UPDATE "{table}" SET org = ? WHERE org = ?', [name, other])
    # Rows that name no school (本校工会) belong to the one school the store knows, if only one.
    named = {names.get(o, o) for o in incoming if o != default} | {o for o in stored if o != default}
    named = {names.get(o, o) for o in named}
    if len(named) == 1:
        (school,) = named
        names[default] = school
        for table in KIND_TABLES.values():
            cur.execute(f'UPDATE "{table}" SET org = ? WHERE org = ?', [school, default])
    return names


def _write_batch(store: Store, report: FileReport, summary: dict) -> int | None:
    """Insert the batch and its rows in one transaction; None (nothing written) when the file is already in.

    The SHA-256 look-up runs inside the same transaction as the insert, under the store's
    write lock, so two sessions sharing the store cannot both pass it; the UNIQUE index
    guards against a second connection to the same file.
    """
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM batches WHERE sha256 = ? LIMIT 1", [report.sha256]).fetchone():
            return None
        batch_id = cur.execute("SELECT nextval('batch_seq')").fetchone()[0]
        cur.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                report.file_name,
                report.sha256,
                ",".join(report.kinds),
                report.accepted_rows,
                report.rejected_rows,
                report.skipped_rows,
                dt.datetime.now(),
                bool(report.rejected_rows),
                json.dumps(summary, ensure_ascii=False),
            ],
        )
        names = _unify_orgs(cur, report)
        for sheet in report.data_sheets:
            frame = sheet.result.records.copy()
            if "org" in frame:
                frame["org"] = frame["org"].map(lambda o: names.get(o, o))
            frame["batch_id"] = batch_id
            frame["source_file"] = report.file_name
            frame["source_sheet"] = sheet.sheet
            store.insert_frame(cur, sheet.kind, frame)
            if sheet.rejected:
                rejected = pd.DataFrame(
                    {
                        "batch_id": batch_id,
                        "source_file": report.file_name,
                        "source_sheet": sheet.sheet,
                        "source_row": [r.row for r in sheet.rejected],
                        "reason": [r.reason for r in sheet.rejected],
                        "raw": [json.dumps(r.raw, ensure_ascii=False) for r in sheet.rejected],
                    }
                )
                cur.register("rejected_frame", rejected)
                cur.execute("INSERT INTO rejected_rows SELECT * FROM rejected_frame")
                cur.unregister("rejected_frame")
        store.bump_version(cur)
    return batch_id


def remove_batch(store: Store, batch_id: int) -> bool:
    """Delete a batch and every row it brought, in one transaction; False if there is no such batch."""
    if not store.scalar("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]):
        return False
    with store.transaction() as cur:
        for table in KIND_TABLES.values():
            cur.execute(f'DELETE FROM "{table}" WHERE batch_id = ?', [batch_id])
        cur.execute("DELETE FROM rejected_rows WHERE batch_id = ?", [batch_id])
        cur.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
        store.bump_version(cur)
    return True


def load_path(
    store: Store,
    path: Path,
    *,
    kind: str | None = None,
    org: str | None = None,
    accept_valid: bool = False,
    isolated: bool = True,
) -> tuple[FileReport, CommitResult]:
    """Analyse and commit one file from disk (the command line's unit of work).

    ``isolated`` parses in the limited subprocess (loaders.sandbox), as for uploads.
    """
    options = {"kind": kind, "org": org, "user": load_user_mappings(store)}
    data = path.read_bytes()
    analyse = analyse_isolated if isolated else analyse_file
    report = analyse(data, path.name, **options)
    return report, commit_file(store, report, accept_valid=accept_valid)


def describe_kind(kind: str | None) -> str:
    """Chinese name of a kind for reports ("—" when none)."""
    return kind_label(kind) if kind else "—"
