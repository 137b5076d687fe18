"""Photos in a conversation: stored when they arrive (already re-encoded by the channel's side,
hub/images.py), claimed by the shopper message they came with, and read back only by that
conversation's shopper or by an agent.

A photo uploaded but never sent with a message (the shopper picked it and left) is deleted once a
day after UNSENT_KEPT (`discard_unsent`, one of the hub's daily chores).

A message carries a summary of each of its photos (id, type, size in pixels and bytes), so every
reader of a transcript knows they are there without loading them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import undefer

from handoff.clock import utcnow
from handoff.errors import BadInput, NotFound, TooManyRequests
from handoff.models import Attachment, Message
from handoff.text import clean_text
from handoff.uow import UnitOfWork, UnitOfWorkFactory

MAX_PER_MESSAGE = 4
# Photos uploaded but never sent with a message; past this, a conversation must send them first.
MAX_UNSENT = 8
UNSENT_KEPT = timedelta(hours=24)


class Image(Protocol):
    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...


def summary(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "content_type": attachment.content_type, "width": attachment.width,
            "height": attachment.height, "size": attachment.size}


async def store(uow: UnitOfWork, conversation_id: str, image: Image) -> Attachment:
    unsent = await uow.session.scalar(
        select(func.count()).select_from(Attachment)
        .where(Attachment.conversation_id == conversation_id, Attachment.message_id.is_(None)))
    if (unsent or 0) >= MAX_UNSENT:
        raise TooManyRequests("Please send the photos you added before adding more.", retry_after=60)
    attachment = Attachment(
        id=uuid.uuid4().hex, conversation_id=conversation_id, content_type=image.content_type,
        width=image.width, height=image.height, size=len(image.data),
        sha256=hashlib.sha256(image.data).hexdigest(), data=image.data,
    )
    uow.session.add(attachment)
    await uow.session.flush()
    return attachment


def parse_ids(raw: object) -> tuple[str, ...]:
    """The `attachment_ids` a client sends with a message: a short list of ids, each once."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_PER_MESSAGE or not all(isinstance(i, str) for i in raw):
        raise BadInput(f"'attachment_ids' must be a list of at most {MAX_PER_MESSAGE} ids.", "invalid_field")
    ids = tuple(dict.fromkeys(raw))
    if not all(_is_id(i) for i in ids):
        raise BadInput("'attachment_ids' holds an id no photo has.", "invalid_field")
    return ids


async def claim(uow: UnitOfWork, conversation_id: str, ids: tuple[str, ...]) -> list[Attachment]:
    """The conversation's photos not sent yet, in the order given; any other id is refused."""
    if not ids:
        return []
    found = {a.id: a for a in (await uow.session.execute(
        select(Attachment).where(Attachment.id.in_(ids), Attachment.conversation_id == conversation_id,
                                 Attachment.message_id.is_(None)))).scalars()}
    if len(found) != len(ids):
        raise BadInput("A photo in this message was not uploaded to this conversation, or was already sent.",
                       "invalid_field")
    return [found[i] for i in ids]


def caption(raw: object, limit: int) -> str:
    """The words sent with photos, cleaned like any text; unlike a text message they may be none."""
    return "" if isinstance(raw, str) and not raw.strip() else clean_text(raw, limit)


def attach(attachments: list[Attachment], message: Message) -> None:
    for attachment in attachments:
        attachment.message_id = message.id


async def read(uow: UnitOfWork, attachment_id: str, conversation_id: str | None = None) -> Attachment:
    """The photo with its bytes; `conversation_id` limits it to that conversation (a shopper's)."""
    if not _is_id(attachment_id):
        raise NotFound("No such photo.")
    query = select(Attachment).where(Attachment.id == attachment_id).options(undefer(Attachment.data))
    if conversation_id is not None:
        query = query.where(Attachment.conversation_id == conversation_id)
    found = (await uow.session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such photo.")
    return found


def _is_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


async def discard_unsent(uows: UnitOfWorkFactory, now: datetime | None = None) -> int:
    """Deletes the photos uploaded more than UNSENT_KEPT ago and never sent; returns how many."""
    cutoff = (now or utcnow()) - UNSENT_KEPT
    async with uows() as uow:
        result = await uow.session.execute(
            delete(Attachment).where(Attachment.message_id.is_(None), Attachment.created_at < cutoff))
        await uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)
