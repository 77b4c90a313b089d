"""Streamlit glue (页面公共部分): the cached store, cached queries, shared sidebar filters, error guard.

Pages import this module and :mod:`dashboard.queries` / :mod:`dashboard.charts`;
they hold no SQL.  Query results are cached by their plain arguments plus the
store's data version, which every load and removal bumps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import logging
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pandas as pd  # imported up front: otherwise the first DuckDB .df() pays for it
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core import accounts, erasure
from core.access import accounts_exist, is_loopback
from core.accounts import Scope as Scope
from core.erasure import Ambiguous as Ambiguous
from core.erasure import Plan as Plan
from core.erasure import Target as Target
from core.erasure import column_label as column_label

# Re-exported (``X as X``) for the pages, which import only dashboard modules.
from core.labels import AWARD_ROW_COLUMNS as AWARD_ROW_COLUMNS
from core.labels import BATCH_COLUMNS as BATCH_COLUMNS
from core.labels import DEPARTMENT_COLUMNS as DEPARTMENT_COLUMNS
from core.labels import DISTRICT_COLUMNS as DISTRICT_COLUMNS
from core.labels import DISTRICT_TREND_COLUMNS as DISTRICT_TREND_COLUMNS
from core.labels import DONATION_SUB_UNION_COLUMNS as DONATION_SUB_UNION_COLUMNS
from core.labels import DRIVE_COLUMNS as DRIVE_COLUMNS
from core.labels import HEADER_MAPPING_COLUMNS as HEADER_MAPPING_COLUMNS
from core.labels import HISTORY_COLUMNS as HISTORY_COLUMNS
from core.labels import NEVER_REACHED_COLUMNS as NEVER_REACHED_COLUMNS
from core.labels import OPEN_PROPOSAL_COLUMNS as OPEN_PROPOSAL_COLUMNS
from core.labels import PARTICIPATION_COLUMNS as PARTICIPATION_COLUMNS
from core.labels import PROFILE_COLUMNS as PROFILE_COLUMNS
from core.labels import PUBLICITY_COLUMNS as PUBLICITY_COLUMNS
from core.labels import REACH_SUB_UNION_COLUMNS as REACH_SUB_UNION_COLUMNS
from core.labels import REJECTED_ROW_COLUMNS as REJECTED_ROW_COLUMNS
from core.labels import SUB_UNION_COLUMNS as SUB_UNION_COLUMNS
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
from core.periods import Period, parse_period
from core.store import KIND_TABLES, Store, StoreBusy, open_store
from core.vocab import AWARD_TYPES, DECISION_ORDER, HANDLED_KEY
from core.vocab import KINDS as KINDS
from core.vocab import LEVEL_ORDER as LEVEL_ORDER
from core.vocab import WECHAT_CHANNEL as WECHAT_CHANNEL
from dashboard import charts, demo, demo_store, queries, targets, trace
from dashboard.formatting import formula_safe_column, mask_column, md, with_headers

# The page look (dashboard/layout.py: streamlit_app.py sends it before importing this module).
from dashboard.layout import BROWSER_WORDS_JS as BROWSER_WORDS_JS
from dashboard.layout import PHONE_CSS as PHONE_CSS
from dashboard.layout import UPLOADER_CSS as UPLOADER_CSS
from dashboard.layout import WIDGET_WORDS_CSS as WIDGET_WORDS_CSS
from dashboard.layout import browser_words_html as browser_words_html
from dashboard.layout import phone_layout as phone_layout
from dashboard.layout import uploader_css as uploader_css
from dashboard.layout import widget_words_css as widget_words_css

# Not imported here (issue 16, first start): the loaders (pandas' Excel readers, rapidfuzz; only the upload
# and 数据管理 pages use them), dashboard.workbook (openpyxl, the .xlsx exports) and dashboard.pack (汇报材料).
# Importing them with this module cost about 0.4 s of the first start's 1.5 s of imports before 总览's
# first figure; the functions below import them when first called.

log = logging.getLogger(__name__)


def load_path(store: Store, path: Path, **kwargs: object) -> object:
    """:func:`loaders.loading.load_path` (导入一个台账文件), imported on first use."""
    from loaders.loading import load_path as load

    return load(store, path, **kwargs)


def reimport_batch(store: Store, batch_id: int, **kwargs: object) -> object:
    """:func:`loaders.loading.reimport_batch` (重新导入), imported on first use."""
    from loaders.loading import reimport_batch as reimport

    return reimport(store, batch_id, **kwargs)


def reimportable(store: Store) -> set[int]:
    """:func:`loaders.loading.reimportable`, imported on first use."""
    from loaders.loading import reimportable as kept

    return kept(store)


def set_org_alias(store: Store, alias: str, name: str) -> int:
    """:func:`loaders.loading.set_org_alias` (学校别名), imported on first use."""
    from loaders.loading import set_org_alias as set_alias

    return set_alias(store, alias, name)


def suggest_org_aliases(names: list[str]) -> list[tuple[str, str]]:
    """:func:`loaders.loading.suggest_org_aliases`, imported on first use."""
    from loaders.loading import suggest_org_aliases as suggest

    return suggest(names)


def _remove_batch(store: Store, batch_id: int) -> bool:
    from loaders.loading import remove_batch

    return remove_batch(store, batch_id)


# What the other pages import beyond this module (the loaders, openpyxl, python-pptx, python-docx …),
# imported by :func:`preload_later` once the first page has been drawn.
PRELOAD = (
    "dashboard.uploads",
    "dashboard.profiles",
    "dashboard.workbook",
    "dashboard.pack",
    "dashboard.templates",
    "dashboard.compliance_export",
    "dashboard.deck",
    "dashboard.docx_report",
)
_PRELOADED = threading.Event()


def _preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it will import it (and show its error)
            log.exception("preloading %s failed", name)


def preload_later() -> None:
    """Import the other pages' modules in a background thread, once per process (after the first page).

    The first start draws 总览 without them (see the imports above); a click on 上传数据 or 汇报材料 a
    little later then finds them loaded instead of waiting a second for them.
    """
    if _PRELOADED.is_set():
        return
    _PRELOADED.set()
    threading.Thread(target=_preload, name="preload-pages", daemon=True).start()


PERIOD_KINDS = ("year", "academic")
# The standard words the pages read figures by (queries return them as keys): 立案, 作为意见建议,
# 不予立案, 合并; 个人, 集体.
FILED, ADVICE, DECLINED, MERGED = DECISION_ORDER
HANDLED = HANDLED_KEY  # the key of 已办结 in proposal_totals
INDIVIDUAL, COLLECTIVE = AWARD_TYPES


@st.cache_resource(show_spinner=t("app.opening"))
def get_store(path: str | None = None) -> Store:
    """The process's one open store (DuckDB file, or the lake with UNION_STORE=ducklake); demo data on first start
    (see :func:`start_demo`)."""
    store = open_store(path)
    OPENED_STORES.add(store)
    start_demo(store)
    return store


# The stores get_store opened that are still in use (weak: a store dropped from the cache closes as before):
# dashboard.serve closes them when the server stops (a file store is checkpointed then; `streamlit run`
# ends on SIGTERM without Python's clean-up, which closed them).
OPENED_STORES: weakref.WeakSet[Store] = weakref.WeakSet()


# Demo loads running in the background, by database path (a first start without a usable snapshot).
_DEMO_THREADS: dict[str, threading.Thread] = {}


def start_demo(store: Store) -> None:
    """Give a new, empty store its demo data without making the first visitor wait.

    The shipped snapshot (data/demo/store, dashboard.demo_store) is copied in at once; when it does
    not fit (other ledgers or schema), the ledgers load in a background thread while every page
    shows 正在载入演示数据… (:func:`demo_loading`, :func:`wait_for_demo`).
    """
    if not _wants_demo(store) or demo_store.restore(store):
        return
    thread = threading.Thread(target=ensure_demo, args=(store,), name="demo-load", daemon=True)
    _DEMO_THREADS[store.path] = thread
    thread.start()


def demo_loading() -> bool:
    """True while the background demo load of this process's store is still running."""
    thread = _DEMO_THREADS.get(get_store().path)
    return thread is not None and thread.is_alive()


