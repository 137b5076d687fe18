"""What the router tests share: a channel that records what it is handed (checking each message
was stored first), and a Telegram shopper's message."""

from __future__ import annotations

from typing import Any

from handoff.delivery import ConversationNotice, OutboundMessage
from handoff.inbound import Inbound
from handoff.models import Message
from tests.handoff.databases import HubDb


class RecordingChannel:
    """A channel as the widget or Telegram would register it; checks each message is stored first."""

    def __init__(self, db: HubDb) -> None:
        self.db = db
        self.delivered: list[OutboundMessage] = []
        self.notices: list[ConversationNotice] = []
        self.unstored: list[int] = []

    async def deliver(self, message: OutboundMessage) -> None:
        async with self.db.uows() as uow:
            stored = await uow.session.execute(
                Message.__table__.select().where(Message.conversation_id == message.conversation_id, Message.seq == message.seq)
            )
            if stored.first() is None:
                self.unstored.append(message.seq)
        self.delivered.append(message)

    async def notify(self, notice: ConversationNotice) -> None:
        self.notices.append(notice)


def telegram(text: str, chat: str = "777", **extra: Any) -> Inbound:
    return Inbound(channel="telegram", text=text, channel_user_id=chat, display_name="Ada", **extra)
