"""The handoff signal: when the bot sends it, and what it tells the agent."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.handoff_signal import handoff_payload
from tests.actions.trackers import tracker


def user(intent: str, text: str = "...") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def test_payload_summarises_the_conversation() -> None:
    events = [user("order_status", "where is 10002"), action("order_form"), action("action_check_order_status"),
              user("request_human", "get me a human")]
    payload = handoff_payload(["explicit_request"], list(events), {"text": "get me a human"}, "10002",
                              verified_order_id="10002")
    assert payload["type"] == "handoff" and payload["reasons"] == ["explicit_request"]
    assert payload["summary"] == {"intents": ["order_status", "request_human"], "order_id": "10002",
                                  "verified_order_id": "10002", "tried": ["order_form", "action_check_order_status"]}
    assert payload["message"] == "get me a human" and payload["anger"] is None


def test_huge_message_is_capped_in_the_signal() -> None:
    payload = handoff_payload(["explicit_request"], [], {"text": "x" * 50_000}, None)
    assert len(payload["message"]) == 1000


async def test_handoff_takes_reasons_from_the_escalation_policy() -> None:
    dispatcher = CollectingDispatcher()
    slots = {"handoff_reasons": ["anger"], "handoff_context": {"anger": {"score": 0.93, "cues": ["ridiculous"]}}}
    events = await ActionHandoff().run(dispatcher, tracker(slots, "this is ridiculous", "order_status"), {})
    signal = dispatcher.messages[-1]["custom"]
    assert signal["reasons"] == ["anger"] and signal["anger"]["score"] == 0.93
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


async def test_handoff_reason_from_the_intent() -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(text="human please", intent="request_human"), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff"
    assert dispatcher.messages[1]["custom"]["reasons"] == ["explicit_request"]
