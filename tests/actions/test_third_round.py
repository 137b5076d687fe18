"""What the third round of conversations (bench/data/conversations/tuning/third_round.yml) led
to, on the real demo shop and help articles: the invoice link says when it expires, a return
says how the parcel goes back from where it was delivered, capitals alone are no bad mood, a
question that leans on nothing gets a menu, two questions are answered part by part, a menu
is never offered twice, and a product question about sizes gets the size guide too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.articles import best_answer
from actions.empathy import is_annoyed
from actions.faq import ActionAnswerFaq, ActionClarifyFallback
from actions.products import ActionProductInfo
from actions.returns import ActionSendInvoice, ActionStartReturn, how_to_send, link_note
from actions.services import Services
from knowledge_base.faq import FaqIndex
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.actions.trackers import texts, tracker, values

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def run(action: Any, tracker_: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker_, {})


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def quoted(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["article_id"] for m in dispatcher.messages if m.get("response") == "utter_faq_answer"]


def test_the_link_note_says_when_a_signed_link_expires() -> None:
    note = link_note(NOW + timedelta(hours=24), NOW)
    assert "expires in 24 hours" in note and "21 Nov 2026, 12:00 UTC" in note
    assert "1 hour " in link_note(NOW + timedelta(minutes=50), NOW)
    assert "expires" not in link_note(None, NOW)


async def test_the_invoice_reply_carries_the_expiry_of_its_signed_link(shop: Services) -> None:
    settings = ShopSettings(database_url=shop.shop.database_url, shop_url="https://shop.example",
                            link_secret="s" * 32, invoice_link_hours=24)
    engine = create_shop_engine(settings.database_url)
    services.use(Services(orders=SqlOrderSource(engine, settings), faq=shop.faq, shop=settings,
                          clock=lambda: datetime.now(UTC)))
    dispatcher, _ = await run(ActionSendInvoice(), tracker({"order_id": "10012", "verified_order_id": "10012"}))
    engine.dispose()
    said = values(dispatcher, "utter_invoice")
    assert "signature=" in said["invoice_url"] and "expires in 24 hours" in said["link_note"]


def test_a_return_goes_back_the_way_the_returns_article_says() -> None:
    assert "prepaid DHL label" in how_to_send("Germany")
    assert "prepaid GLS label" in how_to_send("Spain")
    uk = how_to_send("United Kingdom")
    assert "own cost" in uk and "prepaid" not in uk


async def test_a_return_from_the_uk_is_sent_at_the_shoppers_cost(shop: Services) -> None:
    dispatcher, _ = await run(ActionStartReturn(), tracker({"order_id": "10014", "verified_order_id": "10014"}))
    said = values(dispatcher, "utter_return_started")
    assert "own cost" in said["how_to_send"]


async def test_which_items_says_how_long_is_left(shop: Services) -> None:
    events = [{"event": "user", "text": "I need to send back order 10012", "parse_data": {"intent": {"name": "return_item"}}}]
    dispatcher, _ = await run(ActionStartReturn(), tracker({"order_id": "10012", "verified_order_id": "10012"},
                                                           events=events))
    said = values(dispatcher, "utter_return_which_items")
    assert said["days_left"] == "27 days" and said["last_day"]


def test_capitals_and_question_marks_alone_are_no_bad_mood() -> None:
    shouted = {"anger": {"score": 0.57, "cues": ["shouting: HOW MUCH IS SHIPPING TO FRANCE"]}}
    assert not is_annoyed(shouted, 0.5)
    assert is_annoyed({"anger": {"score": 0.2, "cues": ["annoyance: ugh"]}}, 0.5)
    assert is_annoyed({"anger": {"score": 0.7, "cues": ["punctuation: ??", "repetition: still waiting"]}}, 0.5)
    assert is_annoyed({"anger": {"score": 0.7, "cues": []}}, 0.5)


async def test_a_question_that_leans_on_nothing_gets_a_menu_not_a_guess(shop: Services) -> None:
    dispatcher, events = await run(ActionAnswerFaq(), tracker({"topic_missing": True}, text="and how much is that?",
                                                              intent="product_info"))
    assert texts(dispatcher) == ["utter_ask_topic"] and not quoted(dispatcher)
    assert len(dispatcher.messages[0]["buttons"]) >= 3
    slots = slot_events(events)
    assert slots["topic_missing"] is None and slots["pending_choice"]["action"] == "action_answer_faq"


def parts_tracker(text: str, intent: str, segments: list[tuple[str, str]]) -> Tracker:
    found = tracker(text=text, intent=intent)
    found.latest_message["segments"] = [{"text": t, "name": n, "confidence": 0.9} for t, n in segments]
    return found


async def test_two_questions_that_match_nothing_together_are_answered_part_by_part(shop: Services) -> None:
    message = parts_tracker("do you do gift wrapping, and can I pay with klarna?", "payment_methods",
                            [("do you do gift wrapping", "product_info"), ("can I pay with klarna?", "payment_methods")])
    dispatcher, _ = await run(ActionAnswerFaq(), message)
    assert quoted(dispatcher) == ["gift-wrapping", "klarna-instalments"]


async def test_a_product_and_a_shipping_question_in_one_message(shop: Services) -> None:
    message = parts_tracker("is the desk lamp available and do you ship to the UK?", "delivery_options",
                            [("is the desk lamp available", "product_info"), ("do you ship to the UK?", "delivery_options")])
    dispatcher, _ = await run(ActionAnswerFaq(), message)
    assert "Desk Lamp" in values(dispatcher, "utter_product_info")["products"]
    assert quoted(dispatcher) == ["international-shipping"]


async def test_a_part_without_an_answer_is_said_so(shop: Services) -> None:
    message = parts_tracker("do you do gift wrapping, and what is the meaning of life?", "nlu_fallback",
                            [("do you do gift wrapping", "product_info"), ("what is the meaning of life?", "warranty")])
    dispatcher, _ = await run(ActionClarifyFallback(), message)
    assert quoted(dispatcher) == ["gift-wrapping"]
    assert values(dispatcher, "utter_part_unanswered")["part"] == "what is the meaning of life?"


async def test_a_reply_that_narrows_nothing_does_not_get_the_menu_again(shop: Services) -> None:
    last = ["create-account", "delete-account", "password-reset"]
    dispatcher, events = await run(ActionAnswerFaq(), tracker({"follow_up": "account", "last_options": last},
                                                              text="hmm", intent="out_of_scope"))
    assert texts(dispatcher) == ["utter_clarify_which"]
    assert {o["id"] for o in slot_events(events)["pending_choice"]["options"]} == set(last)


def test_a_vague_topic_gets_a_menu_not_one_lone_option(faq_index: FaqIndex) -> None:
    found = best_answer(faq_index, "delivery question", "delivery_options")
    assert not found.confident and len(found.suggestions) == 3
    assert {a.id for a in found.suggestions} >= {"shipping-costs", "shipping-times"}


async def test_a_size_question_about_a_product_gets_the_size_guide_too(shop: Services) -> None:
    dispatcher, _ = await run(ActionProductInfo(), tracker(text="do you have a size chart for the jeans?",
                                                           intent="product_info"))
    assert "Slim Fit Jeans" in values(dispatcher, "utter_product_info")["products"]
    assert quoted(dispatcher) == ["size-guide"]


async def test_an_article_quoted_with_the_products_is_not_quoted_again_for_its_part(shop: Services) -> None:
    message = parts_tracker("is the merino scarf in stock and how much is delivery in germany?", "product_info",
                            [("is the merino scarf in stock", "product_info"),
                             ("how much is delivery in germany?", "delivery_options")])
    dispatcher, _ = await run(ActionProductInfo(), message)
    assert "Merino Wool Scarf" in values(dispatcher, "utter_product_info")["products"]
    assert quoted(dispatcher) == ["shipping-costs"]
