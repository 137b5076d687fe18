"""bot/endpoint_sessions.py: Rasa's calls to the action server over kept-alive connections, with
Rasa's request, answers and errors, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import endpoint_sessions

TOKEN = "Bearer test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ActionServer:
    """A stand-in action server: counts the connections and requests it sees."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections: set[int] = set()
        self.requests: list[dict[str, Any]] = []
        self.runner: web.AppRunner | None = None

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        self.connections.add(id(transport))
        raw = await request.text()
        body = json.loads(raw)
        self.requests.append({"auth": request.headers.get("Authorization"), "type": request.content_type,
                              "body": body, "raw": raw, "params": dict(request.query)})
        if body.get("next_action") == "action_refused":
            return web.json_response({"error": "no", "action_name": "action_refused"}, status=400)
        if body.get("next_action") == "action_text":
            return web.Response(text="not json")
        return web.json_response({"events": [{"event": "slot", "name": "order_id", "value": "10002"}],
                                  "responses": [{"text": f"answer {len(self.requests)}"}]})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def run(test: Callable[[ActionServer, EndpointConfig], Awaitable[None]]) -> None:
    async def main() -> None:
        endpoint_sessions.install()
        server = ActionServer(free_port())
        await server.start()
        try:
            await test(server, EndpointConfig(f"http://127.0.0.1:{server.port}/webhook",
                                              headers={"Authorization": TOKEN}, token="abc"))
        finally:
            await endpoint_sessions.close_sessions()
            await server.stop()

    asyncio.run(main())


def test_calls_share_one_connection_and_send_what_rasa_sends() -> None:
    async def test(server: ActionServer, endpoint: EndpointConfig) -> None:
        answers = [await endpoint.request(json={"next_action": "action_x", "n": n}, method="post", timeout=10)
                   for n in range(5)]
        assert [a["responses"][0]["text"] for a in answers] == [f"answer {n}" for n in range(1, 6)]
        assert len(server.connections) == 1
        assert {r["auth"] for r in server.requests} == {TOKEN}
        assert {r["type"] for r in server.requests} == {"application/json"}
        assert server.requests[0]["params"] == {"token": "abc"}
        assert [r["body"]["n"] for r in server.requests] == list(range(5))
        assert server.requests[0]["raw"] == '{"next_action":"action_x","n":0}'  # ujson's encoding

    run(test)


def test_errors_and_non_json_answers_are_rasas() -> None:
    async def test(server: ActionServer, endpoint: EndpointConfig) -> None:
        with pytest.raises(ClientResponseError) as refused:
            await endpoint.request(json={"next_action": "action_refused"}, method="post")
        assert refused.value.status == 400
        assert b"action_refused" in refused.value.text
        assert await endpoint.request(json={"next_action": "action_text"}, method="post") is None

    run(test)


def test_a_restarted_action_server_is_reached_on_a_new_connection() -> None:
    async def test(server: ActionServer, endpoint: EndpointConfig) -> None:
        await endpoint.request(json={"next_action": "action_x"}, method="post")
        await server.stop()
        await asyncio.sleep(0.1)
        server.connections.clear()
        await server.start()
        answer = await endpoint.request(json={"next_action": "action_x"}, method="post")
        assert answer["responses"][0]["text"] == "answer 2"
        assert len(server.connections) == 1

    run(test)


def test_idle_connections_are_closed_before_the_server_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoint_sessions, "KEEPALIVE_SECONDS", 0.2)

    async def test(server: ActionServer, endpoint: EndpointConfig) -> None:
        await endpoint.request(json={"next_action": "action_x"}, method="post")
        await asyncio.sleep(1.2)
        await endpoint.request(json={"next_action": "action_x"}, method="post")
        assert len(server.connections) == 2

    run(test)


def test_a_remote_action_runs_through_it() -> None:
    async def test(server: ActionServer, endpoint: EndpointConfig) -> None:
        domain = Domain.from_yaml("version: '3.1'\nslots:\n  order_id:\n    type: text\n    mappings: []\n")
        tracker = DialogueStateTracker("shopper-1", domain.slots)
        action = RemoteAction("action_check_order_status", endpoint)
        for _ in range(3):
            events = await action.run(None, None, tracker, domain)
        assert [type(event).__name__ for event in events] == ["BotUttered", "SlotSet"]
        assert len(server.connections) == 1
        assert server.requests[-1]["body"]["tracker"]["sender_id"] == "shopper-1"

    run(test)


@pytest.mark.parametrize("body", [
    {"tracker": {"events": [
        {"event": "user", "text": "é/<b>\u2028", "parse_data": {"intent": {"confidence": 0.30000000000000004}}},
        {"event": "slot", "value": [1, 2**70, -0.0, 5e-324, None, True]}]}},
    {"keys": {True: 1, None: 2, 1.5: 3, 2: 4}, "tuple": (1, 2), "surrogate": "\ud800", "nan": float("nan")},
])
def test_the_body_is_the_json_value_rasa_sends(body: dict[str, Any]) -> None:
    assert repr(json.loads(endpoint_sessions.json_body(body))) == repr(json.loads(json.dumps(body)))


def test_what_json_cannot_encode_fails_as_before() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        endpoint_sessions.json_body({"x": object()})



class RawServer:
    """A loopback HTTP server that keeps the bytes of each request as received and answers JSON."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.server: asyncio.base_events.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not reader.at_eof():
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            self.received += head + await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])


@pytest.mark.parametrize("json_body", [{"next_action": "action_x", "tracker": {"events": ["é"] * 3000}}, None])
def test_a_request_is_aiohttps_bytes_in_one_write(monkeypatch: pytest.MonkeyPatch, json_body: Any) -> None:
    """The same bytes as aiohttp's own request class sends for the same call, in one transport write
    instead of two (headers, then body); without a body, the headers alone at write_eof's drain."""
    from aiohttp.http_writer import StreamWriter
    writes: list[int] = []
    real_write = StreamWriter._write

    def counted(self: StreamWriter, chunk: bytes) -> None:
        writes.append(len(chunk))
        real_write(self, chunk)

    monkeypatch.setattr(StreamWriter, "_write", counted)
    assert endpoint_sessions.OneWriteRequest.send is not aiohttp.ClientRequest.send

    async def main() -> tuple[bytes, list[int], bytes, list[int]]:
        server = RawServer()
        port = await server.start()
        sent = []
        for request_class in (aiohttp.ClientRequest, endpoint_sessions.OneWriteRequest):
            server.received.clear()
            writes.clear()
            async with aiohttp.ClientSession(json_serialize=endpoint_sessions.json_body, request_class=request_class) as session:
                for _ in range(2):
                    async with session.post(f"http://127.0.0.1:{port}/webhook", params={"token": "abc"}, json=json_body,
                                            headers={"Authorization": TOKEN}) as response:
                        assert await response.json() == {}
            sent.append((bytes(server.received), list(writes)))
        assert server.server is not None
        server.server.close()
        return sent[0][0], sent[0][1], sent[1][0], sent[1][1]

    aiohttps, aiohttps_writes, ours, our_writes = asyncio.run(main())
    assert ours == aiohttps
    assert b"\r\n\r\n" in ours and ours.count(b"POST /webhook?token=abc HTTP/1.1") == 2
    assert len(aiohttps_writes) == (4 if json_body else 2) and len(our_writes) == 2  # two requests
    assert sum(our_writes) == sum(aiohttps_writes) == len(ours)
