"""hub/http1.py against a server that answers byte by byte as each test scripts it: kept-alive
connections and the server closing them, a server dying mid-answer, timeouts, chunked, large and
length-less bodies, answers that are not HTTP; and that what goes out and comes back is what httpx
(the client before it) sent and read."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from hub import http1
from tests.fakes.scripted_http import ScriptedServer, answer, kept_alive, serving


@pytest.fixture
async def client() -> AsyncIterator[http1.Client]:
    client = http1.Client()
    yield client
    await client.close()


async def test_calls_share_a_kept_alive_connection(client: http1.Client) -> None:
    server, origin = await serving(kept_alive(lambda body: answer(b"[" + body + b"]", headers="x-turn: 1\r\n")))
    for number in range(3):
        response = await client.request(origin, "POST", "/webhook", {"Content-Type": "application/json"},
                                        str(number).encode(), 5)
        assert (response.status, response.body, response.headers["x-turn"]) == (200, f"[{number}]".encode(), "1")
        assert response.url == f"{origin.url}/webhook"
    assert server.connections == 1
    head = server.requests[0][0].decode()
    assert head.startswith("POST /webhook HTTP/1.1\r\n") and f"Host: 127.0.0.1:{origin.port}\r\n" in head
    await server.stop()


async def test_a_connection_the_server_closed_while_idle_is_not_used(client: http1.Client) -> None:
    async def one_answer_then_close(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(answer(b"[]"))  # says nothing of closing, then closes
        await writer.drain()

    server, origin = await serving(one_answer_then_close)
    assert (await client.request(origin, "POST", "/a", {}, b"1", 5)).body == b"[]"
    await asyncio.sleep(0.05)  # the server's FIN arrives while the connection is idle
    assert (await client.request(origin, "POST", "/a", {}, b"2", 5)).body == b"[]"
    assert server.connections == 2 and [body for _, body in server.requests] == [b"1", b"2"]
    await server.stop()


async def test_the_fin_not_yet_seen_by_the_loop_is_seen_by_the_poll(client: http1.Client) -> None:
    """The server closes just as the answer ends: the next call, in the same turn of the loop, must
    not send on it."""
    async def one_answer_then_close(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(answer(b"[]"))
        writer.close()

    server, origin = await serving(one_answer_then_close)
    await client.request(origin, "POST", "/a", {}, b"1", 5)
    time.sleep(0.05)  # the FIN is in the socket, the loop has not read it
    assert (await client.request(origin, "POST", "/a", {}, b"2", 5)).body == b"[]"
    assert server.connections == 2
    await server.stop()


async def close_after_reading_the_second(server: ScriptedServer, reader: asyncio.StreamReader,
                                        writer: asyncio.StreamWriter) -> None:
    await server.read_request(reader)
    writer.write(answer(b"{}"))
    await writer.drain()
    await server.read_request(reader)  # the next request arrives as the server closes


async def test_a_post_on_a_connection_closed_as_it_went_out_is_not_sent_again(client: http1.Client) -> None:
    server, origin = await serving(close_after_reading_the_second)
    await client.request(origin, "POST", "/a", {}, b"1", 5)
    with pytest.raises(http1.ConnectionBroken) as broken:
        await client.request(origin, "POST", "/a", {}, b"2", 5)
    assert not broken.value.answered
    assert [body for _, body in server.requests] == [b"1", b"2"] and server.connections == 1
    await server.stop()


async def test_a_get_on_a_connection_closed_as_it_went_out_is_asked_again(client: http1.Client) -> None:
    server, origin = await serving(close_after_reading_the_second)
    await client.request(origin, "GET", "/t", {}, None, 5)
    assert (await client.request(origin, "GET", "/t", {}, None, 5)).body == b"{}"
    assert len(server.requests) == 3 and server.connections == 2
    await server.stop()


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_server_dying_mid_answer_breaks_the_call(client: http1.Client, method: str) -> None:
    async def half(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(answer(b'[{"text": "hello"}]')[:-5])
        await writer.drain()

    server, origin = await serving(half)
    with pytest.raises(http1.ConnectionBroken) as broken:
        await client.request(origin, method, "/a", {}, b"{}" if method == "POST" else None, 5)
    assert broken.value.answered and server.connections == 1  # never asked again, even a GET
    await server.stop()


async def test_no_answer_in_time_times_out_and_the_connection_goes(client: http1.Client) -> None:
    calls = 0

    async def slow_first(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        while await server.read_request(reader) is not None:
            calls += 1
            if calls == 1:
                await asyncio.sleep(1)
            writer.write(answer(b"[]"))
            await writer.drain()

    server, origin = await serving(slow_first)
    started = time.perf_counter()
    with pytest.raises(http1.AnswerTimeout):
        await client.request(origin, "POST", "/a", {}, b"1", 0.2)
    assert 0.2 <= time.perf_counter() - started < 0.6
    # The late answer must not be read as the next call's: that one goes on a new connection.
    assert (await client.request(origin, "POST", "/a", {}, b"2", 5)).body == b"[]"
    assert server.connections == 2
    await server.stop()


async def test_a_refused_connection(client: http1.Client) -> None:
    server, origin = await serving(kept_alive(lambda body: b""))
    await server.stop()
    with pytest.raises(http1.ConnectFailed):
        await client.request(origin, "POST", "/a", {}, b"1", 5)


async def test_a_chunked_answer_in_pieces(client: http1.Client) -> None:
    payload = json.dumps([{"text": "x" * 5000}, {"text": "ünïcode"}]).encode()
    chunks = [payload[:7], payload[7:4100], payload[4100:]]
    wire = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + b"".join(
        b"%x;ext=1\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\nx-trailer: 1\r\n\r\n"

    async def trickle(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        while await server.read_request(reader) is not None:
            for start in range(0, len(wire), 333):
                writer.write(wire[start:start + 333])
                await writer.drain()
                await asyncio.sleep(0)

    server, origin = await serving(trickle)
    for _ in range(2):
        response = await client.request(origin, "POST", "/a", {}, b"{}", 5)
        assert response.body == payload
    assert server.connections == 1
    await server.stop()


async def test_large_bodies_both_ways(client: http1.Client) -> None:
    server, origin = await serving(kept_alive(lambda body: answer(body[::-1])))
    big = bytes(range(256)) * 40_000  # 10 MB
    response = await client.request(origin, "POST", "/a", {}, big, 10)
    assert response.body == big[::-1] and server.requests[0][1] == big
    await server.stop()


async def test_an_answer_up_to_the_connections_end(client: http1.Client) -> None:
    async def http10(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n[1, 2]")
        await writer.drain()

    server, origin = await serving(http10)
    assert (await client.request(origin, "GET", "/a", {}, None, 5)).body == b"[1, 2]"
    assert (await client.request(origin, "GET", "/a", {}, None, 5)).body == b"[1, 2]"
    assert server.connections == 2
    await server.stop()


async def test_connection_close_and_non_200_answers(client: http1.Client) -> None:
    server, origin = await serving(kept_alive(
        lambda body: answer(b'{"error": "boom"}', "500 Internal Server Error", "connection: close\r\n")))
    first = await client.request(origin, "POST", "/a", {}, b"1", 5)
    second = await client.request(origin, "POST", "/a", {}, b"2", 5)
    assert (first.status, first.body) == (second.status, second.body) == (500, b'{"error": "boom"}')
    assert server.connections == 2
    await server.stop()


async def test_an_interim_answer_and_empty_ones(client: http1.Client) -> None:
    server, origin = await serving(kept_alive(
        lambda body: b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"", "204 No Content") + answer(b"[]")))
    response = await client.request(origin, "POST", "/a", {}, b"1", 5)
    assert (response.status, response.body) == (204, b"")
    await server.stop()


@pytest.mark.parametrize("wire", [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 2xx OK\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"])
async def test_what_is_not_http_breaks_the_call(client: http1.Client, wire: bytes) -> None:
    async def garbage(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        writer.write(wire)
        await writer.drain()
        await asyncio.sleep(1)

    server, origin = await serving(garbage)
    with pytest.raises(http1.ConnectionBroken):
        await client.request(origin, "POST", "/a", {}, b"1", 5)
    await server.stop()


async def test_closing_the_client_ends_the_calls_under_way() -> None:
    async def never(server: ScriptedServer, reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter) -> None:
        await server.read_request(reader)
        await asyncio.sleep(5)

    server, origin = await serving(never)
    client = http1.Client()
    call = asyncio.ensure_future(client.request(origin, "POST", "/a", {}, b"1", 5))
    while not server.requests:
        await asyncio.sleep(0.01)
    await client.close()
    with pytest.raises(http1.ConnectionBroken):
        await asyncio.wait_for(call, 1)
    await server.stop()


async def test_a_header_with_a_line_break_is_refused(client: http1.Client) -> None:
    origin = http1.Origin.parse("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="line break"):
        await client.request(origin, "GET", "/a", {"X-Bad": "a\r\nb"}, None, 5)


async def test_the_bytes_sent_and_read_are_httpxs(client: http1.Client) -> None:
    """The old client's way (httpx, json=) and this one: the same request body on the wire, and the
    same status, headers and JSON read from the same answers."""
    answers = [answer(b'[{"recipient_id":"a","text":"caf\xc3\xa9 \\u00e9","buttons":[{"title":"T","payload":"/p"}]}]',
                      headers="x-shopdesk-turn-errors: 2\r\nX-ShopDesk-Intent: order_status\r\n"),
               answer(b'{"messages":[{"custom":{"type":"handoff"}}]}'),
               answer(b"[]", "503 Service Unavailable"),
               b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n[{}\r\n1\r\n]\r\n0\r\n\r\n"]
    served = iter(answers * 2)
    server, origin = await serving(kept_alive(lambda body: next(served)))
    body = {"sender": "s/1", "message": "où est ma commande \u2603", "metadata": {"shopdesk_message_id": 7, "f": 1.5}}
    ours, theirs = [], []
    for _ in answers:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        response = await client.request(origin, "POST", "/w", {"Content-Type": "application/json"}, data, 5)
        ours.append((response.status, response.headers.get("x-shopdesk-turn-errors"),
                     response.headers.get("x-shopdesk-intent"), json.loads(response.body)))
    async with httpx.AsyncClient() as old:
        for _ in answers:
            reply = await old.post(f"{origin.url}/w", json=body)
            theirs.append((reply.status_code, reply.headers.get("X-ShopDesk-Turn-Errors"),
                           reply.headers.get("X-ShopDesk-Intent"), reply.json()))
    assert ours == theirs
    sent = [request_body for _, request_body in server.requests]
    assert sent[:len(answers)] == sent[len(answers):]
    await server.stop()


def test_the_same_under_uvloop() -> None:
    """The hub serves on uvloop (Sanic's default), whose transports and sockets are its own."""
    import uvloop

    async def scenarios() -> None:
        client = http1.Client()
        await test_calls_share_a_kept_alive_connection(client)
        await test_a_connection_the_server_closed_while_idle_is_not_used(client)
        await test_the_fin_not_yet_seen_by_the_loop_is_seen_by_the_poll(client)
        await test_a_post_on_a_connection_closed_as_it_went_out_is_not_sent_again(client)
        await test_a_get_on_a_connection_closed_as_it_went_out_is_asked_again(client)
        await test_a_server_dying_mid_answer_breaks_the_call(client, "POST")
        await test_no_answer_in_time_times_out_and_the_connection_goes(client)
        await test_a_refused_connection(client)
        await test_a_chunked_answer_in_pieces(client)
        await test_large_bodies_both_ways(client)
        await test_an_answer_up_to_the_connections_end(client)
        await client.close()
        await test_closing_the_client_ends_the_calls_under_way()

    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(scenarios())
    finally:
        loop.close()
