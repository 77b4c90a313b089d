"""The server's start (服务启动, issue 16): the first visitor's imports and store, begun when the server starts.

``streamlit run streamlit_app.py`` serves the file as an ``st.App`` (Streamlit 1.67 finds the
``server = st.App(...)`` assignment in streamlit_app.py, imports that file once as the module
``streamlit_app`` and serves it with uvicorn; every visit still runs the file as ``__main__``).
The App's :func:`lifespan` starts :func:`warm_up` in a background thread when the server starts:
it imports what 总览's first run needs (pandas, pyarrow, DuckDB, Plotly … about 1.3 s) and opens
the store (the demo snapshot copied in on a first start), while the visitor's browser still loads
Streamlit's own code (about 1.5 s).  The first run then finds them done instead of doing them
itself.  Nothing here answers a request: the server serves exactly what it served before.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from streamlit.logger import get_logger

from core.labels import t

log = get_logger(__name__)  # Streamlit's format; debug lines show with `--logger.level=debug`

# What 总览's first run imports beyond dashboard.app (seen in sys.modules after an AppTest run of the
# app): Plotly's figure code and Streamlit's chart element, Streamlit's icon names (st.Page's icons).
# pyarrow.pandas_compat: the first DataFrame Streamlit sends (pyarrow's pandas conversion).
MODULES = (
    "dashboard.app",
    "dashboard.charts",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.subplots",
    "streamlit.elements.plotly_chart",
    "streamlit.material_icon_names",
    "pyarrow.pandas_compat",
)

THREAD = "union-warm-up"
# While the warm-up imports, the server thread waits for Python's GIL each time it has a file to send the
# browser (Streamlit's ~60 front-end files before the session opens): measured against the server on its own,
# fetching them took 1060 ms instead of 510 ms (median of 6, loaded machine).  A 0.5 ms switch interval
# (Python's default is 5 ms) hands the GIL over sooner: 760 ms; 0.1 ms was no better.  Restored afterwards.
SWITCH_INTERVAL_S = 0.0005
_STARTED = threading.Event()


def _not_from_warm_up(record: logging.LogRecord) -> bool:
    """Drop Streamlit's "missing ScriptRunContext" warning of the warm-up thread: st.cache_resource warns
    so outside a visit's run, which is where the warm-up fills the store's cache on purpose."""
    return record.threadName != THREAD


def _first_chart() -> None:
    """Build and serialise a small figure as 总览's trend chart is (charts.trends, then st.plotly_chart's
    plotly.io.to_json): Plotly imports most of its figure code (layout parts, JSON encoder) on first use."""
    import pandas as pd
    import plotly.io

    from dashboard import charts

    frame = pd.DataFrame({"year": [2025, 2026], "value": [1.0, 2.0]})
    units = (t("unit.wan"), t("unit.person_times"))
    figure = charts.trends({unit: (frame, unit) for unit in units}, t("overview.trend"))
    plotly.io.to_json(figure, validate=False)


def warm_up() -> None:
    """Import :data:`MODULES`, draw a first figure off screen and open the store (:func:`dashboard.app.get_store`,
    the same cached store the first visit gets).  A failure only leaves the work to the first visit (which then
    shows its error)."""
    started = time.perf_counter()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_not_from_warm_up)
    try:
        for name in MODULES:
            importlib.import_module(name)
        _first_chart()
        imported = time.perf_counter()
        from dashboard import app

        app.get_store()
        log.debug("warm-up: imports %.2f s, store %.2f s", imported - started, time.perf_counter() - imported)
    except Exception:  # noqa: BLE001 - the first visit does the same work and shows its error
        log.debug("warm-up failed; the first visit opens the store itself", exc_info=True)
    finally:
        sys.setswitchinterval(switch)


def start_warm_up() -> threading.Thread | None:
    """Start :func:`warm_up` in a background thread, once per process (None when already started)."""
    if _STARTED.is_set():
        return None
    _STARTED.set()
    thread = threading.Thread(target=warm_up, name=THREAD, daemon=True)
    thread.start()
    return thread


def close_stores() -> None:
    """Close every store the app opened (:data:`dashboard.app.OPENED_STORES`): a file store's write-ahead log
    goes into the file.  Served as an st.App, the process ends on SIGTERM (uvicorn raises it again once the
    server has stopped) without Python's own clean-up, which used to close the store."""
    app = sys.modules.get("dashboard.app")  # not imported: nothing was opened
    for store in list(app.OPENED_STORES) if app is not None else []:
        app.OPENED_STORES.discard(store)
        try:
            store.close()
        except Exception:  # noqa: BLE001 - stopping anyway; the next open replays the log
            log.debug("closing the store failed", exc_info=True)


@asynccontextmanager
async def lifespan(_server: object) -> AsyncIterator[None]:
    """The st.App's start and stop: the warm-up starts (the server answers at once, it does not wait); at the
    stop the stores are closed."""
    start_warm_up()
    try:
        yield
    finally:
        close_stores()
