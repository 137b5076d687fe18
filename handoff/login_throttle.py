"""Logins are throttled per account and per address, in the database so that it holds across
hub processes and restarts: after `login_failures` wrong passwords for an account (or
`address_login_failures` from one address) within `login_window`, every login there is refused
with a wait, the right password included, until the oldest of those failures ages out.
A successful login starts the account's count afresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware
from handoff.errors import TooManyRequests
from handoff.models import LoginAttempt
from handoff.settings import HubSettings

MESSAGE = "Too many failed sign-ins; wait a while and try again."


async def check(session: AsyncSession, settings: HubSettings, email: str, address: str, now: datetime) -> None:
    since = now - settings.login_window
    last_success = (await session.execute(
        select(func.max(LoginAttempt.created_at)).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
    )).scalar_one_or_none()
    account_since = max(since, aware(last_success)) if last_success else since
    for column, value, start, limit in (
        (LoginAttempt.email, email, account_since, settings.login_failures),
        (LoginAttempt.address, address, since, settings.address_login_failures),
    ):
        failures = select(LoginAttempt.created_at).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > start,
        ).order_by(LoginAttempt.created_at.desc()).limit(limit)
        recent = list((await session.execute(failures)).scalars())
        if len(recent) >= limit:
            oldest = aware(recent[-1])
            raise TooManyRequests(MESSAGE, max(1.0, (oldest + settings.login_window - now).total_seconds()))


def record(session: AsyncSession, email: str, address: str, succeeded: bool, now: datetime) -> None:
    session.add(LoginAttempt(email=email[:320], address=address[:64], succeeded=succeeded, created_at=now))
