"""Loading (导入): analyse a file into a report, then write it to the store as one batch.

Two steps so that the app can show the report before the user confirms:
:func:`loaders.analysis.analyse_file` reads, detects and validates without touching the store;
:func:`commit_file` writes one batch in one transaction, or nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import vocab
from core.labels import field_label, kind_label, t
from core.orgs import same_org
from core.store import KIND_TABLES, Store
from loaders.analysis import FileReport, analyse_file
from loaders.mapping import ANY_KIND, SKIP_FIELD, UserMappings
from loaders.normalize import normalize_header, normalize_value
from loaders.sandbox import analyse_isolated


@dataclass
class CommitResult:
    """What :func:`commit_file` did: ``status`` is "loaded", "duplicate" or "refused"."""

    status: str
    message: str
    batch_id: int | None = None


def _standard_school(org: str | None, aliases: dict[str, str]) -> str | None:
    org = (org or "").strip()
    if not org or org == t("org.default"):
        return None
    return aliases.get(org, org)


def profile_org(store: Store, org: str | None) -> str | None:
    """The school whose mapping profile (映射方案) ``org`` names: its standard name (aliases resolved),
    or None (the profile shared by every school) for no school or the placeholder 本校工会."""
    return _standard_school(org, org_aliases(store))


def one_school(store: Store, named: Iterable[str], org: str | None = None) -> str | None:
    """The school whose mapping profile applies to a file or batch: ``org`` when given (the user named
    the school), else the one school of ``named`` (its rows' 学校); None (every school's profile) otherwise.
    Standard names, the aliases read once."""
    aliases = org_aliases(store)
    if (school := _standard_school(org, aliases)) is not None:
        return school
    found = {_standard_school(o, aliases) for o in named} - {None}
    return found.pop() if len(found) == 1 else None


def load_user_mappings(store: Store, org: str | None = None) -> UserMappings:
    """The header and value mappings users confirmed, from the store: those shared by every school,
    with the school ``org``'s own entries over them (a school's profile wins over the district's)."""
    org = profile_org(store, org)
    headers = {
        row.header_key: (row.kind, row.field)
        for row in store.query(
            "SELECT header_key, kind, field FROM header_mappings WHERE org IS NULL OR org = ? ORDER BY org NULLS FIRST",
            [org],
        ).itertuples()
    }
    values = {
        (row.kind, row.field, row.raw_value): row.canonical
        for row in store.query(
            "SELECT kind, field, raw_value, canonical FROM value_mappings WHERE org IS NULL OR org = ? "
            "ORDER BY org NULLS FIRST",
            [org],
        ).itertuples()
    }
    return UserMappings(headers=headers, values=values)


def profile_orgs(store: Store) -> set[str]:
    """The schools that have a mapping profile of their own (at least one header or value mapping)."""
    frame = store.query(
        "SELECT org FROM header_mappings WHERE org IS NOT NULL "
        "UNION SELECT org FROM value_mappings WHERE org IS NOT NULL"
    )
    return set(frame["org"])


def mappings_version(store: Store) -> str:
    """A digest of the saved header and value mappings of every school: changes exactly when a mapping does."""
    return str(
        store.scalar(
            """SELECT md5(
                 coalesce((SELECT string_agg(concat_ws('|', header_key, kind, field, org), ';'
                           ORDER BY header_key, kind, org) FROM header_mappings), '') || '#' ||
                 coalesce((SELECT string_agg(concat_ws('|', kind, field, raw_value, canonical, org), ';'
                           ORDER BY kind, field, raw_value, org) FROM value_mappings), ''))"""
        )
    )


def save_header_mapping(
    store: Store, header: str, kind: str, fld: str, *, key: str | None = None, org: str | None = None
) -> None:
    """Remember that ``header`` means ``fld`` in ledgers of ``kind`` (used by app and command line).

    ``fld`` may be :data:`loaders.mapping.SKIP_FIELD` ((不导入)): the column is then never imported.
    ``key`` is the column's normalised header key when known (a two-row header's lower row).
    ``org`` saves it in that school's profile (its standard name); None in the profile of every school.
    """
    key = key or normalize_header(header).key
    org = profile_org(store, org)
    with store.transaction() as cur:
        cur.execute(
            "DELETE FROM header_mappings WHERE header_key = ? AND kind = ? AND org IS NOT DISTINCT FROM ?",
            [key, kind, org],
        )
        cur.execute(
            "INSERT INTO header_mappings (header_key, kind, field, org) VALUES (?, ?, ?, ?)", [key, kind, fld, org]
        )
        store.bump_version(cur)


