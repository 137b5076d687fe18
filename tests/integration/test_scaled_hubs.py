"""Two hub replicas on one PostgreSQL database and one Redis, with the real Rasa and action server:
shoppers on hub A, their agent on hub B, twenty conversations at once; then hub A killed
mid-conversation and hub B carrying on (its turn answered once, the periodic jobs moved to B)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
import websockets

from tests.handoff.databases import postgres_database
from tests.integration.servers import Launcher, RasaServer, Server
from tests.redis_server import namespace, redis_or_skip

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

AGENT_EMAIL = "replica.agent@shop.example"
AGENT_PASSWORD = "correct horse battery"
CONVERSATIONS = 20
ROUNDS = 3


@pytest.fixture(scope="module")
def scaled(launcher: Launcher, rasa_server: RasaServer) -> Iterator[tuple[Server, Server, str]]:
    """Hubs A and B (A started first, so it holds the periodic jobs' lease), and the namespace."""
    url, space = redis_or_skip(), namespace()
    database = _Database()
    database_url = database.open()
    env = {"SHOPDESK_REDIS_URL": url, "SHOPDESK_REDIS_NAMESPACE": space, "SHOPDESK_LEASE_SECONDS": "2",
           "SHOPDESK_RATE_LIMITS": "off", "SHOPDESK_RECOVERY_SECONDS": "1", "SHOPDESK_RASA_TIMEOUT_SECONDS": "10"}
    started: list[Server] = []
    try:
        launcher.create_admin(database_url, AGENT_EMAIL, "Rita", AGENT_PASSWORD)
        hub_a = launcher.hub(rasa_server, database_url, env)
        started.append(hub_a)
        _until(lambda: redis.Redis.from_url(url).get(f"{space}:lease:periodic") is not None, 10)
        hub_b = launcher.hub(rasa_server, database_url, env)
        started.append(hub_b)
        yield hub_a, hub_b, space
    finally:
        for server in started:
            server.stop()
        database.close()


class _Database:
    """postgres_database() (async) held open across a module's sync fixtures."""

    def __init__(self) -> None:
        self._manager = postgres_database()
        self._loop = asyncio.new_event_loop()

    def open(self) -> str:
        return self._loop.run_until_complete(self._manager.__aenter__())

    def close(self) -> None:
        self._loop.run_until_complete(self._manager.__aexit__(None, None, None))
        self._loop.close()


def _until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _ws_url(server: Server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def _login(http: httpx.AsyncClient, hub: Server) -> str:
    answer = await http.post(f"{hub.url}/api/agent/login", json={"email": AGENT_EMAIL, "password": AGENT_PASSWORD})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await http.put(f"{hub.url}/api/agent/me/status", json={"status": "away"}, headers=headers)).status_code < 300
    return token


class ShopperSocket:
    """A widget on hub A: what its socket receives, in order."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.conversation_id = ""
        self.messages: list[dict[str, Any]] = []
        self.acks: dict[str, int] = {}
        self.reader: asyncio.Task[None] | None = None

    async def hello(self) -> None:
        await self.socket.send(json.dumps({"type": "hello", "last_seq": 0}))
        welcome = json.loads(await self.socket.recv())
        assert welcome["type"] == "welcome"
        self.conversation_id = welcome["data"]["conversation_id"] if "data" in welcome else welcome["conversation_id"]
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            frame = json.loads(raw)
            body = frame.get("data", frame)
            if frame["type"] == "message":
                self.messages.append(body["message"])
            elif frame["type"] == "ack":
                self.acks[body["client_message_id"]] = body["seq"]

    async def say(self, text: str) -> None:
        await self.socket.send(json.dumps({"type": "message", "text": text, "client_message_id": text}))

    def texts(self, author_kind: str) -> list[str]:
        return [m["text"] for m in self.messages if m["author_kind"] == author_kind]


async def _eventually(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_shoppers_on_hub_a_and_their_agent_on_hub_b(scaled: tuple[Server, Server, str]) -> None:
    hub_a, hub_b, _ = scaled
    async with httpx.AsyncClient(timeout=60) as http:
        token = await _login(http, hub_b)
        headers = {"Authorization": f"Bearer {token}"}
        async with websockets.connect(_ws_url(hub_b, "/api/agent/ws"), max_size=2**22) as console:
            await console.send(json.dumps({"type": "auth", "token": token}))
            console_frames: list[dict[str, Any]] = []

            async def read_console() -> None:
                async for raw in console:
                    console_frames.append(json.loads(raw))

            console_reader = asyncio.create_task(read_console())
            sockets = [await websockets.connect(_ws_url(hub_a, "/webchat/ws")) for _ in range(CONVERSATIONS)]
            shoppers = [ShopperSocket(socket) for socket in sockets]
            try:
                await asyncio.gather(*(shopper.hello() for shopper in shoppers))
                ids = {shopper.conversation_id for shopper in shoppers}
                assert len(ids) == CONVERSATIONS
                # Twenty shoppers on A ask for a person at once; the bot hands each over on A.
                await asyncio.gather(*(shopper.say("i want to talk to a person please") for shopper in shoppers))

                def queued() -> set[str]:
                    return {f["data"]["ticket"]["conversation_id"] for f in console_frames
                            if f["type"] == "ticket.queued" and f["data"]["ticket"]["conversation_id"] in ids}

                # The agent's console on B sees every ticket A opened, as it happens.
                await _eventually(lambda: queued() == ids, 90, "the tickets on the console of hub B")
                tickets = {f["data"]["ticket"]["conversation_id"]: f["data"]["ticket"]["id"] for f in console_frames
                           if f["type"] == "ticket.queued" and f["data"]["ticket"]["conversation_id"] in ids}
                for ticket in tickets.values():
                    claimed = await http.post(f"{hub_b.url}/api/agent/tickets/{ticket}/claim", headers=headers)
                    assert claimed.status_code == 200, claimed.text

                async def agent_writes(ticket: int) -> None:
                    for number in range(1, ROUNDS + 1):
                        sent = await http.post(f"{hub_b.url}/api/agent/tickets/{ticket}/messages", headers=headers,
                                               json={"text": f"agent {ticket} says {number}"})
                        assert sent.status_code < 300, sent.text

                async def shopper_writes(shopper: ShopperSocket) -> None:
                    for number in range(1, ROUNDS + 1):
                        await shopper.say(f"shopper {shopper.conversation_id[:8]} says {number}")
                        await asyncio.sleep(0.05)

                await asyncio.gather(*(agent_writes(t) for t in tickets.values()),
                                     *(shopper_writes(s) for s in shoppers))
                for shopper in shoppers:
                    ticket = tickets[shopper.conversation_id]
                    expected = [f"agent {ticket} says {n}" for n in range(1, ROUNDS + 1)]
                    await _eventually(lambda s=shopper, e=expected: s.texts("agent") == e, 30,
                                      f"the agent's replies on the socket of {shopper.conversation_id} on hub A")

                def console_messages(conversation_id: str) -> list[str]:
                    return [f["data"]["message"]["text"] for f in console_frames if f["type"] == "message.created"
                            and f["data"]["message"]["conversation_id"] == conversation_id
                            and f["data"]["message"]["author_kind"] == "shopper"]

                for shopper in shoppers:
                    prefix = f"shopper {shopper.conversation_id[:8]} says "
                    expected = [f"{prefix}{n}" for n in range(1, ROUNDS + 1)]
                    await _eventually(lambda c=shopper.conversation_id, e=expected, p=prefix:
                                      [t for t in console_messages(c) if t.startswith(p)] == e, 30,
                                      f"the shopper's messages of {shopper.conversation_id} on hub B's console")
                await asyncio.sleep(0.5)
                for shopper in shoppers:
                    seqs = [m["seq"] for m in shopper.messages]
                    # Each seq once and in order on the shopper's socket, agent replies exactly once.
                    assert seqs == sorted(set(seqs)), seqs
                    assert shopper.texts("agent") == [f"agent {tickets[shopper.conversation_id]} says {n}"
                                                      for n in range(1, ROUNDS + 1)]
                    stored = (await http.get(f"{hub_b.url}/api/agent/tickets/{tickets[shopper.conversation_id]}/messages",
                                             headers=headers)).json()["messages"]
                    prefix = f"shopper {shopper.conversation_id[:8]} says "
                    assert [m["text"] for m in stored if (m["text"] or "").startswith(prefix)] == \
                        [f"{prefix}{n}" for n in range(1, ROUNDS + 1)]
            finally:
                for shopper in shoppers:
                    if shopper.reader is not None:
                        shopper.reader.cancel()
                for socket in sockets:
                    await socket.close()
                console_reader.cancel()


def test_hub_a_killed_mid_conversation_and_hub_b_carries_on(scaled: tuple[Server, Server, str]) -> None:
    hub_a, hub_b, space = scaled
    lease_key = f"{space}:lease:periodic"
    store = redis.Redis.from_url(redis_or_skip())
    holder = store.get(lease_key)
    assert holder is not None
    with httpx.Client(timeout=60) as http:
        opened = http.post(f"{hub_a.url}/api/conversations", json={}).json()
        conversation, auth = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
        path = f"/api/conversations/{conversation}/messages"
        first = http.post(hub_a.url + path, json={"text": "hi"}, headers=auth)
        assert first.status_code == 200
        # The next message goes to A, and A dies while the bot is on it.
        threading.Thread(target=_post_quietly, args=(hub_a.url + path, auth, "do you take paypal?"), daemon=True).start()
        _until(lambda: _stored(http, hub_b.url + path, auth, "do you take paypal?"), 30)
        hub_a.kill()
        try:
            # B answers what A left waiting (its claim lapses; B asks Rasa what it said, or asks once).
            _until(lambda: _answered(http, hub_b.url + path, auth), 60)
            messages = http.get(hub_b.url + path, headers=auth).json()["messages"]
            asked = [m for m in messages if m["text"] == "do you take paypal?"]
            assert len(asked) == 1
            replies = [m for m in messages if m["author_kind"] == "bot" and m["seq"] > asked[0]["seq"]]
            assert len(replies) >= 1 and len({m["text"] for m in replies}) == len(replies)
            # ...and the conversation goes on there.
            later = http.post(hub_b.url + path, json={"text": "how long does delivery take?"}, headers=auth)
            assert later.status_code == 200
            assert any(m["author_kind"] == "bot" for m in later.json()["messages"])
            # The periodic jobs moved to B once A's lease ran out.
            _until(lambda: store.get(lease_key) not in (None, holder), 15)
        finally:
            hub_a.restart()


def _post_quietly(url: str, headers: dict[str, str], text: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the hub it went to was killed
        httpx.post(url, json={"text": text}, headers=headers, timeout=60)


def _stored(http: httpx.Client, url: str, headers: dict[str, str], text: str) -> bool:
    messages = http.get(url, headers=headers).json()["messages"]
    return any(m["text"] == text for m in messages)


def _answered(http: httpx.Client, url: str, headers: dict[str, str]) -> bool:
    messages = http.get(url, headers=headers).json()["messages"]
    return bool(messages) and messages[-1]["author_kind"] == "bot" and \
        any(m["text"] == "do you take paypal?" for m in messages)
