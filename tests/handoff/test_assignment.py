"""Auto-assignment: the pure choice, and the sweep that applies it to the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from handoff import ticket_actions
from handoff.assignment import Assigner, Candidate, choose_agent
from handoff.clock import utcnow
from handoff.models import Agent, Conversation, Ticket
from handoff.queue import queued_tickets
from handoff.signals import HandoffSignal
from tests.handoff.databases import HubDb

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def candidate(id_: int, online: bool = True, load: int = 0, capacity: int = 3, teams: tuple[str, ...] = (),
              last: int | None = None) -> Candidate:
    return Candidate(id_, online, load, capacity, teams, T0 + timedelta(minutes=last) if last is not None else None)


def test_nobody_online_or_with_room_means_nobody() -> None:
    assert choose_agent(None, []) is None
    assert choose_agent(None, [candidate(1, online=False)]) is None
    assert choose_agent(None, [candidate(1, load=3, capacity=3)]) is None


def test_least_loaded_takes_the_emptiest_desk_then_the_longest_idle() -> None:
    agents = [candidate(1, load=2), candidate(2, load=1, last=5), candidate(3, load=1, last=1)]
    assert choose_agent(None, agents, "least_loaded") == 3


def test_round_robin_takes_whoever_waited_longest_since_their_last_ticket() -> None:
    agents = [candidate(1, load=0, last=10), candidate(2, load=2, last=3), candidate(3, load=1, last=7)]
    assert choose_agent(None, agents, "round_robin") == 2
    assert choose_agent(None, [candidate(1, last=1), candidate(2, last=None)], "round_robin") == 2


def test_team_tickets_go_to_that_team_or_to_generalists() -> None:
    agents = [candidate(1, teams=("orders",)), candidate(2, teams=("payments",), load=2)]
    assert choose_agent("payments", agents) == 2
    assert choose_agent("returns", agents) is None
    assert choose_agent("returns", [*agents, candidate(3, load=2)]) == 3
    assert choose_agent(None, agents) == 1


async def test_the_sweep_assigns_waiting_tickets_when_an_agent_comes_online(db: HubDb) -> None:
    first, second = await db.queued_ticket(), await db.queued_ticket()
    anna = await db.agent("Anna", online=False, capacity=1)
    assigner = Assigner(db.uows, db.settings)
    await assigner.sweep()
    assert (await db.get(Ticket, first.id)).status == "queued"

    async with db.uows() as uow:
        await uow.session.execute(update(Agent).where(Agent.id == anna.id).values(status="online", last_seen_at=utcnow()))
        await uow.commit()
    await assigner.sweep()
    assert ((await db.get(Ticket, first.id)).agent_id, (await db.get(Ticket, second.id)).agent_id) == (anna.id, None)
    assert [e.type for e in db.events].count("ticket.assigned") == 1


async def test_an_agent_not_seen_recently_counts_as_offline(db: HubDb) -> None:
    ticket = await db.queued_ticket()
    anna = await db.agent("Anna", online=True)
    async with db.uows() as uow:
        stale = utcnow() - db.settings.presence_timeout - timedelta(seconds=1)
        await uow.session.execute(update(Agent).where(Agent.id == anna.id).values(last_seen_at=stale))
        await uow.commit()
    await Assigner(db.uows, db.settings).sweep()
    assert (await db.get(Ticket, ticket.id)).status == "queued"


async def test_the_queue_is_ordered_by_severity_then_tier_then_waiting_time(db: HubDb) -> None:
    older_normal = await db.queued_ticket()
    urgent = await db.queued_ticket(HandoffSignal(("explicit_request",), message="this is fraud, I'm calling my lawyer"))
    serious = await db.queued_ticket(HandoffSignal(("anger",), message="so annoyed"))
    newer_normal = await db.queued_ticket()
    vip_normal = await db.queued_ticket()
    async with db.uows() as uow:
        await uow.session.execute(update(Ticket).where(Ticket.id == vip_normal.id).values(tier="vip", tier_rank=2))
        await uow.commit()
        order = [t.id for t in await queued_tickets(uow.session, utcnow())]
    assert order == [urgent.id, serious.id, vip_normal.id, older_normal.id, newer_normal.id]
    assert (await db.get(Ticket, urgent.id)).severity_cues == ["fraud", "legal"]


async def test_the_sweep_closes_a_resolved_conversation_whose_rating_never_came(db: HubDb) -> None:
    ticket = await db.queued_ticket()
    anna = await db.agent("Anna", online=True)
    assigner = Assigner(db.uows, db.settings)
    await assigner.sweep()
    async with db.uows() as uow:
        await ticket_actions.resolve(uow, ticket.id, await uow.session.get(Agent, anna.id))
        await uow.commit()
    await assigner.sweep()
    assert (await db.get(Ticket, ticket.id)).csat_state == "awaiting_rating", "still inside the rating window"

    async with db.uows() as uow:
        long_ago = utcnow() - db.settings.rating_window - timedelta(minutes=1)
        await uow.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(resolved_at=long_ago))
        await uow.commit()
    await assigner.sweep()
    assert (await db.get(Ticket, ticket.id)).csat_state == "expired"
    assert (await db.get(Conversation, ticket.conversation_id)).state == "closed"
