"""A small fake Rasa server: a real local HTTP server speaking the two endpoints the hub uses
(REST channel webhook and trigger_intent), with the bot's handoff signal, and a switch to fail."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RATING_BUTTONS = [{"title": str(n), "payload": f'/csat{{"rating": {n}}}'} for n in range(1, 6)]
RATING_TEXT = "Your conversation with our team is resolved, and I'm back. How would you rate the help you got?"


def handoff_signal(text: str, reasons: list[str], severity: str = "normal") -> dict[str, Any]:
    return {
        "type": "handoff",
        "reasons": reasons,
        "severity": severity,
        "message": text,
        "anger": None,
        "summary": {"intents": ["request_human"], "order_id": None, "tried": []},
    }


class FakeRasa:
    """`human` in a message asks for a person; two `asdf` messages in a row hand off as a fallback."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.failing = False
        self.csat_trigger_works = True
        # Called in the server thread with each webhook body before answering (tests look around).
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        self._fallbacks: dict[str, int] = defaultdict(int)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeRasa:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

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
        return [{"recipient_id": sender, "text": f"bot heard: {text}", "buttons": [{"title": "Track", "payload": "/track_shipment"}]}]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fake.requests.append((self.path, body))
                if fake.failing:
                    return self._send(500, {"error": "boom"})
                if self.path.startswith("/webhooks/rest/webhook"):
                    if fake.on_message is not None:
                        fake.on_message(body)
                    return self._send(200, fake.reply(body["sender"], body["message"]))
                if "/trigger_intent" in self.path and fake.csat_trigger_works:
                    sender = self.path.split("/")[2]
                    return self._send(200, {"tracker": {}, "messages": [
                        {"recipient_id": sender, "text": RATING_TEXT, "buttons": RATING_BUTTONS}]})
                return self._send(404, {"error": "not found"})

            def _send(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        return Handler
