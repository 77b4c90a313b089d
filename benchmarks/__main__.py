"""``python -m benchmarks [--small] [--json FILE]`` and its parts run alone.

- ``python -m benchmarks``: the district store (200 schools × 10 years), the 100,000-row
  ingest against fastexcel, every page cold and warm, summary, the congress pack.
- ``python -m benchmarks ingest --rows N``; ``pages --schools S --years Y``; ``pack``.
- ``python -m benchmarks pages --profile overview``: where a warm run of one page spends its time.
- ``--small``: 2 schools × 2 years and a 5,000-row ledger, one round (what CI runs).
Each prints a table and, with ``--json FILE``, writes the figures so that runs compare.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import district, runs

GOALS = {  # the goals of the performance issue, for the table
    "ingest_ratio_vs_fastexcel": ("≤ 1.5", lambda v: v <= 1.5),
    "ingest_peak_memory_mb": ("≤ 1024", lambda v: v <= 1024),
    "summary_year_ms": ("≤ 100", lambda v: v <= 100),
    "summary_academic_ms": ("≤ 100", lambda v: v <= 100),
    "pack_district_ms": ("≤ 3000", lambda v: v <= 3000),
}


def _goal(key: str, value: float) -> str:
    if key in GOALS:
        text, ok = GOALS[key]
        return f"{text}  {'✓' if ok(value) else '✗'}"
    if key.startswith("page_") and key.endswith("_warm_ms"):
        return f"≤ 100  {'✓' if value <= 100 else '✗'}"
    if key.startswith("page_") and key.endswith("_cold_ms"):
        return f"≤ 1000  {'✓' if value <= 1000 else '✗'}"
    return ""


def print_table(figures: dict[str, object]) -> None:
    width = max(len(k) for k in figures)
    print(f"{'figure'.ljust(width)}  {'value':>12}  goal")
    for key, value in figures.items():
        goal = _goal(key, value) if isinstance(value, int | float) else ""
        print(f"{key.ljust(width)}  {value!s:>12}  {goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="工会数据看板性能测试")
    parser.add_argument("part", nargs="?", choices=["all", "ingest", "pages", "pack"], default="all")
    parser.add_argument("--rows", type=int, default=100_000, help="ingest: rows of the ledger")
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="2 schools × 2 years, 5,000 rows, 1 round")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--page", action="append", help="pages: only this page (repeatable)")
    parser.add_argument("--profile", metavar="PAGE", help="pages: print where a warm run of PAGE spends its time")
    args = parser.parse_args(argv)
    if args.small:
        args.rows, args.schools, args.years, args.rounds = 5_000, 2, 2, 1

    figures: dict[str, object] = {
        "machine": f"{platform.machine()} · {platform.python_version()}",
        "cpus": __import__("os").cpu_count(),
    }
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "district.duckdb"
        last_year = district.FIRST_YEAR + args.years - 1
        if args.part in ("all", "pages", "pack"):
            start = time.perf_counter()
            sizes = district.build(db, args.schools, args.years)
            figures.update({f"store_{k}_rows": v for k, v in sizes.items()})
            figures["store_build_ms"] = runs._ms(time.perf_counter() - start)
        if args.part in ("all", "ingest"):
            figures.update(runs.ingest(args.rows, args.rounds))
        if args.profile:
            print(runs.profile(db, args.profile))
            return 0
        if args.part in ("all", "pages"):
            figures.update(runs.summary(db, last_year))
            figures.update(runs.pages(db, args.rounds, args.page))
        if args.part in ("all", "pack"):
            figures.update(runs.pack(db, last_year, args.rounds))
    print_table(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
