"""The widget's websocket protocol against a real hub (fake Rasa): welcome, replay by seq, acks,
duplicates, bad frames, queue and agent notices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hub.channels.welcome import load_welcome
from tests.hub.channels.support import ORDER_ANSWER, Agent, RunningHub, running_hub


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path) as running:
        yield running


_unread: dict[int, list[dict[str, Any]]] = {}


async def receive(ws: ClientConnection, type_: str, timeout: float = 5) -> dict[str, Any]:
    """The oldest frame of that type; frames of other types stay readable in arrival order."""
    unread = _unread.setdefault(id(ws), [])
    async with asyncio.timeout(timeout):
        while True:
            for index, data in enumerate(unread):
                if data["type"] == type_:
                    return unread.pop(index)
            unread.append(json.loads(await ws.recv()))


async def messages(ws: ClientConnection, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    return [(await receive(ws, "message", timeout))["message"] for _ in range(count)]


async def hello(ws: ClientConnection, **fields: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", "last_seq": 0, **fields}))
    return await receive(ws, "welcome")


async def test_a_new_widget_is_greeted_with_starter_buttons_without_asking_the_bot(hub: RunningHub) -> None:
    domain_greeting = load_welcome(hub.app.ctx.services.settings.domain_file)
    async with connect(hub.ws_url) as ws:
        welcome = await hello(ws)
        assert welcome["state"] == "bot" and welcome["token"] and welcome["last_seq"] == 1
        (greeting,) = await messages(ws, 1)
        await ws.send(json.dumps({"type": "message", "text": "where is my order 10002", "client_message_id": "c1"}))
        ack = await receive(ws, "ack")
        shopper, bot = await messages(ws, 2)
    assert (greeting["seq"], greeting["author_kind"], greeting["text"]) == (1, "bot", domain_greeting.text)
    assert "What can I do for you?" in greeting["text"]
    assert {"title": "Where is my order?", "payload": "/order_status"} in greeting["buttons"]
    assert ack == {"type": "ack", "client_message_id": "c1", "seq": 2, "duplicate": False}
    assert (shopper["seq"], shopper["author_kind"], shopper["text"]) == (2, "shopper", "where is my order 10002")
    assert (bot["seq"], bot["author_kind"], bot["text"]) == (3, "bot", ORDER_ANSWER)
    assert hub.rasa.messages_from(welcome["conversation_id"]) == ["where is my order 10002"]


async def test_typing_is_shown_while_the_bot_answers(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        await hello(ws)
        await messages(ws, 1)
        await ws.send(json.dumps({"type": "message", "text": "hello", "client_message_id": "c1"}))
        frames = [json.loads(await ws.recv()) for _ in range(5)]
    kinds = [(f["type"], f.get("active")) for f in frames]
    assert kinds[0] == ("typing", True)
    assert ("typing", False) in kinds
    assert kinds.index(("typing", False)) > kinds.index(("message", None))


async def test_a_reconnecting_widget_gets_exactly_what_it_missed(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        welcome = await hello(ws)
        for n in range(3):
            await ws.send(json.dumps({"type": "message", "text": f"message {n}", "client_message_id": f"c{n}"}))
            await receive(ws, "ack")
    resume = {"conversation_id": welcome["conversation_id"], "token": welcome["token"]}
    async with connect(hub.ws_url) as ws:
        again = await hello(ws, last_seq=5, **resume)
        replay = await messages(ws, 2)
        assert again["conversation_id"] == welcome["conversation_id"] and "token" not in again
        assert [m["seq"] for m in replay] == [6, 7]
    async with connect(hub.ws_url) as ws:
        await hello(ws, **resume)
        assert [m["seq"] for m in await messages(ws, 7)] == [1, 2, 3, 4, 5, 6, 7]


async def test_a_message_resent_after_a_drop_is_handled_once(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        welcome = await hello(ws)
        await ws.send(json.dumps({"type": "message", "text": "hello there", "client_message_id": "same"}))
        first = await receive(ws, "ack")
    resume = {"conversation_id": welcome["conversation_id"], "token": welcome["token"]}
    async with connect(hub.ws_url) as ws:
        await hello(ws, last_seq=3, **resume)
        await ws.send(json.dumps({"type": "message", "text": "hello there", "client_message_id": "same"}))
        second = await receive(ws, "ack")
    assert second["duplicate"] is True and second["seq"] == first["seq"] == 2
    assert hub.rasa.messages_from(welcome["conversation_id"]) == ["hello there"]


async def test_a_wrong_token_gets_a_fresh_conversation_not_someone_elses(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        first = await hello(ws)
    async with connect(hub.ws_url) as ws:
        other = await hello(ws, conversation_id=first["conversation_id"], token="not-the-token", last_seq=3)
    assert other["conversation_id"] != first["conversation_id"] and other["reset"] is True


async def test_a_token_of_another_channels_conversation_does_not_resume_it(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        api_conversation = (await client.post("/api/conversations", json={})).json()
    async with connect(hub.ws_url) as ws:
        welcome = await hello(ws, conversation_id=api_conversation["conversation_id"], token=api_conversation["token"])
    assert welcome["conversation_id"] != api_conversation["conversation_id"] and welcome["reset"] is True


@pytest.mark.parametrize(
    "frame, code",
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        (json.dumps({"type": "shout"}), "bad_request"),
        (json.dumps({"type": "message", "text": "   ", "client_message_id": "e"}), "empty_text"),
        (json.dumps({"type": "message", "text": "x" * 5000, "client_message_id": "l"}), "text_too_long"),
        (json.dumps({"type": "message", "text": 42}), "invalid_field"),
        (json.dumps({"type": "message", "text": "hi", "client_message_id": "x" * 500}), "bad_request"),
        (json.dumps({"type": "message", "text": "hi", "client_message_id": "p", "attachment_ids": "f" * 32}), "invalid_field"),
        (json.dumps({"type": "message", "client_message_id": "q", "attachment_ids": ["f" * 32]}), "invalid_field"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(hub: RunningHub, frame: str, code: str) -> None:
    async with connect(hub.ws_url) as ws:
        await hello(ws)
        await ws.send(frame)
        assert (await receive(ws, "error"))["code"] == code
        await ws.send(json.dumps({"type": "ping"}))
        await receive(ws, "pong")


async def test_a_socket_that_does_not_say_hello_is_closed(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        await ws.send(json.dumps({"type": "message", "text": "hi"}))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1008


async def test_handoff_shows_the_queue_then_the_agent_by_name(hub: RunningHub) -> None:
    async with connect(hub.ws_url) as ws:
        welcome = await hello(ws)
        await ws.send(json.dumps({"type": "message", "text": "a person please", "client_message_id": "h"}))
        queue = await receive(ws, "queue")
        assert queue["position"] == 1
        agent = await Agent.sign_up(hub, "Anna")
        try:
            await agent.take_and_reply(welcome["conversation_id"], "<b>Hi</b>, Anna here")
            state = await receive(ws, "state")
            while state["state"] != "assigned":
                state = await receive(ws, "state")
            assert state["agent_name"] == "Anna"
            reply = await receive(ws, "message")
            while reply["message"]["author_kind"] != "agent":
                reply = await receive(ws, "message")
        finally:
            await agent.close()
    assert reply["message"]["author_name"] == "Anna" and reply["message"]["text"] == "<b>Hi</b>, Anna here"


async def test_widget_assets_and_demo_page_are_served(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        page, script, style = [await client.get(p) for p in ("/", "/widget.js", "/widget.css")]
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text
    assert script.headers["content-type"].startswith("text/javascript") and "textContent" in script.text
    assert "innerHTML" not in script.text
    assert style.status_code == 200 and ".sd-panel" in style.text
    assert ".sd-md code" in style.text and ".sd-table th" in style.text  # the Markdown's, shared with the console


async def test_a_flooding_widget_is_told_to_wait_and_keeps_its_message(hub: RunningHub) -> None:
    allowed = 20  # the default per-conversation allowance (handoff/limits.py)
    # Time stands still for the limiter: on a busy machine 22 messages can take longer than the
    # three seconds in which the allowance grows by one.
    hub.app.ctx.services.limiter.clock = lambda: 1000.0
    async with connect(hub.ws_url) as ws:
        await hello(ws)
        for number in range(allowed + 2):
            await ws.send(json.dumps({"type": "message", "text": f"spam {number}", "client_message_id": f"s{number}"}))
        acks = [await receive(ws, "ack") for _ in range(allowed)]
        refused = [await receive(ws, "error") for _ in range(2)]
    assert len({ack["seq"] for ack in acks}) == allowed
    assert [(error["code"], error["client_message_id"]) for error in refused] == [
        ("rate_limited", f"s{allowed}"), ("rate_limited", f"s{allowed + 1}")]
    assert all(error["retry_after"] > 0 for error in refused)
