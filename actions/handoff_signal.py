"""The handoff signal the bot sends the hub: why a person should take over and what the bot
understood so far. Pure functions over Rasa's event list.

The hub reads it from the bot's reply as a custom payload, and judges from it (reasons and the
shopper's words) how urgent the ticket is (handoff/severity.py):
{"type": "handoff", "reasons": [...], "message": ..., "anger": ..., "summary": {...}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

REASON_FOR_INTENT = {
    "request_human": "explicit_request",
    "complaint": "complaint",
    "feedback_negative": "negative_feedback",
    "nlu_fallback": "repeated_fallback",
}
_NOT_TRIED = frozenset({"action_listen", "action_session_start", "action_extract_slots", "action_handoff"})
MAX_MESSAGE_LENGTH = 1000


def handoff_payload(reasons: list[str], events: list[Mapping[str, Any]], latest_message: Mapping[str, Any],
                    order_id: str | None, context: Mapping[str, Any] | None = None,
                    verified_order_id: str | None = None) -> dict[str, Any]:
    context = context or {}
    text = (latest_message.get("text") or "")[:MAX_MESSAGE_LENGTH]
    return {
        "type": "handoff",
        "reasons": reasons,
        "message": context.get("message") or text,
        "anger": context.get("anger") or latest_message.get("anger"),
        # verified_order_id: the shopper proved they own it, so the hub knows who they are.
        "summary": {"intents": understood_intents(events), "order_id": order_id,
                    "verified_order_id": verified_order_id, "tried": tried_actions(events)},
    }


def understood_intents(events: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: list[str] = []
    for event in events:
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name and name not in seen:
            seen.append(name)
    return seen


def tried_actions(events: Iterable[Mapping[str, Any]]) -> list[str]:
    tried: list[str] = []
    for event in events:
        name = event.get("name") if event.get("event") == "action" else None
        if name and name not in _NOT_TRIED and name not in tried:
            tried.append(name)
    return tried
