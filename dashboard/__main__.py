"""Command line: ``python -m dashboard summary|batches|remove ...``.

- ``summary --period PERIOD [--db DB] [--org NAME] --json``: the KPIs of a period in the
  shape of one entry of ../shared/ledgers/truth.json.
- ``report --period PERIOD [--compare PERIOD|none] [--db DB] [--org NAME] --out FILE``: the congress
  pack, by FILE's suffix: .pptx (slides), .md / .txt (report sentences), .xlsx (tables).
- ``backup --out FILE [--db DB]``: a consistent copy of the database (restore: put it in place of
  the database file while the app is stopped).
- ``compliance --period PERIOD [--rules FILE] [--org NAME] [--db DB] [--json]``: 经费合规检查 (issue 14)
  against a rule file (default: the union's saved rules, else rules/generic.toml).
- ``targets import FILE [--db DB]`` / ``targets export --out FILE [--db DB]``: the year's targets
  (年度目标) as TOML; a bad file is refused with its line number and nothing is stored.
- ``explain --period PERIOD --figure KEY [--org NAME] [--db DB] [--json]``: one figure traced (溯源):
  its value, definition, period and filters, and the batches (file, sheet, upload time) and rows
  it is made of.  KEY is any key of ``summary --json`` (welfare.total_yuan, proposals.立案 …).
- ``batches [--db DB]``: the loaded batches.
- ``remove BATCH_ID [--db DB]``: delete a batch and its rows.
- ``forget --person NAME [--org ORG] [--member-id ID] [--db DB] [--yes]``: list what names the
  person, then replace the name with a stable pseudonym everywhere (figures do not move).
- ``retention status|set|apply [--years N] [--db DB]``: the retention setting (years after the end
  of a period; 0 = off) and pseudonymising the names of rows past it.
- ``users add NAME --role admin|chair|viewer [--org ORG] --password-stdin``, ``users list``,
  ``users remove NAME``, ``users passwd NAME --password-stdin`` (issue 13): accounts and roles.
- ``history [--json] [--limit N] [--db DB]``: the record of who did what (操作记录).
- ``migrate-to-lake --db FILE``: copy an embedded store (a DuckDB file) into the lake configured by
  UNION_STORE=ducklake, UNION_LAKE_CATALOG and UNION_LAKE_DATA (issue 15); refused when the lake
  already holds batches.
- ``lake-maintenance [--keep-hours H] [--dry-run]``: in the configured lake, expire snapshots older than
  H hours (default 1), delete the files only they used and the orphaned files a killed writer left,
  after finishing a purge of erased personal information that was interrupted
  (:meth:`core.store.Store.lake_maintenance`).  ``forget``, ``retention apply`` and ``remove`` purge the
  lake's files themselves (:meth:`core.store.Store.erasing`).
- ``compact [--db DB]``: the embedded store rewritten as a verified fresh copy, so that names replaced or
  deleted by ``forget``, retention or ``remove`` no longer sit in the file's free blocks
  (:func:`core.store.compact_file`; the app must be stopped).

Every command opens the lake instead of the file when UNION_STORE=ducklake is set and no ``--db``
is given (:func:`core.store.open_store`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from core import accounts, erasure
from core.labels import t
from core.store import (
    LAKE_KEEP_HOURS,
    BackupError,
    NotAStore,
    Store,
    StoreBusy,
    compact_file,
    copy_into_lake,
    make_owner_only,
    open_store,
    resolve_db_path,
    store_is_lake,
)
from dashboard import compliance, deck, docx_report, pack, queries, sentences, targets, trace, workbook
from loaders.loading import (
    export_mappings,
    import_mappings,
    read_profile_file,
    reimport_batch,
    remove_batch,
    set_org_alias,
)

READ_ONLY_COMMANDS = ("summary", "explain", "report", "batches", "backup", "history")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    parser.add_argument("--org", help="只统计该学校（基层工会）")


def _migrate_to_lake(args: argparse.Namespace) -> int:
    """``migrate-to-lake``: the file (``--db``) copied into the configured lake; 0 done, 1 refused, 2 busy."""
    source = resolve_db_path(args.db)
    if not store_is_lake(None):
        print(t("lake.not_configured"), file=sys.stderr)
        return 1
    try:
        counts = copy_into_lake(source)
    except StoreBusy as err:
        print(str(err), file=sys.stderr)
        return 2
    except (NotAStore, ValueError) as err:
        print(str(err), file=sys.stderr)
        return 1
    print(t("lake.migrated", path=source, tables=len(counts), rows=sum(counts.values())))
    return 0


def _compact(args: argparse.Namespace) -> int:
    """``compact``: the embedded store rewritten as a fresh copy (no erased value left in the file);
    0 done, 1 not a store or refused, 2 busy (the app holds the file)."""
    if store_is_lake(args.db):
        print(t("lake.compact_not_needed"), file=sys.stderr)
        return 1
    try:
        path = compact_file(resolve_db_path(args.db))
    except StoreBusy as err:
        print(str(err), file=sys.stderr)
        return 2
    except (NotAStore, BackupError, RuntimeError) as err:
        print(str(err), file=sys.stderr)
        return 1
    print(t("compact.done", path=path))
    return 0


def _lake_maintenance(args: argparse.Namespace) -> int:
    """``lake-maintenance``: clean the configured lake; 0 done, 1 no lake, 2 busy."""
    if not store_is_lake(None):
        print(t("lake.not_configured"), file=sys.stderr)
        return 1
    try:
        with open_store() as store:
            done = store.lake_maintenance(args.keep_hours, dry_run=args.dry_run)
    except StoreBusy as err:
        print(str(err), file=sys.stderr)
        return 2
    except NotAStore as err:
        print(str(err), file=sys.stderr)
        return 1
    print(t("lake.maintenance_dry_run" if args.dry_run else "lake.maintained", **done))
    if done["purged"]:
        print(t("lake.purge_pending" if args.dry_run else "lake.purged", purged=done["purged"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="工会数据看板命令行")
    sub = parser.add_subparsers(dest="command", required=True)
    p_summary = sub.add_parser("summary", help="输出某期间的指标")
    p_summary.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_summary.add_argument("--json", action="store_true", help="以 JSON 输出（truth.json 的格式）")
    _add_common(p_summary)
    p_explain = sub.add_parser("explain", help="溯源：某个指标的口径、来源文件、工作表和行数")
    p_explain.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_explain.add_argument("--figure", required=True, help="summary --json 中的指标，如 welfare.total_yuan")
    p_explain.add_argument("--json", action="store_true", help="以 JSON 输出")
    _add_common(p_explain)
    p_report = sub.add_parser("report", help="生成汇报材料（.pptx / .md / .txt / .xlsx / .docx）")
    p_report.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_report.add_argument("--compare", help="对比期间（默认上一期；none 为不比较）")
    p_report.add_argument("--out", required=True, help="输出文件，按后缀决定格式")
    _add_common(p_report)
    p_backup = sub.add_parser("backup", help="备份数据库到一个新文件")
    p_backup.add_argument("--out", required=True, help="备份文件（.duckdb），不能已存在")
    _add_common(p_backup)
    p_compliance = sub.add_parser("compliance", help="经费合规检查：对照规则列出超标准、重复发放等问题")
    p_compliance.add_argument("--period", required=True, help="2022 或 2022-2023学年")
    p_compliance.add_argument("--rules", help="规则文件（.toml）；默认为本工会已保存的规则，否则 rules/generic.toml")
    p_compliance.add_argument("--json", action="store_true", help="以 JSON 输出")
    _add_common(p_compliance)
    p_targets = sub.add_parser("targets", help="年度目标：从 TOML 文件导入，或导出为 TOML 文件")
    p_targets.add_argument("action", choices=["import", "export"])
    p_targets.add_argument("file", nargs="?", help="要导入的目标文件（.toml）")
    p_targets.add_argument("--out", help="导出到的文件（.toml）")
    _add_common(p_targets)
    p_batches = sub.add_parser("batches", help="列出已导入的批次")
    _add_common(p_batches)
    p_remove = sub.add_parser("remove", help="删除一个批次")
    p_remove.add_argument("batch_id", type=int)
    _add_common(p_remove)
    p_forget = sub.add_parser("forget", help="删除某人的个人信息（姓名替换为化名，数字不变）")
    p_forget.add_argument("--person", required=True, help="姓名")
    p_forget.add_argument("--member-id", help="工号（会员名册中有同名会员时必填）")
    p_forget.add_argument("--yes", action="store_true", help="不再询问，直接处理")
    _add_common(p_forget)
    p_retention = sub.add_parser("retention", help="保存期限：查看、设置、执行")
    p_retention.add_argument("action", choices=["status", "set", "apply"])
    p_retention.add_argument("--years", type=int, help="期间结束后保存的年数（0 为不自动处理）")
    p_retention.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    _add_common(p_retention)
    p_users = sub.add_parser("users", help="账号：创建、列出、删除、改密码")
    p_users.add_argument("action", choices=["add", "list", "remove", "passwd"])
    p_users.add_argument("name", nargs="?", help="用户名")
    p_users.add_argument(
        "--role", choices=list(accounts.ROLES), help="admin（区工会）、chair（学校工会主席）、viewer（查看）"
    )
    p_users.add_argument("--org", help="学校（chair 必填；viewer 不填为全区）")
    p_users.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行）")
    p_users.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    p_history = sub.add_parser("history", help="操作记录：谁在何时对哪所学校做了什么")
    p_history.add_argument("--json", action="store_true", help="以 JSON 输出")
    p_history.add_argument("--limit", type=int, default=1000, help="最多输出的条数（最新的在前）")
    p_history.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    p_mappings = sub.add_parser("mappings", help="映射方案：导出或导入表头映射、取值映射和学校别名（JSON 文件）")
    p_mappings.add_argument("action", choices=["export", "import"])
    p_mappings.add_argument("file", nargs="?", help="导入的映射方案文件")
    p_mappings.add_argument("--out", help="导出到该文件（不能已存在）")
    p_mappings.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    p_mappings.add_argument(
        "--org", help="导出：只导出用于该学校的映射（该校的和各校通用的）；导入：全部存入该学校的映射方案"
    )
    p_alias = sub.add_parser(
        "org-alias", help="学校别名：把同一学校的另一种写法并入标准名称（已导入和以后导入的都生效）"
    )
    p_alias.add_argument("alias", help="别名，如 实验小学")
    p_alias.add_argument("--to", required=True, help="标准名称，如 滨江区实验小学")
    _add_common(p_alias)
    p_reimport = sub.add_parser("reimport", help="按当前映射重新导入一个批次（用保存的原始文件）")
    p_reimport.add_argument("batch_id", type=int)
    p_reimport.add_argument("--accept-valid", action="store_true", help="只导入合格行")
    _add_common(p_reimport)
    p_lake = sub.add_parser("migrate-to-lake", help="把单机数据库文件迁入数据湖（UNION_STORE=ducklake 配置的）")
    p_lake.add_argument("--db", help="要迁移的数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    p_maintain = sub.add_parser("lake-maintenance", help="数据湖维护：清理过期快照、旧文件和中断写入留下的孤立文件")
    p_maintain.add_argument("--keep-hours", type=float, default=LAKE_KEEP_HOURS, help="保留最近几小时的快照（默认 1）")
    p_maintain.add_argument("--dry-run", action="store_true", help="只检查数量，不删除")
    p_compact = sub.add_parser("compact", help="重写数据库文件，使删除的个人信息不再留在文件中（先关闭看板）")
    p_compact.add_argument("--db", help="数据库文件（默认 $UNION_DB 或 data/union.duckdb）")
    args = parser.parse_args(argv)
    if args.command == "compact":
        return _compact(args)
    if args.command == "migrate-to-lake":
        return _migrate_to_lake(args)
    if args.command == "lake-maintenance":
        return _lake_maintenance(args)
    # Acts done from the command line are recorded as 命令行 (with the operating-system user).
    erasure.ACTOR.set((t("cli.actor", user=getpass.getuser()), getattr(args, "org", None)))

    # Readers open the store read-only, so that they share the file and never create tables
    # in a file that is not a store; only ``remove`` writes, and only into an existing store.
    # With UNION_STORE=ducklake and no --db, the lake (every server's store) instead of the file.
    try:
        if args.command in ("remove", "history") and not store_is_lake(args.db):
            path = resolve_db_path(args.db)
            if not Path(path).is_file():
                raise NotAStore(t("db.not_store", path=path))
        read_only = args.command in READ_ONLY_COMMANDS or (args.command == "mappings" and args.action == "export")
        store = open_store(args.db, read_only=read_only)
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
            statuses = targets.evaluate(store, filters)
            if statuses:  # only when the period has targets: the truth.json shape otherwise
                result["targets"] = targets.as_json(statuses)
            if args.json:
                print(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                _print_summary(result)
            return 0
        if args.command == "explain":
            return _explain(store, args)
        if args.command == "report":
            return _report(store, args)
        if args.command == "compliance":
            return _compliance(store, args)
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
        if args.command == "forget":
            return _forget(store, args)
        if args.command == "targets":
            return _targets(store, args)
        if args.command == "retention":
            return _retention(store, args)
        if args.command == "users":
            return _users(store, args)
        if args.command == "history":
            return _history(store, args)
        if args.command == "mappings":
            return _mappings(store, args)
        if args.command == "org-alias":
            try:
                changed = set_org_alias(store, args.alias, args.to)
            except ValueError as err:
                print(str(err), file=sys.stderr)
                return 2
            print(t("org_alias.done", alias=args.alias, name=args.to, rows=changed))
            return 0
        if args.command == "reimport":
            _, result = reimport_batch(store, args.batch_id, accept_valid=args.accept_valid or None)
            print(result.message, file=sys.stdout if result.status == "loaded" else sys.stderr)
            return 0 if result.status == "loaded" else 1
        if args.command == "batches":
            frame = store.query(
                "SELECT batch_id, file_name, kinds, rows_accepted, rows_rejected, rows_skipped, loaded_at "
                "FROM batches ORDER BY batch_id"
            )
            print(frame.to_string(index=False))
            return 0
        name = store.scalar("SELECT file_name FROM batches WHERE batch_id = ?", [args.batch_id])
        if remove_batch(store, args.batch_id):
            with store.transaction() as cur:
                erasure.record_history(cur, "remove_batch", {"batch_id": args.batch_id}, obj=f"{args.batch_id}: {name}")
            print(t("cli.batch_removed", batch_id=args.batch_id))
            return 0
        print(t("cli.batch_missing", batch_id=args.batch_id), file=sys.stderr)
        return 1


REPORT_SUFFIXES = (".pptx", ".md", ".txt", ".xlsx", ".docx")


def _read_password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        print(t("users.no_password"), file=sys.stderr)
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _users(store: Store, args: argparse.Namespace) -> int:
    """users add|list|remove|passwd: exit 0 when done, 2 for a command that cannot be done."""
    try:
        if args.action == "list":
            frame = accounts.list_users(store)
            print(frame.to_string(index=False) if len(frame) else t("users.none"))
            return 0
        if not args.name:
            print(t("users.bad_name"), file=sys.stderr)
            return 2
        if args.action == "remove":
            accounts.remove_user(store, args.name)
            print(t("users.removed", name=args.name))
            return 0
        password = _read_password(args)
        if password is None:
            return 2
        if args.action == "add":
            accounts.add_user(store, args.name, args.role or "", password, args.org)
            print(t("users.added", name=args.name, role=args.role))
            return 0
        accounts.set_password(store, args.name, password)
        print(t("users.password_set", name=args.name))
        return 0
    except accounts.AccountError as err:
        print(str(err), file=sys.stderr)
        return 2


def _history(store: Store, args: argparse.Namespace) -> int:
    """history [--json]: newest first; JSON is a list of {acted_at, action, user, org, object, detail}."""
    acts = erasure.history(store, args.limit)
    acts = acts.astype(object).where(acts.notna(), None)
    entries = [
        {
            "acted_at": row.acted_at.isoformat(timespec="seconds"),
            "action": row.action,
            "user": row.user_name,
            "org": row.org,
            "object": row.object,
            "detail": json.loads(row.detail) if row.detail else None,
        }
        for row in acts.itertuples(index=False)
    ]
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    for e in entries:
        print(
            " ".join(str(v) for v in (e["acted_at"], e["user"] or "-", e["org"] or "-", e["action"], e["object"] or ""))
        )
    return 0


def _mappings(store: Store, args: argparse.Namespace) -> int:
    """``mappings export --out FILE`` / ``mappings import FILE`` (JSON, see README 映射方案)."""
    if args.action == "export":
        text = json.dumps(export_mappings(store, args.org), ensure_ascii=False, indent=2) + "\n"
        if not args.out:
            print(text, end="")
            return 0
        out = Path(args.out)
        if out.exists():
            print(t("backup.exists", path=out), file=sys.stderr)
            return 2
        out.write_text(text, encoding="utf-8")
        make_owner_only(out)
        print(t("mappings.exported", path=out))
        return 0
    if not args.file:
        print(t("mappings.need_file"), file=sys.stderr)
        return 2
    try:
        counts = import_mappings(store, read_profile_file(Path(args.file)), args.org)
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    print(t("mappings.imported", **counts))
    return 0


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
        payload = workbook.build_workbook(data, pack.detail_rows(store, current), pack.sources(store, data))
    elif suffix == ".docx":
        payload = docx_report.build_docx(data)
    elif suffix == ".md":
        payload = sentences.as_markdown(data).encode("utf-8")
    else:
        payload = sentences.as_text(data).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    make_owner_only(out)  # an existing file keeps its mode on rewrite: 0600 either way
    print(f"已生成 {out}")
    return 0


def _targets(store: Store, args: argparse.Namespace) -> int:
    if args.action == "export":
        if not args.out:
            print("请用 --out FILE 指定导出文件", file=sys.stderr)
            return 2
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(targets.to_toml(targets.load(store)), encoding="utf-8")
        make_owner_only(out)
        print(f"已导出 {out}")
        return 0
    if not args.file:
        print("请指定要导入的目标文件：targets import FILE", file=sys.stderr)
        return 2
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        count = targets.import_text(store, text)
    except FileNotFoundError:
        print(f"找不到目标文件：{args.file}", file=sys.stderr)
        return 2
    except (targets.TargetError, UnicodeDecodeError) as err:
        print(f"{args.file}：{err}；未导入任何目标", file=sys.stderr)
        return 2
    print(f"已导入 {count} 项年度目标")
    return 0


def _compliance(store: Store, args: argparse.Namespace) -> int:
    try:
        filters = queries.Filters.of(args.period, args.org)
        rules = compliance.read_rules_file(args.rules) if args.rules else compliance.default_rules(store)
    except (ValueError, OSError) as err:  # RulesError is a ValueError
        message = f"找不到规则文件：{args.rules}" if isinstance(err, FileNotFoundError) else str(err)
        print(message, file=sys.stderr)
        return 2
    for warning in rules.warnings:
        print(t("compliance.warning", text=warning), file=sys.stderr)
    flags = compliance.check(store, filters, rules)
    if args.json:
        print(json.dumps(compliance.as_json(rules, flags), ensure_ascii=False, indent=2))
        return 0
    print(f"{rules.name}（{rules.source}）")
    for flag in flags.itertuples(index=False):
        where = f"{flag.source_file} {flag.source_sheet} 第{flag.source_row}行"
        print(f"[{t(f'compliance.rule.{flag.rule}')}] {where}：{flag.message}")
    print(compliance.paragraph(filters, rules, flags, compliance.welfare_spend(store, filters)))
    return 0


def _forget(store: Store, args: argparse.Namespace) -> int:
    target = erasure.Target(args.person.strip(), args.org, args.member_id)
    try:
        planned = erasure.plan(store, target)
    except erasure.Ambiguous as err:
        print(str(err), file=sys.stderr)
        return 2
    if not planned.total:
        print(t("privacy.nothing", name=target.name), file=sys.stderr)
        return 1
    print(t("privacy.plan_head", name=target.name, pseudonym=planned.pseudonym))
    for table, rows in planned.rows.items():
        columns = "、".join(erasure.column_label(c) for c in planned.columns.get(table, []))
        print(t("privacy.plan_line", table=erasure.TABLE_LABELS[table], rows=rows, columns=columns))
    for table in planned.skipped:
        print(t("privacy.plan_skipped", table=erasure.TABLE_LABELS[table]))
    if not args.yes:
        try:
            answer = input(t("privacy.confirm"))
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("yes", "y", "是"):
            print(t("privacy.cancelled"))
            return 1
    rows = erasure.forget(store, planned)
    print(t("privacy.forgotten", rows=rows, name=target.name, pseudonym=planned.pseudonym))
    return 0


def _retention(store: Store, args: argparse.Namespace) -> int:
    today = args.today or dt.date.today()
    if args.action == "set":
        if args.years is None or args.years < 0:
            print("请用 --years N 指定年数（0 为不自动处理）", file=sys.stderr)
            return 2
        erasure.set_retention_years(store, args.years)
        print(t("privacy.retention_set", years=args.years) if args.years else t("privacy.retention_off"))
        return 0
    years = args.years if args.years else erasure.retention_years(store)
    oldest = erasure.oldest_named(store)
    if args.action == "status":
        print(t("privacy.retention_set", years=years) if years else t("privacy.retention_off"))
        if oldest is None:
            print(t("privacy.no_names"))
        else:
            print(t("privacy.oldest", date=oldest.isoformat(), years=f"{(today - oldest).days / 365.25:.1f}"))
        return 0
    if not years:
        print(t("privacy.retention_off"), file=sys.stderr)
        return 2
    if args.years:
        erasure.set_retention_years(store, args.years)
    rows, cutoff = erasure.apply_retention(store, today, years)
    print(t("privacy.retention_done", years=years, cutoff=cutoff.isoformat(), rows=rows))
    return 0


def _explain(store: Store, args: argparse.Namespace) -> int:
    try:
        filters = queries.Filters.of(args.period, args.org)
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    summary = queries.summary(store, filters)
    try:
        info = trace.explain(store, filters, args.figure, summary)
    except KeyError:
        keys = "、".join(trace.figure_keys(summary))
        print(t("cli.explain_unknown", figure=args.figure, keys=keys), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        return 0
    print(t("cli.explain_head", name=info["name"], figure=info["figure"], value=info["value"]))
    print(t("cli.explain_definition", definition=info["definition"]))
    print(t("cli.explain_filters", filters=info["filters"], rows=info["rows"]))
    for b in info["batches"]:
        print(t("cli.explain_batch", **b))
    return 0


def _print_summary(result: dict) -> None:
    for area, values in result.items():
        print(f"{area}: {json.dumps(values, ensure_ascii=False)}")


if __name__ == "__main__":
    sys.exit(main())
