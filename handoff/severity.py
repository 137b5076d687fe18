"""How serious a ticket is and where it sits in the queue (which team takes it: handoff/teams.py).

The one place that judges urgency: whatever path a conversation took to a person (the bot's
escalation policy, an action, the hub itself), the ticket's severity comes from its reasons and
the shopper's own words here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handoff.signals import ANGER, COMPLAINT, VIP

SEVERITY_RANK = {"normal": 0, "serious": 1, "urgent": 2}
TIER_RANK = {"vip": 2, "regular": 1, "new": 0}
_SERIOUS_REASONS = frozenset({ANGER, COMPLAINT, VIP})

# Money taken wrongly, the law, or someone's safety: a person must look first, whatever the bot said.
URGENT_CUES: dict[str, re.Pattern[str]] = {
    "fraud": re.compile(r"\b(fraud\w*|scam\w*|stolen card|identity theft|unauthori[sz]ed (charge|payment|transaction)s?)\b"),
    "chargeback": re.compile(r"\b(charge ?backs?|dispute (the|this) (charge|payment)|reverse the (charge|payment))\b"),
    "legal": re.compile(r"\b(lawyers?|attorneys?|solicitors?|sue|suing|lawsuits?|(to|in) court|court case|legal action|"
                        r"small claims|trading standards|consumer protection)\b"),
    "safety": re.compile(r"\b(caught fire|on fire|fire hazard|(started|starts) smoking|smoke (came|coming)|"
                         r"burn(ed|t) (me|my|him|her)|injur(y|ed|ies)|electric shock|explod\w*|poison\w*|"
                         r"chok(e|ed|ing) (on|hazard)|hospital|dangerous|unsafe)\b"),
}



def urgent_cues(texts: Iterable[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        lowered = text.lower()
        found.extend(cue for cue, pattern in URGENT_CUES.items() if cue not in found and pattern.search(lowered))
    return found


def severity_for(reasons: Iterable[str], cues: list[str]) -> str:
    """Urgent when the shopper's words name fraud, a chargeback, the law or safety; serious for
    anger, a complaint or a VIP; normal otherwise."""
    if cues:
        return "urgent"
    return "serious" if _SERIOUS_REASONS.intersection(reasons) else "normal"


def priority(severity: str, tier: str | None) -> int:
    """1 (highest) to 9; the queue then breaks ties by waiting time."""
    return 9 - 3 * SEVERITY_RANK.get(severity, 0) - TIER_RANK.get(tier or "", 0)
