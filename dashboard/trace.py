"""Every figure traced (溯源): what a figure means, and the batches, sheets and rows it is made of.

A figure is named by its key in ``summary --json`` (``welfare.total_yuan``,
``welfare.by_category.生病住院慰问``, ``proposals.立案``, ``reach.share`` …).  :func:`explain`
gives its value (the summary's own), its definition in words (core.labels ``trace.def.*``),
the period and filters, and the rows behind it grouped by batch (file, sheet, upload time).
The rows are selected by the same WHERE clauses the KPI queries use.
"""

from __future__ import annotations

import pandas as pd

from core.labels import t
from core.store import Store
from dashboard import queries
from dashboard.queries import Filters

# (table, SQL condition over its rows, positional or named parameters)
Part = tuple[str, str, object]


def _dated(table: str, f: Filters, date_col: str = "date", sub_col: str | None = "sub_union", extra: str = "", *more):
    where, params = queries._dated(f, date_col, sub_col)
    return (table, where + extra, [*params, *more])


def _proposals(f: Filters, extra: str = "", **more) -> Part:
    where, params = queries._proposal_params(f)
    return ("proposals", where + extra, {**params, **more})


def _awards(f: Filters, extra: str = "", *more) -> Part:
    where, params = queries._award_where(f)
    return ("awards", where + extra, [*params, *more])


def _members(f: Filters) -> list[Part]:
    scope, params = queries._scope(f, "sub_union")
    year = f.period.headcount_year
    return [
        ("member_counts", f"year = ?{scope}", [year, *params]),
        # the roster counts only when the headcount table has no such year
        (
            "roster",
            f"as_of_year = ?{scope} AND NOT EXISTS (SELECT 1 FROM member_counts WHERE year = ?{scope})",
            [year, *params, year, *params],
        ),
    ]


def _reach(f: Filters, store: Store, members_only: bool) -> list[Part]:
    year = queries.roster_year(store, f)
    scope, params = queries._scope(f, "sub_union")
    parts: list[Part] = [("roster", f"as_of_year = ?{scope}", [year, *params])]
    if not members_only:
        parts.append(_dated("welfare", f, extra=" AND recipient IS NOT NULL"))
        parts.append(_awards(f, " AND recipient IS NOT NULL AND award_type IS DISTINCT FROM '集体'"))
        parts.append(_dated("donations", f, extra=" AND (donor IS NOT NULL OR staff_id IS NOT NULL)"))
    return parts


def parts_of(store: Store, f: Filters, key: str) -> tuple[str, list[Part]]:
    """The definition key (core.labels ``trace.def.*``) and the row selections behind figure ``key``.

    Raises KeyError for a key that is not a figure of the summary.
    """
    head, _, rest = key.partition(".")
    if head == "welfare":
        if rest.startswith("by_category."):
            category = rest.removeprefix("by_category.")
            extra = " AND coalesce(category, '未分类') = ?"
            return "welfare.by_category", [_dated("welfare", f, "date", "sub_union", extra, category)]
        if rest in ("total_yuan", "person_times"):
            return key, [_dated("welfare", f)]
    if head == "activities" and rest in ("events", "person_times", "participation_rate", "cost_yuan"):
        return key, [_dated("activities", f, "start_date", "organizer")]
    if head == "proposals":
        if rest == "total":
            return key, [_proposals(f)]
        if rest in ("立案", "作为意见建议", "不予立案", "合并"):
            return "proposals.decision", [_proposals(f, " AND decision = $decision", decision=rest)]
        if rest == "已办结":
            return key, [_proposals(f, f" AND {queries._HANDLED}")]
        if rest in ("accepted", "completion_rate"):
            return key, [_proposals(f, f" AND {queries._ACCEPTED}")]
    if head == "awards":
        if rest == "total":
            return key, [_awards(f)]
        if rest.startswith("by_level."):
            return "awards.by_level", [_awards(f, " AND level = ?", rest.removeprefix("by_level."))]
        if rest in ("个人", "集体"):
            return "awards.type", [_awards(f, " AND award_type = ?", rest)]
    if head == "members" and not rest:
        return key, _members(f)
    if head == "donations" and rest in ("drives", "person_times", "total_yuan"):
        return key, [_dated("donations", f)]
    if head == "publicity":
        if rest == "items":
            return key, [_dated("publicity", f)]
        if rest.startswith("by_channel."):
            return "publicity.by_channel", [_dated("publicity", f, "date", "sub_union", " AND channel = ?", rest[11:])]
    if head == "reach" and rest in ("members", "reached", "share"):
        return key, _reach(f, store, rest == "members")
    raise KeyError(key)


def definition_key(key: str) -> str:
    """The ``trace.name.*`` / ``trace.def.*`` key of figure ``key`` (welfare.by_category.X → welfare.by_category)."""
    head, _, rest = key.partition(".")
    if head == "proposals" and rest in ("立案", "作为意见建议", "不予立案", "合并"):
        return "proposals.decision"
    if head == "awards" and rest in ("个人", "集体"):
        return "awards.type"
    for group in ("welfare.by_category", "awards.by_level", "publicity.by_channel"):
        if key.startswith(group + "."):
            return group
    return key


def figure_name(key: str) -> str:
    """A figure's name in words: 福利慰问支出合计（元）, 提案：立案（件）, 宣传稿件：微信公众号（篇） …"""
    return t(f"trace.name.{definition_key(key)}", detail=key.rsplit(".", 1)[-1])


