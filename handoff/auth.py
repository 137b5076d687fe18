"""Agent accounts, argon2 password hashes and session tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import audit, login_throttle, second_factor
from handoff.agents import ROLES
from handoff.clock import aware, utcnow
from handoff.errors import BadInput, Conflict, TooManyRequests, Unauthorized
from handoff.models import Agent, AgentSession
from handoff.settings import HubSettings
from handoff.teams import check_teams

_hasher = PasswordHasher()
# Verifying against this when the email is unknown makes both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
# Published when sessions end early (password changed, account disabled): live consoles close.
SESSIONS_REVOKED = "agent.sessions_revoked"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL_SHAPE = "@"


@dataclass(frozen=True)
class IssuedSession:
    token: str
    agent: Agent
    expires_at: datetime
    recovery_codes: list[str] | None = None  # shown once, when this login finished a second factor's enrolment


def hash_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"A password needs at least {MIN_PASSWORD} characters (and at most {MAX_PASSWORD}).", "invalid_field")
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_key(token: str) -> str:
    """What identifies a session outside the database (events, sockets): never the token itself."""
    return _token_hash(token)


async def create_agent(
    session: AsyncSession,
    email: str,
    display_name: str,
    password: str,
    role: str = "agent",
    teams: list[str] | None = None,
    capacity: int = 3,
) -> Agent:
    email = normalise_email(email)
    validate_profile(display_name, role, capacity)
    teams = await check_teams(session, teams or [])
    if await find_by_email(session, email) is not None:
        raise Conflict("An account with that email already exists.")
    agent = Agent(
        email=email,
        display_name=display_name.strip(),
        password_hash=await asyncio.to_thread(hash_password, password),
        role=role,
        teams=teams,
        capacity=capacity,
        status="offline",
        active=True,
        takes_tickets=role == "agent",
    )
    session.add(agent)
    await session.flush()
    return agent


def normalise_email(email: object) -> str:
    if not isinstance(email, str) or _EMAIL_SHAPE not in email or len(email) > 320:
        raise BadInput("'email' must be an email address.", "invalid_field")
    return email.strip().lower()


def validate_profile(display_name: object, role: object, capacity: object) -> None:
    if not isinstance(display_name, str) or not display_name.strip() or len(display_name) > 120:
        raise BadInput("'display_name' must be 1-120 characters.", "invalid_field")
    if role not in ROLES:
        raise BadInput(f"'role' must be one of {', '.join(ROLES)}.", "invalid_field")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= 100:
        raise BadInput("'capacity' must be a whole number from 0 to 100.", "invalid_field")


async def find_by_email(session: AsyncSession, email: str) -> Agent | None:
    return (await session.execute(select(Agent).where(func.lower(Agent.email) == email.lower()))).scalar_one_or_none()


async def log_in(
    session: AsyncSession, settings: HubSettings, email: object, password: object, address: str,
    code: object = None,
) -> IssuedSession | None:
    """A new session, or None for a wrong email or password (the failure is recorded, so commit).
    Refused with TooManyRequests, whatever the password, while the account or address is throttled
    (recorded too: commit then as well). Every attempt leaves an audit row with the address."""
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise BadInput("'email' and 'password' are required.", "invalid_field")
    email = email.strip().lower()[:320]
    now = utcnow()
    agent = await find_by_email(session, email)
    try:
        await login_throttle.check(session, settings, email, address, now)
    except TooManyRequests:
        audit.record(session, agent, audit.LOGIN_FAILED, email, details={"reason": "throttled"}, address=address)
        await session.flush()
        raise
    # argon2 takes tens of milliseconds on purpose: off the event loop, so logins never stall chats.
    verified = await asyncio.to_thread(_verify, agent.password_hash if agent else _DUMMY_HASH, password)
    if not verified or agent is None or not agent.active:
        login_throttle.record(session, email, address, False, now)
        reason = "unknown_account" if agent is None else "wrong_password" if not verified else "disabled"
        audit.record(session, agent, audit.LOGIN_FAILED, email, details={"reason": reason}, address=address)
        await session.flush()
        return None
    try:
        passed = await second_factor.at_login(session, agent, code, now)
    except second_factor.SecondFactorNeeded as needed:
        # Asking for the code is no failure; a wrong code is one (it counts towards the throttle).
        if needed.code == second_factor.WRONG:
            login_throttle.record(session, email, address, False, now)
        audit.record(session, agent, audit.LOGIN_FAILED, email, details={"reason": needed.code}, address=address)
        await session.flush()
        raise
    login_throttle.record(session, email, address, True, now)
    if passed.recovery_codes:
        audit.record(session, agent, audit.SECOND_FACTOR_ENROLLED, email, address=address)
    audit.record(session, agent, audit.LOGIN, email, address=address)
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    session.add(AgentSession(token_hash=_token_hash(token), agent_id=agent.id, created_at=now,
                             expires_at=now + settings.session_ttl))
    await session.flush()
    return IssuedSession(token, agent, now + settings.session_ttl, passed.recovery_codes)


async def revoke_sessions(session: AsyncSession, agent_id: int, keep_token: str | None = None) -> None:
    """Ends every session of the agent (but the one making the change, when given)."""
    query = update(AgentSession).where(AgentSession.agent_id == agent_id, AgentSession.revoked_at.is_(None))
    if keep_token is not None:
        query = query.where(AgentSession.token_hash != _token_hash(keep_token))
    await session.execute(query.values(revoked_at=utcnow()))


async def change_password(session: AsyncSession, agent: Agent, current: object, new: object, token: str) -> None:
    if not isinstance(current, str) or not await asyncio.to_thread(_verify, agent.password_hash, current):
        raise BadInput("The current password is wrong.", "wrong_password")
    agent.password_hash = await asyncio.to_thread(hash_password, new)
    await revoke_sessions(session, agent.id, keep_token=token)
    await session.flush()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, token: str | None) -> Agent:
    if not token:
        raise Unauthorized("Log in first: a session token is required.")
    row = await session.get(AgentSession, _token_hash(token))
    if row is None or row.revoked_at is not None or aware(row.expires_at) <= utcnow():
        raise Unauthorized("The session has expired or was ended; log in again.")
    agent = await session.get(Agent, row.agent_id)
    if agent is None or not agent.active:
        raise Unauthorized("This account is disabled.")
    return agent


async def log_out(session: AsyncSession, token: str, agent: Agent) -> None:
    """Ends this session; the caller sets the agent's presence (handoff/presence.py)."""
    now = utcnow()
    await session.execute(update(AgentSession).where(AgentSession.token_hash == _token_hash(token)).values(revoked_at=now))
    await session.flush()
