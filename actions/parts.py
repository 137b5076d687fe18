"""The other requests in a shopper's message ("where is 10002? also, do you take Klarna?"):
the NLU classified each part (`segments` in the parse); the action answering the main request
answers the questions in the other parts too, so none is silently dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.articles import utter_article
from actions.formatting import describe_product
from actions.services import Services

# Parts the help articles answer (an order task in a part is asked for by the order form).
_ARTICLE_INTENTS = frozenset({"delivery_options", "payment_methods", "payment_issue", "account_help", "warranty",
                              "return_item", "refund_status", "product_info", "promo_code", "change_order"})


def other_parts(tracker: Tracker) -> list[Mapping[str, Any]]:
    segments = (tracker.latest_message or {}).get("segments") or []
    return [part for part in segments if isinstance(part, Mapping) and part.get("text")]


def answer_other_parts(shop: Services, dispatcher: CollectingDispatcher, tracker: Tracker,
                       quoted: Iterable[str] = (), skip_text: str | None = None) -> set[str]:
    """Answers each part not answered yet (its confident article, or the products it asks
    about); the ids of all articles quoted."""
    seen = set(quoted)
    for part in other_parts(tracker):
        if part.get("name") in _ARTICLE_INTENTS and part.get("text") != skip_text:
            answer_part(shop, dispatcher, part, seen)
    return seen


def answer_parts(shop: Services, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A message of several questions the whole of which matched nothing well: each part
    answered on its own, and the ones without an answer said so. False when no part is answered
    (the caller then asks as for any unclear message)."""
    parts = [part for part in other_parts(tracker) if part.get("name") in _ARTICLE_INTENTS]
    if len(parts) < 2:
        return False
    seen: set[str] = set()
    said = CollectingDispatcher()
    answered = False
    for part in parts:
        if answer_part(shop, said, part, seen):
            answered = True
        else:
            said.utter_message(response="utter_part_unanswered", part=str(part["text"]))
    if answered:
        dispatcher.messages.extend(said.messages)
    return answered


def answer_part(shop: Services, dispatcher: CollectingDispatcher, part: Mapping[str, Any], seen: set[str]) -> bool:
    """One part's answer: the products it asks about, or its confident article (once)."""
    text = str(part["text"])
    if part.get("name") == "product_info":
        products = shop.orders.search_products(text, limit=3)
        if products:
            dispatcher.utter_message(response="utter_product_info",
                                     products="\n".join(describe_product(p) for p in products))
            return True
    found = shop.faq.answer(text, intent=part.get("name"))
    if not found.confident or found.article is None:
        return False
    if found.article.id not in seen:
        utter_article(dispatcher, found.article)
        seen.add(found.article.id)
    return True
