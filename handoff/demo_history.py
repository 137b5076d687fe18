"""Demo data for the reports: `shopdesk demo-history --days 30` fills the hub's database with a
made-up but plausible month of support (conversations on the web widget and Telegram, the bot's
intents, "that didn't help" after some of its answers, handoffs, agents' replies and resolutions,
ratings and "would you recommend us, 0-10?" answers, presence), so a new installation's
Reports screen shows what it is for. Everything it writes is marked: conversations' channel user
ids start with `demo:`, shoppers and agents are named "... (demo)", demo agents have
`@demo.shopdesk.invalid` addresses and disabled accounts (they never log in or get tickets), and
`--remove` deletes all of it again. Nothing is written when demo data is already there.

The demo shop asked the NPS question after each rating (as a shop that turned it on under Manage,
Feedback does, handoff/csat.py): its answers are demo data like the rest. The hub's own setting
(off by default) is left as it is, so real shoppers are asked only when an admin turns it on.

Rows go in with bulk inserts (no ORM objects), so bench/reports.py can make 100,000 conversations.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import utcnow
from handoff.db import create_engine, migrate, session_factory
from handoff.models import Agent, Contact, ContactIdentity, Conversation, Message, PresencePeriod, Ticket, TicketLabel, Transition
from handoff.settings import HubSettings
from handoff.severity import SEVERITY_RANK

DEMO_PREFIX = "demo:"
DEMO_LABEL = "demo"
DEMO_DOMAIN = "demo.shopdesk.invalid"
AGENTS: tuple[tuple[str, list[str]], ...] = (
    ("Mia", ["orders"]), ("Jonas", ["orders", "payments"]), ("Lea", ["payments"]), ("Sam", []))
_CHUNK = 2000

# (intent, weight, share handed to a person, what a shopper says)
INTENTS: tuple[tuple[str, int, float, tuple[str, ...]], ...] = (
    ("order_status", 24, 0.12, ("where is my order {order}", "has order {order} shipped yet?")),
    ("track_shipment", 12, 0.10, ("tracking number for {order} please", "the DHL link for {order} does not work")),
    ("delivery_options", 8, 0.03, ("how long does delivery take to Austria", "do you have express shipping")),
    ("delivery_problem", 6, 0.55, ("the parcel for {order} says address not found", "my package arrived damaged",
                                   "my GLS parcel for {order} is late")),
    ("return_item", 10, 0.15, ("I want to return my order {order}", "how do I send back the shoes")),
    ("refund_status", 7, 0.35, ("where is my refund for {order}", "refund still not on my card")),
    ("cancel_order", 5, 0.25, ("cancel order {order}", "please cancel {order}, ordered by mistake")),
    ("change_address", 3, 0.20, ("change the delivery address of {order}",)),
    ("payment_issue", 5, 0.45, ("I was charged twice for {order}", "my card payment failed")),
    ("payment_methods", 5, 0.02, ("do you take paypal", "can I pay by invoice")),
    ("invoice_request", 4, 0.05, ("invoice for {order} please",)),
    ("product_info", 6, 0.08, ("do you have the Trail Running Shoes in 44", "is the Lightweight Rain Jacket waterproof")),
    ("promo_code", 4, 0.10, ("is WELCOME10 still valid", "my code SUMMER25 does not work")),
    ("complaint", 3, 0.80, ("this is the third time my order is late, unacceptable",)),
    ("request_human", 4, 0.95, ("i want to talk to a person", "human please")),
)
# What the bot could not answer, by topic (the knowledge gaps the reports group).
UNANSWERED: dict[str, tuple[str, ...]] = {
    "gift wrapping": ("can you gift wrap my order", "do you offer gift wrapping", "gift wrap and a card possible?"),
    "shipping to Norway": ("do you ship to norway", "delivery to Oslo possible?", "can I order from Norway"),
    "klarna instalments": ("can I pay with klarna in instalments", "klarna pay later?", "do you have klarna"),
    "price match": ("do you match a lower price from another shop", "price match with zalando?"),
    "store opening hours": ("when is your store in Berlin open", "opening hours of the shop in Munich"),
}
# The last days' spike, so the Topics report has one to show: one carrier's parcels stuck, one
# product failing (the shoppers name them; handoff/report_subjects.py finds the names). Six days, so
# it lies wholly within a report of the last 7 whole days (from 6 days before today's date) at any
# hour, and the week before has none of it (with 7 it began up to a day inside that week, which at
# some hours halved the carrier's rise below the spike mark).
SPIKE_DAYS = 6
SPIKE_SHARE = 0.08
SPIKES: tuple[tuple[str, str], ...] = (
    ("delivery_problem", "my GLS parcel for {order} has not moved for days"),
    ("delivery_problem", "GLS says delivered but nothing arrived for {order}"),
    ("complaint", "the Wireless Earbuds from order {order} stopped charging"),
    ("return_item", "I want to return the Wireless Earbuds, the left one is silent"),
)
SEVERITY_WEIGHTS = (("normal", 70), ("serious", 22), ("urgent", 8))
FIRST_RESPONSE_MINUTES = {"urgent": 5, "serious": 15, "normal": 60}
RESOLUTION_MINUTES = {"urgent": 240, "serious": 480, "normal": 1440}
# A share of resolved tickets whose shopper writes again (the matter was not settled), hours to a
# few days later, and is handed to a person again: a second ticket on the conversation, so the
# Service report's reopen rate and first-contact resolution have something to show.
REOPEN_SHARE = 0.1
REOPEN_TEXTS = ("it still has not arrived", "the refund is still not there", "that did not work, same problem again",
                "sorry, one more thing about {order}", "nobody answered my question")
RATINGS = (1, 2, 3, 4, 5)
RATING_WEIGHTS = (5, 6, 10, 30, 49)
COMMENTS = {1: "Took far too long.", 2: "Answer did not help.", 4: "Quick, thanks.", 5: "Great help, thank you!"}
# After rating, most shoppers answer "would you recommend us, 0-10?" (the rest write something else,
# which skips it and the comment); the score follows the rating, from (lowest, highest) per star.
NPS_SHARE = 0.8
NPS_RANGES = {1: (0, 4), 2: (0, 6), 3: (5, 8), 4: (7, 9), 5: (9, 10)}
# A share of the bot's answers the shopper meets with "that didn't help" (the bot reads
# feedback_negative); some of those shoppers are handed to a person for negative feedback at once.
FEEDBACK_SHARE = 0.08
FEEDBACK_HANDOFF_SHARE = 0.4
FEEDBACK_TEXTS = ("that didn't help", "that's not what I asked", "no that's wrong", "this doesn't answer my question",
                  "not helpful at all", "you didn't understand me")
NEGATIVE_INTENTS = ("feedback_negative", "complaint", "request_human")


def hour_weight(moment: datetime) -> float:
    """Shoppers write mostly in the day and evening, less at weekends, little at night."""
    hour = moment.hour + moment.minute / 60
    daily = 0.15 + math.exp(-((hour - 13) ** 2) / 18) + 0.6 * math.exp(-((hour - 20) ** 2) / 6)
    return daily * (0.75 if moment.weekday() >= 5 else 1.0)


@dataclass
class Batch:
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSummary:
    conversations: int
    tickets: int
    agents: int


class _Maker:
    def __init__(self, rng: random.Random, agents: list[tuple[int, list[str]]], contacts: list[int], now: datetime) -> None:
        self.rng, self.agents, self.contacts, self.now = rng, agents, contacts, now
        self.count = 0
        self.shopper = 0

    def conversation(self, batch: Batch, opened: datetime) -> None:
        rng = self.rng
        self.count += 1
        conversation_id = uuid.uuid4().hex
        channel = "telegram" if rng.random() < 0.3 else "webchat"
        self.shopper = rng.randrange(len(self.contacts))  # a returning shopper is the same contact, and named so
        batch.conversations.append({
            "id": conversation_id, "token_hash": "0" * 64, "channel": channel,
            "channel_user_id": f"{DEMO_PREFIX}{self.count}", "display_name": self._shopper(),
            "state": "closed", "contact_id": self.contacts[self.shopper], "created_at": opened, "updated_at": opened,
        })
        said, moment, handed = self._said(self.now - opened < timedelta(days=SPIKE_DAYS)), opened, False
        for seq, (intent, text, hand_off) in enumerate(said, start=1):
            self._message(batch, conversation_id, 2 * seq - 1, "shopper", text, intent, moment)
            self._message(batch, conversation_id, 2 * seq, "bot", "(the bot's answer)", None, moment + timedelta(seconds=1))
            moment += timedelta(seconds=rng.randint(20, 90))
            handed = handed or hand_off
        last_seq = 2 * len(said)
        resolved = self._ticket(batch, conversation_id, said[-1][:2], moment, last_seq + 1) if handed else None
        if resolved is not None:
            last_seq += 1
            if rng.random() < REOPEN_SHARE:
                last_seq = self._reopen(batch, conversation_id, said[-1][0], resolved, last_seq)
        batch.conversations[-1]["last_seq"] = last_seq

    def _shopper(self) -> str:
        """The current conversation's shopper, by their contact's name (_demo_contacts), so the console's
        lists, tickets and contact pages agree and show it is demo data."""
        return _contact_name(self.shopper)

    def _reopen(self, batch: Batch, conversation_id: str, intent: str, resolved: datetime, seq: int) -> int:
        """The shopper writes again after the resolution and the bot hands the conversation back to a
        person: a new ticket (unless that would be in the future). The conversation's last seq."""
        rng = self.rng
        wrote = resolved + timedelta(hours=rng.lognormvariate(math.log(6), 1.2))
        if wrote > self.now - timedelta(minutes=5):
            return seq
        text = rng.choice(REOPEN_TEXTS).format(order=rng.randint(10001, 19999))
        self._message(batch, conversation_id, seq + 1, "shopper", text, intent, wrote)
        self._message(batch, conversation_id, seq + 2, "bot", "(the bot's answer)", None, wrote + timedelta(seconds=1))
        handed = self._ticket(batch, conversation_id, (intent, text), wrote + timedelta(seconds=rng.randint(20, 90)), seq + 3)
        return seq + 3 if handed else seq + 2

    def _said(self, in_spike: bool) -> list[tuple[str, str, bool]]:
        """What the shopper wrote to the bot, each with its intent and whether it handed off."""
        rng = self.rng
        said: list[tuple[str, str, bool]] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            intent, text, hand_off = self._one_message(in_spike)
            said.append((intent, text, hand_off))
            if not hand_off and intent not in NEGATIVE_INTENTS and rng.random() < FEEDBACK_SHARE:
                handed = rng.random() < FEEDBACK_HANDOFF_SHARE
                said.append(("feedback_negative", rng.choice(FEEDBACK_TEXTS), handed))
                if handed:
                    break  # a person takes over: the shopper writes no more to the bot
        return said

    def _one_message(self, in_spike: bool) -> tuple[str, str, bool]:
        rng = self.rng
        if in_spike and rng.random() < SPIKE_SHARE:
            intent, text = rng.choice(SPIKES)
            return intent, text.format(order=rng.randint(10001, 19999)), rng.random() < 0.3
        if rng.random() < 0.07:
            topic = rng.choice(list(UNANSWERED))
            intent = "out_of_scope" if rng.random() < 0.5 else "nlu_fallback"
            return intent, rng.choice(UNANSWERED[topic]), rng.random() < 0.3
        intent, _weight, handoff_share, texts = rng.choices(INTENTS, weights=[i[1] for i in INTENTS])[0]
        return intent, rng.choice(texts).format(order=rng.randint(10001, 19999)), rng.random() < handoff_share / 2

    def _message(self, batch: Batch, conversation_id: str, seq: int, author: str, text: str, intent: str | None,
                 moment: datetime, agent_id: int | None = None) -> None:
        batch.messages.append({"agent_id": agent_id,
            "conversation_id": conversation_id, "seq": seq, "direction": "in" if author == "shopper" else "out",
            "author_kind": author, "text": text, "buttons": [], "internal": False, "intent": intent,
            "created_at": moment, "handled_at": moment,
        })

    def _ticket(self, batch: Batch, conversation_id: str, trigger: tuple[str, str], created: datetime,
                seq: int) -> datetime | None:
        """A ticket an agent took, answered and resolved: its resolution. `trigger` is the shopper message
        that handed off (its intent and text). None, and nothing written, when it would still be open now:
        its demo agent, who never logs in, would hold it in the console's lists for good, and no one could
        resolve or transfer it (the demo's conversations are closed)."""
        rng = self.rng
        intent = trigger[0]
        severity = rng.choices([s for s, _ in SEVERITY_WEIGHTS], weights=[w for _, w in SEVERITY_WEIGHTS])[0]
        reason = {"request_human": "explicit_request", "complaint": "complaint", "nlu_fallback": "repeated_fallback",
                  "out_of_scope": "repeated_fallback", "feedback_negative": "negative_feedback"}.get(
                      intent, rng.choice(("bot_cannot_complete", "explicit_request", "anger", "bot_cannot_complete")))
        agent_id, teams = rng.choice(self.agents)
        taken = created + timedelta(seconds=rng.lognormvariate(math.log(FIRST_RESPONSE_MINUTES[severity] * 30), 0.8))
        answered = taken + timedelta(seconds=rng.randint(20, 240))
        resolved = answered + timedelta(seconds=rng.lognormvariate(math.log(RESOLUTION_MINUTES[severity] * 6), 0.9))
        rated = rng.random() < 0.65
        rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0] if rated else None
        open_now = resolved > self.now
        ticket = {
            "conversation_id": conversation_id, "status": "resolved", "reasons": [reason],
            "severity": severity, "severity_rank": SEVERITY_RANK[severity], "severity_cues": [], "tier_rank": 0,
            "priority": 5, "team": teams[0] if teams and rng.random() < 0.7 else None, "agent_id": agent_id,
            "customer_name": self._shopper(), "trigger_text": trigger[1], "summary": {"intents": [intent]},
            "created_at": created, "queued_at": created,
            "assigned_at": taken, "first_response_at": answered,
            "first_response_due": created + timedelta(minutes=FIRST_RESPONSE_MINUTES[severity]),
            "resolution_due": created + timedelta(minutes=RESOLUTION_MINUTES[severity]),
            "resolved_at": resolved, "bot_outage": False,
            **self._feedback(None if open_now else rating, resolved),  # no draw for an open one: the same draws follow
        }
        transferred = rng.random() < 0.08
        if open_now:
            return None
        batch.tickets.append(ticket)
        batch.transitions.append({"conversation_id": conversation_id, "from_state": "queued", "to_state": "assigned",
                                  "actor_kind": "system", "reason": "assigned (demo)", "created_at": taken,
                                  "_ticket": len(batch.tickets) - 1})
        if transferred:
            batch.transitions.append({"conversation_id": conversation_id, "from_state": "assigned", "to_state": "assigned",
                                      "actor_kind": "agent", "reason": "transferred to a colleague (demo)",
                                      "created_at": answered + timedelta(minutes=2), "_ticket": len(batch.tickets) - 1})
        self._message(batch, conversation_id, seq, "agent", "(the agent's answer)", None, answered, agent_id)
        return resolved

    def _feedback(self, rating: int | None, resolved: datetime) -> dict[str, Any]:
        """A ticket's rating, NPS answer and comment columns (every row has them all, for the bulk insert)."""
        none = {"csat_state": "none", "csat_rating": None, "csat_comment": None, "csat_at": None,
                "nps_score": None, "nps_at": None}
        if rating is None:
            return none
        rated = {**none, "csat_rating": rating, "csat_at": resolved + timedelta(minutes=1)}
        if self.rng.random() >= NPS_SHARE:  # wrote something else instead of the score: no score, no comment
            return {**rated, "csat_state": "skipped"}
        return {**rated, "csat_state": "done", "csat_comment": COMMENTS.get(rating),
                "nps_score": self.rng.randint(*NPS_RANGES[rating]), "nps_at": resolved + timedelta(minutes=1, seconds=20)}


