"""What a channel hands to the hub: one shopper message, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Inbound:
    channel: str
    text: str
    conversation_id: str | None = None
    channel_user_id: str | None = None
    external_id: str | None = None
    display_name: str | None = None
    # Only what the channel itself proved (e.g. a signed-in shop customer's email).
    identity: dict[str, str] = field(default_factory=dict)
    # Photos already stored in this conversation (handoff/attachments.py) that come with the text,
    # which may then be empty.
    attachment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandleResult:
    conversation_id: str
    state: str
    duplicate: bool
    messages: list[dict[str, Any]]


class InboundHandler(Protocol):
    """The router implements this; handoff's shopper API depends only on the protocol."""

    async def handle(self, inbound: Inbound) -> HandleResult: ...
