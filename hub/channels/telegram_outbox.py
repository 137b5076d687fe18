"""The `telegram` delivery channel: the hub's stored messages, rendered for Telegram and sent in
order, paced per chat, split when long; a chat whose user blocked the bot is left alone."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
from collections import OrderedDict

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from handoff.delivery import ConversationNotice, OutboundMessage
from handoff.settings import TelegramSettings
from handoff.states import State
from hub.channels.telegram_limits import ChatPacer, split_text, with_retries
from hub.channels.telegram_render import Part, parts_of

log = logging.getLogger(__name__)
CHANNEL_NAME = "telegram"
MAX_CALLBACK_BYTES = 64
_RATING = re.compile(r'^/csat\s*\{\s*"rating"\s*:\s*"?[1-5]"?\s*\}$')
_NPS = re.compile(r'^/nps\s*\{\s*"score"\s*:\s*"?(?:10|[0-9])"?\s*\}$')
_NPS_ROW = 6
_REMEMBERED_PAYLOADS = 5000
_DRAIN_SECONDS = 5.0


class ButtonPayloads:
    """Telegram carries at most 64 bytes of callback data; longer payloads travel as a short key."""

    def __init__(self) -> None:
        self._by_key: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_BYTES and not payload.startswith("k:"):
            return payload
        key = "k:" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._by_key[key] = payload
        self._by_key.move_to_end(key)
        while len(self._by_key) > _REMEMBERED_PAYLOADS:
            self._by_key.popitem(last=False)
        return key

    def payload_of(self, data: str) -> str | None:
        """None for a key we no longer know (e.g. a button from before a restart)."""
        return self._by_key.get(data) if data.startswith("k:") else data


def keyboard(buttons: list[dict[str, str]], payloads: ButtonPayloads) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b["title"][:64], callback_data=payloads.data_for(b["payload"])) for b in buttons]
    if all(_RATING.match(b["payload"]) for b in buttons):
        return InlineKeyboardMarkup([keys])
    if all(_NPS.match(b["payload"]) for b in buttons):
        # 0-10 in two rows (0-5, 6-10): eleven keys in one row are too narrow to tap on a phone.
        return InlineKeyboardMarkup([keys[i : i + _NPS_ROW] for i in range(0, len(keys), _NPS_ROW)])
    return InlineKeyboardMarkup([keys[i : i + 2] for i in range(0, len(keys), 2)])


class TelegramOutbox:
    """One sending queue per chat keeps the order; the bus never waits for Telegram."""

    def __init__(self, bot: Bot, settings: TelegramSettings, payloads: ButtonPayloads) -> None:
        self.bot = bot
        self.payloads = payloads
        self._settings = settings
        self._pacer = ChatPacer(settings.seconds_between_sends)
        self._queues: dict[int, asyncio.Queue[tuple[Part, InlineKeyboardMarkup | None]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._blocked: set[int] = set()
        self._queue_positions: dict[int, int] = {}

    def is_blocked(self, chat_id: int) -> bool:
        return chat_id in self._blocked

    def block(self, chat_id: int) -> None:
        log.info("Telegram chat %s blocked the bot; not sending there until it writes again", chat_id)
        self._blocked.add(chat_id)
        queue = self._queues.get(chat_id)
        while queue is not None and not queue.empty():
            queue.get_nowait()

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    async def deliver(self, message: OutboundMessage) -> None:
        parts = parts_of(message)
        if message.channel_user_id is None or not parts:
            return
        self.send(int(message.channel_user_id), parts, keyboard(message.buttons, self.payloads))

    async def notify(self, notice: ConversationNotice) -> None:
        """Tells a waiting shopper when they move up in line (the first place is in the stored message)."""
        if notice.channel_user_id is None:
            return
        chat_id = int(notice.channel_user_id)
        if notice.kind == "state" and notice.data.get("state") != State.QUEUED:
            self._queue_positions.pop(chat_id, None)
        if notice.kind == "queue":
            position, before = notice.data["position"], self._queue_positions.get(chat_id)
            self._queue_positions[chat_id] = position
            if before is not None and position < before:
                self.say(chat_id, f"You're now number {position} in line.")

    def say(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        self.send(chat_id, [Part(part) for part in split_text(text)], markup)

    def send(self, chat_id: int, parts: list[Part], markup: InlineKeyboardMarkup | None = None) -> None:
        """Queues the parts in order; the keyboard goes with the last one."""
        if chat_id in self._blocked:
            return
        queue = self._queues.setdefault(chat_id, asyncio.Queue())
        for index, part in enumerate(parts):
            queue.put_nowait((part, markup if index == len(parts) - 1 else None))
        worker = self._workers.get(chat_id)
        if worker is None or worker.done():
            self._workers[chat_id] = asyncio.create_task(self._drain(chat_id, queue))

    async def _drain(self, chat_id: int, queue: asyncio.Queue[tuple[Part, InlineKeyboardMarkup | None]]) -> None:
        while not queue.empty():
            part, markup = queue.get_nowait()
            await self._pacer.wait(chat_id)
            try:
                await self._send_part(chat_id, part, markup)
            except Forbidden:
                self.block(chat_id)
            except TelegramError:
                log.exception("could not send to Telegram chat %s; the message stays stored in the hub", chat_id)
            self._pacer.sent(chat_id)
        # No await since the queue was found empty: say() cannot have added to it in between.
        self._queues.pop(chat_id, None)
        self._workers.pop(chat_id, None)

    async def _send_part(self, chat_id: int, part: Part, markup: InlineKeyboardMarkup | None) -> None:
        attempts = self._settings.max_send_attempts
        if not part.html:
            await with_retries(functools.partial(self.bot.send_message, chat_id, part.text, reply_markup=markup), attempts)
            return
        try:
            await with_retries(functools.partial(self.bot.send_message, chat_id, part.text, parse_mode=ParseMode.HTML,
                                                 reply_markup=markup), attempts)
        except BadRequest as error:
            if "parse" not in str(error).lower():
                raise
            # Formatting Telegram cannot parse must not cost the shopper the answer.
            log.warning("Telegram refused the formatting (%s); sending the answer as plain text", error)
            await with_retries(functools.partial(self.bot.send_message, chat_id, part.plain, reply_markup=markup), attempts)

    async def close(self) -> None:
        """Gives queued messages a few seconds to go out, then stops."""
        workers = [w for w in self._workers.values() if not w.done()]
        if workers:
            await asyncio.wait(workers, timeout=_DRAIN_SECONDS)
        for worker in workers:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
