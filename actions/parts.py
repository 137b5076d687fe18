"""The other requests in a shopper's message ("where is 10002? also, do you take Klarna?"):
the NLU classified each part (`segments` in the parse); the action answering the main request
answers the questions in the other parts too, so none is silently dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.articles import utter_article
from actions.services import Services

# Parts the help articles answer (an order task in a part is asked for by the order form).
_ARTICLE_INTENTS = frozenset({"delivery_options", "payment_methods", "payment_issue", "account_help", "warranty",
                              "return_item", "refund_status", "product_info", "promo_code", "change_order"})


def other_parts(tracker: Tracker) -> list[Mapping[str, Any]]:
    segments = (tracker.latest_message or {}).get("segments") or []
    return [part for part in segments if isinstance(part, Mapping) and part.get("text")]


def answer_other_parts(shop: Services, dispatcher: CollectingDispatcher, tracker: Tracker,
                       quoted: Iterable[str] = (), skip_text: str | None = None) -> set[str]:
    """Quotes the confident article for each part not answered yet; the ids of all quoted."""
    seen = set(quoted)
    for part in other_parts(tracker):
        if part.get("name") not in _ARTICLE_INTENTS or part.get("text") == skip_text:
            continue
        found = shop.faq.answer(str(part["text"]), intent=part.get("name"))
        if found.confident and found.article is not None and found.article.id not in seen:
            utter_article(dispatcher, found.article)
            seen.add(found.article.id)
    return seen
