"""The one place that decides where a shopper's message goes: to the bot, to the agent who
holds the conversation, or (while a rating is pending) to the ticket. Every message is stored
before anything is sent anywhere.

A message for the bot is stored waiting (handoff/turns.py) and answered in order with any that
waited before it in its conversation; it stays waiting until its turn is stored, so a message
stored just before a crash is answered after it: on a retry, on the next message, or by the
recovery sweep (hub/recovery.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import attachments, csat, turns, wording
from handoff.clock import utcnow
from handoff.contacts import conversation_seen
from handoff.conversations import (
    append_message,
    conversation_state,
    find_by_channel_user,
    find_external,
    get_conversation,
    latest_ticket,
    messages_after,
    open_conversation,
)
from handoff.delivery import MESSAGE_CREATED
from handoff.events import Event, side_work
from handoff.inbound import HandleResult, Inbound
from handoff.intake import store_shopper_message
from handoff.limits import RateLimiter
from handoff.models import Conversation, Message, Ticket
from handoff.outage import waits_for_bot
from handoff.serialize import shopper_message_json
from handoff.states import State, TicketStatus
from handoff.status import SHOPPER, transition
from handoff.text import clean_text
from handoff.tickets import TICKET_RESOLVED, TICKET_UPDATED, Desk, ticket_view
from handoff.uow import UnitOfWork, UnitOfWorkFactory
from hub.bot_turns import store_failure, store_outage, store_turn
from hub.jsonlog import conversation_context
from hub.metrics import HubMetrics
from hub.rasa_client import CSAT_INTENT, MESSAGE_ID_KEY, BotTurn, RasaClient, RasaUnavailable, RasaUnreachable

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_REPLAY_LIMIT = 100
# A hub holds a message it asks the bot about this much longer than it waits for the bot.
_CLAIM_MARGIN = timedelta(seconds=5)


class Router:
    def __init__(self, uows: UnitOfWorkFactory, desk: Desk, rasa: RasaClient, limiter: RateLimiter | None = None,
                 metrics: HubMetrics | None = None) -> None:
        self._uows = uows
        self._metrics = metrics
        self._desk = desk
        self._rasa = rasa
        self._limiter = limiter or RateLimiter({})
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._claim = timedelta(seconds=desk.settings.rasa_timeout_seconds) + _CLAIM_MARGIN

    async def handle(self, inbound: Inbound) -> HandleResult:
        limit = self._desk.settings.max_text
        text = attachments.caption(inbound.text, limit) if inbound.attachment_ids else clean_text(inbound.text, limit)
        conversation_id = await self._conversation_for(inbound)
        # Every channel's messages count against their conversation (the widget and the API
        # also limit per address at their door).
        self._limiter.check("messages", conversation_id)
        started = time.perf_counter()
        with conversation_context(conversation_id):
            # Subscribers' work on the stored message (the contact linker) runs beside the bot's
            # turn and ends before the conversation's next message starts.
            async with self.locked(conversation_id), side_work():
                result = await self._handle(conversation_id, inbound, text)
        if self._metrics is not None:
            self._metrics.handled.observe(time.perf_counter() - started)
        return result

    async def on_event(self, event: Event) -> None:
        """After an agent resolved: the bot takes the conversation back and asks for the rating."""
        if event.type == TICKET_RESOLVED:
            conversation_id = event.data["conversation_id"]
            async with self.locked(conversation_id):
                await self._ask_rating(conversation_id)

    @contextlib.asynccontextmanager
    async def locked(self, conversation_id: str) -> AsyncIterator[None]:
        """One conversation's messages take turns in this hub (across hubs, claims keep them apart)."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        async with lock:
            yield

    async def answer_waiting(self, conversation_id: str) -> None:
        """Answers what waits for the bot in the conversation, if the bot holds it."""
        with conversation_context(conversation_id):
            async with self.locked(conversation_id):
                await self._answer_waiting(conversation_id, None)

    async def _conversation_for(self, inbound: Inbound) -> str:
        if inbound.conversation_id:
            return inbound.conversation_id
        async with self._uows.direct() as uow:
            found = None
            if inbound.channel_user_id:
                found = await find_by_channel_user(uow.session, inbound.channel, inbound.channel_user_id)
            if found is None:
                found, _token = await open_conversation(
                    uow, inbound.channel, inbound.channel_user_id, inbound.display_name,
                    inbound.identity.get("customer_email"),
                )
                await uow.commit()
            return found.id

    async def _handle(self, conversation_id: str, inbound: Inbound, text: str) -> HandleResult:
        async with self._uows.direct() as uow:
            # The widget sends every message with its client_message_id: a retry is looked for in the
            # transaction that stores the message, not in one of its own before it. A retry's
            # transaction ends without a commit (nothing written; what it read stays readable).
            repeat = await find_external(uow.session, conversation_id, inbound.external_id) if inbound.external_id \
                else None
            stored = await self._store(uow, conversation_id, inbound, text) if repeat is None else None
        if stored is None:
            assert repeat is not None
            return await self._repeated(conversation_id, repeat)
        message, to_bot, first = stored
        if to_bot:
            answered = await self._answer_waiting(conversation_id, message.id, first, message.seq)
            if answered is not None:
                return answered
        return await self._result(conversation_id, message.seq)

    async def _store(self, uow: UnitOfWork, conversation_id: str, inbound: Inbound,
                     text: str) -> tuple[Message, bool, _Ask | None]:
        """Stores the shopper's message and what it means for the conversation, and commits: (the
        message, the bot answers it now, the message itself when it is the next to ask the bot)."""
        conversation, contact = await conversation_seen(uow.session, conversation_id)
        _remember_identity(conversation, inbound)
        photos = await attachments.claim(uow, conversation_id, inbound.attachment_ids)
        now = utcnow()
        # With the bot, the message is stored claimed for it (one statement fewer than claiming after).
        claim = now + self._claim if conversation.state == State.BOT else None
        message = await store_shopper_message(uow, conversation, text, inbound.external_id,
                                              [attachments.summary(photo) for photo in photos], claim, contact)
        attachments.attach(photos, message)
        text = message.text or ""
        to_bot, waits = await self._route(uow, conversation, text)
        if to_bot and not text:
            # A photo without words: kept for the team, and no bot turn spent guessing at pixels.
            await append_message(uow, conversation, direction="out", author_kind="bot",
                                 text=wording.PHOTO_SAVED, buttons=wording.PHOTO_BUTTONS, reply_to=message.seq)
            to_bot = False
        first: _Ask | None = None
        if to_bot:
            if message.bot_claimed_until is None:
                message.bot_claimed_until = now + self._claim
            # Usually nothing older waits: then this transaction is the claim, and the bot is
            # asked straight away (no second look in another transaction).
            if await turns.oldest_waiting_id(uow.session, conversation_id) == message.id:
                first = _Ask(message, {**_metadata(conversation), MESSAGE_ID_KEY: message.id}, False)
        else:
            if claim is not None:  # a photo without words: nothing for the bot after all
                message.bot_claimed_until = None
            if not waits or not text:
                message.handled_at = now
        await uow.commit()
        return message, to_bot, first

    async def _repeated(self, conversation_id: str, repeat: Message) -> HandleResult:
        """A message stored before (a retry): answered now if its answer never came, never twice."""
        if repeat.handled_at is None:
            await self._answer_waiting(conversation_id, None)
        async with self._uows.direct() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            answers = await turns.answers_to(uow.session, repeat)
            messages = [shopper_message_json(m) for m in [repeat, *answers]]
            return HandleResult(conversation_id, conversation.state, True, messages)

    async def _route(self, uow: UnitOfWork, conversation: Conversation, text: str) -> tuple[bool, bool]:
        """Applies what the message means for the conversation: (the bot answers it now, it waits for
        the bot, which is down)."""
        state = State(conversation.state)
        if state is State.BOT:
            return True, False
        ticket = await latest_ticket(uow.session, conversation.id)
        if state in (State.QUEUED, State.ASSIGNED):
            await _for_agent(uow, conversation, ticket, text)
            return False, waits_for_bot(ticket)
        pending = csat.awaiting(ticket) if state is State.RESOLVED else None
        if pending is not None and ticket is not None:
            return await self._rating_answer(uow, conversation, ticket, pending, text), False
        await transition(uow, conversation, State.BOT, SHOPPER, "shopper wrote again", ticket.id if ticket else None)
        return True, False

    async def _rating_answer(self, uow: UnitOfWork, conversation: Conversation, ticket: Ticket, pending: str,
                             text: str) -> bool:
        """The hub takes the rating, the score and the comment itself; anything else instead of the
        rating or the score goes back to the bot."""
        if pending == "comment":
            await csat.record_comment(uow, conversation, ticket, text)
            return False
        answer = csat.parse_rating(text) if pending == "rating" else csat.parse_nps(text)
        if answer is None:
            await csat.skip(uow, conversation, ticket)
            return True
        record = csat.record_rating if pending == "rating" else csat.record_nps
        await record(uow, conversation, ticket, answer)
        return False

    async def _answer_waiting(self, conversation_id: str, held: int | None, first: _Ask | None = None,
                              since_seq: int | None = None) -> HandleResult | None:
        """Asks the bot about each waiting message in order until none waits, people have the
        conversation, or the bot cannot be reached. `held` is a message this call already claimed;
        `first`, when given, the oldest waiting message, claimed and known to be the next to ask.
        With `since_seq`: the shopper's result from that message on when the last turn's transaction
        could read it (_ask_bot), else None."""
        ask = first
        while True:
            if ask is None:
                async with self._uows.direct() as uow:
                    conversation = await get_conversation(uow.session, conversation_id)
                    message = await turns.oldest_waiting(uow.session, conversation_id)
                    # A hold that lapsed: a hub may have died after Rasa got the message.
                    maybe_asked = message is not None and message.id != held and message.bot_claimed_until is not None
                    if message is None or not await self._may_ask(uow, conversation, message, held):
                        await uow.commit()
                        return None
                    ask = _Ask(message, {**_metadata(conversation), MESSAGE_ID_KEY: message.id}, maybe_asked)
                    await uow.commit()
            more, result = await self._ask_bot(conversation_id, ask.message, ask.metadata, ask.maybe_asked, since_seq)
            if not more:
                return result
            ask = None

    async def _may_ask(self, uow: UnitOfWork, conversation: Conversation, message: Message, held: int | None) -> bool:
        now = utcnow()
        if conversation.state != State.BOT:
            if not waits_for_bot(await latest_ticket(uow.session, conversation.id)):
                await turns.mark_all_handled(uow.session, conversation.id, now)
            return False
        if message.id == held or await turns.claim(uow.session, message, now, now + self._claim):
            return True
        if held is not None:
            # An earlier message is another hub's (maybe a dead one's): whoever answers it answers
            # ours after it, without waiting for our hold to lapse.
            await turns.release_held(uow.session, held)
        return False

    async def _ask_bot(self, conversation_id: str, message: Message, metadata: dict[str, Any], maybe_asked: bool,
                       since_seq: int | None = None) -> tuple[bool, HandleResult | None]:
        """One turn; False when Rasa is down (the message waits on for it) or when, as the turn was
        stored, no other message waited (checked in the same transaction: one fewer per message).
        Then, with `since_seq`, also the shopper's result from that message on, read in the same
        transaction when nothing after its commit can add to the conversation (no ticket event:
        only those make subscribers write), instead of in a transaction of its own (_result)."""
        outcome: BotTurn | RasaUnavailable | None = None
        started = time.perf_counter()
        try:
            if maybe_asked:
                outcome = await self._rasa.turn_of(conversation_id, message.id)
            if outcome is None:
                outcome = await self._rasa.send(conversation_id, message.text or "", metadata)
        except RasaUnavailable as error:
            log.warning("the bot could not answer (%s): %s", type(error).__name__, error)
            outcome = error
        if self._metrics is not None:
            self._metrics.rasa_turn.observe(time.perf_counter() - started)
            if isinstance(outcome, RasaUnavailable):
                kind = "unreachable" if isinstance(outcome, RasaUnreachable) else "unavailable"
                self._metrics.rasa_errors.labels(kind).inc()
            elif isinstance(outcome, BotTurn) and outcome.errors:
                self._metrics.action_errors.inc(outcome.errors)
        async with self._uows.direct() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            if isinstance(outcome, RasaUnreachable):
                await turns.release(uow.session, message)
                if conversation.state == State.BOT:
                    await store_outage(uow, self._desk, conversation, message)
                await uow.commit()
                return False, None
            intent = outcome.intent if isinstance(outcome, BotTurn) else None
            if not await turns.mark_handled(uow.session, message, utcnow(), intent):
                log.info("message %s of %s was answered by another hub meanwhile", message.seq, conversation_id)
                return True, None
            if isinstance(outcome, BotTurn):
                await store_turn(uow, self._desk, conversation, message, outcome)
            else:
                await store_failure(uow, self._desk, conversation, message)
            more = await turns.oldest_waiting_id(uow.session, conversation_id) is not None
            result = None
            if not more and since_seq is not None and all(event.type == MESSAGE_CREATED for event in uow.events):
                result = await _produced(uow.session, conversation_id, conversation.state, since_seq)
            await uow.commit()
        return more, result

    async def _ask_rating(self, conversation_id: str) -> None:
        try:
            replies = await self._rasa.trigger_intent(conversation_id, CSAT_INTENT)
        except RasaUnavailable as error:
            log.warning("could not ask the bot for the rating question, asking it ourselves: %s", error)
            replies = []
        async with self._uows.direct() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            for reply in replies:
                await append_message(
                    uow, conversation, direction="out", author_kind="bot",
                    text=reply.text, buttons=reply.buttons, custom=reply.custom,
                )
            if not any(reply.buttons for reply in replies):
                await csat.ask_rating(uow, conversation)
            await uow.commit()

    async def _result(self, conversation_id: str, first_seq: int) -> HandleResult:
        async with self._uows.reading() as session:
            return await _produced(session, conversation_id, await conversation_state(session, conversation_id), first_seq)


