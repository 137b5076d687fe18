"""Telegram's own limits: 4096 characters a message, about one message a second in a chat, and
429 answers that say how long to wait."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)
MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units
T = TypeVar("T")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at a paragraph, else a line, else a space."""
    parts: list[str] = []
    while utf16_length(text) > limit:
        window = text[: _fitting_prefix(text, limit)]
        cut = next((i for i in (window.rfind(sep) for sep in ("\n\n", "\n", " ")) if i > 0), len(window))
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        parts.append(text)
    return parts


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


class ChatPacer:
    """Spaces sends to one chat `interval` seconds apart; callers queue up in order of arrival."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._next_slot: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self._clock()
        slot = max(now, self._next_slot.get(chat_id, now))
        self._next_slot[chat_id] = slot + self._interval
        if len(self._next_slot) > 10_000:
            self._next_slot = {chat: at for chat, at in self._next_slot.items() if at > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    def sent(self, chat_id: int) -> None:
        """A send that took a while still leaves a full interval before the next one."""
        self._next_slot[chat_id] = max(self._next_slot.get(chat_id, 0.0), self._clock() + self._interval)


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retries(send: Callable[[], Awaitable[T]], attempts: int) -> T:
    """Retries after a 429 (waiting what Telegram asked) and after network trouble (backing off).

    Refusals (blocked by the user, bad request) are not retried: trying again would not help.
    """
    for attempt in range(1, attempts):
        try:
            return await send()
        except RetryAfter as error:
            wait = retry_seconds(error)
        except (Forbidden, BadRequest):
            raise
        except NetworkError as error:
            wait = 2.0 ** (attempt - 1)
            log.info("Telegram send failed (%s), retrying", error)
        await asyncio.sleep(wait)
    return await send()