def save_value_mapping(store: Store, kind: str, fld: str, raw: str, canonical: str, *, org: str | None = None) -> None:
    """Remember that the value ``raw`` of ``kind``/``fld`` means ``canonical``; also fixes stored rows.

    ``org`` saves it in that school's profile and fixes that school's rows only; None: every school's.
    """
    key = normalize_value(raw)
    table = KIND_TABLES[kind]
    org = profile_org(store, org)
    with store.transaction() as cur:
        cur.execute(
            "DELETE FROM value_mappings WHERE kind = ? AND field = ? AND raw_value = ? AND org IS NOT DISTINCT FROM ?",
            [kind, fld, key, org],
        )
        cur.execute(
            "INSERT INTO value_mappings (kind, field, raw_value, canonical, org) VALUES (?, ?, ?, ?, ?)",
            [kind, fld, key, canonical, org],
        )
        # fld is one of our own column names (a vocabulary field), never user text.
        if org is None:  # every school's rows but those of a school with its own mapping of this value
            cur.execute(
                f'UPDATE "{table}" SET "{fld}" = ? WHERE "{fld}" = ? AND org NOT IN (SELECT org FROM value_mappings '
                "WHERE kind = ? AND field = ? AND raw_value = ? AND org IS NOT NULL)",
                [canonical, raw, kind, fld, key],
            )
        else:
            cur.execute(f'UPDATE "{table}" SET "{fld}" = ? WHERE "{fld}" = ? AND org = ?', [canonical, raw, org])
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


def _unify_orgs(cur, incoming: set[str], tables: Sequence[str]) -> dict[str, str]:
    """One name per school (实验小学 = 滨江区实验小学; 滨江一中 = 滨江区第一中学), inside the batch's transaction.

    An incoming name that matches exactly one stored name (core.orgs.same_org) takes the longer of
    the two; stored rows under the shorter name are renamed, so every figure of the school adds up.
    Rows under the default name (本校工会: no school named anywhere) join the one school the store
    and the batch name, when there is exactly one.  ``tables``: the tables that may hold rows
    (:meth:`core.store.Store.tables_with_rows`).  Returns incoming name → name to store.
    """
    # Which tables hold each stored name: a table is renamed in only where the name is (in a lake each
    # UPDATE costs catalog trips even when it changes no row: 9 tables, ~1 s of a 100,000-row batch).
    union = " UNION ALL ".join(f"SELECT DISTINCT org, '{table}' FROM \"{table}\"" for table in tables)
    held: dict[str, set[str]] = {}
    for stored_org, table in cur.execute(union).fetchall() if tables else []:
        held.setdefault(stored_org, set()).add(table)
    stored = list(held)
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
            for table in sorted(held.get(other, ())):
                cur.execute(f'UPDATE "{table}" SET org = ? WHERE org = ?', [name, other])
            held.setdefault(name, set()).update(held.pop(other, ()))
    # Rows that name no school (本校工会) belong to the one school the store knows, if only one.
    named = {names.get(o, o) for o in incoming if o != default} | {o for o in stored if o != default}
    named = {names.get(o, o) for o in named}
    if len(named) == 1:
        (school,) = named
        names[default] = school
        for table in sorted(held.get(default, ())):
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
    with store.transaction(checkpoint_later=True) as cur:
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
            # Arrow from the reading child to the insert; a frame only for a sheet of mixed-type values.
            frame = sheet.result.table
            if frame is None:
                frame = sheet.result.records
                orgs = frame.get("org")
            else:
                orgs = frame.column("org").combine_chunks() if "org" in frame.column_names else None
            if orgs is not None:
                # The school the user named for this file, then the aliases she saved ...
                if org:
                    orgs = _default_named(orgs, default_org, org)
                if aliases:
                    orgs = _renamed(orgs, aliases)
            frames.append((sheet, frame, orgs))
        # ... then one name per school where two spellings match exactly one stored school (a name the
        # user typed for this file is hers to keep: the page suggests the alias instead).
        found = {o for _, _, orgs in frames if orgs is not None for o in _distinct(orgs)}
        names = _unify_orgs(cur, found - {org}, store.tables_with_rows(cur, KIND_TABLES.values()))
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


