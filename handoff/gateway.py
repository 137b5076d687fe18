"""What channels inside the hub process may ask about conversations (see handoff/API.md)."""

from __future__ import annotations

import hmac
from typing import Any

from handoff.conversations import (
    ConversationRef,
    authorise,
    find_by_channel_user,
    hash_token,
    messages_after,
    open_conversation,
)
from handoff.serialize import shopper_message_json
from handoff.settings import HubSettings
from handoff.status_view import conversation_status
from handoff.uow import UnitOfWorkFactory

# Conversations whose token this process has checked, at most (the oldest checked is forgotten first).
_KNOWN_TOKENS = 20_000


class Conversations:
    def __init__(self, uows: UnitOfWorkFactory, settings: HubSettings) -> None:
        self._uows = uows
        self._settings = settings
        self._known: dict[str, str] = {}

    async def authorise(self, conversation_id: str, token: str | None) -> None:
        """handoff.conversations.authorise, reading only the first time a token opens a conversation:
        a conversation's token never changes once issued (erasure keeps it; only the demo history,
        whose tokens open nothing, deletes conversations), so a pair checked once stays good, and
        each shopper message after the first saves a read transaction."""
        known = self._known.get(conversation_id)
        if token is not None and known is not None and hmac.compare_digest(known, hash_token(token)):
            return
        async with self._uows.reading() as session:
            await authorise(session, conversation_id, token)
        assert token is not None  # authorise raised otherwise
        if len(self._known) >= _KNOWN_TOKENS:
            del self._known[next(iter(self._known))]
        self._known[conversation_id] = hash_token(token)

    async def open(
        self,
        channel: str,
        channel_user_id: str | None = None,
        display_name: str | None = None,
        identity: dict[str, str] | None = None,
    ) -> ConversationRef:
        async with self._uows() as uow:
            email = (identity or {}).get("customer_email")
            conversation, token = await open_conversation(uow, channel, channel_user_id, display_name, email)
            await uow.commit()
            return ConversationRef(conversation.id, token)

    async def find(self, channel: str, channel_user_id: str) -> ConversationRef | None:
        async with self._uows() as uow:
            conversation = await find_by_channel_user(uow.session, channel, channel_user_id)
            return ConversationRef(conversation.id, None) if conversation else None

    async def messages_after(self, conversation_id: str, after_seq: int, limit: int = 100) -> list[dict[str, Any]]:
        async with self._uows() as uow:
            found = await messages_after(uow.session, conversation_id, after_seq, limit, include_internal=False)
            return [shopper_message_json(message) for message in found]

    async def status(self, conversation_id: str) -> dict[str, Any]:
        async with self._uows() as uow:
            return await conversation_status(uow.session, self._settings, conversation_id)
