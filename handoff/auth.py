"""Agent accounts, argon2 password hashes and session tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.agents import ROLES
from handoff.clock import aware, utcnow
from handoff.errors import BadInput, Conflict, Unauthorized
from handoff.models import Agent, AgentSession
from handoff.severity import TEAMS

_hasher = PasswordHasher()
# Verifying against this when the email is unknown makes both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MIN_PASSWORD = 10
_EMAIL_SHAPE = "@"


@dataclass(frozen=True)
class IssuedSession:
    token: str
    agent: Agent
    expires_at: datetime


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise BadInput(f"A password needs at least {MIN_PASSWORD} characters.", "invalid_field")
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    validate_profile(display_name, role, teams or [], capacity)
    if await find_by_email(session, email) is not None:
        raise Conflict("An account with that email already exists.")
    agent = Agent(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        teams=list(teams or []),
        capacity=capacity,
        status="offline",
        active=True,
    )
    session.add(agent)
    await session.flush()
    return agent


def normalise_email(email: object) -> str:
    if not isinstance(email, str) or _EMAIL_SHAPE not in email or len(email) > 320:
        raise BadInput("'email' must be an email address.", "invalid_field")
    return email.strip().lower()


def validate_profile(display_name: object, role: object, teams: object, capacity: object) -> None:
    if not isinstance(display_name, str) or not display_name.strip() or len(display_name) > 120:
        raise BadInput("'display_name' must be 1-120 characters.", "invalid_field")
    if role not in ROLES:
        raise BadInput(f"'role' must be one of {', '.join(ROLES)}.", "invalid_field")
    if not isinstance(teams, list) or any(team not in TEAMS for team in teams):
        raise BadInput(f"'teams' must be a list of {', '.join(TEAMS)}.", "invalid_field")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= 100:
        raise BadInput("'capacity' must be a whole number from 0 to 100.", "invalid_field")


async def find_by_email(session: AsyncSession, email: str) -> Agent | None:
    return (await session.execute(select(Agent).where(func.lower(Agent.email) == email.lower()))).scalar_one_or_none()


async def log_in(session: AsyncSession, email: object, password: object, ttl: timedelta) -> IssuedSession:
    if not isinstance(email, str) or not isinstance(password, str):
        raise BadInput("'email' and 'password' are required.", "invalid_field")
    agent = await find_by_email(session, email.strip())
    if not _verify(agent.password_hash if agent else _DUMMY_HASH, password) or agent is None or not agent.active:
        raise Unauthorized("Wrong email or password.")
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AgentSession(token_hash=_token_hash(token), agent_id=agent.id, created_at=now, expires_at=now + ttl))
    agent.status, agent.last_seen_at = "online", now
    await session.flush()
    return IssuedSession(token, agent, now + ttl)


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
    now = utcnow()
    await session.execute(update(AgentSession).where(AgentSession.token_hash == _token_hash(token)).values(revoked_at=now))
    agent.status = "offline"
    await session.flush()
