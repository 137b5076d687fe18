"""JSON log lines (SHOPDESK_LOG_FORMAT=json, as `make run-scaled` sets it): one object per line
with the time, level, logger, message, the replica and the conversation being worked on, for a
log collector to index. The conversation id comes from a context variable the router sets while
it handles a conversation (`conversation_context`), so every line logged on the way carries it.

The redaction filter (handoff/logs.py) runs on the handler before this formatter, so what is
blanked in plain lines is blanked here too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

current_conversation: ContextVar[str | None] = ContextVar("current_conversation", default=None)


@contextlib.contextmanager
def conversation_context(conversation_id: str) -> Iterator[None]:
    token = current_conversation.set(conversation_id)
    try:
        yield
    finally:
        current_conversation.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, replica: str = "") -> None:
        super().__init__()
        self._replica = replica

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._replica:
            line["replica"] = self._replica
        conversation = getattr(record, "conversation_id", None) or current_conversation.get()
        if conversation:
            line["conversation_id"] = conversation
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)
