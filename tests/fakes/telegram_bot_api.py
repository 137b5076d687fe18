"""A local fake of Telegram's Bot API: a real HTTP server on 127.0.0.1 that python-telegram-bot
talks to as it would to api.telegram.org.

It serves getMe, getUpdates (long polling), setWebhook/deleteWebhook (and then posts updates to
the webhook), getFile and file downloads (of files a test put there with add_file), records every
other call (sendMessage, answerCallbackQuery, ...), and can be told to answer 429 with retry_after
or 403 "bot was blocked by the user".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.fakes.local_server import JsonHandler, LocalServer

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "ShopDesk", "username": "shopdesk_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
_JSON_FIELDS = {"reply_markup", "allowed_updates", "chat_id", "message_id", "show_alert", "timeout", "offset", "limit"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


class FakeBotApi(LocalServer):
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_responses: list[int] = []
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self.files: dict[str, bytes] = {}
        self._changed = threading.Condition()
        super().__init__(self._handler())

    def stop(self) -> None:
        with self._changed:
            self._changed.notify_all()
        super().stop()

    # ---- scripting ----

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def inject(self, update: dict[str, Any]) -> None:
        """Hands an update to the bot: posted to the webhook when one is set, else queued for getUpdates."""
        with self._changed:
            webhook = self.webhook
            if webhook is None:
                self._updates.append(update)
                self._changed.notify_all()
                return
        threading.Thread(target=self._post_to_webhook, args=(webhook, update), daemon=True).start()

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             chat_id: int | None = None, times: int = 1) -> None:
        self._failures.append(Failure(method, status, description, retry_after, chat_id, times))

    def add_file(self, file_id: str, data: bytes) -> None:
        """A file users sent (a photo's bytes), for the bot to fetch with getFile and download."""
        self.files[file_id] = data

    def block(self, chat_id: int, times: int = 1000) -> None:
        self.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=chat_id, times=times)

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.sent(chat_id)]

    # ---- the HTTP side ----

    def _post_to_webhook(self, webhook: dict[str, Any], update: dict[str, Any]) -> None:
        request = urllib.request.Request(
            webhook["url"], data=json.dumps(update).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": webhook.get("secret_token") or ""},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                self.webhook_responses.append(response.status)
        except urllib.error.HTTPError as error:
            self.webhook_responses.append(error.code)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "getUpdates":
            self.calls.append(Call(method, params))
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        failure = self._take_failure(method, params)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        return 200, {"ok": True, "result": self._result(method, params)}

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self._failures:
            chat = params.get("chat_id")
            if failure.method == method and (failure.chat_id is None or (chat is not None and int(chat) == failure.chat_id)):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._updates_after(int(params.get("offset") or 0), float(params.get("timeout") or 0))
        if method == "setWebhook":
            with self._changed:
                self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getFile":
            data = self.files[str(params.get("file_id"))]
            return {"file_id": params["file_id"], "file_unique_id": f"u-{params['file_id']}", "file_size": len(data),
                    "file_path": f"photos/{params['file_id']}.jpg"}
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup") and "chat_id" in params:
            return self._message(params)
        return True

    def _updates_after(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + min(timeout, 5)
        with self._changed:
            while True:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._changed.wait(max(0.0, deadline - time.monotonic()))

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _handler(self) -> type[JsonHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                download = f"/file/bot{fake.token}/photos/"
                if unquote(self.path).startswith(download):
                    self._send_file(unquote(self.path)[len(download):].removesuffix(".jpg"))
                    return
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self.send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = self.path[len(prefix):].split("?")[0]
                status, body = fake._answer(method, self._params())
                self.send_json(status, body)

            def _send_file(self, file_id: str) -> None:
                data = fake.files.get(file_id)
                if data is None:
                    self.send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _params(self) -> dict[str, Any]:
                raw = self.read_body()
                if not raw:
                    return {}
                if "json" in (self.headers.get("content-type") or ""):
                    return json.loads(raw)
                params: dict[str, Any] = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
                for key in _JSON_FIELDS & params.keys():
                    with contextlib.suppress(ValueError):
                        params[key] = json.loads(params[key])
                return params

        return Handler
