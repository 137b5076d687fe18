"""First impressions with the real bot: the real Rasa server and action server behind a hub whose
Telegram channel runs the real python-telegram-bot client against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handoff.settings import HubSettings, TelegramSettings
from hub.app import create_app
from hub.channels.welcome import load_welcome
from tests.fakes.telegram_bot_api import FakeBotApi
from tests.handoff.hub_server import serve
from tests.hub.channels.telegram_support import TelegramShopper, eventually, texts_to
from tests.integration.servers import RasaServer

pytestmark = pytest.mark.integration
CHAT = 7001


@pytest.fixture
async def telegram(rasa_server: RasaServer, tmp_path: Path) -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi().start()
    settings = HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa_server.url, rasa_token=rasa_server.secret,
        telegram=TelegramSettings(token=api.token, api_base_url=api.url, seconds_between_sends=0.01),
    )
    try:
        async with serve(create_app(settings, shop=None, sweep=False)):
            yield api
    finally:
        api.stop()


async def test_start_is_greeted_with_what_the_bot_can_do(telegram: FakeBotApi) -> None:
    TelegramShopper(telegram, CHAT).says("/start")
    (greeting,) = await texts_to(telegram, CHAT, 1, timeout=30)
    assert greeting == load_welcome(HubSettings(database_url="").domain_file).text
    assert "outside what I can help with" not in greeting
    assert "check an order" in greeting and "start a return" in greeting
    keyboard = telegram.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    assert [button["callback_data"] for row in keyboard for button in row][:2] == ["/order_status", "/return_item"]


async def test_a_help_article_with_a_table_reads_as_telegram_formatting(telegram: FakeBotApi) -> None:
    TelegramShopper(telegram, CHAT).says("how long does delivery take to other EU countries?")
    answer = await eventually(lambda: next((c for c in telegram.sent(CHAT) if "Kassel" in c.params["text"]), None), 30)
    assert answer.params["parse_mode"] == "HTML"
    assert "• <b>Germany</b> — Carrier: DHL; Delivery time: 1–3 working days" in answer.params["text"]
    assert "<b>14:00 (CET) on a working day</b>" in answer.params["text"]
    assert "|" not in answer.params["text"]
