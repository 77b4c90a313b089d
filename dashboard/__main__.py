"""Command line: ``python -m dashboard summary|batches|remove ...``.

- ``summary --period PERIOD [--db DB] [--org NAME] --json``: the KPIs of a period in the
  shape of one entry of ../shared/ledgers/truth.json.
- ``report --period PERIOD [--compare PERIOD|none] [--db DB] [--org NAME] --out FILE``: the congress
  pack, by FILE's suffix: .pptx (slides), .md / .txt (report sentences), .xlsx (tables).
- ``backup --out FILE [--db DB]``: a consistent copy of the database (restore: put it in place of
  the database file while the app is stopped).
- ``batches [--db DB]``: the loaded batches.
- ``remove BATCH_ID [--db DB]``: delete a batch and its rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.labels import t
from core.store import BackupError, NotAStore, Store, StoreBusy, resolve_db_path
from dashboard import deck, pack, queries, sentences, workbook
from loaders.loading import remove_batch

READ_ONLY_COMMANDS = ("summary", "report", "batches", "backup")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    parser.add_argument("--org", help="只统计该学校（基层工会）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="工会数据看板命令行")
    sub = parser.add_subparsers(dest="command", required=True)
    p_summary = sub.add_parser("summary", help="输出某期间的指标")
    p_summary.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_summary.add_argument("--json", action="store_true", help="以 JSON 输出（truth.json 的格式）")
    _add_common(p_summary)
    p_report = sub.add_parser("report", help="生成汇报材料（.pptx / .md / .txt / .xlsx）")
    p_report.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_report.add_argument("--compare", help="对比期间（默认上一期；none 为不比较）")
    p_report.add_argument("--out", required=True, help="输出文件，按后缀决定格式")
    _add_common(p_report)
    p_backup = sub.add_parser("backup", help="备份数据库到一个新文件")
    p_backup.add_argument("--out", required=True, help="备份文件（.duckdb），不能已存在")
    _add_common(p_backup)
    p_batches = sub.add_parser("batches", help="列出已导入的批次")
    _add_common(p_batches)
    p_remove = sub.add_parser("remove", help="删除一个批次")
    p_remove.add_argument("batch_id", type=int)
    _add_common(p_remove)
    args = parser.parse_args(argv)

    # Readers open the store read-only, so that they share the file and never create tables
    # in a file that is not a store; only ``remove`` writes, and only into an existing store.
    path = resolve_db_path(args.db)
    try:
        if args.command == "remove" and not Path(path).is_file():
            raise NotAStore(t("db.not_store", path=path))
        store = Store(path, read_only=args.command in READ_ONLY_COMMANDS)
    except StoreBusy as err:
        print(str(err), file=sys.stderr)
        return 2
    except NotAStore as err:
        print(str(err), file=sys.stderr)
        return 1
    with store:
        if args.command == "summary":
            try:
                filters = queries.Filters.of(args.period, args.org)
            except ValueError as err:
                print(str(err), file=sys.stderr)
                return 2
            result = queries.summary(store, filters)
            if args.json:
                print(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                _print_summary(result)
            return 0
        if args.command == "report":
            return _report(store, args)
        if args.command == "backup":
            try:
                target = store.backup(args.out)
            except FileExistsError:
                print(t("backup.exists", path=args.out), file=sys.stderr)
                return 2
            except BackupError as err:
                print(str(err), file=sys.stderr)
                return 1
            print(t("backup.done", path=target))
            return 0
        if args.command == "batches":
            frame = store.query(
                "SELECT batch_id, file_name, kinds, rows_accepted, rows_rejected, rows_skipped, loaded_at "
                "FROM batches ORDER BY batch_id"
            )
            print(frame.to_string(index=False))
            return 0
        if remove_batch(store, args.batch_id):
            print(t("cli.batch_removed", batch_id=args.batch_id))
            return 0
        print(t("cli.batch_missing", batch_id=args.batch_id), file=sys.stderr)
        return 1


REPORT_SUFFIXES = (".pptx", ".md", ".txt", ".xlsx")


def _report(store: Store, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in REPORT_SUFFIXES:
        print(f"不支持的输出格式“{out.suffix}”：请用 {' / '.join(REPORT_SUFFIXES)}", file=sys.stderr)
        return 2
    try:
        current = queries.Filters.of(args.period, args.org)
        if args.compare and args.compare.lower() == "none":
            previous = None
        elif args.compare:
            previous = queries.Filters.of(args.compare, args.org)
        else:
            previous = current.with_period(current.period.previous())
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    data = pack.gather(store, current, previous)
    suffix = out.suffix.lower()
    if suffix == ".pptx":
        payload = deck.build_deck(data)
    elif suffix == ".xlsx":
        payload = workbook.build_workbook(data, pack.detail_rows(store, current))
    elif suffix == ".md":
        payload = sentences.as_markdown(data).encode("utf-8")
    else:
        payload = sentences.as_text(data).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    print(f"已生成 {out}")
    return 0


def _print_summary(result: dict) -> None:
    for area, values in result.items():
        print(f"{area}: {json.dumps(values, ensure_ascii=False)}")


if __name__ == "__main__":
    sys.exit(main())
