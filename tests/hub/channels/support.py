"""A real hub with its channels on a free port, a fake Rasa behind it, and an agent who answers
through the hub's agent API."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sanic import Sanic

from handoff import feedback_settings
from handoff.auth import create_agent
from handoff.settings import HubSettings, TelegramSettings
from hub.app import create_app
from tests.fakes.rasa import FakeRasa, handoff_signal
from tests.handoff.hub_server import serve

AGENT_PASSWORD = "correct horse battery"
ORDER_ANSWER = "Order 10002 was shipped 2 days ago with DHL and arrives tomorrow. Tracking: JD0002."
LONG_ANSWER = "\n\n".join(f"Paragraph {n}: " + " ".join(["shipping details"] * 60) for n in range(1, 10))
GREETING = "Hi! I'm the shop's assistant. Ask me about an order, delivery, returns or payments."
# What the bot's help answers look like (chat Markdown, knowledge_base/faq/chat_text.py), with
# what must never become markup or a live link.
MARKDOWN_ANSWER = "\n".join([
    "Orders paid by **14:00** leave the *same day*. <b>not bold</b> <img src=x onerror=\"window.pwned=1\">",
    "| Destination | Carrier | Delivery time |",
    "|---|---|---|",
    "| Germany | DHL | 1–3 working days |",
    "| Other EU countries | GLS | 3–6 working days |",
    "- Track it [at DHL](https://www.dhl.com/track?id=1&x=2)",
    "- Never [this one](javascript:window.pwned=2) nor [that](data:text/html,hi)",
    "1. Product page: https://shop.example/products/SH-600.",
    "2. Code `WELCOME10`",
])


class ShopFakeRasa(FakeRasa):
    """Answers like the shop bot on the few things the channel tests say; echoes everything else."""

    def reply(self, sender: str, text: str) -> list[dict[str, Any]]:
        lowered = text.lower()
        if lowered == "/greet":
            return [{"recipient_id": sender, "text": GREETING,
                     "buttons": [{"title": "Where is my order?", "payload": "/order_status"}]}]
        if lowered == "think slowly":
            time.sleep(1.5)  # this server answers each request on its own thread
            return [{"recipient_id": sender, "text": "That took a while."}]
        if lowered == "how fast do you ship":
            return [{"recipient_id": sender, "text": MARKDOWN_ANSWER}]
        if lowered == "tell me everything":
            return [{"recipient_id": sender, "text": LONG_ANSWER}]
        if "order" in lowered and "10002" in lowered:
            return [{"recipient_id": sender, "text": ORDER_ANSWER}]
        if lowered == "/request_human" or "person" in lowered or "human" in lowered:
            return [
                {"recipient_id": sender, "text": "I'll bring in a person from our support team."},
                {"recipient_id": sender, "custom": handoff_signal(text, ["explicit_request"])},
            ]
        return super().reply(sender, text)


@dataclass
class RunningHub:
    app: Sanic
    url: str
    rasa: ShopFakeRasa

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/webchat/ws"


def hub_app(tmp_path: Path, rasa: FakeRasa, telegram: TelegramSettings | None = None) -> Sanic:
    """The hub as `make run` builds it, with the channels its settings switch on."""
    settings = HubSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url,
                           rasa_token=rasa.secret, telegram=telegram)
    return create_app(settings, shop=None, sweep=False)


@asynccontextmanager
async def running_hub(tmp_path: Path, port: int | None = None,
                      telegram: TelegramSettings | None = None) -> AsyncIterator[RunningHub]:
    rasa = ShopFakeRasa().start()
    try:
        app = hub_app(tmp_path, rasa, telegram)
        async with serve(app, port) as url:
            yield RunningHub(app, url, rasa)
    finally:
        rasa.stop()


class Agent:
    """A support agent using the REST agent API, as the console would."""

    def __init__(self, hub: RunningHub, token: str) -> None:
        self._client = httpx.AsyncClient(base_url=hub.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    @classmethod
    async def sign_up(cls, hub: RunningHub, name: str = "Anna") -> Agent:
        email = f"{name.lower()}.{uuid.uuid4().hex[:6]}@shop.example"
        async with hub.app.ctx.services.uows() as uow:
            await create_agent(uow.session, email, name, AGENT_PASSWORD)
            await uow.commit()
        async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
            response = await client.post("/api/agent/login", json={"email": email, "password": AGENT_PASSWORD})
            response.raise_for_status()
        agent = cls(hub, response.json()["token"])
        await agent.call("PUT", "/api/agent/me/status", {"status": "online"})
        return agent

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self._client.request(method, path, json=body)
        response.raise_for_status()
        return response.json() if response.content else None

    async def ticket_of(self, conversation_id: str) -> dict[str, Any]:
        for status in ("queued", "assigned"):
            tickets = await self.call("GET", f"/api/agent/tickets?status={status}")
            for ticket in tickets["tickets"]:
                if ticket["conversation_id"] == conversation_id:
                    return ticket
        raise AssertionError(f"no open ticket for {conversation_id}")

    async def take_and_reply(self, conversation_id: str, text: str) -> int:
        ticket = await self.ticket_of(conversation_id)
        if ticket["status"] == "queued":
            claimed = await self._client.post(f"/api/agent/tickets/{ticket['id']}/claim")
            if claimed.status_code == 409:
                # The assigner gave it to this agent (online, with room) between the read and the claim.
                me = await self.call("GET", "/api/agent/me")
                ticket = await self.ticket_of(conversation_id)
                assert ticket["status"] == "assigned" and ticket["agent"]["id"] == me["id"], ticket
            else:
                claimed.raise_for_status()
        await self.call("POST", f"/api/agent/tickets/{ticket['id']}/messages", {"text": text})
        return ticket["id"]

    async def close(self) -> None:
        await self._client.aclose()


async def ask_nps(hub: RunningHub) -> None:
    """The shop turns on the 0-10 "would you recommend us" question after the rating."""
    async with hub.app.ctx.services.uows() as uow:
        await feedback_settings.update(uow.session, {"nps": {"enabled": True}})
        await uow.commit()
