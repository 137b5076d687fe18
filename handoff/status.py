"""The conversation state machine: the one place that says which state may follow which (the
states themselves are named in handoff/states.py).

Every change of a conversation's state goes through `transition`, which checks the table and
records who moved the conversation, when, from where, to where and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from handoff.clock import utcnow
from handoff.db import rows_changed
from handoff.delivery import emit_notice
from handoff.errors import IllegalTransition
from handoff.models import Conversation, Transition
from handoff.states import State
from handoff.uow import UnitOfWork

ALLOWED: frozenset[tuple[State, State]] = frozenset(
    {
        (State.BOT, State.QUEUED),  # the bot handed off
        (State.QUEUED, State.ASSIGNED),  # claimed or auto-assigned
        (State.QUEUED, State.BOT),  # the bot is back after an outage, and no agent had taken it
        (State.ASSIGNED, State.ASSIGNED),  # transferred to another agent
        (State.ASSIGNED, State.QUEUED),  # transferred to a team, or released
        (State.ASSIGNED, State.RESOLVED),  # the agent is done; the bot asks for a rating
        (State.RESOLVED, State.CLOSED),  # rating flow finished
        (State.RESOLVED, State.BOT),  # the shopper wrote again
        (State.CLOSED, State.BOT),  # the shopper came back later
    }
)


@dataclass(frozen=True)
class Actor:
    kind: str  # shopper | bot | agent | system
    agent_id: int | None = None
    name: str | None = None


SYSTEM = Actor("system")
BOT = Actor("bot")
SHOPPER = Actor("shopper")


def can_move(from_state: str, to_state: str) -> bool:
    return (State(from_state), State(to_state)) in ALLOWED


async def transition(
    uow: UnitOfWork,
    conversation: Conversation,
    to_state: State,
    actor: Actor,
    reason: str,
    ticket_id: int | None = None,
    agent_name: str | None = None,
) -> Transition:
    """Moves the conversation or raises IllegalTransition, leaving it unchanged.

    agent_name is the person holding the conversation afterwards, for the shopper's channel.

    The UPDATE is conditional on the state read, so a concurrent move makes this one fail
    instead of silently overwriting it.
    """
    from_state = conversation.state
    if not can_move(from_state, to_state):
        raise IllegalTransition(from_state, to_state)
    now = utcnow()
    session = uow.session
    moved = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.state == from_state)
        .values(state=to_state.value, updated_at=now)
    )
    if rows_changed(moved) != 1:
        await session.refresh(conversation)
        raise IllegalTransition(conversation.state, to_state)
    row = Transition(
        conversation_id=conversation.id,
        ticket_id=ticket_id,
        from_state=from_state,
        to_state=to_state.value,
        actor_kind=actor.kind,
        actor_id=actor.agent_id,
        actor_name=actor.name,
        reason=reason,
        created_at=now,
    )
    session.add(row)
    emit_notice(uow, conversation, "state", {"state": to_state.value, "agent_name": agent_name})
    return row
