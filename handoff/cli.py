"""`shopdesk` command line: create the first admin, apply migrations, back up and restore.

    shopdesk create-admin --email boss@shop.example --name "Sam Boss"   (asks for the password,
    or reads SHOPDESK_ADMIN_PASSWORD when there is no terminal)
    shopdesk migrate
    shopdesk backup [--dir DIR] [--keep N]     (SHOPDESK_BACKUP_DIR, SHOPDESK_BACKUP_KEEP)
    shopdesk restore FILE                      (stop the hub and Rasa first)
    shopdesk audit verify                      (checks the audit log's hash chain; names the first row that breaks it)
    shopdesk demo-history [--days 30] [--remove]  (made-up, clearly marked history for the Reports screen)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from handoff import audit_chain, backup
from handoff.auth import create_agent
from handoff.clock import utcnow
from handoff.db import create_engine, migrate, session_factory
from handoff.demo_history import demo_history_command
from handoff.errors import HubError
from handoff.settings import HubSettings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = HubSettings.from_env()
    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("database is at the newest schema")
        elif args.command == "backup":
            _print(backup.backup(settings, args.dir or settings.backup_dir, args.keep or settings.backup_keep, utcnow()),
                   "written and verified")
        elif args.command == "restore":
            _print(backup.restore(settings, args.file), "restored and verified")
        elif args.command == "audit":
            return asyncio.run(_verify_audit(settings))
        elif args.command == "demo-history":
            print(asyncio.run(demo_history_command(settings, args.days, args.per_day, args.remove)))
        else:
            password = _password()
            asyncio.run(_create_admin(settings, args.email, args.name, password))
            print(f"admin {args.email} created")
    except HubError as error:
        print(f"shopdesk: {error.message}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopdesk", description="ShopDesk hub administration")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create an admin account (e.g. the first one)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True, help="display name agents and shoppers see")
    commands.add_parser("migrate", help="apply database migrations")
    save = commands.add_parser("backup", help="back up the hub's database and Rasa's tracker store, verified")
    save.add_argument("--dir", type=Path, help="where backups go (default SHOPDESK_BACKUP_DIR, var/backups)")
    save.add_argument("--keep", type=int, help="how many backups to keep (default SHOPDESK_BACKUP_KEEP, 7)")
    load = commands.add_parser("restore", help="restore a backup after checking it whole (stop the hub and Rasa first)")
    load.add_argument("file", type=Path)
    audit = commands.add_parser("audit", help="the audit log")
    audit.add_subparsers(dest="audit_command", required=True).add_parser(
        "verify", help="check the hash chain; exit 1 and name the first broken row if it is broken")
    demo = commands.add_parser("demo-history", help="fill the reports with made-up, clearly marked demo history")
    demo.add_argument("--days", type=int, default=30, choices=range(1, 367), metavar="DAYS", help="1 to 366 (30)")
    demo.add_argument("--per-day", type=int, default=120, choices=range(1, 10001), metavar="N",
                      help="conversations a day on average, 1 to 10000 (120)")
    demo.add_argument("--remove", action="store_true", help="delete the demo history instead")
    return parser


def _print(report: backup.Report, done: str) -> None:
    print(f"{report.archive}: {done}")
    for name, part in report.parts.items():
        print(f"  {name}: {part['kind']}, {sum(part['rows'].values())} rows in {len(part['rows'])} tables, "
              f"{part['bytes']} bytes, sha256 {part['sha256'][:16]}")
    for note in report.notes:
        print(f"  {note}")
    for old in report.removed:
        print(f"  removed the older {old.name}")


def _password() -> str:
    from_env = os.environ.get("SHOPDESK_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise HubError("no terminal to ask for the password on; set SHOPDESK_ADMIN_PASSWORD")
    first = getpass.getpass("Password (10 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise HubError("the two passwords differ")
    return first


async def _migrate(settings: HubSettings) -> None:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _verify_audit(settings: HubSettings) -> int:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            verdict = await audit_chain.verify(session)
    finally:
        await engine.dispose()
    if verdict.intact:
        print(f"audit log intact: {verdict.rows} rows, head {verdict.head}")
        return 0
    print(f"audit log BROKEN after {verdict.rows} good rows: {verdict.problem}", file=sys.stderr)
    return 1


async def _create_admin(settings: HubSettings, email: str, name: str, password: str) -> None:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            await create_agent(session, email, name, password, role="admin", capacity=5)
            await session.commit()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