@st.fragment(run_every=0.5)
def _demo_poll() -> None:
    if not demo_loading():
        st.rerun(scope="app")


def wait_for_demo() -> None:
    """While the demo loads in the background: one Chinese line, then the page once it is there."""
    if not demo_loading():
        return
    st.title(t("app.title"))
    st.info(t("demo.loading"), icon=":material/hourglass_top:")
    _demo_poll()
    st.stop()


def _wants_demo(store: Store) -> bool:
    """An empty store whose demo was never cleared (the first start)."""
    return not store.scalar("SELECT count(*) FROM batches") and store.get_meta("demo") != "cleared"


def ensure_demo(store: Store, force: bool = False) -> bool:
    """Load the demo ledgers into an empty store once (unless the user cleared them). True if loaded.

    An empty store gets the shipped snapshot when it fits (dashboard.demo_store), else the ledgers.
    ``force`` loads them even into a store holding other data (已导入的文件 are skipped as duplicates).
    """
    if not force and not _wants_demo(store):
        return False
    folder = demo.DEMO_DIR
    if not folder.is_dir():
        return False
    if not force and demo_store.restore(store):
        return True
    for path in sorted(folder.glob("*.xlsx")):
        load_path(store, path, org=demo.ORG)
    store.set_meta("demo", "true")
    return True


def clear_demo(store: Store) -> int:
    """Remove every demo batch (loaded from data/demo) and remember not to reload them."""
    names = [p.name for p in demo.DEMO_DIR.glob("*.xlsx")]
    batches = store.query("SELECT batch_id FROM batches WHERE list_contains(?, file_name)", [names])
    for batch_id in batches["batch_id"]:
        _remove_batch(store, int(batch_id))
    store.set_meta("demo", "cleared")
    return len(batches)


def store() -> Store:
    """The store, or stop the page with a Chinese message when the database is busy."""
    try:
        return get_store()
    except StoreBusy:
        st.error(t("db.busy"))
        stop()


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
        if _accounts_exist(get_store()):
            return
    st.error(t("privacy.remote_refused"))
    st.stop()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, filters: queries.Filters, version: int, extra: tuple) -> object:
    return getattr(queries, name)(get_store(), filters, *extra)


def q(name: str, filters: queries.Filters, *extra: object) -> object:
    """Run ``queries.<name>(store, filters, *extra)`` through the cache (keyed by filters and data version).

    Refuses (an error box, the page stops) a ``filters`` outside the user's scope: a school viewer's
    figures are read with her school as filter whatever the widgets, the URL or session state say.
    """
    check_scope(filters)
    return _cached(name, filters, store().data_version(), tuple(extra))


@st.cache_data(show_spinner=False, max_entries=64)
def _lists(version: int, org: str | None) -> tuple[list[int], list[str], list[str]]:
    s = get_store()
    return queries.available_years(s, org), queries.sub_unions(s, org), queries.organisations(s)


def lists(org: str | None = None) -> tuple[list[int], list[str], list[str]]:
    """(years with data, sub-unions, organisations), cached by data version, within the user's scope:
    a school account gets its own school's years and sub-unions and only its own school's name."""
    mine = scope()
    if not mine.allows(org):
        org = mine.org
    if mine.org is not None and org is None:
        org = mine.org
    years, subs, orgs = _lists(store().data_version(), org)
    if mine.org is not None:
        orgs = [o for o in orgs if o == mine.org]
    return years, subs, orgs


