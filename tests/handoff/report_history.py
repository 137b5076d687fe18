"""A small support history whose report figures are worked out by hand in tests/handoff/
test_reports_metrics.py: one week (Monday 2 to Sunday 8 November 2026, UTC) and a day of the
week before. `NOW` is the Monday after, noon.

| conv | channel, contact | shopper writes (intent)                  | tickets                                  |
|------|------------------|------------------------------------------|------------------------------------------|
| c1   | web, k1          | Mon 09:00 order_status                   | none (the bot alone)                     |
| c2   | web, k2          | Mon 10:00 faq_delivery                   | none                                     |
| c3   | telegram, k1     | Tue 14:00 order_status, 14:01 request_human | t1 normal, orders, Ann, rated 5, NPS 10 |
| c4   | web, k3          | Wed 08:00, 08:01 nlu_fallback            | t2 urgent, Bob, transferred to Ann, rated 2, NPS 3 |
| c5   | web, k4          | Thu 12:00, Fri 10:00 cancel_order        | t3 serious, Ann, rated 4, NPS 9; t4 serious, Bob, open |
| c6   | web, none        | Sat 20:00 greet                          | t5: Rasa was down, the bot took it back  |
| c7   | web, none        | (never wrote: a page view)               | none                                     |
| c8   | telegram, k5     | Sun 22:00 order_status                   | t6 normal, orders, still waiting         |
| c9   | web, k6          | Wed 28 Oct 10:00 order_status            | none (the week before)                   |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Agent, Contact, Conversation, Message, PresencePeriod, Ticket, Transition
from handoff.severity import SEVERITY_RANK
from tests.handoff.databases import HubDb, password_hash

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
NOW = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
FIRST_RESPONSE_MINUTES = {"urgent": 5, "serious": 15, "normal": 60}
RESOLUTION_MINUTES = {"urgent": 240, "serious": 480, "normal": 1440}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """day 0 is Monday 2 November; negative days are the week before."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@dataclass
class History:
    agents: dict[str, Agent] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)


