"""When the bot steps aside, with the real Rasa server: the escalation policy and the anger
scorer running inside it, the actions answering what it lets through."""

from __future__ import annotations

import pytest
import yaml

from handoff.severity import severity_for, urgent_cues
from tests.integration.servers import ROOT, RasaServer
from tests.integration.shopper import Shopper, handoff_of

CONFIG = ROOT / "config.yml"

pytestmark = pytest.mark.integration


def ticket_severity(signal: dict) -> str:
    """What the hub makes of the real bot's signal (the one place severity is judged)."""
    return severity_for(signal["reasons"], urgent_cues([signal["message"]]))


def test_an_angry_shopper_is_handed_off_with_the_score_and_its_cues(shopper: Shopper) -> None:
    signal = handoff_of(shopper.say("where the hell is my order?! this is ridiculous, I've waited two weeks!!!"))
    assert signal is not None and signal["reasons"][0] == "anger"
    assert signal["anger"]["score"] >= 0.9 and signal["anger"]["cues"]
    assert ticket_severity(signal) == "serious"


def test_anger_in_the_middle_of_the_order_form_is_handed_off_too(shopper: Shopper) -> None:
    shopper.say("where is my order 10002")
    signal = handoff_of(shopper.say("this is f***ing ridiculous, third time I'm asking you people"))
    assert signal is not None and "anger" in signal["reasons"]
    assert signal["summary"]["order_id"] == "10002"


def test_a_chargeback_threat_is_urgent(shopper: Shopper) -> None:
    signal = handoff_of(shopper.say("you charged me twice and nobody answers, I'm filing a chargeback with my bank!!"))
    assert signal is not None and ticket_severity(signal) == "urgent"


def test_the_same_request_three_times_is_a_loop(shopper: Shopper) -> None:
    assert handoff_of(shopper.say("how do i return something")) is None
    assert handoff_of(shopper.say("how do i return an item")) is None
    signal = handoff_of(shopper.say("how can i send this back"))
    assert signal is not None and signal["reasons"] == ["unresolved_loop"]


def test_a_calm_complaint_gets_help_not_the_queue(shopper: Shopper) -> None:
    replies = shopper.say("my parcel is late, could you check?")
    assert handoff_of(replies) is None and "order number" in replies[0]["text"]
    shopper.say("10002")
    answer = shopper.say("anna.schmidt@example.com")
    assert handoff_of(answer) is None
    assert any("DHL" in (m.get("text") or "") for m in answer)
    assert not any("sorry about the trouble. Let me" in (m.get("text") or "") for m in answer)


ANNOYED_QUESTIONS = [
    "this is so annoying, how long does delivery take", "seriously?? how long does shipping take",
    "ugh this is taking forever, how long does shipping usually take", "so annoying. do you take paypal or not",
    "honestly getting fed up, what are your delivery times", "seriously how long does shipping take",
]


def annoyed_question(rasa: RasaServer) -> str:
    """A question the scorer finds annoyed but not angry (between the policy's two thresholds)."""
    policy = next(p for p in yaml.safe_load(CONFIG.read_text())["policies"] if p["name"].endswith("EscalationPolicy"))
    for text in ANNOYED_QUESTIONS:
        score = rasa.post("/model/parse", {"text": text})["anger"]["score"]
        if policy["annoyed_threshold"] <= score < policy["anger_threshold"]:
            return text
    raise AssertionError("the anger scorer finds none of the annoyed questions merely annoyed")


def test_an_annoyed_but_answerable_question_is_answered_with_empathy(shopper: Shopper, rasa_server: RasaServer) -> None:
    replies = shopper.say(annoyed_question(rasa_server))
    assert handoff_of(replies) is None
    texts = [m.get("text") or "" for m in replies]
    assert any("From our help article" in text for text in texts)
    assert any("connect you with a person" in text for text in texts)


def test_a_vip_reaches_a_person_sooner(rasa_server: RasaServer) -> None:
    vip = Shopper(rasa_server, metadata={"customer_email": "ben.carter@example.com"})
    vip.say("status of order 10003")
    signal = handoff_of(vip.say("honestly this is getting annoying, why is nothing working"))
    assert signal is not None and "vip" in signal["reasons"]
