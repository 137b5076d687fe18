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
# The hub's id of the shopper message, in the metadata Rasa keeps with the user's event.
MESSAGE_ID_KEY = "shopdesk_message_id"
WEBHOOK_PATH = "/webhooks/hub/webhook"
# How many errors Rasa logged while answering (bot/hub_channel.py sets it; absent when none).
TURN_ERRORS_HEADER = "X-ShopDesk-Turn-Errors"
_DOWN_STATUSES = {502, 503, 504}
# Rasa checks the hub's calls with the secret it was started with (bot/serve.py); the
# hub signs a short-lived token with it rather than sending the secret itself.
TOKEN_LIFETIME_SECONDS = 600
TOKEN_RENEW_SECONDS = 60


class RasaUnavailable(Exception):
    """Rasa gave no usable answer: it timed out, refused us, or answered something that is not a reply list."""


class RasaUnreachable(RasaUnavailable):
    """Nothing answers at Rasa's address, or the connection broke mid-call: Rasa is down or restarting,
    and will answer again once it is back (a slow or confused Rasa is RasaUnavailable)."""


@dataclass(frozen=True)
class BotReply:
    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] | None = None


@dataclass(frozen=True)
class BotTurn:
    """What the bot said to one shopper message, and whether it got through the turn."""

    replies: list[BotReply]
    errors: int = 0

    @property
    def complete(self) -> bool:
        """Silence is a failure too: when an action fails, Rasa's channel answers with what was said
        before it, often nothing at all."""
        return self.errors == 0 and bool(self.replies)


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

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> BotTurn:
        body = {"sender": sender, "message": message, "metadata": metadata}
        response = await self._post(f"{self._base}{WEBHOOK_PATH}", body)
        answer = _json(response)
        if not isinstance(answer, list):
            raise RasaUnavailable("Rasa's REST channel answered something other than a list")
        errors = response.headers.get(TURN_ERRORS_HEADER, "0")
        return BotTurn(parse_replies(answer), int(errors) if errors.isdigit() else 1)

    async def trigger_intent(self, sender: str, intent: str) -> list[BotReply]:
        url = f"{self._base}/conversations/{quote(sender, safe='')}/trigger_intent?output_channel=latest"
        answer = _json(await self._post(url, {"name": intent, "entities": {}}))
        if not isinstance(answer, dict):
            raise RasaUnavailable("Rasa's trigger_intent answered something other than an object")
        return parse_replies(answer.get("messages") or [])

    async def turn_of(self, sender: str, message_id: int) -> BotTurn | None:
        """What the bot said to the message the hub marked with `message_id` (MESSAGE_ID_KEY in its
        metadata), read from the conversation's tracker; None when the message never reached Rasa.
        A hub that died mid-turn leaves the next one to find out before asking again: a second
        asking would be a second message to the bot (a repeated question, a second return)."""
        if self._client is None:
            raise RasaUnavailable("the Rasa client is not open (the hub is not serving)")
        url = f"{self._base}/conversations/{quote(sender, safe='')}/tracker"
        try:
            response = await self._client.get(url, headers=self._headers())
        except httpx.TransportError as error:
            raise RasaUnreachable(f"{url}: {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(f"{url}: {response.status_code}")
        tracker = _json(response)
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return _turn_in(events if isinstance(events, list) else [], message_id)

    async def ready(self) -> bool:
        """Whether Rasa is up with a model loaded (its status answers only a signed caller)."""
        if self._client is None:
            return False
        try:
            response = await self._client.get(f"{self._base}/status", headers=self._headers(), timeout=5)
            status = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return False
        return isinstance(status, dict) and bool(status.get("fingerprint") or status.get("model_file"))

    async def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        if self._client is None:
            raise RasaUnavailable("the Rasa client is not open (the hub is not serving)")
        try:
            response = await self._client.post(url, json=body, headers=self._headers())
        except httpx.TransportError as error:
            if isinstance(error, httpx.TimeoutException) and not isinstance(error, httpx.ConnectTimeout):
                raise RasaUnavailable(f"{url}: no answer within {self._timeout:.0f} s") from error
            raise RasaUnreachable(f"{url}: {type(error).__name__}: {error}") from error
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{url}: {type(error).__name__}: {error}") from error
        if response.status_code in _DOWN_STATUSES:
            raise RasaUnreachable(f"{url}: {response.status_code}")
        if response.status_code != 200:
            raise RasaUnavailable(f"{url}: {response.status_code}")
        return response

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._signer.token()}"}


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


def _turn_in(events: list[Any], message_id: int) -> BotTurn | None:
    """The bot's utterances after the (last) user event carrying `message_id`, up to the next user event."""
    starts = [n for n, event in enumerate(events) if isinstance(event, dict) and event.get("event") == "user"
              and isinstance(event.get("metadata"), dict) and event["metadata"].get(MESSAGE_ID_KEY) == message_id]
    if not starts:
        return None
    said: list[Any] = []
    for event in events[starts[-1] + 1:]:
        if not isinstance(event, dict) or event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data")
            said.append({**(data if isinstance(data, dict) else {}), "text": event.get("text")})
    return BotTurn(parse_replies(said))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise RasaUnavailable(f"{response.url}: not JSON") from error


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