def arrivals(rng: random.Random, start: datetime, end: datetime, per_day: float) -> Iterator[datetime]:
    """Conversation start times between start and end, `per_day` a day on average, shaped by hour_weight
    (thinning a Poisson process)."""
    peak = 1.8
    rate = per_day / 24 / 3600 * peak / 0.53  # 0.53: hour_weight's average over a week
    moment = start
    while True:
        moment += timedelta(seconds=rng.expovariate(rate))
        if moment >= end:
            return
        if rng.random() < hour_weight(moment) / peak:
            yield moment


async def has_demo_data(session: AsyncSession) -> bool:
    found = await session.execute(
        select(func.count()).select_from(Conversation).where(Conversation.channel_user_id.like(f"{DEMO_PREFIX}%")))
    return bool(found.scalar_one())


async def write_demo_history(session: AsyncSession, now: datetime, days: int, per_day: float = 120,
                             seed: int = 12) -> DemoSummary:
    """Writes `days` of demo history up to `now` and commits it in chunks; returns what it made."""
    rng = random.Random(seed)
    agents = await _demo_agents(session, now, days, rng)
    contacts = await _demo_contacts(session, max(10, int(days * per_day * 0.7)), now)
    maker = _Maker(rng, agents, contacts, now)
    batch, tickets = Batch(), 0
    for opened in arrivals(rng, now - timedelta(days=days), now - timedelta(hours=1), per_day):
        maker.conversation(batch, opened)
        if len(batch.conversations) >= _CHUNK:
            tickets += await _flush(session, batch)
            batch = Batch()
    tickets += await _flush(session, batch)
    await session.commit()
    return DemoSummary(maker.count, tickets, len(agents))


