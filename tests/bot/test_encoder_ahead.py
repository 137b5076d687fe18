"""bot/encoder_ahead.py: the message's vector is computed in a worker thread, several waiting
messages at once, while the event loop goes on; the parse then finds it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from bot import encoder_ahead
from bot.sentence_encoder import SentenceEncoder, loaded_encoder, shared_encoder


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """A fresh worker over the shared encoder, recording each batch it encodes and in which thread."""
    batches: list[list[str]] = []
    threads: list[int] = []
    encoder = shared_encoder()
    original = SentenceEncoder.encode_ahead

    def recorded(self: SentenceEncoder, texts: list[str]) -> None:
        batches.append(list(texts))
        threads.append(threading.get_ident())
        time.sleep(0.02)  # long enough for the others to queue behind the first
        original(self, texts)

    monkeypatch.setattr(SentenceEncoder, "encode_ahead", recorded)
    monkeypatch.setattr(encoder_ahead, "_worker", encoder_ahead._Worker())
    assert encoder is shared_encoder() is loaded_encoder()  # the one the worker fills
    yield batches
    assert all(thread != threading.get_ident() for thread in threads)


def test_messages_waiting_together_are_encoded_together_off_the_loop(worker: list[list[str]]) -> None:
    asyncio.run(_together(worker))


async def _together(worker: list[list[str]]) -> None:
    texts = [f"where is order {number}, it is late" for number in range(5)]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await asyncio.gather(*(encoder_ahead._worker.encode(text) for text in texts))
    finally:
        ticker.cancel()
    later = sorted(text for batch in worker[1:] for text in batch)
    assert worker[0] == texts[:1] and later == sorted(texts[1:]) and len(worker) <= 3  # the rest waited together
    assert ticks >= 10  # the loop went on meanwhile
    for text in texts:  # each parse finds its vector
        np.testing.assert_allclose(shared_encoder().encode([text]), SentenceEncoder.load(cache_size=0).encode([text]),
                                   atol=1e-6)


class _Processor:
    """What the installed parse_message reads of a MessageProcessor, around Rasa's own method."""

    http_interpreter = None


def test_the_installed_parse_encodes_ahead_only_what_the_graph_will_encode(
        worker: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_installed(worker, monkeypatch))


async def _installed(worker: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    async def parse(self: Any, message: UserMessage, tracker: Any = None, only_output_properties: bool = True) -> Any:
        parsed.append(message.text)
        return {}

    monkeypatch.setattr(MessageProcessor, "parse_message", parse)
    encoder_ahead.install()
    encoder_ahead.install()  # once only
    processor = _Processor()
    messages = [UserMessage(text) for text in ("do you ship to austria?", "/greet", "   ", None)]
    for message in messages:
        await MessageProcessor.parse_message(processor, message)
    assert parsed == [message.text for message in messages]  # every one parsed by Rasa's own
    assert worker == [["do you ship to austria?"]]  # not an intent typed in, not an empty text


def test_shopdesk_encode_ahead_0_leaves_rasas_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    async def parse(self: Any, message: UserMessage, tracker: Any = None, only_output_properties: bool = True) -> Any:
        return {}

    monkeypatch.setattr(MessageProcessor, "parse_message", parse)
    monkeypatch.setenv("SHOPDESK_ENCODE_AHEAD", "0")
    encoder_ahead.install()
    assert MessageProcessor.parse_message is parse
