"""Whole conversations with the real Rasa server and action server, over Rasa's REST channel.

Order numbers and contacts are the demo shop's (knowledge_base/shop/DEMO_DATA.md).
"""

from __future__ import annotations

import pytest

from tests.integration.servers import RasaServer
from tests.integration.shopper import Shopper, handoff_of, not_understood

pytestmark = pytest.mark.integration

ANNA = "anna.schmidt@example.com"
BEN = "ben.carter@example.com"


def test_order_status_after_proving_ownership(shopper: Shopper) -> None:
    assert "email address or phone number" in shopper.says("hi where is my order 10001")
    reply = shopper.says(ANNA)
    assert "#10001" in reply and "paid" in reply and "waiting to be packed" in reply


def test_order_number_asked_when_missing_and_phone_accepted(shopper: Shopper) -> None:
    assert "order number" in shopper.says("wheres my stuff, ordered last week").lower()
    assert "email address or phone number" in shopper.says("10002")
    reply = shopper.says("+49 151 23456789")
    assert "shipped" in reply and "DHL" in reply


def test_tracking_lists_latest_events(shopper: Shopper) -> None:
    shopper.says("can i get the tracking number for order 10002")
    reply = shopper.says(ANNA)
    assert "tracking number" in reply and "DHL" in reply
    assert reply.count("\n- ") >= 2


def test_cancel_refused_after_shipping(shopper: Shopper) -> None:
    shopper.says("i want to cancel order 10002")
    reply = shopper.says(ANNA)
    assert "can't cancel order #10002" in reply and "already shipped" in reply


def test_cancel_before_shipping_needs_confirmation(shopper: Shopper) -> None:
    shopper.says("please cancel my order 10005")
    question = shopper.say("chloe.martin@example.com")
    assert "Do you want me to cancel order #10005" in question[0]["text"]
    assert [b["payload"] for b in question[0]["buttons"]] == ["/affirm", "/deny"]
    assert "left order #10005 as it is" in shopper.says("no")


def test_unknown_order(shopper: Shopper) -> None:
    assert "can't find an order #99999" in shopper.says("where is order 99999")


def test_malformed_order_number(shopper: Shopper) -> None:
    shopper.says("where is my order")
    assert "doesn't look like one of our order numbers" in shopper.says("#12")


def test_someone_elses_order_is_not_shown(shopper: Shopper) -> None:
    shopper.says("status of order 10003 please")
    reply = shopper.says(ANNA)
    assert "doesn't match" in reply
    assert "delivered" not in reply and "Ben" not in reply


def test_identity_proven_by_the_channel_skips_the_question(rasa_server: RasaServer) -> None:
    signed_in = Shopper(rasa_server, metadata={"customer_email": ANNA})
    reply = signed_in.says("where is my order 10001")
    assert "#10001" in reply and "waiting to be packed" in reply


def test_proven_identity_does_not_open_other_customers_orders(rasa_server: RasaServer) -> None:
    signed_in = Shopper(rasa_server, metadata={"customer_email": ANNA})
    reply = signed_in.says("where is my order 10003")
    assert "email address or phone number" in reply and "delivered" not in reply


def test_faq_answer_cites_its_article(shopper: Shopper) -> None:
    reply = shopper.says("how much does shipping cost?")
    assert "From our help article" in reply and "ref. " in reply


def test_out_of_scope(shopper: Shopper) -> None:
    assert "outside what I can help with" in shopper.says("what's the weather like in berlin tomorrow")


def test_two_fallbacks_in_a_row_hand_off(shopper: Shopper, rasa_server: RasaServer) -> None:
    vague, vaguer = not_understood(rasa_server, 2)
    first = shopper.say(vague)
    assert handoff_of(first) is None
    assert "say it another way" in first[0]["text"]
    signal = handoff_of(shopper.say(vaguer))
    assert signal is not None and signal["reasons"] == ["repeated_fallback"]
    assert signal["message"] == vaguer


def test_one_fallback_then_an_understood_message_does_not_hand_off(shopper: Shopper, rasa_server: RasaServer) -> None:
    vague, vaguer = not_understood(rasa_server, 2)
    shopper.say(vague)
    assert "From our help article" in shopper.says("how long does delivery take")
    assert handoff_of(shopper.say(vaguer)) is None


def test_explicit_request_hands_off(shopper: Shopper) -> None:
    signal = handoff_of(shopper.say("i want to talk to a real person"))
    assert signal is not None and signal["reasons"] == ["explicit_request"]
    assert "severity" not in signal, "the hub judges severity (handoff/severity.py)"
    assert "request_human" in signal["summary"]["intents"]


def test_a_question_in_the_middle_of_the_order_form_is_answered_once(shopper: Shopper) -> None:
    """Issue 8: the same answer twice in one turn around a form."""
    shopper.says("where is my order")
    replies = [m.get("text") or "" for m in shopper.say("how long does delivery take?")]
    quoted = [text for text in replies if "ref. shipping-times" in text]
    assert len(quoted) == 1, replies
    assert "order number" in replies[-1]


def test_options_come_as_buttons_and_a_number_picks_one(shopper: Shopper) -> None:
    offered = shopper.say("delivery")
    buttons = [b["title"] for m in offered for b in m.get("buttons") or []]
    assert len(buttons) >= 3 and buttons[-1] == "None of these"
    assert "1. " in offered[0]["text"]
    second = buttons[1]
    reply = shopper.says("2")
    assert f'(From our help article "{second}"' in reply


def test_changing_course_mid_task_drops_the_old_task_and_starts_the_new(shopper: Shopper) -> None:
    shopper.says("cancel order 10009")
    assert "Do you want me to cancel order #10009" in shopper.says("emma.novak@example.com")
    reply = shopper.says("no wait, don't cancel it, change the address instead")
    assert "haven't cancelled order #10009" in reply and "new delivery address" in reply
    assert "will now go to Vinohradska 30" in shopper.says("Vinohradska 30, 12000 Praha, Czech Republic")


def test_a_request_for_a_person_inside_a_longer_message_hands_off(shopper: Shopper) -> None:
    signal = handoff_of(shopper.say("my parcel never came and I want to speak to a human now"))
    assert signal is not None and signal["reasons"][0] == "explicit_request"


def test_a_promo_code_in_capitals_is_no_anger_for_a_vip(rasa_server: RasaServer) -> None:
    vip = Shopper(rasa_server, metadata={"customer_email": "ben.carter@example.com"})
    replies = vip.say("is WELCOME10 still valid")
    assert handoff_of(replies) is None
    assert "WELCOME10 is valid" in replies[0]["text"] and len(replies) == 1