@st.cache_data(show_spinner=False, max_entries=64)
def _period_starts(kind: str, version: int, org: str | None) -> list[int]:
    if kind == "year":  # the years :func:`lists` reads already (one scan of every table, not two)
        return _lists(version, org)[0]
    return queries.academic_years(get_store(), org)


def periods(kind: str, org: str | None = None) -> list[Period]:
    """Every period of ``kind`` (year / academic) that holds data, newest first (cached by data version).

    Calendar years with any row; academic years with any dated row between 1 September and 31 August,
    the current, unfinished one included.
    """
    org = scope().clamp(org) if scope().org is None or org is not None else scope().org
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


# The view in the page address (st.query_params): a copied link opens the same period, comparison,
# school and sub-unions.  ?period=2022&compare=2021&org=某校&sub=行政&sub=小学部 (compare=none: 不比较).
QP_PERIOD, QP_COMPARE, QP_ORG, QP_SUB = "period", "compare", "org", "sub"
QP_NONE = "none"


def _apply_address(orgs: list[str]) -> None:
    """Once per session, before the sidebar's widgets exist: preset them from the page address.

    Values that name no period, school or sub-union with data are ignored (the default view stays).
    """
    if st.session_state.get("address_applied"):
        return
    st.session_state["address_applied"] = True
    params = st.query_params
    org = params.get(QP_ORG)
    if org and org in orgs and len(orgs) > 1:
        st.session_state["f_org"] = org
    text = params.get(QP_PERIOD)
    if text:
        try:
            chosen = parse_period(text)
        except ValueError:
            chosen = None
        available = periods(chosen.kind) if chosen else []
        if chosen in available:
            st.session_state["f_kind"] = t(f"period.kind.{chosen.kind}")
            st.session_state[f"f_period_{chosen.kind}"] = chosen.label
            compare_key = f"f_compare_{chosen.kind}_{chosen.start_year}"
            wanted = params.get(QP_COMPARE)
            options, _ = compare_options(chosen, available)
            if wanted == QP_NONE:
                st.session_state[compare_key] = None
            elif wanted:
                with contextlib.suppress(ValueError):
                    other = parse_period(wanted)
                    if (other.kind, other.start_year) in options:
                        st.session_state[compare_key] = (other.kind, other.start_year)
    subs = [s for s in params.get_all(QP_SUB) if s in lists(st.session_state.get("f_org"))[1]]
    if subs:
        st.session_state["f_subs"] = subs


def _write_address(current: Period, compare: tuple[str, int] | None, org: str | None, subs: list[str]) -> None:
    """Keep the page address in step with the sidebar (only when it differs, so no needless history entry)."""
    wanted: dict[str, str | list[str]] = {
        QP_PERIOD: current.label,
        QP_COMPARE: QP_NONE if compare is None else Period(*compare).label,
    }
    if org:
        wanted[QP_ORG] = org
    if subs:
        wanted[QP_SUB] = list(subs)
    present = {key: st.query_params.get_all(key) for key in st.query_params}
    normalised = {key: value if isinstance(value, list) else [value] for key, value in wanted.items()}
    if present != normalised:
        st.query_params.from_dict(wanted)


@dataclasses.dataclass(frozen=True)
class View:
    """The view every page reads and the sidebar shows (筛选): the choices each widget offers and the one chosen.

    ``orgs`` is empty when there is no 学校 choice (one school, or a school account); ``periods`` is empty
    when ``kind`` holds no data (then ``current`` is None and the pages say 暂无数据).
    """

    orgs: list[str]
    org: str | None
    kinds: dict[str, str]  # widget label → kind
    kind: str
    periods: list[Period]
    current: Period | None = None
    compares: list[tuple[str, int] | None] = dataclasses.field(default_factory=list)
    compare: tuple[str, int] | None = None
    subs: list[str] = dataclasses.field(default_factory=list)
    picked: list[str] = dataclasses.field(default_factory=list)  # the sub-unions as chosen in the widget


def _kept(key: str, options: list, default: object) -> object:
    """The value session state holds for the widget ``key`` when it is one of ``options``, else ``default``
    (a value that is no longer offered is dropped, so the widget falls back to the same default)."""
    if key in st.session_state:
        value = st.session_state[key]
        if value in options:
            return value
        del st.session_state[key]
    return default


def _index(key: str, options: list, value: object) -> int:
    """A sidebar widget's index: ``value``'s when session state holds nothing for ``key``; else session state
    holds ``value`` itself (:func:`_kept`) and the widget shows it (an index too would only make Streamlit log
    that the widget has a default and a session-state value)."""
    return 0 if key in st.session_state else options.index(value)


