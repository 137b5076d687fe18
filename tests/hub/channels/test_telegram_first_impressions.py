"""Telegram's first impressions with the real python-telegram-bot client against the fake Bot API:
/start however it arrives, and the bot's Markdown as Telegram formatting instead of raw pipes."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_bot_api import FakeBotApi
from tests.hub.channels.support import GREETING, RunningHub
from tests.hub.channels.telegram_support import TelegramShopper, conversation_of, eventually, telegram, texts_to

pytestmark = pytest.mark.e2e
__all__ = ["telegram"]  # fixture
CHAT = 6001


@pytest.mark.parametrize("start", ["/start", "/start from-the-shop-page", "/START", "/start@shopdesk_test_bot"])
async def test_start_as_a_command_greets(telegram: tuple[RunningHub, FakeBotApi], start: str) -> None:
    hub, api = telegram
    TelegramShopper(api, CHAT).says(start)
    assert (await texts_to(api, CHAT, 1)) == [GREETING]
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == ["/greet"]


async def test_start_typed_without_telegram_marking_it_a_command_greets_too(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    TelegramShopper(api, CHAT).sends(text="/start")  # no bot_command entity, as some clients and bridges send it
    assert (await texts_to(api, CHAT, 1)) == [GREETING]
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == ["/greet"]


async def test_markdown_answers_arrive_as_telegram_formatting(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    _hub, api = telegram
    TelegramShopper(api, CHAT).says("how fast do you ship")
    (sent,) = await eventually(lambda: api.sent(CHAT))
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == "\n".join([
        "Orders paid by <b>14:00</b> leave the <i>same day</i>. &lt;b&gt;not bold&lt;/b&gt; "
        '&lt;img src=x onerror="window.pwned=1"&gt;',
        "• <b>Germany</b> — Carrier: DHL; Delivery time: 1–3 working days",
        "• <b>Other EU countries</b> — Carrier: GLS; Delivery time: 3–6 working days",
        '• Track it <a href="https://www.dhl.com/track?id=1&amp;x=2">at DHL</a>',
        "• Never this one nor that",
        '1. Product page: <a href="https://shop.example/products/SH-600">https://shop.example/products/SH-600</a>.',
        "2. Code <code>WELCOME10</code>",
    ])
    assert "|" not in sent.params["text"]


async def test_formatting_telegram_refuses_still_delivers_the_answer_as_plain_text(
    telegram: tuple[RunningHub, FakeBotApi],
) -> None:
    _hub, api = telegram
    api.fail("sendMessage", 400, "Bad Request: can't parse entities: unsupported start tag", chat_id=CHAT)
    TelegramShopper(api, CHAT).says("how fast do you ship")
    texts = await texts_to(api, CHAT, 2)
    first, second = api.sent(CHAT)
    assert first.params["parse_mode"] == "HTML" and "parse_mode" not in second.params
    assert texts[1].startswith("Orders paid by 14:00 leave the same day.")
    assert "Germany · DHL · 1–3 working days" in texts[1] and "at DHL (https://www.dhl.com/track?id=1&x=2)" in texts[1]


async def test_plain_answers_and_agents_words_go_without_formatting(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    _hub, api = telegram
    TelegramShopper(api, CHAT).says("where is my order 10002")
    (sent,) = await eventually(lambda: api.sent(CHAT))
    assert "parse_mode" not in sent.params
