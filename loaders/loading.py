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
import numpy as np
import pandas as pd
import pyarrow as pa

from core import vocab
from core.labels import kind_label, t
from core.orgs import same_org
from core.store import KIND_TABLES, Store
from loaders.analysis import FileReport, analyse_file
from loaders.mapping import SKIP_FIELD, UserMappings
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


def save_header_mapping(store: Store, header: str, kind: str, fld: str, *, key: str | None = None) -> None:
    """Remember that ``header`` means ``fld`` in ledgers of ``kind`` (used by app and command line).

    ``fld`` may be :data:`loaders.mapping.SKIP_FIELD` ((不导入)): the column is then never imported.
    ``key`` is the column's normalised header key when known (a two-row header's lower row).
    """
    key = key or normalize_header(header).key
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


def commit_file(
    store: Store,
    report: FileReport,
    *,
    accept_valid: bool = False,
    data: bytes | None = None,
    options: dict | None = None,
    org: str | None = None,
) -> CommitResult:
    """Write one analysed file as one batch, in one transaction.

    Refuses (writes nothing) when the file or a sheet was not recognised, or when a
    row was rejected and ``accept_valid`` is False.  With ``accept_valid`` the valid
    rows load and the rejected rows are kept, raw values and reasons, in
    ``rejected_rows`` of the batch.  A file whose SHA-256 is already in the store
    adds nothing (status "duplicate").

    ``org`` names the school of rows without a 学校 column (those analysed under the default
    name); every school name then passes the aliases (:func:`set_org_alias`).  ``data`` (the
    original file) and ``options`` (how it was read) are kept in ``batch_files`` so that the
    batch can be re-imported after a mapping changes (:func:`reimport_batch`).
    """
    if report.fatal:
        return CommitResult("refused", report.fatal)
    if report.rejected_rows and not accept_valid:
        # A file already loaded says so even when rows would be refused (the duplicate wins).
        return _duplicate(store, report.sha256) or CommitResult(
            "refused", t("file.rejected_rows", count=report.rejected_rows)
        )
    summary = _summary(report)
    kept = None if data is None else (data, {**(options or {}), "org": org, "accept_valid": accept_valid})
    try:
        # In a lake, a commit refused as a conflict with another server runs again (bounded), and the
        # duplicate check inside the transaction sees what that server committed (issue 15).
        batch_id = store.retrying(lambda: _write_batch(store, report, summary, org=org, kept=kept))
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


def _unify_orgs(cur, incoming: set[str]) -> dict[str, str]:
    """One name per school (实验小学 = 滨江区实验小学; 滨江一中 = 滨江区第一中学), inside the batch's transaction.

    An incoming name that matches exactly one stored name (core.orgs.same_org) takes the longer of
    the two; stored rows under the shorter name are renamed, so every figure of the school adds up.
    Rows under the default name (本校工会: no school named anywhere) join the one school the store
    and the batch name, when there is exactly one.  Returns incoming name → name to store.
    """
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


