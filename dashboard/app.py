"""Streamlit glue (页面公共部分): the cached store, cached queries, shared sidebar filters, error guard.

Pages import this module and :mod:`dashboard.queries` / :mod:`dashboard.charts`;
they hold no SQL.  Query results are cached by their plain arguments plus the
store's data version, which every load and removal bumps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd  # imported up front: otherwise the first DuckDB .df() pays for it
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core import erasure
from core.access import accounts_exist, is_loopback
from core.erasure import Ambiguous as Ambiguous
from core.erasure import Plan as Plan
from core.erasure import Target as Target
from core.erasure import column_label as column_label

# Re-exported (``X as X``) for the pages, which import only dashboard modules.
from core.labels import AWARD_ROW_COLUMNS as AWARD_ROW_COLUMNS
from core.labels import BATCH_COLUMNS as BATCH_COLUMNS
from core.labels import DEPARTMENT_COLUMNS as DEPARTMENT_COLUMNS
from core.labels import DONATION_SUB_UNION_COLUMNS as DONATION_SUB_UNION_COLUMNS
from core.labels import DRIVE_COLUMNS as DRIVE_COLUMNS
from core.labels import HEADER_MAPPING_COLUMNS as HEADER_MAPPING_COLUMNS
from core.labels import NEVER_REACHED_COLUMNS as NEVER_REACHED_COLUMNS
from core.labels import OPEN_PROPOSAL_COLUMNS as OPEN_PROPOSAL_COLUMNS
from core.labels import PARTICIPATION_COLUMNS as PARTICIPATION_COLUMNS
from core.labels import PUBLICITY_COLUMNS as PUBLICITY_COLUMNS
from core.labels import REACH_SUB_UNION_COLUMNS as REACH_SUB_UNION_COLUMNS
from core.labels import REJECTED_ROW_COLUMNS as REJECTED_ROW_COLUMNS
from core.labels import TOP_ACTIVITY_COLUMNS as TOP_ACTIVITY_COLUMNS
from core.labels import TRACE_BATCH_COLUMNS as TRACE_BATCH_COLUMNS
from core.labels import TRACE_ROW_COLUMNS as TRACE_ROW_COLUMNS
from core.labels import UPLOAD_FILE_COLUMNS as UPLOAD_FILE_COLUMNS
from core.labels import WELFARE_CATEGORY_COLUMNS as WELFARE_CATEGORY_COLUMNS
from core.labels import WELFARE_ROW_COLUMNS as WELFARE_ROW_COLUMNS
from core.labels import WELFARE_SUB_UNION_COLUMNS as WELFARE_SUB_UNION_COLUMNS
from core.labels import field_label as field_label
from core.labels import kind_label as kind_label
from core.labels import t
from core.periods import Period
from core.store import Store, StoreBusy, resolve_db_path
from core.vocab import AWARD_TYPES, DECISION_ORDER, HANDLED_KEY
from core.vocab import KINDS as KINDS
from core.vocab import LEVEL_ORDER as LEVEL_ORDER
from core.vocab import WECHAT_CHANNEL as WECHAT_CHANNEL
from dashboard import demo, pack, queries, trace
from dashboard.formatting import formula_safe_column, mask_column, md, with_headers
from loaders.loading import list_batches, load_path, remove_batch

log = logging.getLogger(__name__)
PERIOD_KINDS = ("year", "academic")
# The standard words the pages read figures by (queries return them as keys): 立案, 作为意见建议,
# 不予立案, 合并; 个人, 集体.
FILED, ADVICE, DECLINED, MERGED = DECISION_ORDER
HANDLED = HANDLED_KEY  # the key of 已办结 in proposal_totals
INDIVIDUAL, COLLECTIVE = AWARD_TYPES


@st.cache_resource(show_spinner=t("app.opening"))
def get_store(path: str | None = None) -> Store:
    """The process's one open store (DuckDB connection); demo data loaded on first start."""
    store = Store(path or resolve_db_path())
    ensure_demo(store)
    return store


def ensure_demo(store: Store, force: bool = False) -> bool:
    """Load the demo ledgers into an empty store once (unless the user cleared them). True if loaded.

    ``force`` loads them even into a store holding other data (已导入的文件 are skipped as duplicates).
    """
    if not force and (store.scalar("SELECT count(*) FROM batches") or store.get_meta("demo") == "cleared"):
        return False
    folder = demo.DEMO_DIR
    if not folder.is_dir():
        return False
    for path in sorted(folder.glob("*.xlsx")):
        load_path(store, path, org=demo.ORG)
    store.set_meta("demo", "true")
    return True


