"""The second factor at login (TOTP, handoff/totp.py): needed by every account that enrolled one,
and by every account whose role the shop requires it of (privacy_settings `second_factor.roles`,
meant for supervisors and admins). Such an account without one enrols at its next login: the
password proves it, the hub hands it a new secret, and the first right code from the app finishes
both the enrolment and the login, answered with ten single-use recovery codes shown only then.

A code counts once: its time step must be later than the last one used. A recovery code works
once, in place of a code. Secrets are kept as the app's base32; recovery codes only as hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import totp
from handoff.errors import BadInput, Unauthorized
from handoff.models import Agent, AgentSecondFactor
from handoff.privacy_settings import second_factor_roles

REQUIRED, ENROL, WRONG = "second_factor_required", "second_factor_enrolment", "second_factor_wrong"


class SecondFactorNeeded(Unauthorized):
    """The password was right; the login needs a code (or an enrolment first)."""

    def __init__(self, code: str, message: str, enrolment: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.enrolment = enrolment


@dataclass(frozen=True)
class Passed:
    recovery_codes: list[str] | None = None  # set when this login finished an enrolment


async def at_login(session: AsyncSession, agent: Agent, code: object, now: datetime) -> Passed:
    """Checks the second factor of an agent whose password was right; raises SecondFactorNeeded."""
    factor = await session.get(AgentSecondFactor, agent.id)
    enrolled = factor is not None and factor.enrolled_at is not None
    if not enrolled and agent.role not in await second_factor_roles(session):
        return Passed()
    if code is not None and not isinstance(code, str):
        raise BadInput("'code' must be text.", "invalid_field")
    if factor is not None and factor.enrolled_at is not None:
        if not code:
            raise SecondFactorNeeded(REQUIRED, "Enter the code from your authenticator app (or a recovery code).")
        if not use_code(factor, code, now):
            raise SecondFactorNeeded(WRONG, "That code is not right (or was used already). Try the next one.")
        return Passed()
    if factor is None or not code:
        factor = await start_enrolment(session, agent, now)
        raise SecondFactorNeeded(ENROL, "Your role needs a second factor: add this key to an authenticator app, "
                                 "then enter its code.", enrolment=enrolment_view(factor, agent))
    return Passed(confirm_enrolment(factor, code, now))


async def start_enrolment(session: AsyncSession, agent: Agent, now: datetime) -> AgentSecondFactor:
    """A new secret waiting for its first code (any earlier unconfirmed one is replaced)."""
    factor = await session.get(AgentSecondFactor, agent.id)
    if factor is None:
        factor = AgentSecondFactor(agent_id=agent.id, secret=totp.new_secret(), recovery_hashes=[], created_at=now)
        session.add(factor)
    elif factor.enrolled_at is None:
        factor.secret, factor.created_at = totp.new_secret(), now
    await session.flush()
    return factor


def confirm_enrolment(factor: AgentSecondFactor, code: str, now: datetime) -> list[str]:
    step = totp.matching_step(factor.secret, code, now.timestamp())
    if step is None:
        raise SecondFactorNeeded(WRONG, "That code is not right: check the app's clock and try the next one.")
    codes = totp.new_recovery_codes()
    factor.enrolled_at, factor.last_step = now, step
    factor.recovery_hashes = [totp.hash_recovery_code(one) for one in codes]
    return codes


def use_code(factor: AgentSecondFactor, code: str, now: datetime) -> bool:
    step = totp.matching_step(factor.secret, code, now.timestamp())
    if step is not None:
        if factor.last_step is not None and step <= factor.last_step:
            return False
        factor.last_step = step
        return True
    hashed = totp.hash_recovery_code(code)
    if hashed in factor.recovery_hashes:
        factor.recovery_hashes = [one for one in factor.recovery_hashes if one != hashed]
        return True
    return False


def enrolment_view(factor: AgentSecondFactor, agent: Agent) -> dict[str, str]:
    return {"secret": factor.secret, "uri": totp.provisioning_uri(factor.secret, agent.email)}


async def status(session: AsyncSession, agent: Agent) -> dict[str, object]:
    factor = await session.get(AgentSecondFactor, agent.id)
    enrolled = factor is not None and factor.enrolled_at is not None
    return {"enrolled": enrolled, "required": agent.role in await second_factor_roles(session),
            "recovery_codes_left": len(factor.recovery_hashes) if factor is not None and enrolled else 0}


async def enrolled_ids(session: AsyncSession) -> set[int]:
    """The agents who have a second factor (an enrolment begun and not finished counts too: an
    admin may need to clear it)."""
    return set((await session.execute(select(AgentSecondFactor.agent_id))).scalars())


async def remove(session: AsyncSession, agent: Agent) -> bool:
    factor = await session.get(AgentSecondFactor, agent.id)
    if factor is None:
        return False
    await session.delete(factor)
    await session.flush()
    return True
