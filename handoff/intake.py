"""A shopper's message as the hub keeps it: card, bank and ID numbers replaced before it is stored
(and so before the bot, an agent or a log can see it), and the shopper told once per conversation
that such numbers are never needed in chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff import wording
from handoff.clock import utcnow
from handoff.contacts import ContactSeen, seen
from handoff.conversations import append_message
from handoff.models import Conversation, Message
from handoff.redaction import redact
from handoff.uow import UnitOfWork


async def store_shopper_message(uow: UnitOfWork, conversation: Conversation, text: str, external_id: str | None,
                                attachments: list[dict[str, Any]] | None = None,
                                bot_claimed_until: datetime | None = None, contact: ContactSeen | None = None) -> Message:
    """`text` may be empty when photos carry the message (a caption is its text); `bot_claimed_until`:
    stored held for the bot's turn (handoff/turns.py); `contact`: the contact's row as read with the
    conversation (contacts.conversation_seen)."""
    redacted = redact(text)
    await seen(uow.session, conversation, contact)
    message = await append_message(
        uow, conversation, direction="in", author_kind="shopper", text=redacted.text or None,
        author_name=conversation.display_name, external_id=external_id, attachments=attachments,
        bot_claimed_until=bot_claimed_until,
    )
    if redacted.changed and conversation.redaction_notice_at is None:
        conversation.redaction_notice_at = utcnow()
        await append_message(uow, conversation, direction="out", author_kind="system", text=wording.NUMBERS_REMOVED)
    return message
