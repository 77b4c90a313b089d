"""The ONE place where the variation corpus touches the project: load files, read figures back.

When the project's modules move (dashboard.store → core.store, …) only this file changes.

    figures = load_and_summarise([path], kind="welfare")
    # {"status": "loaded", "accepted": 31, "rejected": 0, "welfare": {...}, ...}

Two ways in: :func:`load_and_summarise` (in-process, the same analyse/commit path the CLI
uses, without the subprocess sandbox so the corpus stays fast) and
:func:`load_and_summarise_cli` (``python -m loaders`` then ``python -m dashboard summary``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.store import Store  # was dashboard.store before the core/ package
from dashboard import queries
from loaders.loading import load_path

PERIOD = "2022"
REPO = Path(__file__).resolve().parents[2]


def _figures(store: Store, kind: str) -> dict:
    """The kind's part of the summary (plus budget totals, which the summary lacks)."""
    f = queries.Filters.of(PERIOD, None)
    summary = queries.summary(store, f)
    if kind == "welfare":
        return {"welfare": summary["welfare"]}
    if kind == "activities":
        return {"activities": summary["activities"]}
    if kind in ("members", "roster"):
        return {"members": summary["members"]}
    if kind == "proposals":
        return {"proposals": summary["proposals"]}
    if kind == "awards":
        return {"awards": summary["awards"]}
    if kind == "budget":
        frame = queries.budget_execution(store, f)
        return {
            "budget": {
                "lines": len(frame),
                "total_budget": round(float(frame["budget_yuan"].fillna(0).sum()), 2),
                "total_final": round(float(frame["final_yuan"].fillna(0).sum()), 2),
            }
        }
    # donations / publicity: whatever the summary offers (nothing yet)
    return {kind: summary.get(kind)}


def load_and_summarise(paths: list[Path], kind: str, *, isolated: bool = False) -> dict:
    """Load ``paths`` into a fresh in-memory store; the kind's figures plus the row accounting."""
    out: dict = {"status": "loaded", "accepted": 0, "rejected": 0, "messages": []}
    with Store(":memory:") as store:
        for path in paths:
            report, result = load_path(store, Path(path), isolated=isolated)
            out["accepted"] += report.accepted_rows
            out["rejected"] += report.rejected_rows
            if result.status != "loaded":
                out["status"] = result.status
                out["messages"].append(result.message)
            for sheet in report.sheets:
                out["messages"].append(f"[{sheet.sheet}] {sheet.status} {sheet.kind} {getattr(sheet, 'note', '')}")
        out.update(_figures(store, kind))
    return out


def load_and_summarise_cli(paths: list[Path], db: Path, period: str = PERIOD) -> tuple[int, dict]:
    """``python -m loaders PATHS --db DB`` then ``python -m dashboard summary --json``: (loader rc, summary)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    load = subprocess.run(
        [sys.executable, "-m", "loaders", *map(str, paths), "--db", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    summ = subprocess.run(
        [sys.executable, "-m", "dashboard", "summary", "--period", period, "--json", "--db", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if summ.returncode != 0:
        raise RuntimeError(f"summary failed: {summ.stderr}\n{load.stdout}\n{load.stderr}")
    return load.returncode, json.loads(summ.stdout)
