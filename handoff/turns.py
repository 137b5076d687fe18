"""Shopper messages waiting for the bot, kept in the database so that none is lost to a crash.

A shopper message is stored unhandled when the bot is to answer it. The hub that asks the bot
first claims it for a while (a conditional UPDATE, so two hubs never ask about the same message
at once); the bot's turn is stored in the same transaction that marks the message handled, again
conditionally, so a turn is stored at most once even when a lapsed claim let a second hub ask.
A hub that dies mid-turn leaves the claim to lapse, and whoever looks next answers the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Update, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.db import rows_changed
from handoff.models import MESSAGES, Message

SHOPPER = "shopper"


def _waiting() -> tuple[ColumnElement[bool], ...]:
    return (Message.author_kind == SHOPPER, Message.handled_at.is_(None))


def _waiting_in(conversation_id: str | BindParameter[str]) -> tuple[ColumnElement[bool], ...]:
    return (Message.conversation_id == conversation_id, *_waiting())


# Built once (a statement made per call is built, coerced and keyed each time: handoff/conversations.py).
_OLDEST = select(Message).where(*_waiting_in(bindparam("conversation_id"))).order_by(Message.seq).limit(1)
_OLDEST_ID = select(Message.id).where(*_waiting_in(bindparam("conversation_id"))).order_by(Message.seq).limit(1)


async def oldest_waiting(session: AsyncSession, conversation_id: str) -> Message | None:
    return (await session.execute(_OLDEST, {"conversation_id": conversation_id})).scalar_one_or_none()


async def oldest_waiting_id(session: AsyncSession, conversation_id: str) -> int | None:
    """oldest_waiting's id alone (no message loaded), for callers that only compare or count it."""
    return (await session.execute(_OLDEST_ID, {"conversation_id": conversation_id})).scalar_one_or_none()


async def claim(session: AsyncSession, message: Message, now: datetime, until: datetime) -> bool:
    """Holds the message for the caller until `until`; False when it is handled or held by another."""
    claimed = await session.execute(
        update(Message)
        .where(
            Message.id == message.id,
            Message.handled_at.is_(None),
            or_(Message.bot_claimed_until.is_(None), Message.bot_claimed_until < now),
        )
        .values(bot_claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(claimed) == 1


async def release(session: AsyncSession, message: Message) -> None:
    """The bot could not be asked; the message waits on, free for the next try."""
    await release_held(session, message.id)


async def release_held(session: AsyncSession, message_id: int) -> None:
    await session.execute(
        update(Message).where(Message.id == message_id, Message.handled_at.is_(None)).values(bot_claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def _marking(**values: Any) -> Update:
    """On the table (Core): the ORM's bulk UPDATE path cost twice the event loop's CPU per statement
    (120 against 60 us, SQLite); the message row's session copy, if any, is not this session's."""
    return (
        update(MESSAGES)
        .where(MESSAGES.c.id == bindparam("message_id"), MESSAGES.c.handled_at.is_(None))
        .values(handled_at=bindparam("now"), bot_claimed_until=None, **values)
    )


_MARK, _MARK_WITH_INTENT = _marking(), _marking(intent=bindparam("read_intent"))


async def mark_handled(session: AsyncSession, message: Message, now: datetime, intent: str | None = None) -> bool:
    """False when someone else stored this message's turn first (the caller then rolls back).
    `intent`: what the bot read in the message, kept for the reports (in the same statement)."""
    if intent:
        marked = await session.execute(_MARK_WITH_INTENT, {"message_id": message.id, "now": now, "read_intent": intent})
    else:
        marked = await session.execute(_MARK, {"message_id": message.id, "now": now})
    return rows_changed(marked) == 1


async def mark_all_handled(session: AsyncSession, conversation_id: str, now: datetime) -> None:
    """People have the conversation now: what waited for the bot is theirs (they see it in the transcript)."""
    await session.execute(
        update(Message)
        .where(*_waiting_in(conversation_id))
        .values(handled_at=now, bot_claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def conversations_waiting(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Conversations with a message no hub is answering: left by a crash, or by an outage."""
    query = (
        select(Message.conversation_id)
        .where(*_waiting(), or_(Message.bot_claimed_until.is_(None), Message.bot_claimed_until < now))
        .group_by(Message.conversation_id)
        .order_by(Message.conversation_id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def answers_to(session: AsyncSession, message: Message) -> list[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id == message.conversation_id, Message.reply_to == message.seq,
               Message.internal.is_(False))
        .order_by(Message.seq)
    )
    return list((await session.execute(query)).scalars())
