"""The order form: the order number exists and belongs to the shopper before any task runs.

A general question ("how do I return something?") also starts an order task; it gets the help
article's answer first, and the form then offers to do it for the shopper's order.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import services
from actions.articles import FAQ_ACTION, VAGUE_WORDS, best_answer, quoted_this_turn, utter_article
from actions.clarify import offer_options
from actions.empathy import apologised_since, is_annoyed
from actions.order_access import MAX_CONTACT_ATTEMPTS, ChannelIdentity, is_verified
from actions.parts import answer_other_parts
from actions.return_items import named_items
from actions.services import Services
from knowledge_base.shop.rules import looks_like_order_number_attempt, parse_order_number
from knowledge_base.shop.views import OrderView

Slots = dict[str, Any]

# How-to and policy questions, as opposed to "where is my order" or "cancel 10042".
_GENERAL_QUESTION = re.compile(
    r"^\s*(how (do|can|does|long|much|to)|can (i|you|we)|could (i|you)|is it possible|do (you|i)|"
    r"what('s| is| are)? (the|your)|are (returns|refunds)|when (do|does) (a|the|refunds?|returns?))\b"
    r"|\bpolicy\b|\bhow long\b|\bhow many days\b|\breturnable\b|\bdo i (have to )?pay\b"
    r"|\b(in|from) (the|a) sale\b|\bon sale\b|\bsale items?\b|\bdiscounted\b|\breduced items?\b"
    r"|[,.;!?]\s*(but |so )?(can|could) (i|we) (still )?\w+", re.IGNORECASE)


_TOPIC_WORD = re.compile(r"[a-z]{3,}")
# Words of a request about an order ("where is my order", "cancel it please"): no mere topic.
_REQUEST_WORDS = frozenset("""
where when what how why who which can could would cancel track change status please want need order orders
send check get find give help tell
""".split())


def is_topic_only(text: str) -> bool:
    """A word or two naming a topic ("returns info", "invoice address"), no request, no order number."""
    words = _TOPIC_WORD.findall((text or "").lower())
    return (len(words) <= VAGUE_WORDS and not set(words) & _REQUEST_WORDS
            and parse_order_number(text or "") is None)


def is_general_question(text: str) -> bool:
    return bool(_GENERAL_QUESTION.search(text or "")) and parse_order_number(text or "") is None


def before_asking(dispatcher: CollectingDispatcher, tracker: Tracker, quoted: set[str] | None = None) -> None:
    """What comes before the form's question: sorry to an annoyed shopper (once per task), and
    the answers to other questions in the same message."""
    shop = services.current()
    if is_annoyed(tracker.latest_message, shop.annoyed_threshold) and not apologised_since(tracker):
        dispatcher.utter_message(response="utter_empathy")
    answer_other_parts(shop, dispatcher, tracker, quoted=(quoted or set()) | quoted_this_turn(tracker.events))


class ActionAskOrderId(Action):
    """Asks for the order number: the shopper's own orders as buttons once one order proved who
    they are; a general question gets the help article's answer first."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        text = tracker.latest_message.get("text") or ""
        orders = known_orders(shop, tracker)
        if orders:
            before_asking(dispatcher, tracker)
            buttons = [{"title": f"#{o.number} ({o.status})", "payload": o.number} for o in orders]
            dispatcher.utter_message(response="utter_which_order", buttons=buttons)
            return []
        vague = is_topic_only(text)
        asks = is_general_question(text) or vague
        general = best_answer(shop.faq, text, tracker.get_intent_of_latest_message()) if asks else None
        if general is not None and general.article is not None and general.article.id in quoted_this_turn(tracker.events):
            # The question was answered a moment ago, in the middle of the form: just ask again.
            general = None
        if general is not None and general.confident and general.article is not None:
            before_asking(dispatcher, tracker, quoted={general.article.id})
            utter_article(dispatcher, general.article)
            dispatcher.utter_message(response="utter_ask_order_id_after_answer")
            return []
        before_asking(dispatcher, tracker)
        if vague and general is not None and len(general.suggestions) > 1:
            options = [(a.id, a.title) for a in general.suggestions]
            return offer_options(dispatcher, FAQ_ACTION, "articles", options, "utter_topic_or_order")
        dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ActionAskOrderContact(Action):
    def name(self) -> str:
        return "action_ask_order_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        before_asking(dispatcher, tracker)
        dispatcher.utter_message(response="utter_ask_order_contact", order_id=tracker.get_slot("order_id"))
        return []


