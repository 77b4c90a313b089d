"""Removing personal data (删除个人信息): forget one person, pseudonymise names past retention.

个人信息保护法 Art. 47: personal information is deleted when its purpose is met, the retention
period ends or the person asks.  The ledgers' figures must not move, so rows stay and only the
text naming the person changes to a stable pseudonym (core.privacy.pseudonym): amounts, counts,
dates and categories are untouched.  Every act is recorded in ``history`` without the name.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field

import duckdb

from core.labels import field_label, t
from core.privacy import PSEUDONYM_PREFIX, pseudonym
from core.store import Store, quote_ident

# Cells that name people: the whole cell, or one entry of a list (张三、李四).
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "welfare": ("recipient", "handler"),
    "awards": ("recipient",),
    "proposals": ("proposer",),
    "roster": ("name",),
    "donations": ("donor",),
    "publicity": ("author",),
}
# Free text that may mention a name anywhere (备注, titles): the name is replaced where it appears.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "welfare": ("item", "note", "source_file", "source_sheet"),
    "activities": ("name", "note", "source_file", "source_sheet"),
    "member_counts": ("note", "source_file", "source_sheet"),
    "roster": ("source_file", "source_sheet"),
    "proposals": ("title", "note", "source_file", "source_sheet"),
    "awards": ("title", "note", "source_file", "source_sheet"),
    "budget": ("note", "source_file", "source_sheet"),
    "donations": ("drive", "note", "source_file", "source_sheet"),
    "publicity": ("title", "note", "source_file", "source_sheet"),
}
# Records of loads: file names and the raw cells of rejected rows may name people too.
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "batches": ("file_name",),
    "rejected_rows": ("source_file", "source_sheet", "reason", "raw"),
}
# Personal fields other than the name, cleared with it (not used by any figure).
CLEARED_COLUMNS: dict[str, tuple[str, ...]] = {"roster": ("staff_id", "birth"), "donations": ("staff_id",)}
# Notes cleared when a row passes the retention period (they may tell of illness or name people).
RETENTION_NOTES: tuple[str, ...] = ("welfare", "awards", "proposals")
# The date that places a row in a period, per table (SQL over the row's columns).
ROW_DATE: dict[str, str] = {
    "welfare": "date",
    "awards": "coalesce(award_date, make_date(year, 12, 31))",
    "proposals": "coalesce(session_date, submit_date)",
    "roster": "make_date(as_of_year, 12, 31)",
    "donations": "date",
    "publicity": "date",
}
TABLE_LABELS: dict[str, str] = {
    "welfare": "福利慰问",
    "activities": "活动",
    "member_counts": "会员人数",
    "roster": "会员名册",
    "proposals": "提案",
    "awards": "评优获奖",
    "budget": "经费预算决算",
    "donations": "捐款",
    "publicity": "宣传",
    "batches": "批次记录",
    "rejected_rows": "不合格行记录",
}
_COLUMN_LABELS = {
    "recipient": "对象/获奖对象",
    "name": "姓名/活动名称",
    "title": "标题",
    "source_file": "来源文件",
    "source_sheet": "工作表",
    "file_name": "文件名",
    "reason": "原因",
    "raw": "原始内容",
}


def column_label(column: str) -> str:
    """Chinese name of a column listed in a plan (对象, 备注, 提案人 …)."""
    return _COLUMN_LABELS.get(column) or field_label(column)


_SEPARATORS = "、,，;；/／\\s"
_LIST_LEFT = f"(^|[{_SEPARATORS}])"
_LIST_RIGHT = f"($|[{_SEPARATORS}（(])"


class Ambiguous(Exception):
    """The name is not unique enough to act on: ``str(err)`` says which option to add (Chinese)."""


@dataclass
class Target:
    """Whom to forget: a name, narrowed to an organisation or a roster member (工号)."""

    name: str
    org: str | None = None
    member_id: str | None = None


@dataclass
class Plan:
    """What :func:`forget` will touch: per table, the rows and the columns; tables it must leave."""

    target: Target
    pseudonym: str
    rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    _scopes: dict[str, tuple[str, list[object]]] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def salt(store: Store) -> str:
    """The store's secret pseudonym salt (meta table), made once."""
    value = store.get_meta("pseudonym_salt")
    if value is None:
        value = secrets.token_hex(16)
        store.set_meta("pseudonym_salt", value)
    return value


