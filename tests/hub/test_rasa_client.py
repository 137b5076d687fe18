"""What the Rasa client makes of each way a call to Rasa ends (hub/http1.py underneath): the turn,
or RasaUnreachable (the message may be asked again: Rasa is down or restarting) or RasaUnavailable
(Rasa may be working on it, or answered something unusable)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import jwt
import pytest

from hub.rasa_client import BotReply, BotTurn, RasaClient, RasaUnavailable, RasaUnreachable
from tests.fakes.scripted_http import ScriptedServer, answer, kept_alive, serving

SECRET = "s" * 32


async def rasa_answering(make: Callable[[bytes], bytes]) -> AsyncIterator[tuple[ScriptedServer, RasaClient]]:
    server, origin = await serving(kept_alive(make))
    client = RasaClient(origin.url, SECRET, timeout=0.3)
    client.open()
    yield server, client
    await client.close()
    await server.stop()


@pytest.fixture
async def replies() -> AsyncIterator[tuple[ScriptedServer, RasaClient]]:
    async for pair in rasa_answering(lambda body: answer(
            b'[{"recipient_id":"c","text":"Hi","buttons":[{"title":"Track","payload":"/track"}]},'
            b'{"recipient_id":"c","image":"https://x/y.png"}]',
            headers="X-ShopDesk-Turn-Errors: 1\r\nX-ShopDesk-Intent: greet\r\n")):
        yield pair


async def test_a_turn_read_from_rasas_answer_and_the_call_signed(replies: tuple[ScriptedServer, RasaClient]) -> None:
    server, client = replies
    turn = await client.send("c/1", "hello", {"shopdesk_message_id": 3})
    assert turn == BotTurn([BotReply("Hi", [{"title": "Track", "payload": "/track"}]),
                            BotReply(None, [], {"type": "image", "url": "https://x/y.png"})], 1, "greet")
    head, body = server.requests[0]
    assert head.startswith(b"POST /webhooks/hub/webhook HTTP/1.1\r\n")
    assert body == b'{"sender":"c/1","message":"hello","metadata":{"shopdesk_message_id":3}}'
    token = next(line for line in head.split(b"\r\n") if line.startswith(b"Authorization: Bearer "))
    assert jwt.decode(token.split()[-1], SECRET, algorithms=["HS256"])["user"]["role"] == "admin"
    await client.send("c/1", "again", {})
    assert server.connections == 1


@pytest.mark.parametrize(("status", "error"), [("503 Service Unavailable", RasaUnreachable),
                                               ("502 Bad Gateway", RasaUnreachable),
                                               ("500 Internal Server Error", RasaUnavailable),
                                               ("401 Unauthorized", RasaUnavailable)])
async def test_error_statuses(status: str, error: type[RasaUnavailable]) -> None:
    async for _, client in rasa_answering(lambda body: answer(b'{"error": "x"}', status)):
        with pytest.raises(error) as raised:
            await client.send("c", "hello", {})
        assert type(raised.value) is error


@pytest.mark.parametrize("wire", [answer(b"<html>"), answer(b'{"not": "a list"}')])
async def test_an_unusable_answer_is_unavailable(wire: bytes) -> None:
    async for _, client in rasa_answering(lambda body: wire):
        with pytest.raises(RasaUnavailable) as raised:
            await client.send("c", "hello", {})
        assert not isinstance(raised.value, RasaUnreachable)


async def test_no_answer_in_time_is_unavailable_not_unreachable() -> None:
    async def silent(server: ScriptedServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        await asyncio.sleep(2)

    server, origin = await serving(silent)
    client = RasaClient(origin.url, SECRET, timeout=0.3)
    client.open()
    with pytest.raises(RasaUnavailable, match="no answer within") as raised:
        await client.send("c", "hello", {})
    assert not isinstance(raised.value, RasaUnreachable)
    await client.close()
    await server.stop()


async def test_rasa_dying_mid_answer_or_gone_is_unreachable() -> None:
    async def half(server: ScriptedServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(answer(b'[{"text": "Hi"}]')[:-3])
        await writer.drain()

    server, origin = await serving(half)
    client = RasaClient(origin.url, SECRET, timeout=0.3)
    client.open()
    with pytest.raises(RasaUnreachable):
        await client.send("c", "hello", {})
    await server.stop()
    with pytest.raises(RasaUnreachable, match="ConnectFailed"):
        await client.send("c", "hello", {})
    assert not await client.ready()
    await client.close()


async def test_a_chunked_tracker_and_a_closed_client() -> None:
    tracker = (b'{"events":[{"event":"user","text":"hi","metadata":{"shopdesk_message_id":5},'
               b'"parse_data":{"intent":{"name":"greet"}}},{"event":"bot","text":"Hello","data":{}}]}')
    wire = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n" % (40, tracker[:40]) + b"%x\r\n%s\r\n" % (len(tracker) - 40, tracker[40:]) + b"0\r\n\r\n")
    async for server, client in rasa_answering(lambda body: wire):
        assert await client.turn_of("c", 5) == BotTurn([BotReply("Hello")], intent="greet")
        assert await client.turn_of("c", 6) is None
        assert server.requests[0][0].startswith(b"GET /conversations/c/tracker HTTP/1.1\r\n")
        await client.close()
        with pytest.raises(RasaUnavailable, match="not open"):
            await client.turn_of("c", 5)
