"""Shortcuts over Sanic's test client for a shopper and for agents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanic import Sanic

from tests.handoff.databases import PASSWORD


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("error", {}).get("code") if isinstance(self.body, dict) else None


class HubApi:
    def __init__(self, app: Sanic) -> None:
        self.app = app

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Answer:
        headers = kwargs.pop("headers", {})
        if token:
            headers["authorization"] = f"Bearer {token}"
        _request, response = await getattr(self.app.asgi_client, method)(path, headers=headers, **kwargs)
        try:
            body = response.json
        except Exception:
            body = response.text
        return Answer(response.status, body)

    async def shopper(self) -> Shopper:
        answer = await self.call("post", "/api/conversations", json={"display_name": "Ada"})
        assert answer.status == 201, answer
        return Shopper(self, answer.body["conversation_id"], answer.body["token"])

    async def login(self, email: str, password: str = PASSWORD) -> str:
        answer = await self.call("post", "/api/agent/login", json={"email": email, "password": password})
        assert answer.status == 200, answer
        return answer.body["token"]


@dataclass
class Shopper:
    api: HubApi
    id: str
    token: str

    async def say(self, text: str, **extra: Any) -> Answer:
        return await self.api.call("post", f"/api/conversations/{self.id}/messages", self.token, json={"text": text, **extra})

    async def says(self, text: str) -> list[str]:
        answer = await self.say(text)
        assert answer.status == 200, answer
        return [m["text"] for m in answer.body["messages"][1:]]

    async def messages(self, after: int = 0) -> list[dict[str, Any]]:
        answer = await self.api.call("get", f"/api/conversations/{self.id}/messages?after={after}", self.token)
        assert answer.status == 200, answer
        return answer.body["messages"]

    async def texts(self) -> list[str]:
        return [m["text"] for m in await self.messages()]

    async def status(self) -> dict[str, Any]:
        answer = await self.api.call("get", f"/api/conversations/{self.id}", self.token)
        assert answer.status == 200, answer
        return answer.body
