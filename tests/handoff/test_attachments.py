"""Photos in the database, on SQLite and on PostgreSQL: stored, claimed once by the message they
came with, read back with their bytes, capped while unsent, and deleted when never sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from handoff import attachments
from handoff.clock import utcnow
from handoff.conversations import append_message, get_conversation, messages_after, open_conversation
from handoff.errors import BadInput, NotFound, TooManyRequests
from handoff.models import Attachment
from handoff.serialize import message_json
from tests.handoff.databases import HubDb


@dataclass(frozen=True)
class Picture:
    data: bytes
    content_type: str = "image/png"
    width: int = 3
    height: int = 2


async def test_a_photo_is_stored_claimed_and_read_back(any_db: HubDb) -> None:
    async with any_db.uows() as uow:
        conversation, _ = await open_conversation(uow, "webchat")
        photo = await attachments.store(uow, conversation.id, Picture(b"\x89PNG pixels \x00\xff"))
        await uow.commit()
    async with any_db.uows() as uow:
        conversation = await get_conversation(uow.session, conversation.id)
        claimed = await attachments.claim(uow, conversation.id, (photo.id,))
        message = await append_message(uow, conversation, direction="in", author_kind="shopper",
                                       attachments=[attachments.summary(p) for p in claimed])
        attachments.attach(claimed, message)
        await uow.commit()
    async with any_db.uows() as uow:
        (stored,) = await messages_after(uow.session, conversation.id, 0, 10, include_internal=False)
        assert message_json(stored)["attachments"] == [
            {"id": photo.id, "content_type": "image/png", "width": 3, "height": 2, "size": 14}]
        back = await attachments.read(uow, photo.id, conversation.id)
        assert back.data == b"\x89PNG pixels \x00\xff" and back.message_id == stored.id
        with pytest.raises(BadInput):
            await attachments.claim(uow, conversation.id, (photo.id,))
        with pytest.raises(NotFound):
            await attachments.read(uow, photo.id, "0" * 32)
        with pytest.raises(NotFound):
            await attachments.read(uow, "'; drop table attachments; --")


async def test_unsent_photos_are_capped_per_conversation(db: HubDb) -> None:
    async with db.uows() as uow:
        conversation, _ = await open_conversation(uow, "webchat")
        for _ in range(attachments.MAX_UNSENT):
            await attachments.store(uow, conversation.id, Picture(b"x"))
        with pytest.raises(TooManyRequests):
            await attachments.store(uow, conversation.id, Picture(b"x"))


def test_a_message_without_photos_says_so() -> None:
    assert attachments.parse_ids(None) == () and attachments.parse_ids(["a" * 32, "a" * 32]) == ("a" * 32,)
    assert attachments.caption("   ", 10) == "" and attachments.caption(" hi ", 10) == "hi"


async def test_photos_never_sent_are_deleted_after_a_day_and_sent_ones_kept(any_db: HubDb) -> None:
    async with any_db.uows() as uow:
        conversation, _ = await open_conversation(uow, "webchat")
        old_unsent = await attachments.store(uow, conversation.id, Picture(b"left behind"))
        new_unsent = await attachments.store(uow, conversation.id, Picture(b"still choosing"))
        old_sent = await attachments.store(uow, conversation.id, Picture(b"sent with a message"))
        await uow.commit()
    async with any_db.uows() as uow:
        conversation = await get_conversation(uow.session, conversation.id)
        claimed = await attachments.claim(uow, conversation.id, (old_sent.id,))
        message = await append_message(uow, conversation, direction="in", author_kind="shopper",
                                       attachments=[attachments.summary(p) for p in claimed])
        attachments.attach(claimed, message)
        for photo in await uow.session.scalars(select(Attachment).where(Attachment.id.in_([old_unsent.id, old_sent.id]))):
            photo.created_at = utcnow() - attachments.UNSENT_KEPT - timedelta(minutes=1)
        await uow.commit()

    assert await attachments.discard_unsent(any_db.uows) == 1

    async with any_db.uows() as uow:
        with pytest.raises(NotFound):
            await attachments.read(uow, old_unsent.id, conversation.id)
        assert (await attachments.read(uow, new_unsent.id, conversation.id)).data == b"still choosing"
        assert (await attachments.read(uow, old_sent.id, conversation.id)).data == b"sent with a message"
    assert await attachments.discard_unsent(any_db.uows) == 0