async def _flush(session: AsyncSession, batch: Batch) -> int:
    if not batch.conversations:
        return 0
    await session.execute(insert(Conversation), batch.conversations)
    await session.execute(insert(Message), batch.messages)
    ids: list[int] = []
    if batch.tickets:
        made = await session.execute(insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), batch.tickets)
        ids = list(made.scalars())
    transitions = [{**{k: v for k, v in row.items() if k != "_ticket"}, "ticket_id": ids[row["_ticket"]]}
                   for row in batch.transitions]
    if transitions:
        await session.execute(insert(Transition), transitions)
    if ids:
        await session.execute(insert(TicketLabel), [{"ticket_id": ticket_id, "label": DEMO_LABEL} for ticket_id in ids])
    await session.commit()
    return len(ids)


async def _demo_agents(session: AsyncSession, now: datetime, days: int, rng: random.Random) -> list[tuple[int, list[str]]]:
    agents = []
    for name, teams in AGENTS:
        agent_id = (await session.execute(insert(Agent).values(
            email=f"{name.lower()}@{DEMO_DOMAIN}", display_name=f"{name} (demo)", password_hash="!demo, no login",
            role="agent", teams=teams, capacity=3, status="offline", active=False, takes_tickets=False,
            created_at=now - timedelta(days=days)).returning(Agent.id))).scalar_one()
        agents.append((agent_id, teams))
        shifts = []
        for day in range(days, 0, -1):
            start = (now - timedelta(days=day)).replace(hour=rng.choice((8, 9, 12)), minute=0, second=0, microsecond=0)
            if start.weekday() < 5 or rng.random() < 0.4:
                shifts.append({"agent_id": agent_id, "started_at": start, "ended_at": start + timedelta(hours=8)})
        if shifts:
            await session.execute(insert(PresencePeriod), shifts)
    return agents


