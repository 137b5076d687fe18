"""Talking to the Rasa server over its REST channel, and reading what it answers."""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import jwt

CSAT_INTENT = "EXTERNAL_csat_request"
WEBHOOK_PATH = "/webhooks/hub/webhook"
# Rasa checks the hub's calls with the secret it was started with (bot/serve.py); the
# hub signs a short-lived token with it rather than sending the secret itself.
TOKEN_LIFETIME_SECONDS = 600
TOKEN_RENEW_SECONDS = 60


class RasaUnavailable(Exception):
    """Rasa could not be reached, timed out, or answered something that is not a reply list."""


@dataclass(frozen=True)
class BotReply:
    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] | None = None


class RasaClient:
    """Opened when the server starts and closed when it stops (the HTTP pool lives in between)."""

    def __init__(self, base_url: str, secret: str, timeout: float = 30.0) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._signer = TokenSigner(secret)

    def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, verify=_tls_context())

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotReply]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        answer = await self._post(f"{self._base}{WEBHOOK_PATH}", body)
        if not isinstance(answer, list):
            raise RasaUnavailable("Rasa's REST channel answered something other than a list")
        return parse_replies(answer)

    async def trigger_intent(self, sender: str, intent: str) -> list[BotReply]:
        url = f"{self._base}/conversations/{quote(sender, safe='')}/trigger_intent?output_channel=latest"
        answer = await self._post(url, {"name": intent, "entities": {}})
        if not isinstance(answer, dict):
            raise RasaUnavailable("Rasa's trigger_intent answered something other than an object")
        return parse_replies(answer.get("messages") or [])

    async def _post(self, url: str, body: dict[str, Any]) -> Any:
        if self._client is None:
            raise RasaUnavailable("the Rasa client is not open (the hub is not serving)")
        try:
            response = await self._client.post(url, json=body, headers={"Authorization": f"Bearer {self._signer.token()}"})
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"{url}: {error}") from error


class TokenSigner:
    """A JWT Rasa accepts (role admin, HS256), renewed a minute before it expires."""

    def __init__(self, secret: str, clock: Any = time.time) -> None:
        self._secret = secret
        self._clock = clock
        self._token = ""
        self._expires = 0.0

    def token(self) -> str:
        now = self._clock()
        if now > self._expires - TOKEN_RENEW_SECONDS:
            self._expires = now + TOKEN_LIFETIME_SECONDS
            claims = {"user": {"username": "shopdesk-hub", "role": "admin"}, "exp": int(self._expires)}
            self._token = jwt.encode(claims, self._secret, algorithm="HS256")
        return self._token


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle takes ~0.1 s; do it once per process, not per server start."""
    return ssl.create_default_context()


def parse_replies(items: list[Any]) -> list[BotReply]:
    """Keeps what a channel can show (text, buttons, custom payloads, images as custom)."""
    replies = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else None
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else None
        if custom is None and isinstance(item.get("image"), str):
            custom = {"type": "image", "url": item["image"]}
        buttons = _buttons(item.get("buttons"))
        if text or buttons or custom:
            replies.append(BotReply(text, buttons, custom))
    return replies


def _buttons(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    return [
        {"title": str(button.get("title", "")), "payload": str(button["payload"])}
        for button in value
        if isinstance(button, dict) and isinstance(button.get("payload"), str)
    ]
