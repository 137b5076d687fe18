"""An annoyed shopper whose question the bot can answer: empathy, the answer, a person offered."""

from __future__ import annotations

from pathlib import Path

from rasa_sdk.executor import CollectingDispatcher

from actions.empathy import DEFAULT_ANNOYED_THRESHOLD, annoyed_threshold
from actions.faq import ActionAnswerFaq
from actions.orders import ActionCheckOrderStatus
from actions.services import RASA_CONFIG, Services
from tests.actions.trackers import texts, tracker


def parsed(text: str, intent: str, anger: float) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "anger": {"score": anger, "cues": []}}}


async def test_annoyed_question_is_answered_with_empathy_and_a_person_offered(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    annoyed = tracker(text="how long does delivery take, this is taking forever", intent="delivery_options")
    annoyed.latest_message["anger"] = {"score": 0.7, "cues": ["taking forever"]}
    await ActionAnswerFaq().run(dispatcher, annoyed, {})
    assert texts(dispatcher) == ["utter_empathy", "utter_faq_answer", "utter_offer_human"]


async def test_calm_question_gets_just_the_answer(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    calm = tracker(text="how long does delivery take", intent="delivery_options")
    calm.latest_message["anger"] = {"score": 0.1, "cues": []}
    await ActionAnswerFaq().run(dispatcher, calm, {})
    assert texts(dispatcher) == ["utter_faq_answer"]


async def test_order_answer_remembers_the_annoyed_question_before_the_order_form(shop: Services) -> None:
    events = [parsed("hi", "greet", 0.0), parsed("where the hell is my order 10002", "order_status", 0.8),
              {"event": "active_loop", "name": "order_form"}, parsed("anna.schmidt@example.com", "order_status", 0.0)]
    dispatcher = CollectingDispatcher()
    verified = tracker({"order_id": "10002", "verified_order_id": "10002"}, events=events)
    await ActionCheckOrderStatus().run(dispatcher, verified, {})
    assert texts(dispatcher) == ["utter_empathy", "utter_order_status", "utter_offer_human"]


def test_threshold_comes_from_the_escalation_policy_in_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("policies:\n  - name: RulePolicy\n"
                      "  - name: bot.escalation_policy.EscalationPolicy\n    annoyed_threshold: 0.6\n")
    assert annoyed_threshold(config) == 0.6
    config.write_text("policies: [{name: RulePolicy}]")
    assert annoyed_threshold(config) == DEFAULT_ANNOYED_THRESHOLD
    assert annoyed_threshold(tmp_path / "missing.yml") == DEFAULT_ANNOYED_THRESHOLD
    assert 0 < annoyed_threshold(RASA_CONFIG) < 1


async def test_anger_before_the_current_task_does_not_colour_its_answer(shop: Services) -> None:
    events = [parsed("this is ridiculous", "complaint", 0.9), parsed("where is my order 10002", "order_status", 0.1),
              {"event": "active_loop", "name": "order_form"}, parsed("anna.schmidt@example.com", "order_status", 0.0)]
    dispatcher = CollectingDispatcher()
    await ActionCheckOrderStatus().run(dispatcher, tracker({"order_id": "10002", "verified_order_id": "10002"}, events=events),
                                       {})
    assert texts(dispatcher) == ["utter_order_status"]