def choose_view() -> View | None:
    """The view from session state and the page address, before anything is drawn (None: the store is empty).

    The router calls it before the page runs (the page reads :func:`filters`), and :func:`sidebar` calls it
    again to draw its widgets after the page: the widgets show exactly the values chosen here (a value
    session state no longer offers falls back to the widget's default, here and in the widget alike), and
    whatever the page changed (a load: new periods; the address) shows in the sidebar and the next run.
    Session state holds plain data only: ``filters`` = ((kind, start_year), org, sub-unions) and
    ``compare`` = (kind, start_year) or None.
    """
    years, _, orgs = lists()
    if not years:
        st.session_state["filters"] = None
        return None
    _apply_address(orgs)
    mine = scope()
    org = mine.org
    org_choices = orgs if mine.org is None and len(orgs) > 1 else []
    if org_choices:
        org = _kept("f_org", [None, *org_choices], None)  # a school no longer in the store: all schools
    kinds = {t(f"period.kind.{k}"): k for k in PERIOD_KINDS}
    kind = kinds[_kept("f_kind", list(kinds), next(iter(kinds)))]
    available = periods(kind)
    if not available:
        st.session_state["filters"] = None
        return View(org_choices, org, kinds, kind, available)
    # The widget shows labels; each label is looked up among the computed periods, never parsed.
    by_label = {p.label: p for p in available}
    current = by_label[_kept(f"f_period_{kind}", list(by_label), available[0].label)]
    options, default = compare_options(current, available)
    compare = _kept(f"f_compare_{kind}_{current.start_year}", options, options[default])
    subs = lists(org)[1]
    picked = list(st.session_state.get("f_subs") or ())
    if not set(picked) <= set(subs):
        del st.session_state["f_subs"]
        picked = []
    # No "Select all" (English, and pointless: none chosen is all); every sub-union chosen by hand
    # is no filter either, so rows without a sub-union stay counted.
    chosen = effective_sub_unions(picked, subs)
    st.session_state["filters"] = ((current.kind, current.start_year), org, tuple(chosen))
    st.session_state["compare"] = None if compare is None else tuple(compare)
    return View(org_choices, org, kinds, kind, available, current, options, compare, subs, picked)


def sidebar() -> None:
    """The filters shared by every page (期间类型, 期间, 对比期, 学校, 分工会), kept in session state
    and in the page address (see :func:`_apply_address`).

    Drawn after the page (issue 16: the browser then asks for the page's element code before the
    widgets'), from :func:`choose_view`, the function that chose the page's filters before it ran.
    """
    mine = scope()
    view = choose_view()
    with st.sidebar:
        st.markdown(f"### {t('app.title')}")
        account_box(mine)
        if view is None:
            st.info(t("sidebar.empty"))
            return
        if view.orgs:
            options = [None, *view.orgs]
            index = _index("f_org", options, view.org)
            st.selectbox(t("sidebar.org"), options, index=index, format_func=_org_label, key="f_org")
        labels = list(view.kinds)
        kind = labels[list(view.kinds.values()).index(view.kind)]
        st.radio(t("sidebar.kind"), labels, index=_index("f_kind", labels, kind), horizontal=True, key="f_kind")
        if view.current is None:
            st.info(t("sidebar.no_periods", kind=t(f"period.kind.{view.kind}")))
            return
        key = f"f_period_{view.kind}"
        labels = [p.label for p in view.periods]
        st.selectbox(t("sidebar.period"), labels, index=_index(key, labels, view.current.label), key=key)
        key = f"f_compare_{view.kind}_{view.current.start_year}"
        st.selectbox(
            t("sidebar.compare"),
            view.compares,
            index=_index(key, view.compares, view.compare),
            format_func=_compare_label,
            key=key,
        )
        st.multiselect(
            t("sidebar.sub_unions"),
            view.subs,
            key="f_subs",
            placeholder=t("sidebar.all_sub_unions"),
            select_all=False,
        )
        _write_address(view.current, view.compare, view.org, list(effective_sub_unions(view.picked, view.subs)))
        if store().get_meta("demo") == "true":
            st.caption(t("sidebar.demo"))


def effective_sub_unions(chosen: list[str] | tuple[str, ...], available: list[str]) -> tuple[str, ...]:
    """The sub-union filter as the queries take it: every available sub-union chosen is no filter (全部),
    so that rows whose sub-union is blank are not dropped by choosing "all" one by one."""
    chosen = tuple(chosen)
    return () if chosen and set(available) <= set(chosen) else chosen


def filters() -> tuple[queries.Filters | None, queries.Filters | None]:
    """(current filters, comparison filters or None) as the sidebar set them; (None, None) without data."""
    chosen = st.session_state.get("filters")
    if not chosen:
        return None, None
    (kind, start_year), org, subs = chosen
    # Session state is the user's to change (and a page may be opened with any URL): the school
    # is always the account's own when the account has one.
    mine = scope()
    if mine.org is not None:
        org = mine.org
    current = queries.Filters(Period(kind, start_year), org, tuple(subs))
    compare_period = st.session_state.get("compare")
    compare = None if compare_period is None else current.with_period(Period(*compare_period))
    return current, compare


def require_filters() -> tuple[queries.Filters, queries.Filters | None]:
    """The filters, or an info box and stop when the store is empty."""
    current, compare = filters()
    if current is None:
        st.info(t("app.no_data"))
        stop()
    check_scope(current)
    return current, compare


class PageStopped(BaseException):
    """A page ended early through :func:`stop` (a BaseException, as st.stop's own: no guard catches it)."""


_PAGE = threading.local()  # .running: a page is running inside :func:`run_page` on this script thread


def stop() -> NoReturn:
    """End the page here, as st.stop() does, but let the router still draw the sidebar after it.

    st.stop() ends the whole script run: with the sidebar drawn after the page (issue 16) a page that
    stops early (上传台账 before a file is chosen) would lose the sidebar and, with its widgets not drawn,
    the chosen period.  Outside :func:`run_page` (the router, a fragment's own rerun) this is st.stop().
    """
    if getattr(_PAGE, "running", False):
        raise PageStopped
    st.stop()


def run_page(navigation: object) -> None:
    """Choose the view (:func:`choose_view`), run the page, then draw the shared sidebar.

    The page comes first so that its elements reach the browser first: the browser loads each element
    type's code when the first element of that type arrives, on six connections per server, and with the
    sidebar first st.metric's code waited behind some 28 files of the sidebar widgets' (issue 16).  The
    sidebar is drawn when the page stopped early (:func:`stop`) or failed as well.
    """
    st.session_state["filters"] = None  # no stale view when choosing one fails
    with guard(t("sidebar.section")):
        choose_view()
    failed: Exception | None = None
    _PAGE.running = True
    try:
        navigation.run()
    except PageStopped:
        pass
    except Exception as err:  # noqa: BLE001 - shown as before (re-raised), after the sidebar is drawn
        failed = err
    finally:
        _PAGE.running = False
    with guard(t("sidebar.section")):
        sidebar()
    if failed is not None:
        raise failed


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


