"""Outbound delivery: the registry where channels plug in, fed by events after commit.

handoff never imports a channel; a channel registers itself under its name and receives every
shopper-visible outbound message of the conversations that came in through it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from handoff.events import Event, EventBus
from handoff.models import Conversation
from handoff.uow import UnitOfWork

log = logging.getLogger(__name__)

MESSAGE_CREATED = "message.created"
CONVERSATION_NOTICE = "conversation.notice"


@dataclass(frozen=True)
class OutboundMessage:
    conversation_id: str
    channel: str
    channel_user_id: str | None
    seq: int
    author_kind: str
    author_name: str | None
    text: str | None
    buttons: list[dict[str, str]]
    custom: dict[str, Any] | None
    created_at: str

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> OutboundMessage:
        message = data["message"]
        return cls(
            conversation_id=message["conversation_id"],
            channel=data["channel"],
            channel_user_id=data["channel_user_id"],
            seq=message["seq"],
            author_kind=message["author_kind"],
            author_name=message["author_name"],
            text=message["text"],
            buttons=message["buttons"],
            custom=message["custom"],
            created_at=message["created_at"],
        )


@dataclass(frozen=True)
class ConversationNotice:
    """Ephemeral status for the shopper (queue position, state); not part of the transcript."""

    conversation_id: str
    channel: str
    channel_user_id: str | None
    kind: str
    data: dict[str, Any]


def emit_notice(uow: UnitOfWork, conversation: Conversation, kind: str, data: dict[str, Any]) -> None:
    uow.emit(
        CONVERSATION_NOTICE,
        conversation_id=conversation.id,
        channel=conversation.channel,
        channel_user_id=conversation.channel_user_id,
        kind=kind,
        data=data,
    )


class Channel(Protocol):
    async def deliver(self, message: OutboundMessage) -> None: ...

    async def notify(self, notice: ConversationNotice) -> None: ...


class DeliveryRegistry:
    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}
        self._everywhere: set[str] = set()

    def register(self, name: str, channel: Channel, everywhere: bool = False) -> None:
        """`everywhere`: the channel also gets other hub replicas' messages (it delivers only to
        connections this replica holds, such as web chat sockets); otherwise only the replica where
        a message was stored delivers it (a Telegram send happens once)."""
        self._channels[name] = channel
        if everywhere:
            self._everywhere.add(name)

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(self._on_event, everywhere=True, feed=True)

    async def _on_event(self, event: Event) -> None:
        if event.remote and event.data.get("channel") not in self._everywhere:
            return
        if event.type == MESSAGE_CREATED:
            await self._deliver(event.data)
        elif event.type == CONVERSATION_NOTICE:
            await self._notify(ConversationNotice(**event.data))

    async def _deliver(self, data: dict[str, Any]) -> None:
        if data["internal"] or data["message"]["direction"] != "out":
            return
        channel = self._channels.get(data["channel"])
        if channel is None:
            return
        try:
            await channel.deliver(OutboundMessage.from_event(data))
        except Exception:
            log.exception("delivery to %s failed; the message stays stored", data["channel"])

    async def _notify(self, notice: ConversationNotice) -> None:
        channel = self._channels.get(notice.channel)
        if channel is None:
            return
        try:
            await channel.notify(notice)
        except Exception:
            log.exception("notice to %s failed", notice.channel)