def _contact_name(index: int) -> str:
    return f"Shopper {index} (demo)"


async def _demo_contacts(session: AsyncSession, count: int, now: datetime) -> list[int]:
    rows = [{"name": _contact_name(n), "order_count": 0, "lifetime_value_cents": 0, "created_at": now,
             "last_seen_at": now} for n in range(count)]
    ids: list[int] = []
    for start in range(0, len(rows), _CHUNK):
        result = await session.execute(insert(Contact).returning(Contact.id), rows[start:start + _CHUNK])
        ids.extend(result.scalars())
    return ids


async def remove_demo_history(session: AsyncSession) -> int:
    """Deletes every demo row; returns how many conversations went."""
    demo = select(Conversation.id).where(Conversation.channel_user_id.like(f"{DEMO_PREFIX}%"))
    tickets = select(Ticket.id).where(Ticket.conversation_id.in_(demo))
    count = int((await session.execute(select(func.count()).select_from(demo.subquery()))).scalar_one())
    demo_agents = select(Agent.id).where(Agent.email.like(f"%@{DEMO_DOMAIN}"))
    await session.execute(delete(TicketLabel).where(TicketLabel.ticket_id.in_(tickets)))
    await session.execute(delete(Transition).where(Transition.conversation_id.in_(demo)))
    await session.execute(delete(Ticket).where(Ticket.conversation_id.in_(demo)))
    await session.execute(delete(Message).where(Message.conversation_id.in_(demo)))
    await session.execute(delete(Conversation).where(Conversation.id.in_(demo)))
    await session.execute(delete(PresencePeriod).where(PresencePeriod.agent_id.in_(demo_agents)))
    await session.execute(delete(Agent).where(Agent.email.like(f"%@{DEMO_DOMAIN}")))
    # Demo contacts are named "... (demo)" and have no identities (nobody proved being them).
    await session.execute(delete(Contact).where(
        Contact.name.like("% (demo)"), ~exists().where(Conversation.contact_id == Contact.id),
        ~exists().where(ContactIdentity.contact_id == Contact.id)))
    await session.commit()
    return count


async def demo_history_command(settings: HubSettings, days: int, per_day: int, remove: bool) -> str:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            if remove:
                return f"removed the demo history ({await remove_demo_history(session)} conversations)"
            if await has_demo_data(session):
                return "demo history is already there (shopdesk demo-history --remove deletes it)"
            made = await write_demo_history(session, utcnow(), days, per_day)
    finally:
        await engine.dispose()
    return (f"wrote {days} days of DEMO history: {made.conversations} conversations, {made.tickets} tickets, "
            f"{made.agents} demo agents (all marked; shopdesk demo-history --remove deletes them)")