def _distinct(orgs: pd.Series | pa.Array) -> list[object]:
    """The distinct school names of a column (no missing ones)."""
    if isinstance(orgs, pa.Array):
        return pc.unique(orgs).drop_null().to_pylist()
    return list(orgs.dropna().unique())


def _default_named(orgs: pd.Series | pa.Array, default_org: str, org: str) -> pd.Series | pa.Array:
    """The rows under the default name (本校工会) under ``org`` instead."""
    if isinstance(orgs, pa.Array):
        return pc.if_else(pc.equal(orgs, default_org), pa.scalar(org, orgs.type), orgs)
    return orgs.where(orgs != default_org, org)


def _renamed(orgs: pd.Series | pa.Array, names: dict[str, str]) -> pd.Series | pa.Array:
    """Each school name through ``names`` (unlisted names stay), looked up once per distinct name."""
    if isinstance(orgs, pa.Array):
        changed = [o for o in pc.unique(orgs).drop_null().to_pylist() if names.get(o, o) != o]
        if not changed:
            return orgs  # nothing to rename (the usual case): no pass over the rows
        at = pc.index_in(orgs, value_set=pa.array(changed, orgs.type))
        renamed = pc.take(pa.array([names[o] for o in changed], orgs.type), at)
        return pc.if_else(pc.is_null(at), orgs, renamed)
    distinct = orgs.unique()
    if not any(o in names and names[o] != o for o in distinct if isinstance(o, str)):
        return orgs  # nothing to rename (the usual case): no pass over the rows
    return orgs.map({o: names.get(o, o) for o in distinct})


def _arrow_table(
    frame: pa.Table | pd.DataFrame, orgs: pd.Series | pa.Array | None, source: dict[str, object]
) -> pa.Table | pd.DataFrame:
    """``frame`` with ``orgs`` as its org column and the constant ``source`` columns, as one Arrow table.

    DuckDB scans the Arrow table without Python objects.  The values do not change (dates stay dates,
    floats floats, texts texts); a column Arrow cannot hold as one type (mixed Python objects) leaves
    the rows as a pandas frame.
    """
    try:
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        if orgs is not None:
            at = table.column_names.index("org")
            column = (
                orgs.cast(pa.string()) if isinstance(orgs, pa.Array) else pa.array(orgs, pa.string(), from_pandas=True)
            )
            table = table.set_column(at, "org", column)
        first = pa.array(np.zeros(table.num_rows, dtype=np.int64))
        for name, value in source.items():
            table = table.append_column(name, pa.array([value]).take(first))
        return table
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        frame = frame.to_pandas() if isinstance(frame, pa.Table) else frame.copy()
        if orgs is not None:
            frame["org"] = orgs.to_pandas() if isinstance(orgs, pa.Array) else orgs
        for name, value in source.items():
            frame[name] = value
        return frame


