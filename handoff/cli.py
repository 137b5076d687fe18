"""`shopdesk` command line: create the first admin, apply migrations.

    shopdesk create-admin --email boss@shop.example --name "Sam Boss"   (asks for the password,
    or reads SHOPDESK_ADMIN_PASSWORD when there is no terminal)
    shopdesk migrate
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from handoff.auth import create_agent
from handoff.db import create_engine, migrate, session_factory
from handoff.errors import HubError
from handoff.settings import HubSettings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = HubSettings.from_env()
    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("database is at the newest schema")
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
    return parser


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
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _create_admin(settings: HubSettings, email: str, name: str, password: str) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            await create_agent(session, email, name, password, role="admin", capacity=5)
            await session.commit()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
