"""How serious a ticket is, which team it belongs to, and where it sits in the queue."""

from __future__ import annotations

import re
from collections.abc import Iterable

SEVERITY_RANK = {"normal": 0, "serious": 1, "urgent": 2}
TIER_RANK = {"vip": 2, "regular": 1, "new": 0}
TEAMS = ("orders", "payments", "returns")

# Money taken wrongly, the law, or someone's safety: a person must look first, whatever the bot said.
URGENT_CUES: dict[str, re.Pattern[str]] = {
    "fraud": re.compile(r"\b(fraud\w*|scam\w*|stolen card|identity theft|unauthori[sz]ed (charge|payment|transaction)s?)\b"),
    "chargeback": re.compile(r"\b(charge ?backs?|dispute (the|this) (charge|payment)|reverse the (charge|payment))\b"),
    "legal": re.compile(r"\b(lawyers?|attorneys?|solicitors?|sue|suing|lawsuits?|(to|in) court|court case|legal action|small claims|trading standards|consumer protection)\b"),
    "safety": re.compile(r"\b(caught fire|on fire|fire hazard|(started|starts) smoking|smoke (came|coming)|burn(ed|t) (me|my|him|her)|injur(y|ed|ies)|electric shock|explod\w*|poison\w*|chok(e|ed|ing) (on|hazard)|hospital|dangerous|unsafe)\b"),
}

_TEAM_BY_INTENT = {
    "payment_issue": "payments",
    "payment_methods": "payments",
    "invoice_request": "payments",
    "promo_code": "payments",
    "return_item": "returns",
    "refund_status": "returns",
    "warranty": "returns",
    "order_status": "orders",
    "track_shipment": "orders",
    "delivery_problem": "orders",
    "delivery_options": "orders",
    "cancel_order": "orders",
    "change_order": "orders",
    "change_address": "orders",
}


def urgent_cues(texts: Iterable[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        lowered = text.lower()
        found.extend(cue for cue, pattern in URGENT_CUES.items() if cue not in found and pattern.search(lowered))
    return found


def severity_for(signalled: str, cues: list[str]) -> str:
    """The higher of what the bot signalled and what the hub sees in the shopper's words."""
    detected = "urgent" if cues else "normal"
    return max(signalled, detected, key=lambda severity: SEVERITY_RANK.get(severity, 0))


def priority(severity: str, tier: str | None) -> int:
    """1 (highest) to 9; the queue then breaks ties by waiting time."""
    return 9 - 3 * SEVERITY_RANK.get(severity, 0) - TIER_RANK.get(tier or "", 0)


def team_for(intents: list[str]) -> str | None:
    """The team of the most recent intent that belongs to one; None means anyone may take it."""
    for intent in reversed(intents):
        if intent in _TEAM_BY_INTENT:
            return _TEAM_BY_INTENT[intent]
    return None