def _summary(report: FileReport) -> dict:
    return {
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


def _write_batch(
    store: Store,
    report: FileReport,
    summary: dict,
    *,
    org: str | None = None,
    kept: tuple[bytes, dict] | None = None,
    replace: int | None = None,
) -> int | None:
    """Insert the batch and its rows in one transaction; None (nothing written) when the file is already in.

    The SHA-256 look-up runs inside the same transaction as the insert, under the store's
    write lock, so two sessions sharing the store cannot both pass it; the UNIQUE index
    guards against a second connection to the same file.
    """
    aliases = org_aliases(store)
    default_org = t("org.default")
    with store.transaction() as cur:
        if replace is not None:
            # A re-import: the batch's old rows go out and its new rows come in, in this one transaction.
            batch_id = replace
            for table in KIND_TABLES.values():
                cur.execute(f'DELETE FROM "{table}" WHERE batch_id = ?', [batch_id])
            cur.execute("DELETE FROM rejected_rows WHERE batch_id = ?", [batch_id])
            cur.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
        else:
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
        frames = []
        for sheet in report.data_sheets:
            frame = sheet.result.records
            orgs = frame.get("org")
            if orgs is not None:
                # The school the user named for this file, then the aliases she saved ...
                if org:
                    orgs = orgs.where(orgs != default_org, org)
                if aliases:
                    orgs = _renamed(orgs, aliases)
            frames.append((sheet, frame, orgs))
        # ... then one name per school where two spellings match exactly one stored school (a name the
        # user typed for this file is hers to keep: the page suggests the alias instead).
        found = {o for _, _, orgs in frames if orgs is not None for o in orgs.dropna().unique()}
        names = _unify_orgs(cur, found - {org})
        for sheet, frame, orgs in frames:
            if orgs is not None and names:
                orgs = _renamed(orgs, names)
            source = {"batch_id": batch_id, "source_file": report.file_name, "source_sheet": sheet.sheet}
            store.insert_frame(cur, sheet.kind, _arrow_table(frame, orgs, source))
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
        if kept is not None:
            cur.execute("DELETE FROM batch_files WHERE batch_id = ?", [batch_id])
            cur.execute(
                "INSERT INTO batch_files VALUES (?, ?, ?)",
                [batch_id, kept[0], json.dumps(kept[1], ensure_ascii=False)],
            )
        store.bump_version(cur)
    return batch_id


def _renamed(orgs: pd.Series, names: dict[str, str]) -> pd.Series:
    """Each school name through ``names`` (unlisted names stay), looked up once per distinct name."""
    return orgs.map({o: names.get(o, o) for o in orgs.unique()})


def _arrow_table(frame: pd.DataFrame, orgs: pd.Series | None, source: dict[str, object]) -> pa.Table | pd.DataFrame:
    """``frame`` with ``orgs`` as its org column and the constant ``source`` columns, as one Arrow table.

    DuckDB scans the Arrow table without Python objects.  The values do not change (dates stay dates,
    floats floats, texts texts); a column Arrow cannot hold as one type (mixed Python objects) leaves
    the rows as a pandas frame.
    """
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if orgs is not None:
            at = table.column_names.index("org")
            table = table.set_column(at, "org", pa.array(orgs, pa.string(), from_pandas=True))
        first = pa.array(np.zeros(table.num_rows, dtype=np.int64))
        for name, value in source.items():
            table = table.append_column(name, pa.array([value]).take(first))
        return table
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        frame = frame.copy()
        if orgs is not None:
            frame["org"] = orgs
        for name, value in source.items():
            frame[name] = value
        return frame


def remove_batch(store: Store, batch_id: int) -> bool:
    """Delete a batch and every row it brought, in one transaction; False if there is no such batch."""
    if not store.scalar("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]):
        return False
    with store.transaction() as cur:
        for table in KIND_TABLES.values():
            cur.execute(f'DELETE FROM "{table}" WHERE batch_id = ?', [batch_id])
        cur.execute("DELETE FROM rejected_rows WHERE batch_id = ?", [batch_id])
        cur.execute("DELETE FROM batch_files WHERE batch_id = ?", [batch_id])
        cur.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
        store.bump_version(cur)
    return True


def reimportable(store: Store) -> set[int]:
    """The batches whose original file is kept (可重新导入)."""
    return {int(b) for b in store.query("SELECT batch_id FROM batch_files")["batch_id"]}


def reimport_batch(
    store: Store, batch_id: int, *, accept_valid: bool | None = None, isolated: bool = True
) -> tuple[FileReport | None, CommitResult]:
    """Read a batch's kept original again with today's mappings and aliases, and replace its rows.

    One transaction: the old rows out, the new rows in (the duplicate check does not apply to
    the batch's own file).  ``accept_valid`` defaults to what the batch was loaded with.
    Refuses, changing nothing, when the file is no longer kept or now reads with a fatal error.
    """
    kept = store.query("SELECT data, options FROM batch_files WHERE batch_id = ?", [batch_id])
    name = store.scalar("SELECT file_name FROM batches WHERE batch_id = ?", [batch_id])
    if not len(kept) or name is None:
        return None, CommitResult("refused", t("file.not_kept", batch_id=batch_id))
    data = bytes(kept.iloc[0]["data"])
    options = json.loads(kept.iloc[0]["options"] or "{}")
    accept = bool(options.get("accept_valid")) if accept_valid is None else accept_valid
    analyse = analyse_isolated if isolated else analyse_file
    report = analyse(
        data,
        str(name),
        kind=options.get("kind"),
        org=options.get("analysis_org"),
        sheet_kinds=options.get("sheet_kinds"),
        user=load_user_mappings(store),
    )
    if report.fatal:
        return report, CommitResult("refused", report.fatal)
    if report.rejected_rows and not accept:
        return report, CommitResult("refused", t("file.rejected_rows", count=report.rejected_rows))
    options = {**options, "accept_valid": accept}
    try:
        _write_batch(store, report, _summary(report), org=options.get("org"), kept=(data, options), replace=batch_id)
    except duckdb.Error as err:
        return report, CommitResult("refused", t("file.write_failed", error=f"{type(err).__name__}: {err}"))
    return report, CommitResult("loaded", t("file.reimported", batch_id=batch_id, rows=report.accepted_rows), batch_id)


# --- schools (学校) and their aliases -----------------------------------------------------------


def org_aliases(store: Store) -> dict[str, str]:
    """Alias → standard school name (实验小学 → 滨江区实验小学)."""
    return {row.alias: row.name for row in store.query("SELECT alias, name FROM org_aliases").itertuples()}


def set_org_alias(store: Store, alias: str, name: str) -> int:
    """Make ``alias`` another spelling of school ``name``: rows already loaded and later ones; returns rows changed.

    Aliases that pointed at ``alias`` now point at ``name`` too (no chains).
    Raises ValueError when either is blank or both are the same.
    """
    alias, name = alias.strip(), name.strip()
    if not alias or not name or alias == name:
        raise ValueError(t("org_alias.invalid"))
    name = org_aliases(store).get(name, name)
    changed = 0
    with store.transaction() as cur:
        cur.execute("DELETE FROM org_aliases WHERE alias = ? OR alias = ?", [alias, name])
        cur.execute("UPDATE org_aliases SET name = ? WHERE name = ?", [name, alias])
        cur.execute("INSERT INTO org_aliases VALUES (?, ?)", [alias, name])
        for table in KIND_TABLES.values():
            changed += cur.execute(f'UPDATE "{table}" SET org = ? WHERE org = ?', [name, alias]).fetchone()[0]
        store.bump_version(cur)
    return changed


def suggest_org_aliases(names: list[str]) -> list[tuple[str, str]]:
    """Likely pairs (alias, standard name): one school name contained in another (实验小学 → 滨江区实验小学)."""
    pairs = []
    for short in names:
        for long in names:
            if short != long and len(short) >= 2 and short in long:
                pairs.append((short, long))
    return pairs


def known_org_in(texts: list[str], known: list[str]) -> str | None:
    """The known school named in ``texts`` (file name, sheet titles, 学校 values), longest name first, or None."""
    for name in sorted(known, key=len, reverse=True):
        if name and any(name in text for text in texts if text):
            return name
    return None


# --- mapping profiles as files (映射方案) ---------------------------------------------------------

PROFILE_FORMAT = "union-dashboard-mappings"


def export_mappings(store: Store) -> dict:
    """The school's mapping profile: header and value mappings and school aliases, as JSON-ready data."""
    return {
        "format": PROFILE_FORMAT,
        "version": 1,
        "headers": [
            {"header": r.header_key, "kind": r.kind, "field": r.field}
            for r in store.query("SELECT * FROM header_mappings ORDER BY kind, header_key").itertuples()
        ],
        "values": [
            {"kind": r.kind, "field": r.field, "raw": r.raw_value, "canonical": r.canonical}
            for r in store.query("SELECT * FROM value_mappings ORDER BY kind, field, raw_value").itertuples()
        ],
        "org_aliases": [
            {"alias": r.alias, "name": r.name}
            for r in store.query("SELECT alias, name FROM org_aliases ORDER BY alias").itertuples()
        ],
    }


def check_profile(profile: object) -> dict:
    """Validate a mapping profile (from a file); raises ValueError naming the first wrong entry (Chinese)."""
    if not isinstance(profile, dict) or profile.get("format") != PROFILE_FORMAT:
        raise ValueError(t("mappings.bad_format"))
    for i, entry in enumerate(profile.get("headers", []), start=1):
        kind, fld = entry.get("kind"), entry.get("field")
        kinds = list(vocab.FIELD_ALIASES) if kind == "*" else [kind]
        if not entry.get("header") or kind not in (*vocab.FIELD_ALIASES, "*"):
            raise ValueError(t("mappings.bad_entry", part="headers", n=i))
        if fld != SKIP_FIELD and not any(fld in vocab.FIELD_ALIASES[k] for k in kinds):
            raise ValueError(t("mappings.bad_entry", part="headers", n=i))
    for i, entry in enumerate(profile.get("values", []), start=1):
        terms = vocab.VALUE_VOCABULARIES.get(entry.get("kind"), {}).get(entry.get("field"))
        if not terms or not entry.get("raw") or entry.get("canonical") not in terms:
            raise ValueError(t("mappings.bad_entry", part="values", n=i))
    for i, entry in enumerate(profile.get("org_aliases", []), start=1):
        if not entry.get("alias") or not entry.get("name"):
            raise ValueError(t("mappings.bad_entry", part="org_aliases", n=i))
    return profile


def import_mappings(store: Store, profile: object) -> dict[str, int]:
    """Save every mapping and alias of a profile into the store (later entries win); returns counts per part."""
    profile = check_profile(profile)
    for entry in profile.get("headers", []):
        save_header_mapping(
            store, entry["header"], entry["kind"], entry["field"], key=normalize_header(entry["header"]).key
        )
    for entry in profile.get("values", []):
        save_value_mapping(store, entry["kind"], entry["field"], entry["raw"], entry["canonical"])
    for entry in profile.get("org_aliases", []):
        set_org_alias(store, entry["alias"], entry["name"])
    return {part: len(profile.get(part, [])) for part in ("headers", "values", "org_aliases")}


def read_profile_file(path: Path) -> dict:
    """A mapping profile from a JSON file; ValueError (Chinese) when it is not one."""
    try:
        return check_profile(json.loads(Path(path).read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(t("mappings.unreadable", error=str(err))) from err


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
    kept = {"kind": kind, "analysis_org": org}
    return report, commit_file(store, report, accept_valid=accept_valid, data=data, options=kept)


def describe_kind(kind: str | None) -> str:
    """Chinese name of a kind for reports ("—" when none)."""
    return kind_label(kind) if kind else "—"
