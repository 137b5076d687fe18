"""Which items a shopper wants to send back, read from what they wrote ("both", "the whole
order", "just the scarf"), and whether they asked to return or only whether they still can."""

from __future__ import annotations

import re

from actions.clarify import Choice
from knowledge_base.shop.rules import Decision
from knowledge_base.shop.views import OrderView

ALL_ITEMS = "all"
OFFER = "return"
_ONLY_ASKING = re.compile(
    r"\btoo late\b|\bstill (?:\w+ )?(?:return|send|take|bring)\w*\b|\breturnable\b|\bstill time\b"
    r"|\bhow (?:long|many days) (?:do|have) i\b|\bcan (?:i|we) still\b|\bstill be returned\b|\bwithin the (?:return )?window\b"
    r"|\bam i (?:still )?(?:allowed|able) to return\b|\bis it (?:still )?possible to return\b",
    re.IGNORECASE,
)


_EVERYTHING = re.compile(r"\b(?:both|all (?:of (?:them|it)|items|the items)|everything|the whole (?:order|lot|thing)"
                         r"|the entire order|all of my order)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]{3,}")
_GENERIC = frozenset({"the", "and", "for", "with", "set", "pack", "size", "item", "items", "order"})


def named_items(text: str, items: list[tuple[str, str]]) -> list[str]:
    """The SKUs a message names: all for "both" or "the whole order", else those whose name
    shares a word with it ("just the scarf")."""
    if _EVERYTHING.search(text or ""):
        return [sku for sku, _ in items]
    said = {_singular(w) for w in _WORD.findall((text or "").lower())} - _GENERIC
    return [sku for sku, name in items if said & ({_singular(w) for w in _WORD.findall(name.lower())} - _GENERIC)]


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def asks_if_returnable(text: str) -> bool:
    """"Is it too late to send back ...?": a question about the return window, not a request."""
    return bool(_ONLY_ASKING.search(text or ""))


def returnable_items(order: OrderView, decision: Decision) -> list[tuple[str, str]]:
    skus = set(decision.details.get("returnable_skus") or ())  # type: ignore[call-overload]
    return [(item.sku, item.name) for item in order.items if item.sku in skus]


def chosen_items(choice: Choice | None, request: str, items: list[tuple[str, str]]) -> list[str] | None:
    """The SKUs to return: what the shopper picked, else what their request named ("both",
    "just the scarf"), else all of them once they said yes to starting the return; None when
    they have not said and there is more than one."""
    skus = [sku for sku, _ in items]
    if len(items) <= 1:
        return skus
    if choice is not None and choice.chosen:
        if ALL_ITEMS in choice.chosen:
            return skus
        picked = [sku for sku in choice.chosen if sku in skus]
        if picked:
            return picked
    named = named_items(request, items)
    if named:
        return named
    if choice is not None and (OFFER in choice.chosen or choice.yes):
        return skus
    return None
