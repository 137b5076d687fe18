"""validate_order_form: nothing about an order is shown before the shopper proves it is theirs."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.order_form import ActionAskOrderId, ValidateOrderForm
from actions.services import Services
from tests.actions.trackers import texts, tracker, values

ANNA = "anna.schmidt@example.com"
FORM = ValidateOrderForm()


def slot_set(name: str, value: object) -> dict:
    return {"event": "slot", "name": name, "value": value}


def user(text: str = "") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "order_status"}}}


@pytest.mark.parametrize("given", ["#12", "ABC-1", "order 1234567"])
def test_malformed_number_is_explained(shop: Services, given: str) -> None:
    dispatcher = CollectingDispatcher()
    assert FORM.validate_order_id(given, dispatcher, tracker(), {}) == {"order_id": None}
    assert values(dispatcher, "utter_order_number_malformed")["given"] == given


def test_unknown_order(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    assert FORM.validate_order_id("#99999", dispatcher, tracker(), {}) == {"order_id": None}
    assert values(dispatcher, "utter_order_not_found")["order_id"] == "99999"


def test_known_order_without_contact_asks_for_it(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    slots = FORM.validate_order_id("SD-10001", dispatcher, tracker(), {})
    assert slots["order_id"] == "10001" and "verified_order_id" not in slots
    assert texts(dispatcher) == []


def test_contact_given_for_an_earlier_order_is_asked_again(shop: Services) -> None:
    earlier = tracker(slots={"order_contact": ANNA}, events=[user(), slot_set("order_id", "10003")])
    slots = FORM.validate_order_id("10003", CollectingDispatcher(), earlier, {})
    assert slots["order_contact"] is None and "verified_order_id" not in slots


def test_contact_of_the_owner_carries_over_to_their_other_order(shop: Services) -> None:
    earlier = tracker(slots={"order_contact": ANNA}, events=[user(), slot_set("order_id", "10012")])
    assert FORM.validate_order_id("10012", CollectingDispatcher(), earlier, {})["verified_order_id"] == "10012"


def test_identity_proven_by_the_channel(shop: Services) -> None:
    signed_in = tracker(metadata={"customer_email": "ANNA.SCHMIDT@example.com "})
    assert FORM.validate_order_id("10002", CollectingDispatcher(), signed_in, {})["verified_order_id"] == "10002"
    ben = tracker(metadata={"customer_email": "ben.carter@example.com"})
    assert FORM.validate_order_id("10003", CollectingDispatcher(), ben, {})["customer_tier"] == "vip"
    assert "verified_order_id" not in FORM.validate_order_id("10003", CollectingDispatcher(), signed_in, {})


def test_matching_phone_verifies(shop: Services) -> None:
    slots = FORM.validate_order_contact("0151-2345-6789", CollectingDispatcher(), tracker({"order_id": "10001"}), {})
    assert slots["verified_order_id"] == "10001" and slots["customer_tier"] == "regular"


def test_someone_elses_contact_is_refused_then_given_up(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    slots = FORM.validate_order_contact(ANNA, dispatcher, tracker({"order_id": "10003"}), {})
    assert slots == {"order_contact": None, "contact_attempts": 1}
    assert values(dispatcher, "utter_contact_mismatch")["order_id"] == "10003"
    dispatcher = CollectingDispatcher()
    third = FORM.validate_order_contact(ANNA, dispatcher, tracker({"order_id": "10003", "contact_attempts": 2}), {})
    assert third["contact_attempts"] == 3 and texts(dispatcher) == ["utter_contact_gave_up"]


async def test_form_stops_asking_after_three_wrong_contacts(shop: Services) -> None:
    gave_up = tracker({"order_id": "10003", "contact_attempts": 3})
    assert await FORM.required_slots(["order_id", "order_contact"], CollectingDispatcher(), gave_up, {}) == []


async def test_verified_order_needs_no_contact(shop: Services) -> None:
    verified = tracker({"order_id": "10001", "verified_order_id": "10001"})
    assert await FORM.required_slots(["order_id", "order_contact"], CollectingDispatcher(), verified, {}) == ["order_id"]


async def test_a_general_question_gets_the_article_before_the_order_number(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOrderId().run(dispatcher, tracker(text="how do i return something?", intent="return_item"), {})
    assert texts(dispatcher) == ["utter_faq_answer", "utter_ask_order_id_after_answer"]


@pytest.mark.parametrize("text", ["where is my order", "cancel it please", "can i cancel 10042", "#12"])
async def test_a_request_about_an_order_just_gets_the_question(shop: Services, text: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOrderId().run(dispatcher, tracker(text=text, intent="order_status"), {})
    assert texts(dispatcher) == ["utter_ask_order_id"]
