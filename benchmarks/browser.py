"""``python -m benchmarks browser``: the dashboard against a bare Streamlit page, in a real browser.

Starts ``streamlit run streamlit_app.py`` (its own database) and a bare page of the same shape
(8 st.metric and 1 plotly chart, same .streamlit/config.toml), opens both in headless Chromium
(Debian's /usr/bin/chromium through Playwright; ``playwright install`` is never run) alternately,
each visit a new browser context (a new Streamlit session), and records when the first metric and
the first chart appear, measured in the page from navigation start (a MutationObserver added before
the page loads).  Warm server: each server has answered one visit first.  First start: a new server
on an empty database (the demo data comes on first start), timed from the moment the server
answers /_stcore/health.  Figures are medians in ms; ratios are app ÷ bare page.  ``…_metric_code_wait_ms``:
how long the browser's request for st.metric's code waited for a free connection (warm visits).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DEADLINE_MS = 180_000

BARE_PAGE = textwrap.dedent(
    '''
    """A bare Streamlit page of the 总览's shape: title, caption, 8 metrics, 1 plotly chart."""
    import plotly.graph_objects as go
    import streamlit as st

    st.set_page_config(page_title="bare", layout="wide")
    st.title("Bare page")
    st.caption("period")
    for row in range(2):
        st.subheader(f"Section {row}")
        for i, column in enumerate(st.columns(4)):
            column.metric(f"Metric {row * 4 + i}", f"{(row * 4 + i) * 1.5:.2f}", "+1.0", border=True)
    years = [2021, 2022, 2023, 2024, 2025]
    fig = go.Figure([go.Scatter(x=years, y=[v * k for v in (1, 3, 2, 4, 5)], name=str(k)) for k in range(1, 5)])
    st.plotly_chart(fig)
    '''
)

# Records (performance.now(), from navigation start) the first metric and the first drawn chart.
OBSERVER = """
(() => {
  window.__firsts = {};
  const seen = () => {
    const f = window.__firsts;
    if (f.metric === undefined && document.querySelector("[data-testid='stMetricValue']"))
      f.metric = performance.now();
    if (f.chart === undefined && document.querySelector("[data-testid='stPlotlyChart'] .main-svg"))
      f.chart = performance.now();
    return f.metric !== undefined && f.chart !== undefined;
  };
  const start = () => {
    if (seen()) return;
    const observer = new MutationObserver(() => { if (seen()) observer.disconnect(); });
    observer.observe(document.documentElement, {childList: true, subtree: true});
  };
  if (document.documentElement) start(); else document.addEventListener("DOMContentLoaded", start);
})();
"""
# How long the request for st.metric's front-end code (Streamlit loads each element type's code when the
# first element of that type arrives) waited for one of the browser's six connections to the server (ms,
# from Resource Timing): the app's sidebar widgets once queued it behind ~28 files of theirs (issue 16).
METRIC_CODE_WAIT = (
    "(performance.getEntriesByType('resource').filter(e => /\\/Metric\\.[^/]*\\.js$/.test(e.name))"
    ".map(e => e.requestStart - e.startTime)[0] ?? -1)"
)
BOTH_SEEN = "() => window.__firsts && window.__firsts.metric !== undefined && window.__firsts.chart !== undefined"


def available() -> bool:
    """Debian's chromium and Playwright's Python package are there (no browser is ever downloaded)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server started next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answering(url: str) -> bool:
    """True once the Streamlit server at ``url`` answers its health check with ok."""
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def server(
    script: Path | str,
    db: Path | None,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    deadline_s: float = 120,
) -> Iterator[tuple[str, float]]:
    """``streamlit run script`` on 127.0.0.1 and a free port with the store ``db`` (or, with ``env``, that
    whole environment: e.g. a lake's UNION_STORE=ducklake); yields (url, epoch ms when /_stcore/health
    first answered).  Raises RuntimeError (with the log's end) when it exits or is silent past ``deadline_s``;
    the server is stopped on leaving."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = env if env is not None else {**os.environ, "UNION_DB": str(db)}
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + deadline_s
            while not answering(url):  # poll often: the first start is timed from this moment
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {Path(log).read_text()[-2000:]}")
                time.sleep(0.02)
            yield url, time.time() * 1000
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _visit(browser, url: str) -> dict[str, float]:
    """One visit in a new context (a new session): first metric and first chart, from navigation start,
    and the same as epoch ms (for the first start)."""
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        await context.add_init_script(OBSERVER)
        page = await context.new_page()
        await page.goto(url, wait_until="commit", timeout=DEADLINE_MS)
        await page.wait_for_function(BOTH_SEEN, timeout=DEADLINE_MS)
        return await page.evaluate(
            "() => ({metric: window.__firsts.metric, chart: window.__firsts.chart, origin: performance.timeOrigin,"
            " metric_code_wait: " + METRIC_CODE_WAIT + "})"
        )
    finally:
        await context.close()


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


async def _measure(rounds: int, first_starts: int, folder: Path) -> dict[str, object]:
    from playwright.async_api import async_playwright

    bare_script = folder / "bare_page.py"
    bare_script.write_text(BARE_PAGE, encoding="utf-8")
    warm: dict[str, dict[str, list[float]]] = {
        k: {"metric": [], "chart": [], "metric_code_wait": []} for k in ("app", "bare")
    }
    first: dict[str, dict[str, list[float]]] = {k: {"metric": [], "chart": []} for k in ("app", "bare")}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            # First start: a new server each time, the browser already open; timed from the server answering.
            for n in range(first_starts):
                for name in ("bare", "app") if n % 2 else ("app", "bare"):
                    script = bare_script if name == "bare" else ROOT / "streamlit_app.py"
                    db = folder / f"first-{n}-{name}.duckdb"
                    with server(script, db, folder / f"first-{n}-{name}.log") as (url, answered):
                        seen = await _visit(browser, url)
                    for key in ("metric", "chart"):
                        first[name][key].append(seen["origin"] + seen[key] - answered)
            # Warm server: both servers up and visited once, then visited alternately.
            with (
                server(ROOT / "streamlit_app.py", folder / "warm.duckdb", folder / "warm-app.log") as (app_url, _),
                server(bare_script, folder / "bare.duckdb", folder / "warm-bare.log") as (bare_url, _),
            ):
                urls = {"app": app_url, "bare": bare_url}
                for url in urls.values():
                    await _visit(browser, url)
                for n in range(rounds):
                    for name in ("bare", "app") if n % 2 else ("app", "bare"):
                        seen = await _visit(browser, urls[name])
                        warm[name]["metric"].append(seen["metric"])
                        warm[name]["chart"].append(seen["chart"])
                        warm[name]["metric_code_wait"].append(seen["metric_code_wait"])
        finally:
            await browser.close()

    figures: dict[str, object] = {}
    for name in ("bare", "app"):
        for key in ("metric", "chart"):
            figures[f"browser_{name}_first_{key}_ms"] = _median(warm[name][key])
    for name in ("bare", "app"):
        figures[f"browser_{name}_metric_code_wait_ms"] = _median(warm[name]["metric_code_wait"])
    for key in ("metric", "chart"):
        figures[f"browser_first_{key}_ratio"] = round(
            figures[f"browser_app_first_{key}_ms"] / figures[f"browser_bare_first_{key}_ms"], 2
        )
    figures["first_start_first_metric_ms"] = _median(first["app"]["metric"])
    figures["first_start_first_chart_ms"] = _median(first["app"]["chart"])
    figures["first_start_bare_first_metric_ms"] = _median(first["bare"]["metric"])
    figures["first_start_bare_first_chart_ms"] = _median(first["bare"]["chart"])
    figures["browser_rounds"] = rounds
    figures["first_start_rounds"] = first_starts
    return figures


def run(rounds: int = 5, first_starts: int = 3) -> dict[str, object]:
    """The browser figures (medians, ms; ratios app ÷ bare page); {} without Debian's chromium."""
    if not available():
        print("browser: Debian's chromium or playwright is missing; skipped", file=sys.stderr)
        return {}
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_measure(rounds, first_starts, Path(folder)))
