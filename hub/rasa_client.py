"""Talking to the Rasa server over its REST channel, and reading what it answers.

Several Rasa processes (RASA_URL="http://a:5005,http://b:5005"): each conversation always goes to
the same one, chosen by rendezvous hashing of the conversation id over the list, so every hub
replica picks the same process without talking to the others, a conversation's tracker stays hot
in one process, and adding or removing a process moves only the conversations that were (or
will be) on it. When the chosen process refuses the connection (down or restarting: the message
never reached it), the next one in the conversation's order takes the call; they share the
tracker store, and Redis holds their conversation locks (bot/serve.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jwt

from hub import http1

log = logging.getLogger(__name__)

CSAT_INTENT = "EXTERNAL_csat_request"
# The hub's id of the shopper message, in the metadata Rasa keeps with the user's event.
MESSAGE_ID_KEY = "shopdesk_message_id"
WEBHOOK_PATH = "/webhooks/hub/webhook"
# How many errors Rasa logged while answering (bot/hub_channel.py sets it; absent when none).
TURN_ERRORS_HEADER = "X-ShopDesk-Turn-Errors"
# The intent the bot read in the message (bot/turn_report.py), kept with it for the reports.
INTENT_HEADER = "X-ShopDesk-Intent"
_TURN_ERRORS, _INTENT_NAME = TURN_ERRORS_HEADER.lower(), INTENT_HEADER.lower()  # as http1.Response has them
_INTENT = re.compile(r"[A-Za-z0-9_./-]{1,80}")
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
    intent: str | None = None

    @property
    def complete(self) -> bool:
        """Silence is a failure too: when an action fails, Rasa's channel answers with what was said
        before it, often nothing at all."""
        return self.errors == 0 and bool(self.replies)


class RasaClient:
    """Opened when the server starts and closed when it stops (the HTTP pool lives in between)."""

    def __init__(self, base_url: str, secret: str, timeout: float = 30.0) -> None:
        self._bases = rasa_urls(base_url)
        self._origins = {base: http1.Origin.parse(base) for base in self._bases}
        self._timeout = timeout
        self._http: http1.Client | None = None
        self._signer = TokenSigner(secret)

    def open(self) -> None:
        if self._http is None:
            tls = any(origin.tls for origin in self._origins.values())
            self._http = http1.Client(_tls_context() if tls else None)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def urls(self) -> tuple[str, ...]:
        return self._bases

    def route(self, sender: str) -> tuple[str, ...]:
        """The Rasa processes in the order this conversation tries them (the first one, while it is up)."""
        return rendezvous_order(sender, self._bases)

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> BotTurn:
        body = {"sender": sender, "message": message, "metadata": metadata}
        response = await self._post(sender, WEBHOOK_PATH, body)
        answer = _json(response)
        if not isinstance(answer, list):
            raise RasaUnavailable("Rasa's REST channel answered something other than a list")
        errors = response.headers.get(_TURN_ERRORS, "0")
        return BotTurn(parse_replies(answer), int(errors) if errors.isdigit() else 1,
                       intent_name(response.headers.get(_INTENT_NAME)))

    async def trigger_intent(self, sender: str, intent: str) -> list[BotReply]:
        path = f"/conversations/{quote(sender, safe='')}/trigger_intent?output_channel=latest"
        answer = _json(await self._post(sender, path, {"name": intent, "entities": {}}))
        if not isinstance(answer, dict):
            raise RasaUnavailable("Rasa's trigger_intent answered something other than an object")
        return parse_replies(answer.get("messages") or [])

    async def turn_of(self, sender: str, message_id: int) -> BotTurn | None:
        """What the bot said to the message the hub marked with `message_id` (MESSAGE_ID_KEY in its
        metadata), read from the conversation's tracker; None when the message never reached Rasa.
        A hub that died mid-turn leaves the next one to find out before asking again: a second
        asking would be a second message to the bot (a repeated question, a second return)."""
        path = f"/conversations/{quote(sender, safe='')}/tracker"
        response = await self._call("GET", sender, path, None)
        if response.status != 200:
            raise RasaUnavailable(f"{response.url}: {response.status}")
        tracker = _json(response)
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return _turn_in(events if isinstance(events, list) else [], message_id)

    async def ready(self) -> bool:
        """Whether every Rasa process is up with a model loaded (its status answers only a signed caller)."""
        if self._http is None:
            return False
        for origin in self._origins.values():
            try:
                response = await self._http.request(origin, "GET", "/status", self._headers(), None, 5)
                status = json.loads(response.body) if response.status == 200 else None
            except (http1.HttpError, ValueError):
                return False
            if not (isinstance(status, dict) and (status.get("fingerprint") or status.get("model_file"))):
                return False
        return True

    async def _call(self, method: str, sender: str, path: str, body: dict[str, Any] | None) -> http1.Response:
        """The conversation's Rasa, or the next in its order while one refuses the connection."""
        if self._http is None:
            raise RasaUnavailable("the Rasa client is not open (the hub is not serving)")
        # The bytes httpx sent for a json= body, byte for byte.
        data = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                                      allow_nan=False).encode()
        headers = self._headers(data is not None)
        order = self.route(sender)
        for place, base in enumerate(order):
            try:
                return await self._http.request(self._origins[base], method, path, headers, data, self._timeout)
            except http1.ConnectFailed as error:
                # Refused: the request never reached that process, so another may take it.
                if place + 1 < len(order):
                    log.warning("Rasa at %s refused the connection; %s goes to %s", base, sender, order[place + 1])
                    continue
                raise RasaUnreachable(f"{base}{path}: {type(error).__name__}: {error}") from error
            except http1.AnswerTimeout as error:
                raise RasaUnavailable(f"{base}{path}: no answer within {self._timeout:.0f} s") from error
            except http1.HttpError as error:  # no connection in time, or it broke: Rasa down or restarting
                raise RasaUnreachable(f"{base}{path}: {type(error).__name__}: {error}") from error
        raise RasaUnreachable("no Rasa URL configured")

    async def _post(self, sender: str, path: str, body: dict[str, Any]) -> http1.Response:
        response = await self._call("POST", sender, path, body)
        if response.status in _DOWN_STATUSES:
            raise RasaUnreachable(f"{response.url}: {response.status}")
        if response.status != 200:
            raise RasaUnavailable(f"{response.url}: {response.status}")
        return response

    def _headers(self, json_body: bool = False) -> dict[str, str]:
        authorization = {"Authorization": f"Bearer {self._signer.token()}"}
        return {"Content-Type": "application/json", **authorization} if json_body else authorization


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


