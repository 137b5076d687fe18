"""Plays scripted conversations against a running hub (which talks to the real Rasa server and
action server), one shopper at a time, and judges every reply (bench/conversation_checks.py).

Each conversation starts on a freshly seeded demo shop, so a cancellation in one cannot change
what another sees. Handoffs are read where the hub records them: the ticket it opened.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.conversation_checks import Conversation, ConversationResult, Reply, judge_end, judge_turn
from handoff.identity import sign
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine

DEMO_ORDERS = tuple(str(number) for number in range(10001, 10015))


@dataclass(frozen=True)
class Target:
    """Where the conversations go: the hub, its database file, the shop's database."""

    hub_url: str
    hub_database: Path
    shop_database_url: str
    identity_secret: str


class ConversationPlayer:
    def __init__(self, target: Target) -> None:
        self._target = target
        self._http = httpx.Client(base_url=target.hub_url, timeout=60)
        self._shop_engine = create_shop_engine(target.shop_database_url)
        self._shop = SqlOrderSource(self._shop_engine)

    def close(self) -> None:
        self._http.close()
        self._shop_engine.dispose()

    def play_all(self, conversations: Iterable[Conversation],
                 progress: Callable[[ConversationResult], None] | None = None) -> list[ConversationResult]:
        results = []
        for conversation in conversations:
            result = self.play(conversation)
            if progress:
                progress(result)
            results.append(result)
        return results

    def play(self, conversation: Conversation) -> ConversationResult:
        reset_database(self._shop_engine, datetime.now(UTC))
        conversation_id, token = self._open(conversation.customer)
        judged = []
        for turn in conversation.turns:
            reply = self._say(conversation_id, token, turn.say)
            judged.append(judge_turn(turn, reply))
            if reply.handoff_reasons:
                break
        end = judge_end(conversation, self._orders()) if len(judged) == len(conversation.turns) else ()
        return ConversationResult(conversation, tuple(judged), end)

    def _open(self, customer: str | None) -> tuple[str, str]:
        body: dict[str, Any] = {}
        if customer:
            expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
            body["identity"] = {"customer_email": customer, "expires": expires,
                                "signature": sign(self._target.identity_secret, customer, expires)}
        response = self._http.post("/api/conversations", json=body)
        response.raise_for_status()
        opened = response.json()
        return opened["conversation_id"], opened["token"]

    def _say(self, conversation_id: str, token: str, text: str) -> Reply:
        started = time.perf_counter()
        response = self._http.post(f"/api/conversations/{conversation_id}/messages", json={"text": text},
                                   headers={"Authorization": f"Bearer {token}"})
        seconds = time.perf_counter() - started
        response.raise_for_status()
        answer = response.json()
        produced = [m for m in answer["messages"] if m["direction"] == "out"]
        texts = tuple(m["text"] for m in produced if m.get("text"))
        buttons = tuple(str(b.get("title", "")) for m in produced for b in m.get("buttons") or [])
        reasons = self._ticket_reasons(conversation_id) if answer["state"] != "bot" else ()
        return Reply(texts, buttons, reasons, seconds)

    def _ticket_reasons(self, conversation_id: str) -> tuple[str, ...]:
        with sqlite3.connect(self._target.hub_database) as db:
            row = db.execute("SELECT reasons FROM tickets WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
                             (conversation_id,)).fetchone()
        if row is None:
            return ()
        reasons = json.loads(row[0]) if isinstance(row[0], str) else row[0]
        return tuple(str(reason) for reason in reasons or ()) or ("unknown",)

    def _orders(self) -> dict[str, dict[str, Any]]:
        orders: dict[str, dict[str, Any]] = {}
        for number in DEMO_ORDERS:
            order = self._shop.get_order(number)
            if order is not None:
                orders[number] = {"status": order.status, "address": order.shipping_address.one_line(),
                                  "returns": len(self._shop.returns_for_order(number))}
        return orders


@dataclass(frozen=True)
class Figures:
    conversations: int
    in_scope: int
    resolved_right: int
    must_hand_off: int
    handed_off_right: int
    replies: int
    wrong_replies: int

    @property
    def resolved_share(self) -> float:
        return self.resolved_right / self.in_scope if self.in_scope else 1.0

    @property
    def handed_off_share(self) -> float:
        return self.handed_off_right / self.must_hand_off if self.must_hand_off else 1.0

    @property
    def wrong_share(self) -> float:
        return self.wrong_replies / self.replies if self.replies else 0.0


def figures(results: Sequence[ConversationResult]) -> Figures:
    in_scope = [r for r in results if r.conversation.handoff is None]
    must = [r for r in results if r.conversation.handoff is not None]
    replies = [turn for r in results for turn in r.turns]
    return Figures(
        conversations=len(results), in_scope=len(in_scope),
        resolved_right=sum(r.right and not r.handed_off for r in in_scope),
        must_hand_off=len(must), handed_off_right=sum(r.right for r in must),
        replies=len(replies), wrong_replies=sum(not turn.right for turn in replies),
    )


def latency_ms(results: Sequence[ConversationResult]) -> tuple[float, float]:
    """Median and 95th percentile of the time from sending a message to having the replies."""
    seconds = sorted(turn.reply.seconds for r in results for turn in r.turns)
    if not seconds:
        return 0.0, 0.0
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return statistics.median(seconds) * 1000, p95 * 1000