def clear_demo(store: Store) -> int:
    """Remove every demo batch (loaded from data/demo) and remember not to reload them."""
    names = [p.name for p in demo.DEMO_DIR.glob("*.xlsx")]
    batches = store.query("SELECT batch_id FROM batches WHERE list_contains(?, file_name)", [names])
    for batch_id in batches["batch_id"]:
        remove_batch(store, int(batch_id))
    store.set_meta("demo", "cleared")
    return len(batches)


def store() -> Store:
    """The store, or stop the page with a Chinese message when the database is busy."""
    try:
        return get_store()
    except StoreBusy:
        st.error(t("db.busy"))
        st.stop()


def local_only() -> None:
    """Refuse a client on another computer while no account exists: one Chinese message, nothing else.

    Called by streamlit_app.py before navigation, so no page, data, upload or download is reached.
    st.context.ip_address is None for this computer (127.0.0.1, ::1) and for a connection
    without a peer address; AppTest's stand-in runtime gives a mock object, read as None too.
    """
    address = st.context.ip_address
    if is_loopback(address if isinstance(address, str) else None):
        return
    with contextlib.suppress(StoreBusy):
        if accounts_exist(get_store()):
            return
    st.error(t("privacy.remote_refused"))
    st.stop()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, filters: queries.Filters, version: int, extra: tuple) -> object:
    return getattr(queries, name)(get_store(), filters, *extra)


def q(name: str, filters: queries.Filters, *extra: object) -> object:
    """Run ``queries.<name>(store, filters, *extra)`` through the cache (keyed by filters and data version)."""
    return _cached(name, filters, store().data_version(), tuple(extra))


@st.cache_data(show_spinner=False, max_entries=64)
def _lists(version: int, org: str | None) -> tuple[list[int], list[str], list[str]]:
    s = get_store()
    return queries.available_years(s, org), queries.sub_unions(s, org), queries.organisations(s)


def lists(org: str | None = None) -> tuple[list[int], list[str], list[str]]:
    """(years with data, sub-unions, organisations), cached by data version."""
    return _lists(store().data_version(), org)


@st.cache_data(show_spinner=False, max_entries=64)
def _period_starts(kind: str, version: int, org: str | None) -> list[int]:
    s = get_store()
    return queries.available_years(s, org) if kind == "year" else queries.academic_years(s, org)


def periods(kind: str, org: str | None = None) -> list[Period]:
    """Every period of ``kind`` (year / academic) that holds data, newest first (cached by data version).

    Calendar years with any row; academic years with any dated row between 1 September and 31 August,
    the current, unfinished one included.
    """
    return [Period(kind, y) for y in reversed(_period_starts(kind, store().data_version(), org))]


def compare_options(current: Period, available: list[Period]) -> tuple[list[tuple[str, int] | None], int]:
    """The comparison choices for ``current`` as plain (kind, start_year) tuples, newest first, then None
    (不比较), and the index of the default: ``current.previous()`` when it holds data, else the newest earlier
    period with data (else 不比较)."""
    options: list[tuple[str, int] | None] = [
        (p.kind, p.start_year) for p in available if p.kind == current.kind and p.start_year < current.start_year
    ]
    previous = current.previous()
    default = (
        options.index((previous.kind, previous.start_year)) if (previous.kind, previous.start_year) in options else 0
    )
    return [*options, None], default


def _compare_label(option: tuple[str, int] | None) -> str:
    return t("sidebar.no_compare") if option is None else Period(*option).label


def _org_label(option: str | None) -> str:
    return t("sidebar.all_orgs") if option is None else option


def sidebar() -> None:
    """The filters shared by every page (期间类型, 期间, 对比期, 学校, 分工会), kept in session state.

    Session state holds plain data only: ``filters`` = ((kind, start_year), org, sub-unions) and
    ``compare`` = (kind, start_year) or None.
    """
    years, _, orgs = lists()
    with st.sidebar:
        st.markdown(f"### {t('app.title')}")
        if not years:
            st.info(t("sidebar.empty"))
            st.session_state["filters"] = None
            return
        org = None
        if len(orgs) > 1:
            org = st.selectbox(t("sidebar.org"), [None, *orgs], format_func=_org_label, key="f_org")
        kinds = {t(f"period.kind.{k}"): k for k in PERIOD_KINDS}
        kind = kinds[st.radio(t("sidebar.kind"), list(kinds), horizontal=True, key="f_kind")]
        available = periods(kind)
        if not available:
            st.info(t("sidebar.no_periods", kind=t(f"period.kind.{kind}")))
            st.session_state["filters"] = None
            return
        # The widget shows labels; each label is looked up among the computed periods, never parsed.
        by_label = {p.label: p for p in available}
        current = by_label[st.selectbox(t("sidebar.period"), list(by_label), key=f"f_period_{kind}")]
        options, default = compare_options(current, available)
        compare = st.selectbox(
            t("sidebar.compare"),
            options,
            index=default,
            format_func=_compare_label,
            key=f"f_compare_{kind}_{current.start_year}",
        )
        subs = lists(org)[1]
        chosen = st.multiselect(t("sidebar.sub_unions"), subs, key="f_subs", placeholder=t("sidebar.all_sub_unions"))
        st.session_state["filters"] = ((current.kind, current.start_year), org, tuple(chosen))
        st.session_state["compare"] = None if compare is None else tuple(compare)
        if store().get_meta("demo") == "true":
            st.caption(t("sidebar.demo"))


