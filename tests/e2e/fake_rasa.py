"""A small real HTTP server that speaks Rasa's REST webhook protocol, so browser tests get real
tickets without a trained model (the full real-Rasa path is tested in tests/integration).

"human" (or "person") in a message hands off like the bot's action_handoff does (with its
severity rule; "complain" adds the complaint reason); anything else gets a plain answer. `trigger_intent` answers the rating question the hub asks on resolve.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from actions.handoff_signal import severity

HANDOFF_TEXT = "I'll bring in a person from our support team to help you with this."
RATING_TEXT = "Your question was handled by our team. How would you rate the help you got, from 1 to 5?"


def bot_replies(message: str) -> list[dict[str, Any]]:
    lowered = message.lower()
    if "human" not in lowered and "person" not in lowered:
        return [{"text": "I can help with orders, shipping, returns and payments."}]
    reasons = ["explicit_request", *(["complaint"] if "complain" in lowered else [])]
    return [
        {"text": HANDOFF_TEXT},
        {"custom": {
            "type": "handoff",
            "reasons": reasons,
            "severity": severity(reasons, message),  # the bot's own rule
            "message": message,
            "anger": {"score": 0.91, "cues": ["ridiculous"]} if "ridiculous" in lowered else None,
            "summary": {"intents": ["order_status", "request_human"], "order_id": "10042",
                        "tried": ["action_check_order_status"]},
        }},
    ]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/webhooks/rest/webhook":
            self._answer(bot_replies(str(body.get("message", ""))))
        elif "/trigger_intent" in self.path:
            self._answer({"messages": [{"text": RATING_TEXT, "buttons": [
                {"title": str(n), "payload": f'/csat{{"rating": {n}}}'} for n in range(1, 6)]}]})
        else:
            self.send_error(404)

    def _answer(self, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


class FakeRasa:
    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
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
