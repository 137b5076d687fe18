"""Shoppers as a careful client is written: every message carries a client_message_id and is sent
again until the hub acknowledges it, through crashes and restarts; and what the hub's database
says afterwards about every message they sent."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEADLINE_SECONDS = 120


@dataclass
class Shopper:
    client: httpx.AsyncClient
    conversation_id: str = ""
    token: str = ""
    # client_message_id -> text, for every message the hub acknowledged.
    acknowledged: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def open(self) -> None:
        body = await self._post("/api/conversations", {}, expect=201)
        self.conversation_id, self.token = body["conversation_id"], body["token"]

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Sends until acknowledged; returns what the hub answered (the message first)."""
        client_id = uuid.uuid4().hex
        body = await self._post(f"/api/conversations/{self.conversation_id}/messages",
                                {"text": text, "client_message_id": client_id})
        self.acknowledged[client_id] = text
        self.answers[client_id] = body["messages"]
        return list(body["messages"])

    async def _post(self, path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_SECONDS
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        while time.monotonic() < deadline:
            try:
                response = await self.client.post(path, json=body, headers=headers, timeout=20)
            except httpx.TransportError:
                await asyncio.sleep(0.2)  # the hub is down or restarting: try again
                continue
            if response.status_code == expect:
                answer: dict[str, Any] = response.json()
                return answer
            assert response.status_code >= 500, f"{path}: {response.status_code} {response.text}"
            await asyncio.sleep(0.2)
        raise AssertionError(f"{path}: not acknowledged within {DEADLINE_SECONDS} s")


async def shoppers(base_url: str, count: int) -> list[Shopper]:
    client = httpx.AsyncClient(base_url=base_url)
    opened = [Shopper(client) for _ in range(count)]
    await asyncio.gather(*(s.open() for s in opened))
    return opened


async def each_says(crowd: list[Shopper], lines: Callable[[int], list[str]]) -> None:
    """Every shopper says their lines in order, all shoppers at once."""

    async def talk(number: int, shopper: Shopper) -> None:
        for line in lines(number):
            await shopper.say(line)

    await asyncio.gather(*(talk(n, s) for n, s in enumerate(crowd)))


class HubDatabase:
    """Read-only look at the hub's SQLite file while the hub runs (WAL lets readers in)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *args: object) -> list[sqlite3.Row]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as connection:
            connection.row_factory = sqlite3.Row
            return connection.execute(sql, args).fetchall()

    def waiting(self, conversation_ids: list[str] | None = None) -> int:
        sql = "select count(*) from messages where author_kind = 'shopper' and handled_at is null"
        if conversation_ids is None:
            return int(self.rows(sql)[0][0])
        marks = ",".join("?" * len(conversation_ids))
        return int(self.rows(f"{sql} and conversation_id in ({marks})", *conversation_ids)[0][0])

    def state(self, conversation_id: str) -> str:
        return str(self.rows("select state from conversations where id = ?", conversation_id)[0][0])

    def tickets(self, conversation_id: str) -> list[sqlite3.Row]:
        return self.rows("select * from tickets where conversation_id = ? order by id", conversation_id)

    def messages(self, conversation_id: str) -> list[sqlite3.Row]:
        return self.rows("select * from messages where conversation_id = ? order by seq", conversation_id)

    async def until(self, condition: Callable[[], bool], seconds: float, what: str, every: float = 0.2) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {what}"
            await asyncio.sleep(every)


def audit(db: HubDatabase, shopper: Shopper) -> list[sqlite3.Row]:
    """0 acknowledged messages lost, 0 duplicated, 0 left without an answer, each answer stored once.
    Returns the conversation's shopper messages."""
    messages = db.messages(shopper.conversation_id)
    said = [m for m in messages if m["author_kind"] == "shopper"]
    by_client_id = {m["external_id"]: m for m in said}
    assert len(by_client_id) == len(said), "a shopper message stored twice"
    for client_id, text in shopper.acknowledged.items():
        assert client_id in by_client_id, f"acknowledged but lost: {text!r}"
        assert by_client_id[client_id]["text"] == text
    assert [m["handled_at"] is not None for m in said] == [True] * len(said), "a message still waits"
    tickets = db.tickets(shopper.conversation_id)
    for message in said:
        answers = [m for m in messages if m["reply_to"] == message["seq"]]
        with_people = any(t["created_at"] <= message["handled_at"] for t in tickets)
        assert answers or with_people, f"left without an answer: {message['text']!r}"
        # The bot's turn is stored in one transaction, so once it is one unbroken run (the outage
        # notice before it is the hub's, stored when Rasa was down).
        turn = [m for m in answers if m["author_kind"] == "bot"]
        seqs = [m["seq"] for m in turn]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True, "an answer stored in two pieces"
        texts = [m["text"] for m in turn]
        half = len(texts) // 2
        assert not (half and len(texts) % 2 == 0 and texts[:half] == texts[half:]), f"answered twice: {texts}"
    return said


def answered_by_bot(db: HubDatabase, conversation_id: str, seq: int) -> list[str]:
    return [m["text"] for m in db.messages(conversation_id)
            if m["reply_to"] == seq and m["author_kind"] == "bot" and not m["internal"] and m["text"]]
