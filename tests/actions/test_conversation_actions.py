"""The actions behind multi-turn conversations: returns that ask which items or only say how
long is left, a change of course, options offered for a vague question, and the other
questions of one message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import Choice
from actions.faq import ActionAnswerFaq, ActionClarifyFallback
from actions.order_form import ActionAskOrderContact, ActionAskOrderId, pick_order
from actions.return_items import asks_if_returnable, chosen_items, named_items
from actions.returns import ActionStartReturn
from actions.services import Services
from actions.switch import ActionSwitchTask
from tests.actions.trackers import texts, tracker, values

ITEMS = [("HD-100", "Classic Cotton Hoodie"), ("SC-500", "Merino Wool Scarf")]


async def run(action: Any, tracker_: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker_, {})


def asked_return(order_id: str, text: str, **slots: object) -> Tracker:
    events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": "return_item"}}}]
    return tracker({"order_id": order_id, "verified_order_id": order_id, **slots}, text="ben.carter@example.com",
                   events=events)


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_the_items_a_message_names() -> None:
    assert named_items("so I want to send both items back", ITEMS) == ["HD-100", "SC-500"]
    assert named_items("just the scarf", ITEMS) == ["SC-500"]
    assert named_items("the whole order please", ITEMS) == ["HD-100", "SC-500"]
    assert named_items("I want to return my order", ITEMS) == []


def test_which_items_once_the_shopper_answered() -> None:
    assert chosen_items(Choice(chosen=("SC-500",)), "", ITEMS) == ["SC-500"]
    assert chosen_items(Choice(chosen=("all",)), "", ITEMS) == ["HD-100", "SC-500"]
    assert chosen_items(Choice(chosen=("return",), yes=True), "can I still return the hoodie", ITEMS) == ["HD-100"]
    assert chosen_items(None, "I want to return something", ITEMS) is None
    assert chosen_items(None, "", ITEMS[:1]) == ["HD-100"]


def test_only_asking_whether_a_return_is_possible() -> None:
    assert asks_if_returnable("is it too late to send back what I got three weeks ago?")
    assert asks_if_returnable("can I still return order 10003?")
    assert not asks_if_returnable("I want to return my order 10003")


async def test_a_question_about_the_window_says_how_long_is_left_and_offers_the_return(shop: Services) -> None:
    dispatcher, events = await run(ActionStartReturn(), asked_return("10014", "is it too late to return 10014?"))
    said = values(dispatcher, "utter_return_window_open")
    assert said["days_left"] == "1 day"
    assert slot_events(events)["pending_choice"]["action"] == "action_start_return"
    assert shop.orders.returns_for_order("10014") == []
    dispatcher, _ = await run(ActionStartReturn(), asked_return(
        "10014", "is it too late to return 10014?", choice={"chosen": ["return"], "yes": True}))
    assert values(dispatcher, "utter_return_started")["return_number"].startswith("R-")


async def test_no_thanks_starts_nothing(shop: Services) -> None:
    dispatcher, _ = await run(ActionStartReturn(), asked_return("10003", "can I still return it?",
                                                                  choice={"chosen": [], "no": True}))
    assert texts(dispatcher) == ["utter_return_not_started"]
    assert shop.orders.returns_for_order("10003") == []


async def test_several_items_and_no_word_on_which_are_asked_for(shop: Services) -> None:
    dispatcher, _events = await run(ActionStartReturn(), asked_return("10012", "return 10012"))
    asked = values(dispatcher, "utter_return_which_items")
    assert [b["title"] for b in asked["buttons"]] == ["Classic Cotton Hoodie", "Merino Wool Scarf", "All items"]
    assert "1. Classic Cotton Hoodie" in asked["options"]
    dispatcher, _ = await run(ActionStartReturn(), asked_return("10012", "return 10012", choice={"chosen": ["SC-500"]}))
    assert values(dispatcher, "utter_return_started")["items"] == "Merino Wool Scarf"
    assert [item.sku for item in shop.orders.returns_for_order("10012")[0].items] == ["SC-500"]


async def test_a_story_that_says_both_returns_both(shop: Services) -> None:
    dispatcher, _ = await run(ActionStartReturn(), asked_return(
        "10012", "neither fits my son, so I want to send both items back"))
    assert values(dispatcher, "utter_return_started")["items"] == "Classic Cotton Hoodie, Merino Wool Scarf"


async def test_switching_task_says_nothing_was_cancelled_and_clears_the_old_form(shop: Services) -> None:
    switching = tracker({"order_id": "10001", "verified_order_id": "10001", "confirm_cancel": False},
                        text="no wait, change the address instead")
    switching.active_loop = {"name": "cancel_form"}
    dispatcher, events = await run(ActionSwitchTask(), switching)
    assert values(dispatcher, "utter_task_dropped_cancel")["order_id"] == "10001"
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot_events(events)["confirm_cancel"] is None
    assert shop.orders.get_order("10001").status == "paid"


async def test_a_vague_question_gets_numbered_options_as_buttons(shop: Services) -> None:
    dispatcher, events = await run(ActionAnswerFaq(), tracker(text="delivery", intent="delivery_options"))
    offered = values(dispatcher, "utter_faq_suggestions")
    titles = [b["title"] for b in offered["buttons"]]
    assert len(titles) >= 3 and titles[-1] == "None of these"
    assert offered["options"].startswith("1. ")
    pending = slot_events(events)["pending_choice"]
    assert pending["kind"] == "articles" and [o["title"] for o in pending["options"]] == titles[:-1]


async def test_the_chosen_option_is_answered(shop: Services) -> None:
    dispatcher, _ = await run(ActionAnswerFaq(), tracker({"choice": {"chosen": ["shipping-costs", "shipping-times"]}},
                                                         text="both"))
    assert [m["article_id"] for m in dispatcher.messages] == ["shipping-costs", "shipping-times"]


async def test_a_starter_button_gets_its_topics_overview(shop: Services) -> None:
    # The greeting's "Shipping costs and times" button sends the payload, not words.
    dispatcher, _ = await run(ActionAnswerFaq(), tracker(text="/delivery_options", intent="delivery_options"))
    assert [m.get("article_id") for m in dispatcher.messages] == ["shipping-costs", "shipping-times"]


async def test_a_button_for_a_topic_without_an_overview_offers_its_articles(shop: Services) -> None:
    dispatcher, events = await run(ActionAnswerFaq(), tracker(text="/account_help", intent="account_help"))
    assert "utter_faq_suggestions" in texts(dispatcher)
    assert slot_events(events)["pending_choice"]["kind"] == "articles"


async def test_the_same_options_are_never_offered_twice(shop: Services) -> None:
    _first, events = await run(ActionAnswerFaq(), tracker(text="delivery", intent="delivery_options"))
    offered = slot_events(events)["last_options"]
    again, _ = await run(ActionAnswerFaq(), tracker({"last_options": offered}, text="delivery", intent="delivery_options"))
    assert texts(again) == ["utter_faq_unknown"]


async def test_after_none_of_these_a_second_miss_goes_to_a_person(shop: Services) -> None:
    dispatcher, _ = await run(ActionAnswerFaq(), tracker({"clarify_declined": True}, text="the thing with the stuff"))
    assert any((m.get("custom") or {}).get("reasons") == ["repeated_fallback"] for m in dispatcher.messages)


async def test_after_none_of_these_a_rephrase_with_one_clear_article_is_answered(shop: Services) -> None:
    declined = ["privacy-data", "delete-account"]  # offered, and "none of these"
    dispatcher, _ = await run(ActionAnswerFaq(), tracker({"clarify_declined": True, "last_options": declined},
                                                         text="i want to know if you sell my data to advertisers"))
    assert [m.get("article_id") for m in dispatcher.messages] == ["privacy-data"]


def test_the_order_a_shopper_means_among_their_orders(shop: Services) -> None:
    orders = [o for o in (shop.orders.get_order(n) for n in ("10002", "10012")) if o is not None]
    assert pick_order("the shipped one", orders) == "10002"
    assert pick_order("the one with the scarf", orders) == "10012"
    assert pick_order("the second one", orders) == "10012"
    assert pick_order("hmm", orders) is None


async def test_a_follow_up_gets_what_the_last_answer_did_not_say(shop: Services) -> None:
    quoted: dict[str, Any] = {"event": "bot", "metadata": {"utter_action": "utter_faq_answer",
                                                          "article_id": "shipping-costs"}}
    events = [{"event": "user", "text": "how much is shipping to italy"}, quoted,
              {"event": "user", "text": "and how long does it take?"}]
    dispatcher, _ = await run(ActionAnswerFaq(), tracker({"follow_up": "how much is shipping to italy"},
                                                         text="and how long does it take?", events=events))
    assert [m.get("article_id") for m in dispatcher.messages] == ["shipping-times"]


async def test_a_known_promo_code_nlu_missed_is_checked(shop: Services) -> None:
    dispatcher, _ = await run(ActionClarifyFallback(), tracker(text="is FLASH5 broken?", intent="nlu_fallback"))
    assert texts(dispatcher) == ["utter_promo_invalid"]


async def test_a_double_charge_is_explained_then_handed_to_a_person(shop: Services) -> None:
    dispatcher, _ = await run(ActionAnswerFaq(), tracker(text="I was charged twice for my order", intent="payment_issue"))
    assert values(dispatcher, "utter_faq_answer")["article_id"] == "charged-twice"
    assert any((m.get("custom") or {}).get("reasons") == ["bot_cannot_complete"] for m in dispatcher.messages)


async def test_a_country_the_shop_does_not_ship_to_gets_a_plain_no(shop: Services) -> None:
    dispatcher, _ = await run(ActionAnswerFaq(), tracker(text="do you deliver to Brazil?", intent="delivery_options"))
    assert values(dispatcher, "utter_no_shipping_to")["country"] == "Brazil"


async def test_a_follow_up_is_read_with_the_question_before_it(shop: Services) -> None:
    dispatcher, _ = await run(ActionAnswerFaq(), tracker({"follow_up": "how much does shipping to france cost"},
                                                         text="and to the UK?", intent="nlu_fallback"))
    assert values(dispatcher, "utter_faq_answer")["article_id"] == "shipping-costs"


async def test_the_other_question_of_a_message_is_answered_before_the_form_asks(shop: Services) -> None:
    message = {"text": "where is my order 10002? also do you take klarna?", "intent": {"name": "order_status"},
               "segments": [{"text": "where is my order 10002?", "name": "order_status", "confidence": 0.9},
                            {"text": "also do you take klarna?", "name": "payment_methods", "confidence": 0.9}],
               "entities": [], "metadata": {}}
    asking = Tracker("s", {"order_id": "10002"}, message, [], False, None, {}, "action_listen")
    dispatcher, _ = await run(ActionAskOrderContact(), asking)
    assert texts(dispatcher) == ["utter_faq_answer", "utter_ask_order_contact"]
    assert dispatcher.messages[0]["article_id"] == "klarna-instalments"


async def test_an_annoyed_shopper_hears_sorry_before_the_question(shop: Services) -> None:
    message = {"text": "ugh, where is my order", "intent": {"name": "order_status"}, "entities": [], "metadata": {},
               "anger": {"score": 0.3, "cues": ["annoyance: ugh"]}}
    asking = Tracker("s", {}, message, [{"event": "active_loop", "name": "order_form"}], False, None, {}, "action_listen")
    dispatcher, _ = await run(ActionAskOrderId(), asking)
    assert texts(dispatcher) == ["utter_empathy", "utter_ask_order_id"]


async def test_a_known_shopper_picks_among_their_orders(shop: Services) -> None:
    dispatcher, _ = await run(ActionAskOrderId(), tracker({"verified_order_id": "10001",
                                                           "order_contact": "anna.schmidt@example.com"},
                                                          text="what about my other order?"))
    assert [b["payload"] for b in values(dispatcher, "utter_which_order")["buttons"]] == ["10002", "10012"]


async def test_a_question_answered_in_the_middle_of_the_form_is_not_answered_twice(shop: Services) -> None:
    """Issue 8: the same answer sent twice in one turn. The digression rule quotes the article,
    then the order form asks again, and its question used to quote the article once more."""
    answered = {"event": "bot", "text": "We ship from our warehouse...",
                "metadata": {"utter_action": "utter_faq_answer", "article_id": "shipping-times"}}
    asked = {"event": "user", "text": "how long does delivery take?", "parse_data": {}}
    again = tracker(text="how long does delivery take?", intent="delivery_options", events=[asked, answered])
    dispatcher, _ = await run(ActionAskOrderId(), again)
    assert texts(dispatcher) == ["utter_ask_order_id"]
