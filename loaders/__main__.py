"""Command line: ``python -m loaders PATH... [--db DB] [--org NAME] [--kind KIND] [--accept-valid]``.

Prints per file and sheet the kind and the rows accepted, rejected (first reasons)
and skipped.  Without ``--db`` and with UNION_STORE=ducklake the files go into the lake
(:func:`core.store.open_store`), while app servers keep serving.  Exit status 0 when every
file loaded (or was already loaded), 1 when any file or row was rejected, 2 for bad
arguments or a busy database.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from core import vocab
from core.erasure import record_history
from core.labels import t
from core.store import NotAStore, StoreBusy, open_store
from loaders.loading import describe_kind, import_mappings, load_path, read_profile_file
from loaders.reading import SUPPORTED_SUFFIXES

MAX_REASONS = 5


def collect_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Expand folders into their spreadsheets and CSVs (sorted); returns (files, missing paths)."""
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("~$")
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(raw)
    return files, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="导入工会台账到数据库")
    parser.add_argument("paths", nargs="+", help="台账文件或文件夹")
    parser.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    parser.add_argument("--org", help="学校（基层工会）名称")
    parser.add_argument("--kind", help="台账类型：" + "/".join(sorted(set(vocab.KIND_ALIASES.values()))))
    parser.add_argument(
        "--mappings", help="映射方案文件（JSON，python -m dashboard mappings export 导出）：先存入数据库再导入"
    )
    parser.add_argument("--accept-valid", action="store_true", help="只导入合格行，不合格行记录在批次中")
    args = parser.parse_args(argv)
    kind = None
    if args.kind:
        kind = vocab.KIND_ALIASES.get(args.kind.strip().lower())
        if kind is None:
            parser.error(f"--kind {args.kind}")
    files, missing = collect_files(args.paths)
    for raw in missing:
        print(t("file.not_found", path=raw), file=sys.stderr)
    try:
        store = open_store(args.db)  # the lake when UNION_STORE=ducklake and no --db
    except StoreBusy as err:
        print(str(err), file=sys.stderr)
        return 2
    except NotAStore as err:
        print(str(err), file=sys.stderr)
        return 2
    loaded = failed = duplicates = 0
    with store:
        if args.mappings:
            try:
                counts = import_mappings(store, read_profile_file(Path(args.mappings)), args.org)
            except ValueError as err:
                print(str(err), file=sys.stderr)
                return 2
            print(t("mappings.imported", **counts))
        for path in files:
            try:
                report, result = load_path(store, path, kind=kind, org=args.org, accept_valid=args.accept_valid)
            except StoreBusy:
                raise
            except Exception as err:  # noqa: BLE001 - one file's failure must not stop the next file
                # Named by file, without a traceback; the store rolled back this file's transaction.
                print(f"{path.name}：" + t("file.internal_error", error=f"{type(err).__name__}: {str(err)[:200]}"))
                failed += 1
                continue
            print(f"{path.name}：{result.message}")
            if result.status == "loaded":
                # The record of who did what (issue 13): a command-line upload, by the operating-system user.
                orgs = sorted(
                    {
                        str(o)
                        for s in report.data_sheets
                        if "org" in s.result.records
                        for o in s.result.records["org"].dropna()
                    }
                )
                with store.transaction() as cur:
                    record_history(
                        cur,
                        "upload",
                        {"batch_id": result.batch_id, "rows": report.accepted_rows},
                        org=",".join(orgs) or None,
                        obj=f"{result.batch_id}: {report.file_name}",
                        user=t("cli.actor", user=getpass.getuser()),
                    )
            for sheet in report.sheets:
                if sheet.status != "data":
                    print(f"  [{sheet.sheet}] {sheet.note}")
                    continue
                print(
                    t(
                        "cli.sheet_line",
                        sheet=sheet.sheet,
                        kind=describe_kind(sheet.kind),
                        accepted=sheet.accepted,
                        rejected=len(sheet.rejected),
                        skipped=sheet.skipped,
                    )
                )
                if sheet.withheld_note:
                    print(f"    {sheet.withheld_note}")
                for line in sheet.explain():
                    print(f"    {line}")
                for bad in sheet.rejected[:MAX_REASONS]:
                    print(t("cli.reject_line", row=bad.row, reason=bad.reason))
                if len(sheet.rejected) > MAX_REASONS:
                    print(t("cli.more_rejects", count=len(sheet.rejected) - MAX_REASONS))
                if sheet.result and sheet.result.unknown_values:
                    values = "、".join(f"{v}" for (_, v) in sheet.result.unknown_values)
                    print(t("cli.unknown_values", values=values))
            if result.status == "loaded":
                loaded += 1
                failed += bool(report.rejected_rows)
            elif result.status == "duplicate":
                duplicates += 1
            else:
                failed += 1
    print(
        t(
            "cli.done",
            files=len(files),
            loaded=loaded,
            failed=failed,
            duplicates=duplicates,
        )
    )
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