@st.cache_data(show_spinner=False, max_entries=256)
def _notes(
    current: queries.Filters, compare: queries.Filters | None, kinds: tuple[str, ...], version: int
) -> list[str]:
    return queries.coverage_notes(store(), current, compare, kinds)


def coverage_notes(
    current: queries.Filters, compare: queries.Filters | None, kinds: tuple[str, ...] = queries.COVERAGE_KINDS
) -> list[str]:
    """Show what is missing for the period and the comparison period (本期无提案台账 …) above a page's figures."""
    notes = _notes(current, compare, kinds, store().data_version())
    for note in notes:
        st.info(note, icon=":material/info:")
    if current.sub_unions and any(k in kinds for k in ("proposals", "budget")):
        st.caption(t("caption.sub_unions_not_applied"))
    return notes


def period_months(current: queries.Filters, today: dt.date | None = None) -> list[str]:
    """The months of the period as the by-month charts key them ('2024-01' …), for zero-filled month
    axes: the whole period, or up to this month while the period runs."""
    start, end = current.period.start, current.period.end
    today = today or dt.date.today()
    if start <= today < end:
        end = today
    return charts.month_keys(start, end)


@st.cache_resource(show_spinner=False, max_entries=256)
def _chart(name: str, args: tuple, kwargs: tuple, _builder: Callable[..., object]) -> object:
    return _builder(*args, **dict(kwargs))


