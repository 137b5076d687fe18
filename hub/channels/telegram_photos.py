"""Photos sent to the bot in Telegram: the largest size Telegram offers that the hub accepts,
downloaded through the Bot API, re-encoded (hub/images.py) and stored with the shopper's
conversation, so the message that carries them (its caption is its text) can claim them."""

from __future__ import annotations

from telegram import Bot, Message

from handoff import attachments
from handoff.context import Services
from hub.channels.telegram_outbox import CHANNEL_NAME
from hub.images import MAX_UPLOAD_BYTES, clean_photo


class PhotoTooLarge(Exception):
    """Telegram offers no size of it within the hub's limit."""


def photo_file(message: Message) -> str | None:
    """The file id of the photo in the message (a photo, or an image sent as a file); None if none."""
    if message.photo:
        fitting = [size for size in message.photo if (size.file_size or 0) <= MAX_UPLOAD_BYTES]
        if not fitting:
            raise PhotoTooLarge
        return max(fitting, key=lambda size: size.width * size.height).file_id
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        if (document.file_size or 0) > MAX_UPLOAD_BYTES:
            raise PhotoTooLarge
        return document.file_id
    return None


async def store_photo(services: Services, bot: Bot, message: Message, file_id: str) -> str:
    """Downloads, re-encodes and stores the photo; the id of the stored attachment."""
    file = await bot.get_file(file_id)
    photo = await clean_photo(bytes(await file.download_as_bytearray()))
    chat_user = str(message.chat_id)
    ref = await services.conversations.find(CHANNEL_NAME, chat_user)
    if ref is None:
        sender = message.from_user
        ref = await services.conversations.open(CHANNEL_NAME, chat_user, sender.full_name if sender else None)
    async with services.uows() as uow:
        stored = await attachments.store(uow, ref.id, photo)
        await uow.commit()
        return stored.id