def filters() -> tuple[queries.Filters | None, queries.Filters | None]:
    """(current filters, comparison filters or None) as the sidebar set them; (None, None) without data."""
    chosen = st.session_state.get("filters")
    if not chosen:
        return None, None
    (kind, start_year), org, subs = chosen
    current = queries.Filters(Period(kind, start_year), org, subs)
    compare_period = st.session_state.get("compare")
    compare = None if compare_period is None else current.with_period(Period(*compare_period))
    return current, compare


def require_filters() -> tuple[queries.Filters, queries.Filters | None]:
    """The filters, or an info box and stop when the store is empty."""
    current, compare = filters()
    if current is None:
        st.info(t("app.no_data"))
        st.stop()
    return current, compare


@contextlib.contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a Chinese error instead of a traceback if drawing ``what`` fails (the rest of the page goes on)."""
    try:
        yield
    except StoreBusy:
        st.error(t("db.busy"))
    except Exception as err:  # noqa: BLE001 - a page must never show a traceback
        log.exception("page section failed: %s", what)
        st.error(t("app.section_failed", what=what, error=md(err)))


def period_caption(current: queries.Filters, compare: queries.Filters | None) -> str:
    """The line under a page title: which period, against which, which sub-unions."""
    p = current.period
    text = t("caption.period", display=p.display, start=p.start, end=p.end)
    if compare:
        text += t("caption.compare", display=compare.period.display)
    if current.org:
        text += t("caption.org", org=md(current.org))
    if current.sub_unions:
        text += t("caption.sub_unions", names=t("text.list_sep").join(md(s) for s in current.sub_unions))
    return text


def frame_or_none(value: object) -> pd.DataFrame | None:
    """A DataFrame with rows, else None (for "暂无数据" branches)."""
    return value if isinstance(value, pd.DataFrame) and len(value) else None


def table(frame: pd.DataFrame, names: dict[str, str] | None = None, *, key: str | None = None) -> None:
    """Show a table with Chinese column ``names``: dates as YYYY-MM-DD, 元 with 2 decimals, rates as %."""
    shown = with_headers(frame, names)
    yuan, rate, days = t("table.yuan_marker"), t("table.rate_suffix"), t("table.days_marker")
    config: dict[str, object] = {}
    for column in shown.columns:
        dtype = shown[column].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            # The table's own CSV download must not turn user text into formulas either.
            shown[column] = formula_safe_column(shown[column])
        if pd.api.types.is_datetime64_any_dtype(dtype):
            config[column] = st.column_config.DateColumn(format="YYYY-MM-DD")
        elif yuan in str(column) and pd.api.types.is_numeric_dtype(dtype):
            config[column] = st.column_config.NumberColumn(format="%.2f")
        elif str(column).endswith(rate) and pd.api.types.is_numeric_dtype(dtype):
            config[column] = st.column_config.NumberColumn(format="percent")
        elif days in str(column) and pd.api.types.is_numeric_dtype(dtype):
            config[column] = st.column_config.NumberColumn(format="%.0f")
    st.dataframe(shown, hide_index=True, column_config=config, key=key)


def ensure_navigation() -> None:
    """Make a page opened by its own URL run through streamlit_app.py's navigation.

    Our fixed layout keeps pages in pages/, which Streamlit 1.67 treats as the old
    pages-directory mode until st.navigation has run once in the process: the very
    first visitor of /upload after a server start would get that page alone, without
    the shared sidebar.  Switching the flag off and rerunning routes the same URL
    through st.navigation (both modes give a page the same URL hash).
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_data(show_spinner=t("app.summing"), max_entries=32)
def _pack(current: queries.Filters, compare: queries.Filters | None, version: int):
    return pack.gather(get_store(), current, compare)


def pack_data(current: queries.Filters, compare: queries.Filters | None):
    """The congress pack's figures for the sidebar's filters (cached by the filters' periods and data version)."""
    return _pack(current, compare, store().data_version())


