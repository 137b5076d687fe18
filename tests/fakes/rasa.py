"""A small fake Rasa server: a real local HTTP server speaking the two endpoints the hub uses
(the hub channel's webhook and trigger_intent, and its status), with the bot's handoff signal,
and switches to fail the ways Rasa fails: an error answer, a turn whose action failed (the hub
channel's error count, or silence), and being down (the connection drops). Like the real one it
refuses calls without a token signed with its secret.

Suites that need other answers subclass it and override `reply` (and `rating_text`)."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import jwt

from tests.fakes.local_server import JsonHandler, LocalServer

RATING_BUTTONS = [{"title": str(n), "payload": f'/csat{{"rating": {n}}}'} for n in range(1, 6)]
RATING_TEXT = "Your conversation with our team is resolved, and I'm back. How would you rate the help you got?"


def handoff_signal(text: str, reasons: list[str]) -> dict[str, Any]:
    return {
        "type": "handoff",
        "reasons": reasons,
        "message": text,
        "anger": None,
        "summary": {"intents": ["request_human"], "order_id": None, "tried": []},
    }


class FakeRasa(LocalServer):
    """`human` in a message asks for a person; two `asdf` messages in a row hand off as a fallback."""

    rating_text = RATING_TEXT

    def __init__(self, keep_alive: bool = False) -> None:
        """`keep_alive`: HTTP/1.1 connections that stay open between calls, as Rasa's (Sanic) do;
        by default each answer closes its connection."""
        self.secret = secrets.token_urlsafe(32)
        self.refused = 0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # The events each conversation's tracker would hold (user messages and the bot's replies).
        self.trackers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.failing = False
        # Rasa killed or restarting: every connection drops without an answer.
        self.down = False
        # An action failed in the turn: bot/hub_channel.py's count of logged errors, or Rasa's silence.
        self.turn_errors = 0
        self.silent = False
        self.csat_trigger_works = True
        # What bot/turn_report.py would say the bot read (the intent header), or nothing.
        self.intent: str | None = None
        # Called in the server thread with each webhook body before answering (tests look around).
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        self._fallbacks: dict[str, int] = defaultdict(int)
        handler = self._handler()
        if keep_alive:
            handler.protocol_version = "HTTP/1.1"
            # As Sanic does: the body, written after the headers, goes out at once instead of waiting
            # for the client's delayed ACK of the headers (~40 ms on a kept-alive connection).
            handler.disable_nagle_algorithm = True
        super().__init__(handler)

    def messages_from(self, sender: str) -> list[str]:
        return [body["message"] for path, body in self.requests if path.endswith("/webhook") and body["sender"] == sender]

    def reply(self, sender: str, text: str) -> list[dict[str, Any]]:
        if "human" in text.lower():
            return [
                {"recipient_id": sender, "text": "I'll bring in a person from our support team."},
                {"recipient_id": sender, "custom": handoff_signal(text, ["explicit_request"])},
            ]
        if "asdf" in text.lower():
            self._fallbacks[sender] += 1
            if self._fallbacks[sender] >= 2:
                return [{"recipient_id": sender, "custom": handoff_signal(text, ["repeated_fallback"])}]
            return [{"recipient_id": sender, "text": "Sorry, I didn't quite get that."}]
        self._fallbacks[sender] = 0
        return [{"recipient_id": sender, "text": f"bot heard: {text}", "buttons": [{"title": "Track",
                                                                                    "payload": "/track_shipment"}]}]

    def remember(self, body: dict[str, Any], replies: list[dict[str, Any]]) -> None:
        events = self.trackers[body["sender"]]
        events.append({"event": "user", "text": body["message"], "metadata": body.get("metadata") or {}})
        for reply in replies:
            data = {key: value for key, value in reply.items() if key in ("buttons", "custom", "image")}
            events.append({"event": "bot", "text": reply.get("text"), "data": data})

    def signed(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return False
        return scheme == "Bearer" and claims.get("user", {}).get("role") == "admin"

    def _handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if fake.down:
                    self.close_connection = True
                    return None
                if not fake.signed(self.headers.get("authorization", "")):
                    return self.send_json(401, {"error": "NotAuthenticated"})
                if self.path == "/status":
                    return self.send_json(200, {"model_file": "fake.tar.gz", "fingerprint": {"fake": True}})
                if self.path.startswith("/conversations/") and self.path.endswith("/tracker"):
                    return self.send_json(200, {"events": fake.trackers.get(self.path.split("/")[2], [])})
                return self.send_json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.read_body() or b"{}")
                if fake.down:
                    self.close_connection = True
                    return None
                if not fake.signed(self.headers.get("authorization", "")):
                    fake.refused += 1
                    return self.send_json(401, {"error": "NotAuthenticated"})
                fake.requests.append((self.path, body))
                if fake.failing:
                    return self.send_json(500, {"error": "boom"})
                if self.path.startswith("/webhooks/hub/webhook"):
                    if fake.on_message is not None:
                        fake.on_message(body)
                    replies = [] if fake.silent else fake.reply(body["sender"], body["message"])
                    fake.remember(body, replies)
                    headers = {"X-ShopDesk-Turn-Errors": str(fake.turn_errors)} if fake.turn_errors else {}
                    if fake.intent:
                        headers["X-ShopDesk-Intent"] = fake.intent
                    return self.send_json(200, replies, headers)
                if "/trigger_intent" in self.path and fake.csat_trigger_works:
                    sender = self.path.split("/")[2]
                    return self.send_json(200, {"tracker": {}, "messages": [
                        {"recipient_id": sender, "text": fake.rating_text, "buttons": RATING_BUTTONS}]})
                return self.send_json(404, {"error": "not found"})

        return Handler