def figure_keys(summary: dict, prefix: str = "") -> list[str]:
    """Every figure key of a summary (nested dicts flattened with dots).

    Left out: None, and the notes about the data rather than figures of it (``coverage`` row counts,
    ``missing``, ``missing_reasons``).
    """
    keys: list[str] = []
    for k, v in summary.items():
        if not prefix and k in ("missing", "missing_reasons", "coverage"):
            continue
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            keys += figure_keys(v, name + ".")
        elif v is not None:
            keys.append(name)
    return keys


def value_of(summary: dict, key: str) -> object:
    """The summary's value of figure ``key`` (None when absent)."""
    node: object = summary
    head, _, rest = key.partition(".")
    for part in [head, *(rest.split(".", 1) if rest else [])]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _select(part: Part, columns: str) -> tuple[str, object]:
    table, where, params = part
    return f"SELECT {columns} FROM {table} WHERE {where}", params


def _query(store: Store, sql: str, params: object) -> pd.DataFrame:
    if isinstance(params, dict):
        return queries._run(store, sql, params)
    return store.query(sql, params)


def batches_of(store: Store, parts: list[Part]) -> pd.DataFrame:
    """The batches behind the selections: table, batch_id, file, sheet, loaded_at, rows."""
    frames = []
    for part in parts:
        sql, params = _select(part, "batch_id, source_file, source_sheet, count(*) AS rows")
        frame = _query(store, sql + " GROUP BY ALL", params)
        frame.insert(0, "table", part[0])
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=["table", "batch_id", "file", "sheet", "loaded_at", "rows"])
    loaded = store.query("SELECT batch_id, loaded_at FROM batches")
    frame = frame.merge(loaded, on="batch_id", how="left").rename(
        columns={"source_file": "file", "source_sheet": "sheet"}
    )
    return frame[["table", "batch_id", "file", "sheet", "loaded_at", "rows"]].sort_values(
        ["table", "batch_id", "sheet"]
    )


def row_count(store: Store, parts: list[Part]) -> int:
    """How many rows the selections hold (a direct count)."""
    total = 0
    for part in parts:
        sql, params = _select(part, "count(*) AS n")
        total += int(_query(store, sql, params)["n"].iloc[0])
    return total


def rows_behind(store: Store, f: Filters, key: str) -> pd.DataFrame:
    """The rows behind figure ``key`` (every stored column but batch_id; names as stored: mask before showing)."""
    _, parts = parts_of(store, f, key)
    frames = []
    for part in parts:
        sql, params = _select(part, "* EXCLUDE (batch_id)")
        frame = _query(store, sql + " ORDER BY source_file, source_sheet, source_row", params)
        frame.insert(0, "table", part[0])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def filters_words(f: Filters) -> str:
    """The period and filters in words: 2022年；学校：…；分工会：…"""
    words = [f.period.display]
    if f.org:
        words.append(t("trace.org", org=f.org))
    if f.sub_unions:
        words.append(t("trace.sub_unions", names="、".join(f.sub_unions)))
    return "；".join(words)


def explain(store: Store, f: Filters, key: str, summary: dict | None = None) -> dict[str, object]:
    """One figure traced: {"figure", "value", "definition", "period", "filters", "rows", "batches": [...]}."""
    summary = summary if summary is not None else queries.summary(store, f)
    definition_key, parts = parts_of(store, f, key)
    batches = batches_of(store, parts)
    value = value_of(summary, key)
    if value is None and key.startswith("activities."):
        value = queries.activity_totals(store, f).get(key.removeprefix("activities."))
    elif value is None and key.startswith("proposals."):
        value = queries.proposal_totals(store, f).get(key.removeprefix("proposals."))
    detail = key.rsplit(".", 1)[-1]
    return {
        "figure": key,
        "name": t(f"trace.name.{definition_key}", detail=detail),
        "value": value,
        "definition": t(f"trace.def.{definition_key}", detail=detail),
        "period": f.period.label,
        "filters": filters_words(f),
        "rows": row_count(store, parts),
        "batches": [
            {
                "table": r.table,
                "batch": int(r.batch_id),
                "file": r.file,
                "sheet": r.sheet,
                "loaded_at": str(r.loaded_at)[:19],
                "rows": int(r.rows),
            }
            for r in batches.itertuples(index=False)
        ],
    }


def sources_table(store: Store, f: Filters, keys: list[str] | None = None, summary: dict | None = None) -> pd.DataFrame:
    """The 数据来源 sheet: one row per figure (and batch): figure, value, definition, period/filters, batch, rows.

    ``keys`` defaults to every figure of the summary.  Columns are the Chinese headers of
    core.labels ``trace.col.*``; the 行数 of a figure's batch rows add up to its direct row count.
    """
    summary = summary if summary is not None else queries.summary(store, f)
    keys = keys if keys is not None else figure_keys(summary)
    out = []
    for key in keys:
        info = explain(store, f, key, summary)
        base = {
            "figure": key,
            "name": info["name"],
            "value": info["value"],
            "definition": info["definition"],
            "filters": info["filters"],
            "figure_rows": info["rows"],
        }
        if not info["batches"]:
            out.append({**base, "file": t("trace.no_rows"), "sheet": "", "loaded_at": "", "rows": 0})
        for b in info["batches"]:
            out.append({**base, "file": b["file"], "sheet": b["sheet"], "loaded_at": b["loaded_at"], "rows": b["rows"]})
    columns = ["figure", "name", "value", "definition", "filters", "figure_rows", "file", "sheet", "loaded_at", "rows"]
    return pd.DataFrame(out, columns=columns)
