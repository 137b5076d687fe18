"""The bot's handoff signal (a custom payload in its reply), read defensively.

The bot is trusted but its payload is still data: unknown fields are ignored, unknown reason
codes are kept (new ones arrive with the escalation policy and only need a label in the console),
and nothing in it can make the hub fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeGuard

# The handoff reasons, as DESIGN.md names them: the bot (bot/escalation_rules.py), its actions
# (actions/handoff_signal.py) and the hub itself signal only these (tests/test_contracts.py).
EXPLICIT_REQUEST = "explicit_request"
ANGER = "anger"
REPEATED_FALLBACK = "repeated_fallback"
UNRESOLVED_LOOP = "unresolved_loop"
COMPLAINT = "complaint"
NEGATIVE_FEEDBACK = "negative_feedback"
BOT_CANNOT_COMPLETE = "bot_cannot_complete"
VIP = "vip"
REASONS = (EXPLICIT_REQUEST, ANGER, REPEATED_FALLBACK, UNRESOLVED_LOOP, COMPLAINT, NEGATIVE_FEEDBACK,
           BOT_CANNOT_COMPLETE, VIP)
_MAX_ITEMS = 20
_MAX_CODE = 60
_MAX_TEXT = 4000


@dataclass(frozen=True)
class HandoffSignal:
    reasons: tuple[str, ...]
    message: str | None = None
    anger: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def is_handoff(custom: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(custom, dict) and custom.get("type") == "handoff"


def parse_signal(custom: dict[str, Any]) -> HandoffSignal:
    reasons = tuple(_codes(custom.get("reasons"))) or (BOT_CANNOT_COMPLETE,)
    message = custom.get("message")
    return HandoffSignal(
        reasons=reasons,
        message=message[:_MAX_TEXT] if isinstance(message, str) else None,
        anger=_anger(custom.get("anger")),
        summary=_summary(custom.get("summary")),
    )


def _codes(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    codes = [item.strip()[:_MAX_CODE] for item in value if isinstance(item, str) and item.strip()]
    return list(dict.fromkeys(codes))[:_MAX_ITEMS]


def _anger(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not isinstance(value.get("score"), (int, float)):
        return None
    return {"score": float(value["score"]), "cues": _codes(value.get("cues"))}


def _summary(value: object) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    return {
        "intents": _codes(value.get("intents")),
        "order_id": _code(value.get("order_id")),
        # The order whose owner the bot verified (order number + the email or phone on it).
        "verified_order_id": _code(value.get("verified_order_id")),
        "tried": _codes(value.get("tried")),
    }


def _code(value: object) -> str | None:
    return value[:_MAX_CODE] if isinstance(value, str) and value else None