def rasa_urls(setting: str) -> tuple[str, ...]:
    """RASA_URL: one URL or several, comma-separated (duplicates dropped, order kept)."""
    urls = tuple(dict.fromkeys(part.strip().rstrip("/") for part in setting.split(",") if part.strip()))
    if not urls:
        raise ValueError("RASA_URL names no Rasa server")
    return urls


def rendezvous_order(key: str, urls: tuple[str, ...]) -> tuple[str, ...]:
    """`urls` ranked for `key` by highest random weight (a stable hash, the same in every process)."""
    if len(urls) == 1:
        return urls

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}\n{key}".encode(), digest_size=8).digest()

    return tuple(sorted(urls, key=weight, reverse=True))


def _turn_in(events: list[Any], message_id: int) -> BotTurn | None:
    """The bot's utterances after the (last) user event carrying `message_id`, up to the next user event."""
    starts = [n for n, event in enumerate(events) if isinstance(event, dict) and event.get("event") == "user"
              and isinstance(event.get("metadata"), dict) and event["metadata"].get(MESSAGE_ID_KEY) == message_id]
    if not starts:
        return None
    said: list[Any] = []
    parsed = events[starts[-1]].get("parse_data")
    intent = (parsed.get("intent") if isinstance(parsed, dict) else None) or {}
    for event in events[starts[-1] + 1:]:
        if not isinstance(event, dict) or event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data")
            said.append({**(data if isinstance(data, dict) else {}), "text": event.get("text")})
    return BotTurn(parse_replies(said), intent=intent_name(intent.get("name") if isinstance(intent, dict) else None))


def intent_name(value: object) -> str | None:
    return value if isinstance(value, str) and _INTENT.fullmatch(value) else None


def _json(response: http1.Response) -> Any:
    try:
        return json.loads(response.body)
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
