"""The conversation state machine: every allowed move is recorded, every other one refused."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from handoff.errors import IllegalTransition
from handoff.models import Conversation, Transition
from handoff.states import State
from handoff.status import ALLOWED, SHOPPER, Actor, can_move, transition
from tests.handoff.databases import HubDb

ALL_PAIRS = list(itertools.product(State, State))


def test_the_table_is_the_documented_lifecycle() -> None:
    assert {
        (State.BOT, State.QUEUED),
        (State.QUEUED, State.ASSIGNED),
        (State.QUEUED, State.BOT),
        (State.ASSIGNED, State.ASSIGNED),
        (State.ASSIGNED, State.QUEUED),
        (State.ASSIGNED, State.RESOLVED),
        (State.RESOLVED, State.CLOSED),
        (State.RESOLVED, State.BOT),
        (State.CLOSED, State.BOT),
    } == ALLOWED


async def _in_state(db: HubDb, state: State) -> Conversation:
    conversation = await db.conversation()
    async with db.uows() as uow:
        await uow.session.execute(update(Conversation).where(Conversation.id == conversation.id).values(state=state.value))
        await uow.commit()
    return conversation


async def _transitions(db: HubDb, conversation_id: str) -> list[Transition]:
    async with db.uows() as uow:
        rows = await uow.session.execute(select(Transition).where(Transition.conversation_id == conversation_id))
        return list(rows.scalars())


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ALLOWED))
async def test_allowed_move_is_made_and_recorded(any_db: HubDb, from_state: State, to_state: State) -> None:
    conversation = await _in_state(any_db, from_state)
    actor = Actor("agent", None, "Anna")
    async with any_db.uows() as uow:
        current = await uow.session.get(Conversation, conversation.id)
        await transition(uow, current, to_state, actor, "because the test says so")
        await uow.commit()

    stored = await any_db.get(Conversation, conversation.id)
    assert stored.state == to_state.value
    [row] = await _transitions(any_db, conversation.id)
    assert (row.from_state, row.to_state) == (from_state.value, to_state.value)
    assert (row.actor_kind, row.actor_name, row.reason) == ("agent", "Anna", "because the test says so")
    assert row.created_at is not None


@pytest.mark.parametrize(("from_state", "to_state"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
async def test_illegal_move_is_refused_and_changes_nothing(db: HubDb, from_state: State, to_state: State) -> None:
    assert not can_move(from_state, to_state)
    conversation = await _in_state(db, from_state)
    async with db.uows() as uow:
        current = await uow.session.get(Conversation, conversation.id)
        with pytest.raises(IllegalTransition) as refused:
            await transition(uow, current, to_state, SHOPPER, "not allowed")
        await uow.commit()

    assert (refused.value.from_state, refused.value.to_state) == (from_state.value, to_state.value)
    assert (await db.get(Conversation, conversation.id)).state == from_state.value
    assert await _transitions(db, conversation.id) == []


async def test_a_stale_read_cannot_overwrite_a_concurrent_move(db: HubDb) -> None:
    """Two writers read `assigned`; the first resolves, the second's transfer must fail."""
    conversation = await _in_state(db, State.ASSIGNED)
    async with db.uows() as first:
        seen_by_first = await first.session.get(Conversation, conversation.id)
        await transition(first, seen_by_first, State.RESOLVED, SHOPPER, "first")
        await first.commit()
    async with db.uows() as second:
        stale = await second.session.get(Conversation, conversation.id)
        set_committed_value(stale, "state", State.ASSIGNED.value)  # read before the first writer committed
        with pytest.raises(IllegalTransition):
            await transition(second, stale, State.QUEUED, SHOPPER, "second")
    assert (await db.get(Conversation, conversation.id)).state == "resolved"
