"""Messages' sentence vectors computed in a thread of their own before Rasa's graph parses them,
several at once when several wait.

Rasa parses a message in its event loop's thread, and for a text the encoder has not seen the
sentence encoder (bot/sentence_encoder.py, MiniLM) is most of that: ~17 ms in numpy, when with
every message new to the bot Rasa spent ~22 ms CPU a message, all of it in that one thread, and
answered at 0.8x plain Rasa's rate (bench/README.md); ~4 ms in onnxruntime since. Here
`MessageProcessor.parse_message` first hands the text to a worker thread and awaits its vector while the loop goes on with other
conversations' turns; the worker takes every text waiting when it starts and encodes them
together (SentenceEncoder.encode_ahead: batches of similar lengths cost a fraction a text of one
alone); the graph's encode([text]) then takes the vector. A text that waits alone is encoded
exactly as the graph would have (bit for bit the same parse); one encoded in a batch differs in
float rounding (~1e-7 in the vector).

Not for a text the encoder has cached, an intent typed as "/intent", a parse over HTTP, or a model
whose pipeline never loaded the encoder. SHOPDESK_ENCODE_AHEAD=0 turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import queue
import threading
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.constants import INTENT_MESSAGE_PREFIX

from bot.sentence_encoder import loaded_encoder

log = logging.getLogger(__name__)
# Texts waiting for the worker, with the future each caller awaits.
_Request = tuple[str, asyncio.Future[None]]
_MOST_AT_ONCE = 32


class _Worker:
    """One thread that encodes what waits, all of it at once."""

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()

    async def encode(self, text: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.put((text, future))
        with self._mutex:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="encoder-ahead", daemon=True)
                self._thread.start()
        await future

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < _MOST_AT_ONCE:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            error: BaseException | None = None
            try:
                encoder = loaded_encoder()
                if encoder is not None:
                    encoder.encode_ahead([text for text, _future in batch])
            except Exception as failed:  # the graph encodes them itself
                error = failed
            for _text, future in batch:
                with contextlib.suppress(RuntimeError):  # the caller's loop has closed: no one waits any more
                    future.get_loop().call_soon_threadsafe(_settle, future, error)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # its caller was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(None)


_worker = _Worker()


def install() -> None:
    if os.environ.get("SHOPDESK_ENCODE_AHEAD", "1").strip() == "0":
        return
    original = MessageProcessor.parse_message
    if getattr(original, "_shopdesk_ahead", False):
        return

    @functools.wraps(original)
    async def parse_message(self: MessageProcessor, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> dict[str, Any]:
        text = message.text
        if self.http_interpreter is None and _worth_it(text):
            try:
                await _worker.encode(text)
            except Exception:
                log.exception("could not encode the message ahead")
        return await original(self, message, tracker, only_output_properties)

    parse_message._shopdesk_ahead = True  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_message


def _worth_it(text: object) -> bool:
    # The encoder is loaded by the model's intent classifier when its pipeline uses embeddings.
    return (isinstance(text, str) and bool(text.strip()) and not text.startswith(INTENT_MESSAGE_PREFIX)
            and loaded_encoder() is not None)