def remove_batch(store: Store, batch_id: int) -> bool:
    """Delete a batch and every row it brought, in one transaction; False if there is no such batch.

    The rows may name people (撤销批次 removes personal information): in a lake they are then purged
    from its files too (:meth:`core.store.Store.erasing`).
    """
    if not store.scalar("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]):
        return False
    erased = {"rejected_rows", "batch_files", "batches"}  # purged in a lake: these, and the tables it had rows in
    with store.erasing(erased) as cur:
        for table in KIND_TABLES.values():
            if cur.execute(f'DELETE FROM "{table}" WHERE batch_id = ?', [batch_id]).fetchone()[0]:
                erased.add(table)
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
    read = {"kind": options.get("kind"), "org": options.get("analysis_org"), "sheet_kinds": options.get("sheet_kinds")}
    orgs = store.query(  # the batch's rows name their school when the upload named none
        " UNION ".join(f'SELECT DISTINCT org FROM "{table}" WHERE batch_id = ?' for table in KIND_TABLES.values()),
        [batch_id] * len(KIND_TABLES),
    )
    school = one_school(store, orgs["org"], options.get("org"))
    report = analyse(data, str(name), user=load_user_mappings(store, school), **read)
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
        # the alias's mapping profile joins the school's (the school's own entry wins where both have one)
        cur.execute(
            "DELETE FROM header_mappings WHERE org = ? AND (header_key, kind) IN "
            "(SELECT (header_key, kind) FROM header_mappings WHERE org = ?)",
            [alias, name],
        )
        cur.execute(
            "DELETE FROM value_mappings WHERE org = ? AND (kind, field, raw_value) IN "
            "(SELECT (kind, field, raw_value) FROM value_mappings WHERE org = ?)",
            [alias, name],
        )
        cur.execute("UPDATE header_mappings SET org = ? WHERE org = ?", [name, alias])
        cur.execute("UPDATE value_mappings SET org = ? WHERE org = ?", [name, alias])
        for table in KIND_TABLES.values():
            changed += cur.execute(f'UPDATE "{table}" SET org = ? WHERE org = ?', [name, alias]).fetchone()[0]
        store.bump_version(cur)
    return changed


SUB_UNION_TABLES = tuple(KIND_TABLES[k] for k, fields in vocab.FIELD_ALIASES.items() if "sub_union" in fields)


def set_sub_union_alias(store: Store, alias: str, name: str, org: str | None = None) -> int:
    """Make ``alias`` another spelling of sub-union (分工会) ``name`` in school ``org``'s ledgers (None: every
    school's): rows already loaded and later ones (a value mapping of every kind, kept in the school's
    mapping profile).  Returns rows changed; ValueError (Chinese) when either is blank or both are the same.
    """
    alias, name = alias.strip(), name.strip()
    if not alias or not name or alias == name:
        raise ValueError(t("sub_union_alias.invalid"))
    org = profile_org(store, org)
    key = normalize_value(alias)
    changed = 0
    with store.transaction() as cur:
        cur.execute(
            "DELETE FROM value_mappings WHERE kind = ? AND field = 'sub_union' AND raw_value = ? "
            "AND org IS NOT DISTINCT FROM ?",
            [ANY_KIND, key, org],
        )
        cur.execute(
            "INSERT INTO value_mappings (kind, field, raw_value, canonical, org) VALUES (?, 'sub_union', ?, ?, ?)",
            [ANY_KIND, key, name, org],
        )
        # an earlier alias that pointed at ``alias`` now points at ``name`` (no chains)
        cur.execute(
            "UPDATE value_mappings SET canonical = ? WHERE kind = ? AND field = 'sub_union' AND canonical = ? "
            "AND org IS NOT DISTINCT FROM ?",
            [name, ANY_KIND, alias, org],
        )
        for table in SUB_UNION_TABLES:
            where = "sub_union = ?" + ("" if org is None else " AND org = ?")
            params = [name, alias] + ([] if org is None else [org])
            changed += cur.execute(f'UPDATE "{table}" SET sub_union = ? WHERE {where}', params).fetchone()[0]
        store.bump_version(cur)
    return changed


def sub_union_rows(store: Store, org: str | None = None) -> pd.DataFrame:
    """Rows per sub-union (分工会) as written in every ledger of school ``org`` (None: all):
    columns sub_union, rows; most rows first.  For joining two spellings on 数据管理."""
    where = "sub_union IS NOT NULL" + ("" if org is None else " AND org = ?")
    union = " UNION ALL ".join(f'SELECT sub_union FROM "{table}" WHERE {where}' for table in SUB_UNION_TABLES)
    params = [] if org is None else [profile_org(store, org)] * len(SUB_UNION_TABLES)
    return store.query(
        f"SELECT sub_union, count(*) AS rows FROM ({union}) GROUP BY 1 ORDER BY rows DESC, sub_union", params
    )


def suggest_sub_union_aliases(names: list[str]) -> list[tuple[str, str]]:
    """Likely pairs (alias, standard name) among sub-union names: the same once the usual endings
    (分工会, 工会小组, 工会, 组) are dropped, or one contained in the other (语文组 → 语文分工会)."""

    def stem(name: str) -> str:
        return re.sub("(分工会|工会小组|工会|小组|组)$", "", name.strip())

    pairs = []
    for short in names:
        for long in names:
            if short == long or not stem(short):
                continue
            if (stem(short) == stem(long) and len(short) < len(long)) or (short in long and len(short) >= 2):
                pairs.append((short, long))
    return pairs


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


def _text_or_none(value: object) -> str | None:
    """A text cell of a query frame, or None for SQL NULL (pandas gives NaN, which JSON cannot carry)."""
    return value if isinstance(value, str) else None


def export_mappings(store: Store, org: str | None = None) -> dict:
    """Mapping profiles (映射方案) as JSON-ready data: header and value mappings and school aliases.

    Every entry carries ``org``: the school whose profile it belongs to, or None (every school).
    With ``org``: only what applies to that school (its own entries and those of every school).
    """
    org = profile_org(store, org)
    where, params = ("WHERE org IS NULL OR org = ?", [org]) if org else ("", [])
    return {
        "format": PROFILE_FORMAT,
        "version": 2,
        "headers": [
            {"header": r.header_key, "kind": r.kind, "field": r.field, "org": _text_or_none(r.org)}
            for r in store.query(
                f"SELECT * FROM header_mappings {where} ORDER BY org NULLS FIRST, kind, header_key", params
            ).itertuples()
        ],
        "values": [
            {
                "kind": r.kind,
                "field": r.field,
                "raw": r.raw_value,
                "canonical": r.canonical,
                "org": _text_or_none(r.org),
            }
            for r in store.query(
                f"SELECT * FROM value_mappings {where} ORDER BY org NULLS FIRST, kind, field, raw_value", params
            ).itertuples()
        ],
        "org_aliases": [
            {"alias": r.alias, "name": r.name}
            for r in store.query("SELECT alias, name FROM org_aliases ORDER BY alias").itertuples()
        ],
    }


def check_profile(profile: object) -> dict:
    """Validate a mapping profile (from a file, format version 1 or 2); raises ValueError naming the first
    wrong entry (Chinese).  Version 1 entries have no ``org``: they belong to every school."""
    if not isinstance(profile, dict) or profile.get("format") != PROFILE_FORMAT:
        raise ValueError(t("mappings.bad_format"))
    for part in ("headers", "values", "org_aliases"):
        entries = profile.get(part, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError(t("mappings.bad_entry", part=part, n=1))
        for i, entry in enumerate(entries, start=1):
            if entry.get("org") is not None and not (isinstance(entry["org"], str) and entry["org"].strip()):
                raise ValueError(t("mappings.bad_entry", part=part, n=i))
    for i, entry in enumerate(profile.get("headers", []), start=1):
        kind, fld = entry.get("kind"), entry.get("field")
        kinds = list(vocab.FIELD_ALIASES) if kind == "*" else [kind]
        if not entry.get("header") or kind not in (*vocab.FIELD_ALIASES, "*"):
            raise ValueError(t("mappings.bad_entry", part="headers", n=i))
        if fld != SKIP_FIELD and not any(fld in vocab.FIELD_ALIASES[k] for k in kinds):
            raise ValueError(t("mappings.bad_entry", part="headers", n=i))
    for i, entry in enumerate(profile.get("values", []), start=1):
        if entry.get("kind") == ANY_KIND and entry.get("field") == "sub_union":  # 分工会别名: any name
            if not str(entry.get("raw") or "").strip() or not str(entry.get("canonical") or "").strip():
                raise ValueError(t("mappings.bad_entry", part="values", n=i))
            continue
        terms = vocab.VALUE_VOCABULARIES.get(entry.get("kind"), {}).get(entry.get("field"))
        if not terms or not entry.get("raw") or entry.get("canonical") not in terms:
            raise ValueError(t("mappings.bad_entry", part="values", n=i))
    for i, entry in enumerate(profile.get("org_aliases", []), start=1):
        alias, name = str(entry.get("alias") or "").strip(), str(entry.get("name") or "").strip()
        if not alias or not name or alias == name:
            raise ValueError(t("mappings.bad_entry", part="org_aliases", n=i))
    return profile


def import_mappings(store: Store, profile: object, org: str | None = None) -> dict[str, int]:
    """Save every mapping and alias of a profile into the store (later entries win); returns counts per part.

    Each mapping goes to the school its entry names (none: every school); ``org`` puts them all into
    that school's profile instead (a district's profile handed to one school).  Aliases come first,
    so entries naming an alias land in the school's profile.
    """
    profile = check_profile(profile)
    for entry in profile.get("org_aliases", []):
        set_org_alias(store, entry["alias"], entry["name"])
    for entry in profile.get("headers", []):
        save_header_mapping(
            store,
            entry["header"],
            entry["kind"],
            entry["field"],
            key=normalize_header(entry["header"]).key,
            org=org or entry.get("org"),
        )
    for entry in profile.get("values", []):
        if entry["kind"] == ANY_KIND:
            set_sub_union_alias(store, entry["raw"], entry["canonical"], org=org or entry.get("org"))
            continue
        save_value_mapping(
            store, entry["kind"], entry["field"], entry["raw"], entry["canonical"], org=org or entry.get("org")
        )
    return {part: len(profile.get(part, [])) for part in ("headers", "values", "org_aliases")}


def read_profile_file(path: Path) -> dict:
    """A mapping profile from a JSON file; ValueError (Chinese) when it is not one."""
    try:
        return parse_profile(Path(path).read_bytes())
    except OSError as err:
        raise ValueError(t("mappings.unreadable", error=str(err))) from err


def parse_profile(data: bytes) -> dict:
    """A mapping profile from a JSON file's bytes (UTF-8, with or without BOM; an upload on 数据管理);
    ValueError (Chinese) when it is not one."""
    try:
        return check_profile(json.loads(data.decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValueError(t("mappings.unreadable", error=str(err))) from err


def profile_rows(profile: dict) -> pd.DataFrame:
    """A profile's mappings as one table (what → into → which school), for 数据管理; Chinese field names."""

    def means(fld: str) -> str:
        return t("upload.not_imported") if fld == SKIP_FIELD else field_label(fld)

    every = t("mappings.every_school")
    rows = [
        (
            kind_label(e["kind"]) if e["kind"] != ANY_KIND else t("mappings.all_kinds"),
            e["header"],
            means(e["field"]),
            e.get("org") or every,
        )
        for e in profile.get("headers", [])
    ]
    rows += [
        (
            kind_label(e["kind"]) if e["kind"] != ANY_KIND else t("mappings.all_kinds"),
            t("mappings.value_of", field=field_label(e["field"]), raw=e["raw"]),
            e["canonical"],
            e.get("org") or every,
        )
        for e in profile.get("values", [])
    ]
    return pd.DataFrame(rows, columns=["kind", "written", "means", "org"])


def report_orgs(report: FileReport) -> list[str]:
    """The schools the file's rows name (a district summary's 学校 column names several), sorted."""
    found: set[str] = set()
    for sheet in report.data_sheets:
        table = sheet.result.table
        if table is not None:
            if "org" in table.column_names:
                found.update(str(o) for o in _distinct(table.column("org").combine_chunks()))
            continue
        records = sheet.result.records
        if "org" in records:
            found.update(str(o) for o in records["org"].dropna().unique())
    return sorted(found)


def school_of(store: Store, report: FileReport, org: str | None) -> str | None:
    """The school whose mapping profile applies to a file: ``org`` when given (the user named the
    school), else the one school its rows name; None (the profile of every school) otherwise."""
    return one_school(store, report_orgs(report), org)


def analyse_for_school(store: Store, data: bytes, name: str, *, isolated: bool = True, **options) -> FileReport:
    """Analyse a file with the mapping profile of its school (:func:`school_of`).

    Read once with the profile of every school (or of ``org`` when given); when the rows then turn
    out to name one school that has a profile of its own, read again with that school's profile.
    ``options`` are those of :func:`loaders.analysis.analyse_file` but ``user``.
    """
    analyse = analyse_isolated if isolated else analyse_file
    org = options.get("org")
    report = analyse(data, name, user=load_user_mappings(store, org), **options)
    school = school_of(store, report, org)
    if school is not None and _standard_school(org, {}) is None and school in profile_orgs(store):
        report = analyse(data, name, user=load_user_mappings(store, school), **options)
    return report


def load_path(
    store: Store,
    path: Path,
    *,
    kind: str | None = None,
    org: str | None = None,
    accept_valid: bool = False,
    isolated: bool = True,
) -> tuple[FileReport, CommitResult]:
    """Analyse and commit one file from disk (the command line's unit of work), with its school's
    mapping profile (``org``, else the one school its rows name; see :func:`analyse_for_school`).

    ``isolated`` parses in the limited subprocess (loaders.sandbox), as for uploads.
    """
    data = path.read_bytes()
    report = analyse_for_school(store, data, path.name, isolated=isolated, kind=kind, org=org)
    kept = {"kind": kind, "analysis_org": org}
    return report, commit_file(store, report, accept_valid=accept_valid, data=data, options=kept)


def describe_kind(kind: str | None) -> str:
    """Chinese name of a kind for reports ("—" when none)."""
    return kind_label(kind) if kind else "—"
