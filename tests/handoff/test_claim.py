"""Claiming: exactly one of many concurrent claims wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from handoff.claim import claim
from handoff.errors import AlreadyClaimed, IllegalTransition, NotFound
from handoff.models import Agent, Conversation, Message, Ticket, Transition
from tests.handoff.databases import HubDb

CLAIMERS = 50


async def _claim(db: HubDb, ticket_id: int, agent_id: int) -> str:
    async with db.uows() as uow:
        agent = await uow.session.get(Agent, agent_id)
        try:
            await claim(uow, ticket_id, agent)
        except AlreadyClaimed:
            return "lost"
        await uow.commit()
        return "won"


async def test_fifty_concurrent_claims_have_exactly_one_winner(any_db: HubDb) -> None:
    ticket = await any_db.queued_ticket()
    agents = [await any_db.agent(f"Agent{n}") for n in range(CLAIMERS)]

    outcomes = await asyncio.gather(*(_claim(any_db, ticket.id, agent.id) for agent in agents))

    assert outcomes.count("won") == 1
    assert outcomes.count("lost") == CLAIMERS - 1
    winner = agents[outcomes.index("won")]
    stored = await any_db.get(Ticket, ticket.id)
    assert (stored.status, stored.agent_id) == ("assigned", winner.id)
    async with any_db.uows() as uow:
        moves = (await uow.session.execute(
            select(Transition).where(Transition.ticket_id == ticket.id, Transition.to_state == "assigned")
        )).scalars().all()
        joined = await uow.session.scalar(
            select(func.count()).select_from(Message).where(Message.conversation_id == ticket.conversation_id,
                                                            Message.text.like("%joined%"))
        )
    assert [(m.actor_id, m.from_state) for m in moves] == [(winner.id, "queued")]
    assert joined == 1
    assert (await any_db.get(Conversation, ticket.conversation_id)).state == "assigned"


async def test_claiming_a_resolved_or_missing_ticket_is_refused(db: HubDb) -> None:
    ticket = await db.queued_ticket()
    anna = await db.agent("Anna")
    assert await _claim(db, ticket.id, anna.id) == "won"
    assert await _claim(db, ticket.id, anna.id) == "lost"
    async with db.uows() as uow:
        agent = await uow.session.get(Agent, anna.id)
        with pytest.raises(NotFound):
            await claim(uow, 999_999, agent)


async def test_claiming_a_resolved_ticket_is_an_illegal_transition(db: HubDb) -> None:
    ticket = await db.queued_ticket()
    anna, ben = await db.agent("Anna"), await db.agent("Ben")
    await _claim(db, ticket.id, anna.id)
    async with db.uows() as uow:
        stored = await uow.session.get(Ticket, ticket.id)
        stored.status = "resolved"
        await uow.commit()
    async with db.uows() as uow:
        with pytest.raises(IllegalTransition):
            await claim(uow, ticket.id, await uow.session.get(Agent, ben.id))
