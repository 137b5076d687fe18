"""Product questions (price, stock, sizes) and promo codes."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.empathy import Empathy
from actions.faq import answer_from_articles, utter_confident_article
from actions.formatting import day, money
from actions.services import Services
from knowledge_base.shop.rules import Decision, promo_decision
from knowledge_base.shop.views import ProductView, PromoView

# A promo code as shoppers type it: one token of letters and digits, 4-20 long ("WELCOME10").
_CODE_CANDIDATE = re.compile(r"\b[A-Za-z][A-Za-z0-9]{3,19}\b")
MAX_CODE_CANDIDATES = 12


def describe_product(product: ProductView) -> str:
    if not product.in_stock:
        stock = "out of stock at the moment"
    elif product.low_stock:
        stock = f"only {product.stock} left"
    else:
        stock = "in stock"
    variants = "; ".join(f"{name}: {', '.join(values)}" for name, values in product.attributes if values)
    details = f" ({variants})" if variants else ""
    return f"- {product.name}: {money(product.price, product.currency)}, {stock}{details}. {product.url}"


class ActionProductInfo(Action):
    def name(self) -> str:
        return "action_product_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
            answer_product_question(shop, dispatcher, tracker.latest_message.get("text") or "")
        return []


def answer_product_question(shop: Services, dispatcher: CollectingDispatcher, text: str) -> None:
    products = shop.orders.search_products(text, limit=3)
    if products:
        dispatcher.utter_message(response="utter_product_info",
                                 products="\n".join(describe_product(p) for p in products))
        return
    if not utter_confident_article(shop.faq, dispatcher, text, "product_info").confident:
        dispatcher.utter_message(response="utter_product_not_found")


def find_promo(shop: Services, text: str) -> tuple[str | None, PromoView | None]:
    """The code the shopper typed, and the promo behind it if the shop knows it."""
    candidates = _CODE_CANDIDATE.findall(text)[:MAX_CODE_CANDIDATES]
    for candidate in candidates:
        promo = shop.orders.get_promo(candidate)
        if promo is not None:
            return candidate.upper(), promo
    codes = [c for c in candidates if c.isupper() or any(ch.isdigit() for ch in c)]
    return (codes[0].upper(), None) if codes else (None, None)


def promo_refusal(decision: Decision) -> str:
    details = decision.details
    return {
        "unknown": "we don't have a code like that. Please check the spelling.",
        "inactive": "it is no longer active.",
        "expired": f"it expired on {day(details.get('valid_until'))}.",  # type: ignore[arg-type]
        "not_started": f"it can only be used from {day(details.get('valid_from'))}.",  # type: ignore[arg-type]
        "tier_not_eligible": "it is reserved for members of our VIP programme.",
        "min_spend_not_met": f"it needs a basket of at least {details.get('min_spend')}.",
    }.get(decision.reason, "it can't be applied right now.")


class ActionCheckPromoCode(Action):
    def name(self) -> str:
        return "action_check_promo_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
            answer_promo_question(shop, dispatcher, tracker.latest_message.get("text") or "")
        return []


def answer_promo_question(shop: Services, dispatcher: CollectingDispatcher, text: str) -> None:
    code, promo = find_promo(shop, text)
    if code is None:
        answer_from_articles(shop.faq, dispatcher, text, "promo_code")
        return
    decision = promo_decision(promo, shop.clock())
    if decision.allowed and promo is not None:
        benefit = promo.describe()
        if promo.min_spend:
            benefit += f" on orders over {money(promo.min_spend, promo.currency)}"
        dispatcher.utter_message(response="utter_promo_valid", code=code, benefit=benefit)
    else:
        dispatcher.utter_message(response="utter_promo_invalid", code=code, why=promo_refusal(decision))