_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "unpaid", "not paid"), "paid": ("paid", "not packed", "not shipped"),
    "packed": ("packed",), "shipped": ("shipped", "on its way", "on the way", "in transit", "coming"),
    "delivered": ("delivered", "arrived", "received", "got"), "cancelled": ("cancelled", "canceled"),
    "returned": ("returned", "sent back"),
}
_POSITION = re.compile(r"\b(first|second|third|last|latest|newest|oldest|older|newer|recent)\b", re.IGNORECASE)


def pick_order(text: str, orders: list[OrderView]) -> str | None:
    """The order a shopper means among the ones the bot listed, by what they say about it: its
    state ("the shipped one"), an item in it ("the one with the scarf"), or its place ("the
    first one", "the older one"). None unless exactly one order fits."""
    lowered = (text or "").lower()
    by_state = [o.number for o in orders if any(re.search(rf"\b{w}\b", lowered) for w in _STATUS_WORDS.get(o.status, ()))]
    if len(by_state) == 1:
        return by_state[0]
    by_item = [o.number for o in orders if named_items(lowered, [(i.sku, i.name) for i in o.items])]
    if len(by_item) == 1:
        return by_item[0]
    position = _POSITION.search(lowered)
    if position and orders:
        newest_first = sorted(orders, key=lambda o: o.placed_at, reverse=True)
        word = position.group(1)
        if word in ("first", "second", "third"):
            index = ("first", "second", "third").index(word)
            return orders[index].number if index < len(orders) else None
        if word == "last" and "last order" not in lowered:
            return orders[-1].number
        return (newest_first[0] if word in ("latest", "newest", "newer", "recent", "last") else newest_first[-1]).number
    return None


def known_orders(shop: Services, tracker: Tracker) -> list[OrderView]:
    """The shopper's other orders, once an order in this conversation proved who they are."""
    verified = tracker.get_slot("verified_order_id")
    order = shop.orders.get_order(verified) if verified else None
    if order is None:
        return []
    return [o for o in shop.orders.customer_orders(order.customer.id) if o.number != verified]


class ValidateOrderForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        order_id = tracker.get_slot("order_id")
        if order_id and tracker.get_slot("verified_order_id") == order_id:
            return ["order_id"]
        if (tracker.get_slot("contact_attempts") or 0) >= MAX_CONTACT_ATTEMPTS:
            return []
        return domain_slots

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Slots:
        given = str(value or "")[:40]
        number = parse_order_number(given)
        if number is None and tracker.get_slot("verified_order_id"):
            # The bot listed the shopper's orders as buttons; they said which in words.
            number = pick_order(str(value or "")[:200], known_orders(services.current(), tracker))
        if number is None:
            if looks_like_order_number_attempt(given):
                dispatcher.utter_message(response="utter_order_number_malformed", given=given)
            return {"order_id": None}
        order = services.current().orders.get_order(number)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=number)
            return {"order_id": None}
        slots: Slots = {"order_id": number, "contact_attempts": 0}
        contact = tracker.get_slot("order_contact")
        identity = ChannelIdentity.from_metadata(tracker.latest_message.get("metadata"))
        if is_verified(order, contact, identity):
            slots.update(verified_order_id=number, customer_tier=order.customer.tier)
        elif "order_contact" not in tracker.slots_to_validate():
            # A contact given for an earlier order proves nothing about this one: ask again.
            slots["order_contact"] = None
        return slots

    def validate_order_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Slots:
        order_id = tracker.get_slot("order_id")
        if not value:
            return {"order_contact": None}
        if not order_id:
            return {"order_contact": value}
        order = services.current().orders.get_order(order_id)
        if order is not None and is_verified(order, str(value), ChannelIdentity()):
            return {"order_contact": value, "verified_order_id": order_id, "contact_attempts": 0,
                    "customer_tier": order.customer.tier}
        attempts = (tracker.get_slot("contact_attempts") or 0) + 1
        if attempts >= MAX_CONTACT_ATTEMPTS:
            dispatcher.utter_message(response="utter_contact_gave_up")
        else:
            dispatcher.utter_message(response="utter_contact_mismatch", order_id=order_id)
        return {"order_contact": None, "contact_attempts": attempts}
