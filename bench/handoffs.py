"""Handoff latency for bench/load.py: from a shopper's "I want to talk to a person" to the ticket
on an agent's console.

An agent (created in the hub's database before it starts, status "away" so tickets stay in the
queue) holds the console's websocket open. Per level, that many shoppers at once each open a
conversation (before timing), greet the bot, then ask for a person; a handoff's latency runs from
sending that message through the shopper API to the `ticket.queued` frame for its conversation on
the agent's socket (the hub stores the message, asks Rasa, scores anger, decides, opens the
ticket and publishes it). Issue 11's target: under 200 ms p99.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

AGENT_EMAIL = "bench.agent@shop.example"
AGENT_NAME = "Bench Agent"
AGENT_PASSWORD = "a long bench agent password"
ASK_FOR_A_PERSON = "i want to talk to a person please"
WAIT_FOR_TICKET = 60.0


@dataclass
class HandoffPhase:
    level: int
    latencies: list[float] = field(default_factory=list)
    missing: int = 0  # asked for a person and no ticket reached the console in WAIT_FOR_TICKET


class Console:
    """The agent's console socket: when each conversation's ticket.queued frame arrived."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.queued: dict[str, asyncio.Future[float]] = {}
        self.reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, http: httpx.AsyncClient, hub_url: str) -> Console:
        login = await http.post(f"{hub_url}/api/agent/login", json={"email": AGENT_EMAIL, "password": AGENT_PASSWORD})
        login.raise_for_status()
        token = login.json()["token"]
        away = await http.put(f"{hub_url}/api/agent/me/status", json={"status": "away"},
                              headers={"Authorization": f"Bearer {token}"})
        away.raise_for_status()
        socket = await websockets.connect(hub_url.replace("http://", "ws://") + "/api/agent/ws", max_size=2**24)
        await socket.send(json.dumps({"type": "auth", "token": token}))
        console = cls(socket)
        console.reader = asyncio.create_task(console._read())
        return console

    def expect(self, conversation_id: str) -> asyncio.Future[float]:
        return self.queued.setdefault(conversation_id, asyncio.get_running_loop().create_future())

    async def _read(self) -> None:
        async for raw in self.socket:
            arrived = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") != "ticket.queued":
                continue
            waiting = self.queued.get(frame["data"]["ticket"]["conversation_id"])
            if waiting is not None and not waiting.done():
                waiting.set_result(arrived)

    async def close(self) -> None:
        await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def handoff_phase(http: httpx.AsyncClient, hub_url: str, console: Console, level: int) -> HandoffPhase:
    opened = []
    for _ in range(level):
        response = await http.post(f"{hub_url}/api/conversations", json={})
        response.raise_for_status()
        opened.append(response.json())
    phase = HandoffPhase(level)

    async def shopper(conversation: dict[str, Any]) -> None:
        url = f"{hub_url}/api/conversations/{conversation['conversation_id']}/messages"
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        (await http.post(url, json={"text": "hi"}, headers=headers)).raise_for_status()
        queued = console.expect(conversation["conversation_id"])
        started = time.perf_counter()
        asked = asyncio.create_task(http.post(url, json={"text": ASK_FOR_A_PERSON}, headers=headers))
        try:
            arrived = await asyncio.wait_for(asyncio.shield(queued), WAIT_FOR_TICKET)
            phase.latencies.append(arrived - started)
        except TimeoutError:
            phase.missing += 1
        (await asked).raise_for_status()

    await asyncio.gather(*(shopper(conversation) for conversation in opened))
    return phase
