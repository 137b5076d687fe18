"""Telegram's first impressions with the real python-telegram-bot client against the fake Bot API:
/start however it arrives, the bot's Markdown as Telegram formatting instead of raw pipes, and
photos (the help articles ask for one "in this chat") stored with the conversation for the team."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from handoff import wording
from hub.channels import telegram_wording
from tests.fakes.telegram_bot_api import FakeBotApi
from tests.hub.channels.support import GREETING, ORDER_ANSWER, Agent, RunningHub
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


def jpeg_bytes(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(out, format="JPEG")
    return out.getvalue()


def photo_sizes(api: FakeBotApi, name: str) -> list[dict[str, Any]]:
    """What Telegram sends for one photo: the same picture in several sizes, smallest first."""
    sizes = []
    for suffix, (width, height) in (("s", (90, 68)), ("m", (320, 240)), ("x", (1280, 960))):
        data = jpeg_bytes((width, height))
        api.add_file(f"{name}-{suffix}", data)
        sizes.append({"file_id": f"{name}-{suffix}", "file_unique_id": f"u{name}{suffix}", "width": width,
                      "height": height, "file_size": len(data)})
    return sizes


async def stored_messages(hub: RunningHub, chat_id: int) -> list[dict[str, Any]]:
    return await hub.app.ctx.services.conversations.messages_after(await conversation_of(hub, chat_id), 0)


async def test_a_photo_with_a_caption_is_stored_and_the_caption_is_read_as_text(
    telegram: tuple[RunningHub, FakeBotApi],
) -> None:
    hub, api = telegram
    TelegramShopper(api, CHAT).sends(photo=photo_sizes(api, "broken"), caption="where is my order 10002")
    assert (await texts_to(api, CHAT, 1)) == [ORDER_ANSWER]
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == ["where is my order 10002"]
    (sent, _answer) = await stored_messages(hub, CHAT)
    (photo,) = sent["attachments"]
    assert (photo["width"], photo["height"], photo["content_type"]) == (1280, 960, "image/jpeg")  # the largest size
    assert sent["text"] == "where is my order 10002"
    assert [c.params["file_id"] for c in api.sent(None, "getFile")] == ["broken-x"]


async def test_a_photo_alone_is_kept_for_the_team_and_the_bot_is_not_asked(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    TelegramShopper(api, CHAT).sends(photo=photo_sizes(api, "label"))
    (answer,) = await texts_to(api, CHAT, 1)
    assert answer == wording.PHOTO_SAVED
    keyboard = api.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Talk to a person", "callback_data": "/request_human"}]]
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == []
    (sent, _) = await stored_messages(hub, CHAT)
    assert sent["text"] is None and len(sent["attachments"]) == 1


async def test_an_image_sent_as_a_file_counts_as_a_photo_and_other_files_do_not(
    telegram: tuple[RunningHub, FakeBotApi],
) -> None:
    hub, api = telegram
    api.add_file("doc-1", jpeg_bytes((500, 400)))
    api.add_file("doc-2", b"<html><script>alert(1)</script></html>")
    ada = TelegramShopper(api, CHAT)
    ada.sends(document={"file_id": "doc-1", "file_unique_id": "d1", "mime_type": "image/jpeg", "file_size": 9000,
                        "file_name": "parcel.jpg"}, caption="the box")
    await texts_to(api, CHAT, 1)
    ada.sends(document={"file_id": "doc-2", "file_unique_id": "d2", "mime_type": "image/png", "file_size": 40,
                        "file_name": "evil.png"})
    texts = await texts_to(api, CHAT, 2)
    assert texts[1] == telegram_wording.refused("invalid_image")
    messages = await stored_messages(hub, CHAT)
    assert [len(m["attachments"]) for m in messages if m["author_kind"] == "shopper"] == [1]


async def test_a_photo_too_large_for_the_hub_is_declined_politely(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    _hub, api = telegram
    huge = [{"file_id": "huge", "file_unique_id": "h", "width": 9000, "height": 9000, "file_size": 15_000_000}]
    TelegramShopper(api, CHAT).sends(photo=huge)
    assert (await texts_to(api, CHAT, 1)) == [telegram_wording.PHOTO_TOO_LARGE]
    assert api.sent(None, "getFile") == []


async def test_during_a_handoff_the_agent_gets_the_photo(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    ada.says("/human")
    await texts_to(api, CHAT, 2)
    ada.sends(photo=photo_sizes(api, "damage"), caption="this is how it arrived")
    agent = await Agent.sign_up(hub, "Anna")
    try:
        ticket = await agent.ticket_of(await conversation_of(hub, CHAT))
        detail = await eventually(lambda: _with_photo(agent, ticket["id"]))
        photo = detail["attachments"][0]
        image = await agent._client.get(f"/api/agent/attachments/{photo['id']}")
    finally:
        await agent.close()
    assert detail["text"] == "this is how it arrived"
    assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).size == (1280, 960)
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == ["/request_human"]


async def _with_photo(agent: Agent, ticket_id: int) -> dict[str, Any] | None:
    detail = await agent.call("GET", f"/api/agent/tickets/{ticket_id}")
    return next((m for m in detail["messages"] if m["attachments"]), None)
