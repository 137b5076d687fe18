"""Telegram's limits as plain functions: splitting long texts, pacing per chat, retrying."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from hub.channels.telegram_limits import ChatPacer, split_text, utf16_length, with_retries


def test_short_text_is_one_part() -> None:
    assert split_text("where is my order?") == ["where is my order?"]


def test_long_text_is_cut_at_paragraphs_first() -> None:
    text = "\n\n".join(["a" * 3000, "b" * 3000, "c" * 100])
    assert split_text(text) == ["a" * 3000, "b" * 3000 + "\n\n" + "c" * 100]


def test_without_paragraphs_lines_then_spaces_are_used() -> None:
    lines = "\n".join(["line " + "x" * 1000] * 6)
    assert all(part.startswith("line ") for part in split_text(lines))
    words = " ".join(["word"] * 2000)
    parts = split_text(words)
    assert all(len(p) <= 4096 and not p.startswith(" ") and not p.endswith(" ") for p in parts)
    assert " ".join(parts) == words


def test_a_text_with_no_break_at_all_is_cut_hard_and_nothing_is_lost() -> None:
    blob = "x" * 10000
    parts = split_text(blob)
    assert [len(p) for p in parts] == [4096, 4096, 1808] and "".join(parts) == blob


def test_length_is_counted_as_telegram_does_in_utf16_units() -> None:
    emoji = "📦" * 3000  # 2 UTF-16 units each
    parts = split_text(emoji)
    assert all(utf16_length(p) <= 4096 for p in parts) and "".join(parts) == emoji
    assert len(parts) == 2


def test_whitespace_only_text_has_no_parts() -> None:
    assert split_text("  \n ") == []


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_pacer_spaces_sends_to_one_chat_but_not_across_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    clock, slept = FakeClock(), []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))

    monkeypatch.setattr(asyncio, "sleep", sleep)
    pacer = ChatPacer(1.0, clock)
    for _ in range(3):
        await pacer.wait(1)
    await pacer.wait(2)
    assert slept == [1.0, 2.0]
    clock.now += 0.5
    pacer.sent(2)
    await pacer.wait(2)
    assert slept == [1.0, 2.0, 1.0]


async def test_retry_waits_what_telegram_asked_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    outcomes: list[Exception | str] = [RetryAfter(timedelta(seconds=3)), TimedOut(), "sent"]

    async def send() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await with_retries(send, attempts=4) == "sent"
    assert slept == [3.0, 2.0]


@pytest.mark.parametrize("refusal", [Forbidden("Forbidden: bot was blocked by the user"), BadRequest("Chat not found")])
async def test_refusals_are_not_retried(refusal: Exception) -> None:
    calls = 0

    async def send() -> None:
        nonlocal calls
        calls += 1
        raise refusal

    with pytest.raises(type(refusal)):
        await with_retries(send, attempts=4)
    assert calls == 1


async def test_retries_give_up_after_the_last_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    no_wait = asyncio.sleep
    monkeypatch.setattr(asyncio, "sleep", lambda seconds: no_wait(0))

    async def send() -> None:
        raise RetryAfter(timedelta(seconds=1))

    with pytest.raises(RetryAfter):
        await with_retries(send, attempts=3)