def backup_bytes() -> bytes:
    """A consistent copy of the database as bytes (for the 备份 download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = store().backup(Path(folder) / "backup.duckdb")
        return path.read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(version: int) -> pd.DataFrame:
    return list_batches(get_store())


def batches() -> pd.DataFrame:
    """The loaded batches, newest first (cached by data version)."""
    return _batches(store().data_version())


# --- personal information (数据管理 · 个人信息保护) ---------------------------------------------------


def record_reveal(page: str) -> None:
    """Record in history that sensitive notes were revealed on ``page`` (no names, no rows)."""
    with store().transaction() as cur:
        erasure.record_history(cur, "reveal_notes", {"page": page})


def reveal_toggle(page: str) -> bool:
    """The switch that shows notes about health or family matters in a row view; switching it on is recorded."""

    def revealed() -> None:
        if st.session_state.get(f"reveal_{page}"):
            record_reveal(page)

    return st.toggle(
        t("privacy.reveal"),
        value=False,
        key=f"reveal_{page}",
        on_change=revealed,
        help=t("privacy.reveal_help"),
    )


def forget_plan(target: Target) -> Plan:
    """What forgetting ``target`` touches (raises Ambiguous with a Chinese message)."""
    return erasure.plan(store(), target)


def forget(planned: Plan) -> int:
    """Replace the person's name with the pseudonym everywhere; returns the rows changed."""
    return erasure.forget(store(), planned)


def table_label(table: str) -> str:
    """Chinese name of a table in a forget plan (福利慰问, 会员名册 …)."""
    return erasure.TABLE_LABELS[table]


def retention_years() -> int | None:
    """The retention setting in years (None: off)."""
    return erasure.retention_years(store())


def set_retention_years(years: int | None) -> None:
    """Save the retention setting (None or 0: off)."""
    erasure.set_retention_years(store(), years)


def retention_due(years: int, today: dt.date | None = None) -> dict[str, int]:
    """Rows still naming someone past ``years`` after their period, per table."""
    return erasure.retention_due(store(), today or dt.date.today(), years)


def apply_retention(years: int, today: dt.date | None = None) -> tuple[int, dt.date | None]:
    """Pseudonymise names past retention; (rows changed, cutoff)."""
    return erasure.apply_retention(store(), today or dt.date.today(), years)


def oldest_named() -> dt.date | None:
    """The date of the oldest row that still names someone."""
    return erasure.oldest_named(store())


def privacy_history(limit: int = 20) -> pd.DataFrame:
    """The latest acts on personal information (forget, retention, reveal), newest first."""
    return erasure.history(store(), limit)


# --- 溯源: the rows behind a headline figure ------------------------------------------------
# Columns that name people (masked by the usual rule) and notes (never shown here: they may tell of health).
_PERSON_COLUMNS = ("recipient", "handler", "proposer", "donor", "author")
_HIDDEN_COLUMNS = ("note", "date_precision", "birth", "staff_id")


@st.cache_data(show_spinner=False, max_entries=256)
def _explained(key: str, filters: queries.Filters, version: int) -> tuple[dict, pd.DataFrame]:
    s = get_store()
    info = trace.explain(s, filters, key)
    rows = trace.rows_behind(s, filters, key)
    for column in _PERSON_COLUMNS:
        if column in rows.columns:
            rows[column] = mask_column(rows[column])
    if "table" in rows.columns and "name" in rows.columns:
        # a roster's or reach's name column holds people; an activity's holds its title
        person = rows["table"] == "roster"
        rows.loc[person, "name"] = mask_column(rows.loc[person, "name"])
    rows = rows.drop(columns=[c for c in _HIDDEN_COLUMNS if c in rows.columns])
    return info, rows


def sources(filters: queries.Filters, keys: list[str], *, key: str) -> None:
    """An expander 数据来源: pick a headline figure, see its definition, batches and rows (names masked)."""
    with st.expander(t("trace.expander"), icon=":material/manage_search:"):
        chosen = st.selectbox(t("trace.pick"), keys, format_func=trace_name, key=key)
        if not chosen:
            return
        info, rows = _explained(chosen, filters, store().data_version())
        st.markdown(md(t("trace.summary", **{k: info[k] for k in ("name", "value", "definition", "filters", "rows")})))
        batches = pd.DataFrame(info["batches"])
        if len(batches):
            table(batches.drop(columns=["table"]), TRACE_BATCH_COLUMNS)
        if len(rows):
            table(rows.rename(columns=lambda c: field_label(c) if c not in TRACE_ROW_COLUMNS else c), TRACE_ROW_COLUMNS)


def trace_name(key: str) -> str:
    """A figure's name in words (福利慰问支出合计（元） …)."""
    return trace.figure_name(key)
