"""Telegram with the real python-telegram-bot client inside a real hub, pointed at the fake Bot
API server: conversations, handoff, odd updates, duplicates and Telegram's limits."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable
from pathlib import Path

import httpx
import pytest

from tests.fakes.telegram_bot_api import FakeBotApi
from tests.hub.channels.support import GREETING, LONG_ANSWER, ORDER_ANSWER, Agent, RunningHub, ask_nps
from tests.hub.channels.telegram_support import TelegramShopper, conversation_of, eventually, telegram, telegram_hub, texts_to

pytestmark = pytest.mark.e2e
__all__ = ["telegram"]  # fixture
CHAT = 5001


async def test_start_greets_with_buttons_and_a_question_gets_its_answer(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    ada.says("/start")
    assert (await texts_to(api, CHAT, 1)) == [GREETING]
    keyboard = api.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Where is my order?", "callback_data": "/order_status"}]]
    assert api.sent(CHAT, "sendChatAction")[0].params["action"] == "typing"

    ada.says("where is my order 10002")
    assert (await texts_to(api, CHAT, 2))[1] == ORDER_ANSWER

    ada.presses("/order_status", message_id=1)
    await eventually(lambda: api.sent(None, "answerCallbackQuery"))
    await eventually(lambda: api.sent(CHAT, "editMessageReplyMarkup"))
    conversation = await conversation_of(hub, CHAT)
    await eventually(lambda: hub.rasa.messages_from(conversation) == ["/greet", "where is my order 10002", "/order_status"])


async def test_human_hands_off_the_agent_replies_and_the_rating_is_asked(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    ada.says("/human")
    texts = await texts_to(api, CHAT, 2)
    assert texts[0] == "I'll bring in a person from our support team." and texts[1].startswith("Connecting you to a person")
    agent = await Agent.sign_up(hub, "Anna")
    try:
        ticket = await agent.take_and_reply(await conversation_of(hub, CHAT), "Hi, Anna here <b>really</b>.")
        texts = await texts_to(api, CHAT, 4)
        assert texts[2:4] == ["Anna joined the conversation.", "Anna: Hi, Anna here <b>really</b>."]
        assert all("parse_mode" not in call.params for call in api.sent(CHAT))

        ada.says("thanks, my parcel is late")
        await eventually(lambda: _contains(transcript(agent, ticket), "thanks, my parcel is late"))

        await agent.call("POST", f"/api/agent/tickets/{ticket}/resolve")
        await eventually(lambda: any(c.params.get("reply_markup") and "rate" in c.params["text"] for c in api.sent(CHAT)))
        rating = next(c for c in api.sent(CHAT) if c.params.get("reply_markup") and "rate" in c.params["text"])
        row = rating.params["reply_markup"]["inline_keyboard"]
        assert len(row) == 1 and [b["text"] for b in row[0]] == ["1", "2", "3", "4", "5"]
        ada.presses(row[0][4]["callback_data"], message_id=9)
        await eventually(lambda: any("anything you'd like to tell us" in t for t in api.texts(CHAT)))
        detail = await agent.call("GET", f"/api/agent/tickets/{ticket}")
    finally:
        await agent.close()
    assert detail["csat"]["rating"] == 5


async def test_with_the_nps_question_on_0_to_10_buttons_follow_the_rating(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    await ask_nps(hub)
    ada = TelegramShopper(api, CHAT)
    ada.says("/human")
    await texts_to(api, CHAT, 2)
    agent = await Agent.sign_up(hub, "Anna")
    try:
        ticket = await agent.take_and_reply(await conversation_of(hub, CHAT), "Sorted.")
        await agent.call("POST", f"/api/agent/tickets/{ticket}/resolve")
        await eventually(lambda: any(c.params.get("reply_markup") and "rate" in c.params["text"] for c in api.sent(CHAT)))
        rating = next(c for c in api.sent(CHAT) if c.params.get("reply_markup") and "rate" in c.params["text"])
        ada.presses(rating.params["reply_markup"]["inline_keyboard"][0][3]["callback_data"], message_id=9)
        await eventually(lambda: any(c.params.get("reply_markup") and "recommend" in c.params["text"] for c in api.sent(CHAT)))
        question = next(c for c in api.sent(CHAT) if c.params.get("reply_markup") and "recommend" in c.params["text"])
        rows = question.params["reply_markup"]["inline_keyboard"]
        assert [[b["text"] for b in row] for row in rows] == [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
        ada.presses(rows[1][2]["callback_data"], message_id=10)
        await eventually(lambda: any("anything you'd like to tell us" in t for t in api.texts(CHAT)))
        detail = await agent.call("GET", f"/api/agent/tickets/{ticket}")
    finally:
        await agent.close()
    assert (detail["csat"]["rating"], detail["csat"]["nps"]) == (4, 8)


async def transcript(agent: Agent, ticket: int) -> list[str]:
    messages = (await agent.call("GET", f"/api/agent/tickets/{ticket}/messages?after=0"))["messages"]
    return [m["text"] for m in messages]


async def _contains(texts: Awaitable[list[str]], text: str) -> list[str] | None:
    found = await texts
    return found if text in found else None


async def test_stickers_voice_and_documents_get_a_polite_answer(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    ada.sends(sticker={"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "emoji": "😀"})
    ada.sends(voice={"file_id": "v1", "file_unique_id": "u2", "duration": 3})
    ada.sends(document={"file_id": "d1", "file_unique_id": "u3", "file_name": "receipt.pdf"})
    texts = await texts_to(api, CHAT, 3)
    assert texts == [
        "Thanks! I can read text and photos, but I can't see a sticker (😀). Please type your question in words.",
        "Thanks! I can read text and photos, but I can't see a voice message. Please type your question in words.",
        "Thanks! I can read text and photos, but I can't see a document (receipt.pdf). Please type your question in words.",
    ]
    ada.edits("where is my order 10002 (typo fixed)")
    assert (await texts_to(api, CHAT, 4))[3].startswith("I only read new messages")
    ada.says("/help")
    assert (await texts_to(api, CHAT, 5))[4].startswith("Just type your question")
    assert await hub.app.ctx.services.conversations.find("telegram", str(CHAT)) is None


async def test_during_a_handoff_a_voice_message_reaches_the_agent_as_a_message(telegram: tuple[RunningHub,
                                                                                                      FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    ada.says("/human")
    await texts_to(api, CHAT, 2)
    ada.sends(voice={"file_id": "v1", "file_unique_id": "u4", "duration": 3}, caption="the box was crushed")
    ada.edits("corrected: the lid was crushed")
    texts = await texts_to(api, CHAT, 3)
    assert texts[2] == ("I've told our team you sent a voice message, but they can only see text and photos here. "
                        "Please describe it in a message.")
    agent = await Agent.sign_up(hub, "Anna")
    try:
        ticket = (await agent.ticket_of(await conversation_of(hub, CHAT)))["id"]
        texts = await eventually(lambda: _contains(transcript(agent, ticket), "(edited) corrected: the lid was crushed"))
    finally:
        await agent.close()
    assert '[The shopper sent a voice message with the text "the box was crushed"; the desk shows text only.]' in texts


async def test_group_chats_get_pointed_to_a_private_chat_only_when_addressing_the_bot(telegram: tuple[RunningHub,
                                                                                                      FakeBotApi]) -> None:
    hub, api = telegram
    group = TelegramShopper(api, -100777, chat_type="supergroup")
    group.says("anyone know when the sale starts?")
    group.says("@shopdesk_test_bot where is my order 10002")
    await texts_to(api, -100777, 1)
    group.says("/start@shopdesk_test_bot")
    texts = await texts_to(api, -100777, 2)
    assert texts == [
        "I help with orders in private chats only, to keep your details private. Write to me directly: @shopdesk_test_bot"
    ] * 2
    assert await hub.app.ctx.services.conversations.find("telegram", "-100777") is None


async def test_an_update_delivered_twice_is_handled_once(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    ada = TelegramShopper(api, CHAT)
    update = ada.says("where is my order 10002")
    await texts_to(api, CHAT, 1)
    ada.resend(update)
    ada.says("hello")
    await texts_to(api, CHAT, 2)
    await asyncio.sleep(0.3)
    assert api.texts(CHAT) == [ORDER_ANSWER, "bot heard: hello"]
    assert hub.rasa.messages_from(await conversation_of(hub, CHAT)) == ["where is my order 10002", "hello"]


async def test_a_long_answer_is_split_on_paragraphs_and_paced(tmp_path: Path) -> None:
    async with telegram_hub(tmp_path, pace=0.4) as (_hub, api):
        TelegramShopper(api, CHAT).says("tell me everything")
        await texts_to(api, CHAT, 3)
        await asyncio.sleep(0.5)
        calls = api.sent(CHAT)
    parts = [c.params["text"] for c in calls]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == LONG_ANSWER
    assert all(p.startswith("Paragraph") for p in parts)
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
    assert min(gaps) >= 0.35


async def test_a_429_is_retried_after_the_time_telegram_asks(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    _hub, api = telegram
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=CHAT)
    TelegramShopper(api, CHAT).says("hello")
    await eventually(lambda: len(api.sent(CHAT)) == 2)
    first, second = api.sent(CHAT)
    assert first.params["text"] == second.params["text"] == "bot heard: hello"
    assert second.at - first.at >= 0.95


async def test_a_user_who_blocked_the_bot_is_not_written_to_and_nothing_breaks(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    hub, api = telegram
    api.block(CHAT)
    ada, ben = TelegramShopper(api, CHAT), TelegramShopper(api, CHAT + 1, "Ben")
    ada.says("/human")
    await eventually(lambda: api.sent(CHAT))
    agent = await Agent.sign_up(hub, "Anna")
    try:
        await agent.take_and_reply(await conversation_of(hub, CHAT), "Are you still there?")
        ben.says("where is my order 10002")
        assert await texts_to(api, CHAT + 1, 1) == [ORDER_ANSWER]
    finally:
        await agent.close()
    assert len(api.sent(CHAT)) == 1

    carl = TelegramShopper(api, CHAT + 2, "Carl")
    carl.says("hello")
    await texts_to(api, CHAT + 2, 1)
    carl.blocks_the_bot()
    await eventually(lambda: hub.app.ctx.telegram_outbox.is_blocked(CHAT + 2))
    assert hub.app.ctx.telegram.running


async def test_webhook_mode_sets_the_webhook_and_takes_updates_from_it(tmp_path: Path) -> None:
    async with telegram_hub(tmp_path, webhook=True) as (hub, api):
        assert api.webhook is not None and api.webhook["url"] == hub.url + "/telegram/webhook"
        TelegramShopper(api, CHAT).says("where is my order 10002")
        assert await texts_to(api, CHAT, 1) == [ORDER_ANSWER]
        async with httpx.AsyncClient() as client:
            forged = await client.post(api.webhook["url"], content=json.dumps({"update_id": 1}),
                                       headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            garbage = await client.post(api.webhook["url"], content=b"\xff not json",
                                        headers={"X-Telegram-Bot-Api-Secret-Token": api.webhook["secret_token"]})
    assert api.webhook_responses == [204]
    assert (forged.status_code, garbage.status_code) == (403, 400)


async def test_a_slow_answer_in_one_chat_does_not_hold_up_another(telegram: tuple[RunningHub, FakeBotApi]) -> None:
    _hub, api = telegram
    ada, ben = TelegramShopper(api, CHAT), TelegramShopper(api, CHAT + 1, "Ben")
    ada.says("think slowly")
    ada.says("where is my order 10002")
    await asyncio.sleep(0.2)
    ben.says("where is my order 10002")
    assert await texts_to(api, CHAT + 1, 1) == [ORDER_ANSWER]
    assert api.texts(CHAT) == []
    assert await texts_to(api, CHAT, 2) == ["That took a while.", ORDER_ANSWER]