def _re2_literal(text: str) -> str:
    """``text`` as a literal in a DuckDB (RE2) pattern: only its metacharacters get a backslash."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


def _list_pattern(name: str) -> str:
    return _LIST_LEFT + _re2_literal(name) + _LIST_RIGHT


def _has_column(store: Store, table: str, column: str) -> bool:
    return column in store.columns(table)


# Who acts in this thread (user name, school): set by the app for each page run of a logged-in
# session (or 本机 in single-user mode) and by the command line; read by record_history.
ACTOR: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar("actor", default=(None, None))


def record_history(
    cur: duckdb.DuckDBPyConnection,
    action: str,
    detail: dict,
    *,
    org: str | None = None,
    obj: str | None = None,
    user: str | None = None,
) -> None:
    """Add one line to ``history`` (inside the caller's transaction); ``detail`` must not name anyone.

    ``user`` defaults to the thread's :data:`ACTOR`, ``org`` (学校) to the actor's school; ``obj``
    is what was acted on (a batch, a file, an account, a page).
    """
    actor, actor_org = ACTOR.get()
    cur.execute(
        "INSERT INTO history (acted_at, action, detail, user_name, org, object) VALUES (?, ?, ?, ?, ?, ?)",
        [dt.datetime.now(), action, json.dumps(detail, ensure_ascii=False), user or actor, org or actor_org, obj],
    )


def _person_match(table: str, name: str) -> tuple[str, list[object]]:
    parts, params = [], []
    for column in PERSON_COLUMNS.get(table, ()):
        parts.append(f"({quote_ident(column)} = ? OR regexp_matches({quote_ident(column)}, ?))")
        params += [name, _list_pattern(name)]
    return " OR ".join(parts), params


def _text_match(columns: tuple[str, ...], name: str) -> tuple[str, list[object]]:
    return " OR ".join(f"contains({quote_ident(c)}, ?)" for c in columns), [name] * len(columns)


def _orgs_naming(store: Store, name: str) -> list[str]:
    orgs: set[str] = set()
    for table in PERSON_COLUMNS:
        where, params = _person_match(table, name)
        orgs.update(store.query(f"SELECT DISTINCT org FROM {quote_ident(table)} WHERE {where}", params)["org"])
    if not orgs:
        for table, columns in TEXT_COLUMNS.items():
            written = tuple(c for c in columns if not c.startswith("source_"))
            if not written:
                continue
            where, params = _text_match(written, name)
            orgs.update(store.query(f"SELECT DISTINCT org FROM {quote_ident(table)} WHERE {where}", params)["org"])
    return sorted(o for o in orgs if o is not None)


def plan(store: Store, target: Target) -> Plan:
    """What forgetting ``target`` touches, table by table; raises :class:`Ambiguous` when it is not unique.

    Ambiguous: the name appears in more than one organisation and no ``org`` is given; or the
    roster holds several members of that name in the organisation and no ``member_id`` is given.
    With ``member_id``, when a namesake exists in the same organisation, ledger rows are narrowed
    to the member's sub-unions and tables without a sub-union are left (listed in ``skipped``).
    """
    name = target.name.strip()
    sub_unions: list[str] | None = None
    org = target.org
    if target.member_id:
        member = store.query(
            "SELECT DISTINCT org, sub_union FROM roster WHERE name = ? AND staff_id = ?"
            + (" AND org = ?" if org else ""),
            [name, target.member_id, *([org] if org else [])],
        )
        if not len(member):
            raise Ambiguous(t("privacy.member_missing", member_id=target.member_id, name=name))
        orgs = sorted(set(member["org"]))
        if len(orgs) > 1:
            raise Ambiguous(t("privacy.ambiguous_org", name=name, orgs="、".join(orgs)))
        org = orgs[0]
        namesakes = store.scalar(
            "SELECT count(DISTINCT coalesce(staff_id, '')) FROM roster WHERE name = ? AND org = ? "
            "AND staff_id IS DISTINCT FROM ?",
            [name, org, target.member_id],
        )
        if namesakes:
            sub_unions = [s for s in member["sub_union"] if s is not None]
    else:
        orgs = [org] if org else _orgs_naming(store, name)
        if len(orgs) > 1:
            raise Ambiguous(t("privacy.ambiguous_org", name=name, orgs="、".join(orgs)))
        org = orgs[0] if orgs else None
        members = store.query(
            "SELECT DISTINCT staff_id, sub_union FROM roster WHERE name = ?" + (" AND org = ?" if org else ""),
            [name, *([org] if org else [])],
        )
        # Members are told apart by 工号, else (a roster without 工号) by sub-union.
        ids = sorted({str(i) for i in members["staff_id"] if i is not None})
        people = len(ids) if ids else len({str(s) for s in members["sub_union"]})
        if people > 1:
            raise Ambiguous(t("privacy.ambiguous_member", name=name, count=people, ids="、".join(ids) or "无"))
    result = Plan(target=Target(name, org, target.member_id), pseudonym=pseudonym(salt(store), org, name))
    for table in TEXT_COLUMNS:
        scope, scope_params = [], []
        if org is not None:
            scope.append("org = ?")
            scope_params.append(org)
        if table == "roster" and target.member_id:
            scope.append("(staff_id = ? OR name <> ?)")
            scope_params += [target.member_id, name]
        person, person_params = _person_match(table, name)
        text, text_params = _text_match(TEXT_COLUMNS[table], name)
        match = " OR ".join(p for p in (person, text) if p)
        if sub_unions is not None and table != "roster":
            if not _has_column(store, table, "sub_union"):
                # A namesake in the same organisation: rows without a sub-union cannot be told apart.
                where = " AND ".join([*scope, f"({match})"])
                if store.scalar(
                    f"SELECT count(*) FROM {quote_ident(table)} WHERE {where}",
                    [*scope_params, *person_params, *text_params],
                ):
                    result.skipped.append(table)
                continue
            scope.append("list_contains(?, sub_union)")
            scope_params.append(sub_unions)
        where = " AND ".join([*scope, f"({match})"])
        params = [*scope_params, *person_params, *text_params]
        _count(store, result, table, where, params, name)
    for table, columns in RECORD_COLUMNS.items():
        where, params = _text_match(columns, name)
        _count(store, result, table, where, params, name)
    return result


def _count(store: Store, result: Plan, table: str, where: str, params: list[object], name: str) -> None:
    rows = int(store.scalar(f"SELECT count(*) FROM {quote_ident(table)} WHERE {where}", params))
    if not rows:
        return
    result.rows[table] = rows
    result._scopes[table] = (where, params)
    touched = []
    for column in (*PERSON_COLUMNS.get(table, ()), *TEXT_COLUMNS.get(table, ()), *RECORD_COLUMNS.get(table, ())):
        hit = store.scalar(
            f"SELECT count(*) FROM {quote_ident(table)} WHERE ({where}) AND "
            f"({quote_ident(column)} = ? OR contains({quote_ident(column)}, ?))",
            [*params, name, name],
        )
        if hit:
            touched.append(column)
    result.columns[table] = touched


def forget(store: Store, planned: Plan) -> int:
    """Carry out a :func:`plan` in one transaction; returns the rows changed.

    Person columns: the whole cell or one entry of a list becomes the pseudonym (per row's
    organisation, as retention computes it); free text: every mention of the name; the roster's
    工号 and 出生年月 of the person are cleared.  Records the act in ``history`` without the name.
    In a lake the old values are then purged from its files (:meth:`core.store.Store.erasing`).
    """
    name = planned.target.name
    key = salt(store)
    changed = 0
    with store.erasing([*planned._scopes, "batch_files"]) as cur:
        for table, (where, params) in planned._scopes.items():
            # the original file of a batch naming the person is no longer kept (it cannot be re-imported)
            cur.execute(
                f"DELETE FROM batch_files WHERE batch_id IN (SELECT batch_id FROM {quote_ident(table)} WHERE {where})",
                params,
            )
            stand_in = "? || substr(sha256(? || '|' || coalesce(org, '') || '|' || ?), 1, 8)"
            stand_in_params = [PSEUDONYM_PREFIX, key, name]
            if table in RECORD_COLUMNS:
                stand_in, stand_in_params = "?", [planned.pseudonym]
            sets, set_params = [], []
            for column in CLEARED_COLUMNS.get(table, ()):
                who = quote_ident(PERSON_COLUMNS[table][0])  # roster.name, donations.donor
                sets.append(f"{quote_ident(column)} = CASE WHEN {who} = ? THEN NULL ELSE {quote_ident(column)} END")
                set_params.append(name)
            for column in PERSON_COLUMNS.get(table, ()):
                col = quote_ident(column)
                sets.append(
                    f"{col} = CASE WHEN {col} = ? THEN {stand_in} "
                    f"ELSE regexp_replace({col}, ?, '\\1' || {stand_in} || '\\2', 'g') END"
                )
                set_params += [name, *stand_in_params, _list_pattern(name), *stand_in_params]
            for column in (*TEXT_COLUMNS.get(table, ()), *RECORD_COLUMNS.get(table, ())):
                col = quote_ident(column)
                sets.append(f"{col} = replace({col}, ?, {stand_in})")
                set_params += [name, *stand_in_params]
            cur.execute(
                f"UPDATE {quote_ident(table)} SET {', '.join(sets)} WHERE {where}",
                [*set_params, *params],
            )
            changed += planned.rows[table]
        record_history(
            cur,
            "forget",
            {
                "pseudonym": planned.pseudonym,
                "org": planned.target.org,
                "rows": planned.rows,
                "skipped": planned.skipped,
            },
        )
        store.bump_version(cur)
    return changed


# --- retention (保存期限) ---------------------------------------------------------------------------


def retention_years(store: Store) -> int | None:
    """The retention setting in years after the end of a period, or None (off, the default)."""
    value = store.get_meta("retention_years")
    return int(value) if value not in (None, "", "0") else None


def set_retention_years(store: Store, years: int | None) -> None:
    """Store the retention setting (None or 0: off)."""
    store.set_meta("retention_years", str(years or 0))


def _period_end(date_sql: str) -> str:
    """SQL for the end of the later of the calendar year and the academic year holding ``date_sql``."""
    return (
        f"CASE WHEN month({date_sql}) >= 9 THEN make_date(year({date_sql}) + 1, 8, 31) "
        f"ELSE make_date(year({date_sql}), 12, 31) END"
    )


def cutoff_date(today: dt.date, years: int) -> dt.date:
    """Rows whose period ended before this date are past retention (``years`` before ``today``)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _expired(table: str) -> str:
    return f"{_period_end(ROW_DATE[table])} < ?"


def _named(table: str) -> str:
    cols = PERSON_COLUMNS[table]
    if table == "awards":
        # A collective award names a unit, not a person.
        return "(recipient IS NOT NULL AND NOT starts_with(recipient, ?) AND award_type IS DISTINCT FROM '集体')"
    named = (f"({quote_ident(c)} IS NOT NULL AND NOT starts_with({quote_ident(c)}, ?))" for c in cols)
    return "(" + " OR ".join(named) + ")"


def _named_params(table: str) -> list[object]:
    return [PSEUDONYM_PREFIX] * (1 if table == "awards" else len(PERSON_COLUMNS[table]))


def retention_due(store: Store, today: dt.date, years: int) -> dict[str, int]:
    """Per table, the rows still naming someone whose period ended more than ``years`` before ``today``."""
    cutoff = cutoff_date(today, years)
    due = {}
    for table in PERSON_COLUMNS:
        n = int(
            store.scalar(
                f"SELECT count(*) FROM {quote_ident(table)} WHERE {_expired(table)} AND {_named(table)}",
                [cutoff, *_named_params(table)],
            )
        )
        if n:
            due[table] = n
    return due


def apply_retention(store: Store, today: dt.date, years: int | None = None) -> tuple[int, dt.date | None]:
    """Pseudonymise the names in rows past retention; returns (rows changed, cutoff) or (0, None) when off.

    ``years`` overrides the stored setting.  Person columns become the pseudonym of the whole
    cell (per row's organisation); notes of those rows in welfare, awards and proposals are
    cleared; the roster's 工号 and 出生年月 too.  Recorded in ``history``.  In a lake the old values are
    then purged from its files (:meth:`core.store.Store.erasing`).
    """
    years = years if years else retention_years(store)
    if not years:
        return 0, None
    cutoff = cutoff_date(today, years)
    due = retention_due(store, today, years)
    if not due:
        return 0, cutoff
    key = salt(store)
    with store.erasing([*due, "batch_files"]) as cur:
        for table in due:
            cur.execute(
                f"DELETE FROM batch_files WHERE batch_id IN (SELECT batch_id FROM {quote_ident(table)} "
                f"WHERE {_expired(table)} AND {_named(table)})",
                [cutoff, *_named_params(table)],
            )
            sets, params = [], []
            for column in PERSON_COLUMNS[table]:
                col = quote_ident(column)
                condition = f"{col} IS NOT NULL AND NOT starts_with({col}, ?)"
                if table == "awards":
                    condition += " AND award_type IS DISTINCT FROM '集体'"
                sets.append(
                    f"{col} = CASE WHEN {condition} THEN ? || substr(sha256(? || '|' || coalesce(org, '') "
                    f"|| '|' || {col}), 1, 8) ELSE {col} END"
                )
                params += [PSEUDONYM_PREFIX, PSEUDONYM_PREFIX, key]
            if table in RETENTION_NOTES:
                sets.append("note = NULL")
            for column in CLEARED_COLUMNS.get(table, ()):
                sets.append(f"{quote_ident(column)} = NULL")
            cur.execute(
                f"UPDATE {quote_ident(table)} SET {', '.join(sets)} WHERE {_expired(table)} AND {_named(table)}",
                [*params, cutoff, *_named_params(table)],
            )
        record_history(
            cur, "retention", {"years": years, "cutoff": cutoff.isoformat(), "today": today.isoformat(), "rows": due}
        )
        store.bump_version(cur)
    return sum(due.values()), cutoff


def oldest_named(store: Store) -> dt.date | None:
    """The date of the oldest row that still names someone (None when no name is stored)."""
    dates = []
    for table in PERSON_COLUMNS:
        value = store.scalar(
            f"SELECT min({ROW_DATE[table]}) FROM {quote_ident(table)} WHERE {_named(table)}", _named_params(table)
        )
        if value is not None:
            dates.append(value if isinstance(value, dt.date) else value.date())
    return min(dates) if dates else None


def history(store: Store, limit: int = 50, org: str | None = None):
    """The latest acts (newest first): acted_at, action, detail, user_name, org, object.

    ``org`` keeps one school's part (its acts, not another school's or the district's).
    """
    where, params = ("WHERE org = ?", [org]) if org else ("", [])
    return store.query(
        f"SELECT acted_at, action, detail, user_name, org, object FROM history {where} "
        "ORDER BY history_id DESC LIMIT ?",
        [*params, limit],
    )
