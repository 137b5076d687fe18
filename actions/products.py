"""Product questions (price, stock, sizes) and promo codes."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.articles import answer_from_articles, offer_articles, utter_article, utter_confident_article
from actions.empathy import Empathy
from actions.formatting import day, describe_product, money
from actions.order_access import ChannelIdentity
from actions.parts import answer_other_parts, other_parts
from actions.services import Services
from knowledge_base.shop.rules import Decision, promo_decision
from knowledge_base.shop.views import PromoView, Tier

# A promo code as shoppers type it: one token of letters and digits, 4-20 long ("WELCOME10").
_CODE_CANDIDATE = re.compile(r"\b[A-Za-z][A-Za-z0-9]{3,19}\b")
MAX_CODE_CANDIDATES = 12
# A product question no product matches gets help articles to pick from only when they match
# it well ("gift": gift cards, gift wrapping); "do you sell submarines" gets a plain no.
SUGGEST_FOR_PRODUCTS = 0.3
# The article every product question resembles ("where can I find product details"): the
# product's own line answers better.
GENERIC_PRODUCT_ARTICLE = "product-information"


def question_text(tracker: Tracker) -> str:
    """The latest message, with the question it follows up on in front ("and in black?")."""
    text = tracker.latest_message.get("text") or ""
    earlier = tracker.get_slot("follow_up")
    return f"{earlier} {text}" if earlier else text


class ActionProductInfo(Action):
    def name(self) -> str:
        return "action_product_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
            events = answer_product_question(shop, dispatcher, question_text(tracker))
            said = {str(m.get("article_id")) for m in dispatcher.messages if m.get("response") == "utter_faq_answer"}
            answer_other_parts(shop, dispatcher, tracker, quoted=said, skip_text=_product_part(tracker))
        return [*events, SlotSet("follow_up", None)]


def _product_part(tracker: Tracker) -> str | None:
    return next((str(p["text"]) for p in other_parts(tracker) if p.get("name") == "product_info"), None)


def answer_product_question(shop: Services, dispatcher: CollectingDispatcher, text: str) -> list[EventType]:
    """Matching products; else the help article about it, or the likely articles to pick from."""
    products = shop.orders.search_products(text, limit=3)
    if products:
        dispatcher.utter_message(response="utter_product_info",
                                 products="\n".join(describe_product(p) for p in products))
        found = shop.faq.answer(text, intent="product_info")
        if found.confident and found.article is not None and found.article.id != GENERIC_PRODUCT_ARTICLE:
            # "a size chart for the jeans": the jeans, and the article the question is about.
            utter_article(dispatcher, found.article)
        return []
    found = utter_confident_article(shop.faq, dispatcher, text, "product_info")
    if found.confident:
        return []
    if found.suggestions and found.score >= SUGGEST_FOR_PRODUCTS:
        return offer_articles(dispatcher, found.suggestions)
    dispatcher.utter_message(response="utter_product_not_found")
    return []


def find_promo(shop: Services, text: str) -> tuple[str | None, PromoView | None]:
    """The code the shopper typed, and the promo behind it if the shop knows it."""
    candidates = _CODE_CANDIDATE.findall(text)[:MAX_CODE_CANDIDATES]
    found = shop.orders.first_promo(candidates)
    if found is not None:
        return found[0].upper(), found[1]
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
        text = tracker.latest_message.get("text") or ""
        if find_promo(shop, text)[0] is None:
            text = question_text(tracker)
        with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
            events = answer_promo_question(shop, dispatcher, text, shopper_tier(shop, tracker))
        return [*events, SlotSet("follow_up", None)]


def shopper_tier(shop: Services, tracker: Tracker) -> Tier | None:
    """The shop's tier of the shopper: proved by an order in this conversation, or by the channel."""
    tier = tracker.get_slot("customer_tier")
    if tier:
        return tier  # type: ignore[no-any-return]
    email = ChannelIdentity.from_metadata(tracker.latest_message.get("metadata")).email
    customer = shop.orders.find_customer(email=email) if email else None
    return customer.tier if customer else None


def answer_promo_question(shop: Services, dispatcher: CollectingDispatcher, text: str,
                          tier: Tier | None = None) -> list[EventType]:
    code, promo = find_promo(shop, text)
    if code is None:
        return answer_from_articles(shop.faq, dispatcher, text, "promo_code")[1]
    decision = promo_decision(promo, shop.clock(), tier=tier)
    if decision.allowed and promo is not None:
        benefit = promo.describe()
        if promo.min_spend:
            benefit += f" on orders over {money(promo.min_spend, promo.currency)}"
        dispatcher.utter_message(response="utter_promo_valid", code=code, benefit=benefit)
    else:
        dispatcher.utter_message(response="utter_promo_invalid", code=code, why=promo_refusal(decision))
    return []