def chart(builder: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``builder(*args, **kwargs)`` (a figure of :mod:`dashboard.charts`), kept for the same arguments.

    A page's rerun (every click) reuses the figure instead of building it again: plotly's
    update_layout and make_subplots cost 30–100 ms a chart here, more than the cached queries
    behind it.  The key is the builder and the arguments' contents (frames hashed by value), so a
    changed figure is never reused.  Figures are shared, not copied: never change one after this.
    Frames of 50,000 rows or more (which Streamlit would hash by a sample) are not cached.
    """
    frames = [a for a in (*args, *kwargs.values()) if isinstance(a, pd.DataFrame)]
    if any(len(frame) >= 50_000 for frame in frames):
        return builder(*args, **kwargs)
    name = f"{builder.__module__}.{builder.__qualname__}"
    return _chart(name, args, tuple(sorted(kwargs.items())), builder)


def row_view(name: str, filters: queries.Filters) -> pd.DataFrame:
    """A page's row view (明细) ``queries.<name>``: at most :data:`queries.ROW_VIEW_LIMIT` rows; when the
    period holds more, a caption says so and how to see them all (a school or sub-union, or the Excel export)."""
    rows = q(name, filters, queries.ROW_VIEW_LIMIT + 1)
    if len(rows) > queries.ROW_VIEW_LIMIT:
        st.caption(t("rows.limited", n=f"{queries.ROW_VIEW_LIMIT:,}"))
        return rows.head(queries.ROW_VIEW_LIMIT)
    return rows


def frame_or_none(value: object) -> pd.DataFrame | None:
    """A DataFrame with rows, else None (for "暂无数据" branches)."""
    return value if isinstance(value, pd.DataFrame) and len(value) else None


def _is_year_column(name: str, values: pd.Series) -> bool:
    """A column of years (年度 2023): shown without a thousands separator."""
    return t("table.year_marker") in name and values.between(1900, 2200).all()


def table_config(shown: pd.DataFrame) -> dict[str, object]:
    """Column formats for a table with Chinese headers, one way everywhere: 元 with a thousands separator
    and 2 decimals (12,360.00), counts with a thousands separator (1,972), years as written (2024),
    rates as %, dates as YYYY-MM-DD."""
    yuan, rate, days = t("table.yuan_marker"), t("table.rate_suffix"), t("table.days_marker")
    config: dict[str, object] = {}
    for column in shown.columns:
        name, dtype = str(column), shown[column].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            moments = shown[column].dropna()
            timed = len(moments) and (moments != moments.dt.normalize()).any()
            config[column] = (
                st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
                if timed
                else st.column_config.DateColumn(format="YYYY-MM-DD")
            )
        elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        elif yuan in name:
            config[column] = st.column_config.NumberColumn(format="%,.2f")
        elif name.endswith(rate):
            config[column] = st.column_config.NumberColumn(format="percent")
        elif days in name:
            config[column] = st.column_config.NumberColumn(format="%,.0f")
        else:
            values = pd.to_numeric(shown[column], errors="coerce").dropna()
            if len(values) and (values % 1 == 0).all():
                year = _is_year_column(name, values)
                config[column] = st.column_config.NumberColumn(format="%d" if year else "%,d")
            else:
                config[column] = st.column_config.NumberColumn(format="%,.2f")
    return config


def table(frame: pd.DataFrame | dict, names: dict[str, str] | None = None, *, key: str | None = None) -> None:
    """Show a table with Chinese column ``names`` (see :func:`table_config` for the number formats).

    An empty cell shows empty (never None, nan or <NA>); a table without rows says 暂无数据 (never
    Streamlit's English "empty"); the table takes the page's width.
    """
    shown = with_headers(pd.DataFrame(frame), names)
    if shown.empty:
        st.caption(t("table.no_rows"))
        return
    for column in shown.columns:
        dtype = shown[column].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            # The table's own CSV download must not turn user text into formulas either.
            shown[column] = formula_safe_column(shown[column])
    st.dataframe(shown, hide_index=True, column_config=table_config(shown), key=key, placeholder="", width="stretch")


def kpi_shown(kpi: pd.DataFrame) -> pd.DataFrame:
    """The pack's KPI table (领域 | 指标 | periods | 变化) as text, one number format: 元 with two decimals
    and a thousands separator, counts with a thousands separator, an absent figure as 无数据."""
    yuan = t("table.yuan_marker")
    periods = list(kpi.columns[2:-1]) if len(kpi.columns) > 3 else [kpi.columns[2]]

    def show(value: object, money: bool) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return t("text.none")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:,.2f}" if money else (f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}")
        return str(value)

    shown = kpi.astype(object).copy()
    money = kpi.iloc[:, 1].astype(str).str.contains(yuan, regex=False)
    for column in periods:
        shown[column] = [show(v, m) for v, m in zip(kpi[column], money, strict=True)]
    return shown


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
    from dashboard import pack

    return pack.gather(get_store(), current, compare)


def pack_data(current: queries.Filters, compare: queries.Filters | None):
    """The congress pack's figures for the sidebar's filters (cached by the filters' periods and data version)."""
    check_scope(current)
    if compare is not None:
        check_scope(compare)
    return _pack(current, compare, store().data_version())


def detail_rows(current: queries.Filters) -> dict[str, pd.DataFrame]:
    """The workbook's masked detail rows for ``current`` (inside the user's scope)."""
    check_scope(current)
    from dashboard import pack

    return pack.detail_rows(store(), current)


def backup_bytes() -> bytes:
    """A consistent copy of the database as bytes (for the 备份 download)."""
    require("backup")
    with tempfile.TemporaryDirectory() as folder:
        path = store().backup(Path(folder) / "backup.duckdb")
        return path.read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(version: int) -> pd.DataFrame:
    from loaders.loading import list_batches

    s = get_store()
    frame = list_batches(s)
    # The schools of every batch in one query (not one query per batch, each reading every table).
    union = " UNION ".join(f'SELECT batch_id, org FROM "{table}"' for table in KIND_TABLES.values())
    found = s.query(f"SELECT batch_id, list(DISTINCT org ORDER BY org) AS orgs FROM ({union}) GROUP BY 1")
    orgs = {int(b): tuple(o) for b, o in zip(found["batch_id"], found["orgs"], strict=True)}
    frame["orgs"] = [orgs.get(int(b), ()) for b in frame["batch_id"]]
    return frame


def batch_orgs(s: Store, batch_id: int) -> tuple[str, ...]:
    """The schools whose rows a batch brought (sorted)."""
    union = " UNION ".join(f'SELECT org FROM "{table}" WHERE batch_id = $b' for table in KIND_TABLES.values())
    return tuple(sorted(s.query(f"SELECT DISTINCT org FROM ({union})", {"b": batch_id})["org"]))


def batches() -> pd.DataFrame:
    """The loaded batches the user may manage, newest first (cached by data version): every batch for
    an administrator, only batches wholly of her school for a chair."""
    frame = _batches(store().data_version())
    mine = scope()
    if mine.org is not None:
        frame = frame[[bool(orgs) and set(orgs) == {mine.org} for orgs in frame["orgs"]]]
    return frame.drop(columns="orgs").reset_index(drop=True)


def remove_batch(s: Store, batch_id: int) -> bool:
    """Delete a batch the user may manage (recorded in history); False when there is none or it is out of scope."""
    if batch_id not in set(batches()["batch_id"]):
        return False
    orgs = batch_orgs(s, batch_id)
    name = s.scalar("SELECT file_name FROM batches WHERE batch_id = ?", [batch_id])
    if not _remove_batch(s, batch_id):
        return False
    record("remove_batch", {"batch_id": batch_id}, org=",".join(orgs) or None, obj=f"{batch_id}: {name}")
    return True


# --- personal information (数据管理 · 个人信息保护) ---------------------------------------------------


def record_reveal(page: str) -> None:
    """Record in history that sensitive notes were revealed on ``page`` (no names, no rows)."""
    record("reveal_notes", {"page": page}, obj=page)


def reveal_toggle(page: str) -> bool:
    """The switch that shows notes about health or family matters in a row view; switching it on is recorded.

    An account without the right to reveal (viewer) gets no switch: always False.
    """
    if not scope().may("reveal"):
        return False

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


def names_toggle(page: str, *, container=None, help: str | None = None) -> bool:
    """The switch that shows full names in a row view (default masked, 张*); switching it on is recorded
    (显示完整姓名).  A viewer gets a caption instead and always masked names: False."""
    where = container or st
    if not scope().may("reveal"):
        where.caption(t("access.names_masked"))
        return False

    def revealed() -> None:
        if st.session_state.get(f"names_{page}"):
            record("reveal_names", {"page": page}, obj=page)

    return where.toggle(t("text.show_full_names"), value=False, key=f"names_{page}", on_change=revealed, help=help)


def forget_plan(target: Target) -> Plan:
    """What forgetting ``target`` touches (raises Ambiguous with a Chinese message)."""
    return erasure.plan(store(), target)


def forget(planned: Plan) -> int:
    """Replace the person's name with the pseudonym everywhere; returns the rows changed."""
    with acting():
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
    with acting():
        return erasure.apply_retention(store(), today or dt.date.today(), years)


@st.cache_data(show_spinner=False, max_entries=4)
def _oldest_named(version: int) -> dt.date | None:
    return erasure.oldest_named(get_store())


def oldest_named() -> dt.date | None:
    """The date of the oldest row that still names someone (cached by data version, which forgetting
    and retention bump)."""
    return _oldest_named(store().data_version())


def privacy_history(limit: int = 20) -> pd.DataFrame:
    """The latest acts on personal information (forget, retention, reveal), newest first."""
    acts = erasure.history(store(), 500)
    acts = acts[acts["action"].isin(["forget", "retention", "reveal_notes"])].head(limit)
    return acts[["acted_at", "action", "detail"]].reset_index(drop=True)


# --- targets (年度目标, issue 19) ---------------------------------------------------------------------

TargetError = targets.TargetError
TARGET_AREAS = {
    "welfare": (t("targets.area.welfare"),),
    "activities": (t("targets.area.activities"),),
    "proposals": (t("targets.area.proposals"),),
    "awards": (t("targets.area.awards"),),
}


@st.cache_data(show_spinner=False, max_entries=64)
def _target_statuses(current: queries.Filters, version: int, today: dt.date) -> list[targets.Status]:
    return targets.evaluate(get_store(), current, today)


def target_statuses(current: queries.Filters) -> list[targets.Status]:
    """The period's targets against its figures (cached by filters, data version and day)."""
    return _target_statuses(current, store().data_version(), dt.date.today())


def show_targets(current: queries.Filters, page: str | None = None) -> None:
    """Actual vs target for every targeted figure of ``page``'s area (all areas on 总览), met / not met;
    for a running period, on track / behind pro rata to the elapsed share, which a caption states."""
    areas = TARGET_AREAS.get(page or "")
    statuses = [s for s in target_statuses(current) if areas is None or s.area in areas]
    if not statuses:
        return
    st.subheader(t("targets.title"))
    if statuses[0].running:
        st.caption(t("targets.running", share=f"{statuses[0].elapsed * 100:.0f}%"))
    columns = st.columns(4)
    for i, status in enumerate(statuses):
        good = bool(status.met) or bool(status.running and status.on_track)
        columns[i % 4].metric(
            status.name,
            status.show(status.actual),
            t("targets.delta", verdict=status.verdict, target=status.target_text),
            delta_color="normal" if good else "inverse",
            delta_arrow="off",
            border=True,
            help=status.running_note or None,
        )


def target_table() -> pd.DataFrame:
    """Every stored target as the editable table of 数据管理."""
    return targets.as_table(targets.load(store()))


def target_column_config() -> dict[str, object]:
    """The editor's columns: period as text, figure and direction as choices, target as a number."""
    names = targets.TABLE_COLUMNS
    return {
        "period": st.column_config.TextColumn(names["period"], help=t("targets.period_help"), required=True),
        "figure": st.column_config.SelectboxColumn(names["figure"], options=list(targets.FIGURES), required=True),
        "direction": st.column_config.SelectboxColumn(
            names["direction"], options=list(targets.DIRECTION_WORDS.values()), required=True
        ),
        "target": st.column_config.NumberColumn(names["target"], min_value=0.0, required=True),
    }


def save_targets(frame: pd.DataFrame) -> int:
    """Replace every stored target with the edited table (raises TargetError naming the row; nothing stored)."""
    parsed = targets.from_table(frame)
    stored = {target.period for target in targets.load(store())}
    return targets.replace(store(), parsed, periods=sorted(stored, key=lambda p: (p.kind, p.start_year)))


def targets_toml() -> bytes:
    """Every stored target as TOML (the 导出 download)."""
    return targets.to_toml(targets.load(store())).encode("utf-8")


# --- accounts, scope and the record of who did what (issue 13) ----------------------------------------


def _this_run() -> dict:
    """A dict that lives for one run of the script in this session (empty outside a run).

    Streamlit gives every run a new ``ctx.cursors``; the dict is kept beside it and dropped with it.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return {}
    held = getattr(ctx, "_union_this_run", None)
    if held is None or held[0] is not ctx.cursors:
        held = (ctx.cursors, {})
        ctx._union_this_run = held
    return held[1]


def _accounts_exist(s: Store) -> bool:
    """:func:`core.access.accounts_exist`, asked of the store once per run."""
    memo = _this_run()
    if "accounts_exist" not in memo:
        memo["accounts_exist"] = accounts_exist(s)
    return memo["accounts_exist"]


def scope() -> Scope:
    """Who is using this session and what they may reach.

    Single-user mode (no account in the store): :data:`core.accounts.LOCAL`, everything, as before.
    With accounts: the logged-in account as the store holds it now (a removed account is logged out).
    Before login_gate has let the session in, a scope that reaches nothing.

    Read from the store once per run and account name (a page asks 10–30 times, two queries each).
    """
    name = st.session_state.get("account")
    memo = _this_run()
    if ("scope", name) not in memo:
        s = store()
        if not _accounts_exist(s):
            found = accounts.LOCAL
        else:
            found = (accounts.current_scope(s, name) if name else None) or Scope("", "viewer", "\0")
        memo[("scope", name)] = found  # logged out: no school matches, no capability
    return memo[("scope", name)]


def _actor_name(mine: Scope) -> str:
    return mine.user or t("history.local_user")


def record(action: str, detail: dict, *, org: str | None = None, obj: str | None = None) -> None:
    """Add a line to the history (操作记录): this session's user, now, the school (default: the user's) and object."""
    mine = scope()
    with store().transaction() as cur:
        erasure.record_history(cur, action, detail, org=org or mine.org, obj=obj, user=_actor_name(mine))


@contextlib.contextmanager
def acting() -> Iterator[None]:
    """Record acts done by core functions (forget, retention) in this block as this session's user."""
    mine = scope()
    token = erasure.ACTOR.set((_actor_name(mine), mine.org))
    try:
        yield
    finally:
        erasure.ACTOR.reset(token)


def record_export(what: str, org: str | None = None) -> callable:
    """A download button's on_click: records the export (导出) of ``what`` in the history."""

    def exported() -> None:
        record("export", {"what": what}, org=org, obj=what)

    return exported


def in_scope(mine: Scope, f: queries.Filters) -> bool:
    """True when ``f`` stays inside ``mine``: a school account only ever reads its own school."""
    return mine.allows(f.org)


def check_scope(f: queries.Filters) -> None:
    """Stop the page with one message when ``f`` reaches outside the user's scope."""
    if not in_scope(scope(), f):
        st.error(t("access.out_of_scope"))
        stop()


def require(what: str) -> None:
    """Stop the page with one message when the user lacks the capability ``what`` (upload, manage …).

    The router already leaves such pages out of the navigation; this is the second line.
    """
    if not scope().may(what):
        st.error(t("access.denied"))
        stop()


def may(what: str) -> bool:
    """True when the user has the capability ``what``."""
    return scope().may(what)


def logout() -> None:
    """End this session's login (退出登录)."""
    for key in list(st.session_state):
        del st.session_state[key]


def login_gate() -> Scope | None:
    """The session's scope, or None when it must log in first (then the router shows :func:`login_form` only).

    Never asks before the first account exists (single-user mode stays as it was).  A wrong name
    or password gets one message (用户名或密码错误); repeated failures answer ever more slowly
    (core.accounts.authenticate).  A session idle longer than $UNION_IDLE_MINUTES (default 30)
    is logged out.
    """
    s = store()
    if not _accounts_exist(s):
        return accounts.LOCAL
    now = dt.datetime.now().timestamp()
    name = st.session_state.get("account")
    if name:
        idle = now - float(st.session_state.get("last_seen", now))
        if idle > accounts.idle_minutes() * 60:
            logout()
            st.session_state["expired"] = True
        elif accounts.current_scope(s, name) is None:
            logout()
        else:
            st.session_state["last_seen"] = now
            return scope()
    return None


def login_form() -> None:
    """The login page: 用户名, 密码, 登录; one message for any mistake."""
    s = store()
    st.title(t("login.title"))
    if st.session_state.pop("expired", False):
        st.info(t("login.expired"))
    with st.form("login"):
        user = st.text_input(t("login.user"), key="login_user")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.button"), type="primary")
    if submitted:
        found = accounts.authenticate(s, user, password)
        if found is None:
            st.error(t("login.failed"))
        else:
            for key in ("login_user", "login_password"):
                st.session_state.pop(key, None)
            st.session_state["account"] = found.user
            st.session_state["last_seen"] = dt.datetime.now().timestamp()
            record("login", {}, obj=found.user)
            st.rerun()


def account_box(mine: Scope) -> None:
    """The signed-in line and 退出登录 in the sidebar (nothing in single-user mode)."""
    if mine.single_user:
        return
    role = t(f"role.{mine.role}")
    text = (
        t("login.signed_in_org", user=md(mine.user), role=role, org=md(mine.org))
        if mine.org
        else t("login.signed_in", user=md(mine.user), role=role)
    )
    st.caption(text)
    # A callback: the logout happens before the next run, not after that run's page (drawn before the sidebar).
    st.button(t("login.logout"), key="logout", icon=":material/logout:", on_click=logout)


def district_available() -> bool:
    """The district page is offered: the user may see it and the store holds more than one school."""
    return scope().may("district") and len(lists()[2]) > 1


def district(current: queries.Filters) -> pd.DataFrame:
    """One row per school for the sidebar's period (aggregates only); the user must reach every school."""
    require("district")
    return q("district_table", queries.Filters(current.period, None, current.sub_unions))


@st.cache_data(show_spinner=False, max_entries=16)
def _district_trend(version: int) -> pd.DataFrame:
    return queries.district_trend(get_store())


def district_trend() -> pd.DataFrame:
    """Calendar-year figures per school (aggregates only)."""
    require("district")
    return _district_trend(store().data_version())


def district_workbook(current: queries.Filters) -> bytes:
    """The district table and trend as an .xlsx (text guarded against formulas, no names)."""
    require("district")
    from dashboard import workbook

    from_table = district(current)
    return workbook.build_district_workbook(from_table, district_trend(), current.period.display)


def history(limit: int = 500) -> pd.DataFrame:
    """The history (操作记录) the user may see, newest first: all of it for an administrator, her
    school's part for a chair."""
    require("history")
    return erasure.history(store(), limit, org=scope().org)


def history_action_label(action: str) -> str:
    """Chinese name of a history action."""
    try:
        return t(f"history.action.{action}")
    except KeyError:
        return action


def district_labelled(table: pd.DataFrame) -> pd.DataFrame:
    """The district table with Chinese headers and the missing ledgers in words."""
    shown = table.copy()
    for column in (
        "members",
        "welfare_yuan",
        "per_member_yuan",
        "participation_rate",
        "completion_rate",
        "awards_per_100",
    ):
        shown[column] = shown[column].astype(float)  # empty cells, not "None"
    from dashboard import workbook

    return workbook.district_labelled(shown)


def district_trend_chart(trend: pd.DataFrame):
    """Welfare spend per school over the years (万元), one line per school."""
    return chart(charts.school_trends, trend, "welfare_yuan", t("district.trend_title", measure=t("page.welfare")))


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
    """An expander 数据来源: pick a headline figure, see its definition, batches and rows (names masked).

    Its content is computed and sent only while it is open (``on_change="rerun"``, state under
    ``{key}_open``): closed, a page carries no table for it, so the browser need not load Streamlit's
    data-grid code (~1.7 MB of JavaScript) before it can show the page's first figures (issue 16).
    """
    box = st.expander(t("trace.expander"), icon=":material/manage_search:", key=f"{key}_open", on_change="rerun")
    with box:
        if not box.open:
            return
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
