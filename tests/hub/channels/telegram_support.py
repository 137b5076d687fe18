"""Telegram shoppers for the tests: each action builds the update Telegram would send and hands
it to the fake Bot API, and the hub under test picks it up with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from handoff.settings import TelegramSettings
from tests.fakes.telegram_bot_api import BOT_USER, FakeBotApi
from tests.handoff.hub_server import free_port
from tests.hub.channels.support import RunningHub, running_hub

_message_ids = itertools.count(1)


@dataclass
class TelegramShopper:
    api: FakeBotApi
    chat_id: int
    first_name: str = "Ada"
    chat_type: str = "private"
    last_update_id: int = field(default=0, init=False)

    def says(self, text: str) -> dict[str, Any]:
        message = self._message(text=text)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]
        return self._send({"message": message})

    def sends(self, **content: Any) -> dict[str, Any]:
        return self._send({"message": self._message(**content)})

    def edits(self, text: str) -> dict[str, Any]:
        return self._send({"edited_message": {**self._message(text=text), "edit_date": int(time.time())}})

    def presses(self, data: str, message_id: int) -> dict[str, Any]:
        message = {**self._message(text="(bot message)"), "message_id": message_id, "from": BOT_USER,
                   "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": data}]]}}
        query = {"id": f"cq{message_id}{self.chat_id}", "from": self._user(), "chat_instance": "ci",
                 "data": data, "message": message}
        return self._send({"callback_query": query})

    def blocks_the_bot(self) -> dict[str, Any]:
        member = {"chat": self._chat(), "from": self._user(), "date": int(time.time()),
                  "old_chat_member": {"status": "member", "user": BOT_USER},
                  "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0}}
        return self._send({"my_chat_member": member})

    def resend(self, update: dict[str, Any]) -> None:
        self.api.inject(update)

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.api.next_update_id(), **body}
        self.last_update_id = update["update_id"]
        self.api.inject(update)
        return update

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": next(_message_ids), "date": int(time.time()), "chat": self._chat(),
                "from": self._user(), **content}

    def _chat(self) -> dict[str, Any]:
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"id": self.chat_id, "type": self.chat_type, "title": "Shop fans"}

    def _user(self) -> dict[str, Any]:
        return {"id": abs(self.chat_id), "is_bot": False, "first_name": self.first_name}


async def eventually(check: Callable[[], Any], timeout: float = 8.0) -> Any:
    """Waits until `check()` (plain or async) returns something truthy, and returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)


async def texts_to(api: FakeBotApi, chat_id: int, count: int, timeout: float = 8.0) -> list[str]:
    return await eventually(lambda: len(api.texts(chat_id)) >= count and api.texts(chat_id), timeout)


@asynccontextmanager
async def telegram_hub(
    tmp_path: Path, *, webhook: bool = False, pace: float = 0.02
) -> AsyncIterator[tuple[RunningHub, FakeBotApi]]:
    api = FakeBotApi().start()
    port = free_port()
    settings = TelegramSettings(token=api.token, api_base_url=api.url, seconds_between_sends=pace,
                                public_url=f"http://127.0.0.1:{port}" if webhook else None)
    try:
        async with running_hub(tmp_path, port, telegram=settings) as hub:
            yield hub, api
    finally:
        api.stop()


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[tuple[RunningHub, FakeBotApi]]:
    """A hub with Telegram on (polling the fake Bot API); import it into a test module to use it."""
    async with telegram_hub(tmp_path) as running:
        yield running


async def conversation_of(hub: RunningHub, chat_id: int) -> str:
    ref = await hub.app.ctx.services.conversations.find("telegram", str(chat_id))
    assert ref is not None
    return ref.id