class _Writer:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.history = History()
        self.contacts: dict[str, Contact] = {}

    async def agent(self, name: str, role: str, teams: list[str], capacity: int = 3) -> Agent:
        agent = Agent(email=f"{name.lower()}@shop.example", display_name=name, password_hash=password_hash(),
                      role=role, teams=teams, capacity=capacity, status="offline", active=True, takes_tickets=True)
        self.session.add(agent)
        await self.session.flush()
        self.history.agents[name] = agent
        return agent

    async def contact(self, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self.contacts:
            self.contacts[name] = Contact(name=name, created_at=MONDAY, last_seen_at=MONDAY)
            self.session.add(self.contacts[name])
            await self.session.flush()
        return self.contacts[name].id

    async def conversation(self, key: str, channel: str, contact: str | None,
                           said: list[tuple[datetime, str]]) -> Conversation:
        opened = said[0][0] if said else at(6, 23, 30)
        conversation = Conversation(id=uuid.uuid4().hex, token_hash="0" * 64, channel=channel,
                                    contact_id=await self.contact(contact), state="bot", last_seq=0,
                                    created_at=opened, updated_at=opened)
        self.session.add(conversation)
        await self.session.flush()
        for moment, intent in said:
            self.message(conversation, moment, "shopper", intent=intent)
            self.message(conversation, moment + timedelta(seconds=2), "bot")
        self.history.conversations[key] = conversation
        return conversation

    def message(self, conversation: Conversation, moment: datetime, author: str, intent: str | None = None) -> None:
        conversation.last_seq += 1
        self.session.add(Message(conversation_id=conversation.id, seq=conversation.last_seq,
                                 direction="in" if author == "shopper" else "out", author_kind=author, text="...",
                                 intent=intent, created_at=moment, handled_at=moment))

    async def ticket(self, key: str, conversation: str, created: datetime, reasons: list[str], severity: str,
                     **fields: Any) -> Ticket:
        ticket = Ticket(
            conversation_id=self.history.conversations[conversation].id, reasons=reasons, severity=severity,
            severity_rank=SEVERITY_RANK[severity], priority=5, created_at=created, queued_at=created,
            first_response_due=created + timedelta(minutes=FIRST_RESPONSE_MINUTES[severity]),
            resolution_due=created + timedelta(minutes=RESOLUTION_MINUTES[severity]),
            status="resolved" if fields.get("resolved_at") else ("assigned" if fields.get("agent_id") else "queued"),
            **fields,
        )
        self.session.add(ticket)
        await self.session.flush()
        self.history.tickets[key] = ticket
        return ticket

    def presence(self, agent: str, start: datetime, end: datetime | None) -> None:
        self.session.add(PresencePeriod(agent_id=self.history.agents[agent].id, started_at=start, ended_at=end))


def history_id(w: _Writer, key: str) -> str:
    return w.history.conversations[key].id


async def write_history(session: AsyncSession) -> History:
    w = _Writer(session)
    ann = await w.agent("Ann", "agent", ["orders"])
    bob = await w.agent("Bob", "agent", ["billing"])
    await w.agent("Sue", "supervisor", [])

    await w.conversation("c1", "web", "k1", [(at(0, 9), "order_status")])
    await w.conversation("c2", "web", "k2", [(at(0, 10), "faq_delivery")])
    await w.conversation("c3", "telegram", "k1", [(at(1, 14), "order_status"), (at(1, 14, 1), "request_human")])
    await w.ticket("t1", "c3", at(1, 14, 1), ["explicit_request"], "normal", team="orders", agent_id=ann.id,
                   assigned_at=at(1, 14, 3), first_response_at=at(1, 14, 5), resolved_at=at(1, 14, 31), csat_rating=5,
                   csat_at=at(1, 14, 32), nps_score=10, nps_at=at(1, 14, 32))
    session.add(Transition(conversation_id=history_id(w, "c3"), ticket_id=w.history.tickets["t1"].id, from_state="queued",
                           to_state="assigned", actor_kind="agent", actor_id=ann.id, reason="claimed",
                           created_at=at(1, 14, 3)))
    await w.conversation("c4", "web", "k3", [(at(2, 8), "nlu_fallback"), (at(2, 8, 1), "nlu_fallback")])
    t2 = await w.ticket("t2", "c4", at(2, 8, 2), ["repeated_fallback", "anger"], "urgent", agent_id=ann.id,
                        assigned_at=at(2, 8, 20), first_response_at=at(2, 8, 12), resolved_at=at(2, 9, 2), csat_rating=2,
                        csat_comment="slow", csat_at=at(2, 9, 5), nps_score=3, nps_at=at(2, 9, 5))
    session.add(Transition(conversation_id=t2.conversation_id, ticket_id=t2.id, from_state="assigned",
                           to_state="assigned", actor_kind="agent", actor_id=bob.id, reason="transferred to Ann",
                           created_at=at(2, 8, 20)))
    await w.conversation("c5", "web", "k4", [(at(3, 12), "cancel_order"), (at(4, 10), "cancel_order")])
    await w.ticket("t3", "c5", at(3, 12, 1), ["bot_cannot_complete"], "serious", team="orders", agent_id=ann.id,
                   assigned_at=at(3, 12, 2), first_response_at=at(3, 12, 3), resolved_at=at(3, 12, 11), csat_rating=4,
                   csat_at=at(3, 12, 12), nps_score=9, nps_at=at(3, 12, 12))
    await w.ticket("t4", "c5", at(4, 10, 1), ["complaint"], "serious", team="orders", agent_id=bob.id,
                   assigned_at=at(4, 10, 5), first_response_at=at(4, 10, 21))
    await w.conversation("c6", "web", None, [(at(5, 20), "greet")])
    await w.ticket("t5", "c6", at(5, 20, 1), ["bot_cannot_complete"], "normal", bot_outage=True,
                   resolved_at=at(5, 20, 5))
    await w.conversation("c7", "web", None, [])
    await w.conversation("c8", "telegram", "k5", [(at(6, 22), "order_status")])
    await w.ticket("t6", "c8", at(6, 22, 1), ["vip", "explicit_request"], "normal", team="orders")
    await w.conversation("c9", "web", "k6", [(at(-5, 10), "order_status")])

    w.presence("Ann", at(-1, 22), at(0, 2))
    w.presence("Ann", at(0, 9), at(0, 17))
    w.presence("Ann", at(1, 13), at(1, 17))
    w.presence("Bob", at(2, 8), None)
    await session.flush()
    return w.history


async def written_history(db: HubDb) -> History:
    async with db.uows() as uow:
        history = await write_history(uow.session)
        await uow.commit()
    return history