async def _produced(session: AsyncSession, conversation_id: str, state: str, first_seq: int) -> HandleResult:
    """What the shopper gets back: the conversation's visible messages from `first_seq` on."""
    produced = await messages_after(session, conversation_id, first_seq - 1, _REPLAY_LIMIT, include_internal=False)
    return HandleResult(conversation_id, state, False, [shopper_message_json(m) for m in produced])


@dataclass(frozen=True)
class _Ask:
    """A waiting message the hub holds and is about to ask the bot about."""

    message: Message
    metadata: dict[str, Any]
    maybe_asked: bool


def _remember_identity(conversation: Conversation, inbound: Inbound) -> None:
    email = inbound.identity.get("customer_email")
    if email and conversation.customer_email != email:
        conversation.customer_email = email


def _metadata(conversation: Conversation) -> dict[str, Any]:
    metadata: dict[str, Any] = {"channel": conversation.channel}
    if conversation.customer_email:
        metadata["customer_email"] = conversation.customer_email
    return metadata


async def _for_agent(uow: UnitOfWork, conversation: Conversation, ticket: Ticket | None, text: str) -> None:
    """The message is already stored (and so on its way to the console); it may also wake a
    snoozed ticket or give us a way to reach the shopper later."""
    if ticket is None:
        return
    changed = False
    if ticket.snoozed_until is not None:
        ticket.snoozed_until, changed = None, True
    email = _EMAIL.search(text)
    if ticket.status == TicketStatus.QUEUED and not ticket.customer_email and not ticket.contact_email and email:
        ticket.contact_email, changed = email.group(0), True
        await append_message(uow, conversation, direction="out", author_kind="system", text=wording.contact_noted(email.group(0)))
    if changed:
        await uow.session.flush()
        uow.emit(TICKET_UPDATED, ticket=await ticket_view(uow.session, ticket))
