"""The one place that decides where a shopper's message goes: to the bot, to the agent who
holds the conversation, or (while a rating is pending) to the ticket. Every message is stored
before anything is sent anywhere."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from typing import Any

from handoff import attachments, csat, wording
from handoff.conversations import (
    append_message,
    find_by_channel_user,
    find_external,
    get_conversation,
    latest_ticket,
    messages_after,
    open_conversation,
)
from handoff.events import Event
from handoff.inbound import HandleResult, Inbound
from handoff.limits import RateLimiter
from handoff.models import Conversation, Ticket
from handoff.serialize import shopper_message_json
from handoff.signals import BOT_CANNOT_COMPLETE, HandoffSignal, is_handoff, parse_signal
from handoff.states import State, TicketStatus
from handoff.status import SHOPPER, transition
from handoff.text import clean_text
from handoff.tickets import TICKET_RESOLVED, TICKET_UPDATED, Desk, open_ticket, ticket_view
from handoff.uow import UnitOfWork, UnitOfWorkFactory
from hub.rasa_client import CSAT_INTENT, BotReply, RasaClient, RasaUnavailable

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_REPLAY_LIMIT = 100


class Router:
    def __init__(self, uows: UnitOfWorkFactory, desk: Desk, rasa: RasaClient, limiter: RateLimiter | None = None) -> None:
        self._uows = uows
        self._desk = desk
        self._rasa = rasa
        self._limiter = limiter or RateLimiter({})
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def handle(self, inbound: Inbound) -> HandleResult:
        limit = self._desk.settings.max_text
        text = attachments.caption(inbound.text, limit) if inbound.attachment_ids else clean_text(inbound.text, limit)
        conversation_id = await self._conversation_for(inbound)
        # Every channel's messages count against their conversation (the widget and the API
        # also limit per address at their door).
        self._limiter.check("messages", conversation_id)
        async with self._lock(conversation_id):
            return await self._handle(conversation_id, inbound, text)

    async def on_event(self, event: Event) -> None:
        """After an agent resolved: the bot takes the conversation back and asks for the rating."""
        if event.type == TICKET_RESOLVED:
            conversation_id = event.data["conversation_id"]
            async with self._lock(conversation_id):
                await self._ask_rating(conversation_id)

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        return lock

    async def _conversation_for(self, inbound: Inbound) -> str:
        if inbound.conversation_id:
            return inbound.conversation_id
        async with self._uows() as uow:
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
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            if inbound.external_id:
                repeat = await find_external(uow.session, conversation_id, inbound.external_id)
                if repeat is not None:
                    return HandleResult(conversation_id, conversation.state, True, [shopper_message_json(repeat)])
            _remember_identity(conversation, inbound)
            photos = await attachments.claim(uow, conversation_id, inbound.attachment_ids)
            message = await append_message(
                uow, conversation, direction="in", author_kind="shopper", text=text or None,
                author_name=conversation.display_name, external_id=inbound.external_id,
                attachments=[attachments.summary(photo) for photo in photos],
            )
            attachments.attach(photos, message)
            to_bot = await self._route(uow, conversation, text)
            if to_bot and not text:
                # A photo without words: kept for the team, and no bot turn spent guessing at pixels.
                await append_message(uow, conversation, direction="out", author_kind="bot",
                                     text=wording.PHOTO_SAVED, buttons=wording.PHOTO_BUTTONS)
                to_bot = False
            await uow.commit()
        if to_bot:
            await self._ask_bot(conversation_id, text)
        return await self._result(conversation_id, message.seq)

    async def _route(self, uow: UnitOfWork, conversation: Conversation, text: str) -> bool:
        """Applies what the message means for the conversation; True when the bot should answer it."""
        state = State(conversation.state)
        if state is State.BOT:
            return True
        ticket = await latest_ticket(uow.session, conversation.id)
        if state in (State.QUEUED, State.ASSIGNED):
            await _for_agent(uow, conversation, ticket, text)
            return False
        pending = csat.awaiting(ticket) if state is State.RESOLVED else None
        if pending is not None and ticket is not None:
            return await self._rating_answer(uow, conversation, ticket, pending, text)
        await transition(uow, conversation, State.BOT, SHOPPER, "shopper wrote again", ticket.id if ticket else None)
        return True

    async def _rating_answer(self, uow: UnitOfWork, conversation: Conversation, ticket: Ticket, pending: str,
                             text: str) -> bool:
        """The hub takes the rating and the comment itself; anything else goes back to the bot."""
        if pending == "rating":
            rating = csat.parse_rating(text)
            if rating is not None:
                await csat.record_rating(uow, conversation, ticket, rating)
                return False
            await csat.skip(uow, conversation, ticket)
            return True
        await csat.record_comment(uow, conversation, ticket, text)
        return False

    async def _ask_bot(self, conversation_id: str, text: str) -> None:
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            metadata = _metadata(conversation)
        try:
            replies: list[BotReply] | None = await self._rasa.send(conversation_id, text, metadata)
        except RasaUnavailable as error:
            log.warning("bot unavailable, handing off: %s", error)
            replies = None
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            signal = await self._store_replies(uow, conversation, replies, text)
            if signal is not None and conversation.state == State.BOT:
                await open_ticket(uow, self._desk, conversation, signal)
            await uow.commit()

    async def _store_replies(
        self, uow: UnitOfWork, conversation: Conversation, replies: list[BotReply] | None, text: str
    ) -> HandoffSignal | None:
        if replies is None:
            await append_message(uow, conversation, direction="out", author_kind="system", text=wording.BOT_UNAVAILABLE)
            return HandoffSignal(reasons=(BOT_CANNOT_COMPLETE,), message=text)
        signal = None
        for reply in replies:
            handoff = reply.custom if is_handoff(reply.custom) else None
            visible_custom = None if handoff else reply.custom
            if reply.text or reply.buttons or visible_custom:
                await append_message(
                    uow, conversation, direction="out", author_kind="bot",
                    text=reply.text, buttons=reply.buttons, custom=visible_custom,
                )
            if handoff is not None:
                signal = parse_signal(handoff)
                await append_message(uow, conversation, direction="out", author_kind="bot", custom=handoff, internal=True)
        return signal

    async def _ask_rating(self, conversation_id: str) -> None:
        try:
            replies = await self._rasa.trigger_intent(conversation_id, CSAT_INTENT)
        except RasaUnavailable as error:
            log.warning("could not ask the bot for the rating question, asking it ourselves: %s", error)
            replies = []
        async with self._uows() as uow:
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
        async with self._uows() as uow:
            conversation = await get_conversation(uow.session, conversation_id)
            produced = await messages_after(uow.session, conversation_id, first_seq - 1, _REPLAY_LIMIT, include_internal=False)
            return HandleResult(conversation_id, conversation.state, False, [shopper_message_json(m) for m in produced])


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
