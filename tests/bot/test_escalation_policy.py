"""The escalation rules (pure) and the Rasa policy around them, on real Rasa trackers."""

import asyncio
import copy
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.escalation_policy import EscalationPolicy, Readings, shopper_turns
from bot.escalation_rules import EscalationSettings, Turn, decide

DOMAIN = Domain.from_yaml(textwrap.dedent("""
    version: "3.1"
    intents: [greet, order_status, request_human, complaint, feedback_negative, out_of_scope,
              change_order, affirm]
    slots:
      handoff_reasons: {type: list, influence_conversation: false, mappings: [{type: custom}]}
      handoff_context: {type: any, influence_conversation: false, mappings: [{type: custom}]}
      pending_choice: {type: any, influence_conversation: false, mappings: [{type: custom}]}
      order_task: {type: text, influence_conversation: false, mappings: [{type: custom}]}
      verified_order_id: {type: text, influence_conversation: false, mappings: [{type: custom}]}
    responses:
      utter_complaint_ack: [{text: "sorry"}]
      utter_change_order_cannot: [{text: "cannot"}]
    actions: [action_handoff, action_check_order_status]
"""))


def test_calm_answerable_message_is_not_escalated() -> None:
    assert decide([Turn("where is my order?", "order_status", anger=0.05)]) is None


def test_annoyed_but_answerable_gets_the_answer_first() -> None:
    assert decide([Turn("ugh, where is my order", "order_status", anger=0.7)]) is None


def test_clearly_angry_is_escalated_with_score_cues_and_message() -> None:
    decision = decide([Turn("THIRD time!!!", "order_status", anger=0.97,
                            cues=("repetition: third time", "punctuation: !!!"))])
    assert decision is not None and decision.reasons == ("anger",)
    context = decision.context()
    assert context["anger"] == {"score": 0.97, "cues": ["repetition: third time", "punctuation: !!!"]}
    assert context["message"] == "THIRD time!!!" and "severity" not in context, "the hub judges severity"


def test_annoyed_with_a_threat_is_escalated() -> None:
    decision = decide([Turn("refund or chargeback", "refund_status", anger=0.6,
                            cues=("threat: chargeback",))])
    assert decision is not None and "anger" in decision.reasons


def test_annoyed_and_not_understood_is_escalated() -> None:
    assert decide([Turn("WHY DOES NOBODY ANSWER", "nlu_fallback", anger=0.6)]) is not None


@pytest.mark.parametrize(
    ("turns", "reason"),
    [
        ([Turn("a person please", "request_human")], "explicit_request"),
        ([Turn("I want to complain", "complaint")], "complaint"),
        ([Turn("???", "nlu_fallback", bot_actions=("utter_please_rephrase",)), Turn("!!", "nlu_fallback")],
         "repeated_fallback"),
        ([Turn("refund?", "refund_status")] * 3, "unresolved_loop"),
        ([Turn("bad", "feedback_negative"), Turn("ok", "greet"), Turn("bad", "feedback_negative")],
         "negative_feedback"),
        ([Turn("swap item", "change_order", bot_actions=("utter_change_order_cannot",)),
          Turn("yes please", "affirm")], "bot_cannot_complete"),
    ],
)
def test_each_reason(turns: list[Turn], reason: str) -> None:
    decision = decide(turns)
    assert decision is not None and reason in decision.reasons


def test_vip_reaches_a_person_sooner() -> None:
    turns = [Turn("need engraving redone", "nlu_fallback")]
    assert decide(turns) is None
    decision = decide(turns, tier="VIP")
    assert decision is not None and decision.reasons == ("repeated_fallback", "vip")
    assert decide([Turn("late again, frustrating", "delivery_problem", anger=0.6)], "vip") is not None


def test_answers_to_the_order_form_are_no_loop() -> None:
    turns = [Turn("wheres my stuff", "order_status"), Turn("10002", "order_status", entities=("order_id",)),
             Turn("+49 151 23456789", "order_status", entities=("phone",))]
    assert decide(turns) is None


def test_a_low_confidence_answer_a_form_understood_is_no_fallback() -> None:
    turns = [Turn("10002", "nlu_fallback", bot_actions=("order_form",)), Turn("+49 151 2345", "nlu_fallback")]
    assert decide(turns) is None


def test_one_negative_feedback_or_one_fallback_is_left_to_the_rules() -> None:
    assert decide([Turn("not helpful", "feedback_negative", anger=0.6)]) is None
    assert decide([Turn("blah", "nlu_fallback")]) is None


def test_settings_come_from_policy_config() -> None:
    settings = EscalationSettings.from_config(
        {"name": "x", "anger_threshold": 0.8, "vip_tiers": ["gold"], "loop_limit": 4, "unknown": 1})
    assert settings.anger_threshold == 0.8 and settings.vip_tiers == ("gold",)
    assert settings.loop_limit == 4


def _tracker(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("s1", [ActionExecuted(ACTION_LISTEN_NAME), *events],
                                            slots=DOMAIN.slots)


def _user(text: str, intent: str, anger: float = 0.0, cues: tuple[str, ...] = ()) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.95},
                       parse_data={"anger": {"score": anger, "cues": list(cues)}})


def _policy(tmp_path: Path, **config: object) -> EscalationPolicy:
    (tmp_path / "storage").mkdir(exist_ok=True)
    return EscalationPolicy({**EscalationPolicy.get_default_config(), **config},
                            LocalModelStorage(tmp_path / "storage"), Resource("escalation"),
                            ExecutionContext(GraphSchema({}), "test"))


def _predicted(prediction: Any) -> str | None:
    probabilities = prediction.probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_policy_predicts_handoff_with_reason_and_context_slots(tmp_path: Path) -> None:
    tracker = _tracker(_user("this is a joke!!!", "order_status", 0.97, ("insult: joke", "punctuation: !!!")))
    prediction = _policy(tmp_path).predict_action_probabilities(tracker, DOMAIN)
    assert _predicted(prediction) == "action_handoff"
    assert prediction.policy_priority == 6
    reasons, context = prediction.optional_events
    assert reasons == SlotSet("handoff_reasons", ["anger"])
    assert context.key == "handoff_context" and context.value["anger"]["score"] == 0.97


def test_policy_stays_silent_for_calm_messages_and_listens_after_a_handoff(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    calm = _tracker(_user("where is my order?", "order_status", 0.05))
    assert _predicted(policy.predict_action_probabilities(calm, DOMAIN)) is None
    answered = _tracker(_user("useless!!!", "order_status", 0.99),
                        ActionExecuted("action_check_order_status"))
    assert _predicted(policy.predict_action_probabilities(answered, DOMAIN)) is None
    handed_off = _tracker(_user("useless!!!", "order_status", 0.99), ActionExecuted("action_handoff"))
    prediction = policy.predict_action_probabilities(handed_off, DOMAIN)
    assert _predicted(prediction) == ACTION_LISTEN_NAME and not prediction.optional_events


def test_policy_acknowledges_a_complaint_then_hands_off(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    tracker = _tracker(_user("I want to complain", "complaint"))
    assert _predicted(policy.predict_action_probabilities(tracker, DOMAIN)) == "utter_complaint_ack"
    tracker.update(ActionExecuted("utter_complaint_ack"))
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    assert _predicted(prediction) == "action_handoff"
    assert prediction.optional_events[0] == SlotSet("handoff_reasons", ["complaint"])


def test_turns_restart_with_the_session_and_after_a_handoff() -> None:
    tracker = _tracker(_user("a", "order_status"), ActionExecuted("action_check_order_status"),
                       ActionExecuted(ACTION_LISTEN_NAME), SessionStarted(),
                       _user("b", "order_status"), ActionExecuted("action_handoff"),
                       ActionExecuted(ACTION_LISTEN_NAME), _user("c", "greet"))
    assert [turn.text for turn in shopper_turns(tracker)] == ["c"]
    tracker = _tracker(_user("a", "order_status"), ActionExecuted("action_check_order_status"),
                       ActionExecuted(ACTION_LISTEN_NAME), _user("b", "greet"))
    turns = shopper_turns(tracker)
    assert turns[0].bot_actions == ("action_check_order_status",) and turns[1].bot_actions == ()


def test_a_real_rasa_model_hands_off_an_angry_shopper_and_answers_a_calm_one(tmp_path: Path) -> None:
    """NLU (with the anger scorer) and dialogue trained together; no action server, so the
    handoff action itself fails, but the prediction and its slots are on the tracker."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.model_training import train

    anger_data = tmp_path / "anger"
    anger_data.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "data/anger/shopper_lines.csv", anger_data)
    (tmp_path / "config.yml").write_text(textwrap.dedent(f"""
        recipe: default.v1
        assistant_id: escalation_test
        language: en
        pipeline:
          - name: WhitespaceTokenizer
          - name: bot.anger.component.AngerScorer
            data_path: {anger_data}
            use_goemotions: false
          - name: CountVectorsFeaturizer
          - name: LogisticRegressionClassifier
        policies:
          - name: RulePolicy
          - name: bot.escalation_policy.EscalationPolicy
            anger_threshold: 0.9
    """), encoding="utf-8")
    (tmp_path / "domain.yml").write_text(textwrap.dedent("""
        version: "3.1"
        intents: [order_status, greet]
        slots:
          handoff_reasons: {type: list, influence_conversation: false, mappings: [{type: custom}]}
          handoff_context: {type: any, influence_conversation: false, mappings: [{type: custom}]}
        responses:
          utter_order: [{text: "Your order is on its way."}]
          utter_greet: [{text: "Hi!"}]
        actions: [action_handoff]
    """), encoding="utf-8")
    (tmp_path / "data.yml").write_text(textwrap.dedent("""
        version: "3.1"
        nlu:
        - intent: order_status
          examples: |
            - where is my order
            - my parcel is late
            - where is my parcel
        - intent: greet
          examples: |
            - hi
            - hello
        rules:
        - rule: order
          steps: [{intent: order_status}, {action: utter_order}]
        - rule: greet
          steps: [{intent: greet}, {action: utter_greet}]
    """), encoding="utf-8")
    result = train(str(tmp_path / "domain.yml"), str(tmp_path / "config.yml"),
                   [str(tmp_path / "data.yml")], str(tmp_path / "models"))
    agent = Agent.load(result.model)

    async def converse(sender: str, text: str) -> DialogueStateTracker:
        await agent.handle_message(UserMessage(text, sender_id=sender))
        return await agent.tracker_store.retrieve(sender)

    angry = asyncio.run(converse("angry", "WHERE IS MY ORDER?!?! third time asking, you are useless"))
    calm = asyncio.run(converse("calm", "my parcel is late, could you check?"))
    assert "action_handoff" in [e.action_name for e in angry.events if isinstance(e, ActionExecuted)]
    assert "anger" in angry.get_slot("handoff_reasons")
    assert angry.get_slot("handoff_context")["anger"]["score"] >= 0.9
    calm_actions = [e.action_name for e in calm.events if isinstance(e, ActionExecuted)]
    assert "utter_order" in calm_actions and "action_handoff" not in calm_actions


def _walk_before_readings(tracker: DialogueStateTracker) -> list[Turn]:
    """shopper_turns as it was before bot.escalation_policy.Reading: every event walked on every call."""
    from dataclasses import replace

    from bot.dialogue_policy import answers_pending_question
    from bot.escalation_policy import _is_handoff, _turn, _with_actions

    turns: list[Turn] = []
    actions: list[str] = []
    for event in tracker.events:
        if isinstance(event, (SessionStarted, Restarted)) or _is_handoff(event):
            turns, actions = [], []
        elif isinstance(event, UserUttered):
            if turns:
                turns[-1] = _with_actions(turns[-1], actions)
            turns.append(_turn(event))
            actions = []
        elif isinstance(event, ActionExecuted) and event.action_name not in (None, ACTION_LISTEN_NAME):
            actions.append(event.action_name)
    if turns:
        turns[-1] = _with_actions(turns[-1], actions)
        turns[-1] = replace(turns[-1], answers_question=answers_pending_question(tracker))
    return turns


def _long_conversation() -> list[Any]:
    """Options offered and answered, a form, a fallback, a handoff, a restart and a new session."""
    offered = {"action": "action_answer_faq", "kind": "articles",
               "options": [{"id": "shipping-costs", "title": "What does shipping cost?"},
                           {"id": "express-delivery", "title": "Can I get express delivery?"}]}
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    return [
        ActionExecuted("action_session_start"), SessionStarted(), listen,
        _user("hi", "greet"), ActionExecuted("utter_greet"), ActionExecuted(ACTION_LISTEN_NAME),
        _user("delivery", "nlu_fallback"), ActionExecuted("action_answer_faq"), SlotSet("pending_choice", offered),
        ActionExecuted(ACTION_LISTEN_NAME), _user("2", "nlu_fallback"), ActionExecuted("action_answer_faq"),
        SlotSet("pending_choice", None), ActionExecuted(ACTION_LISTEN_NAME),
        _user("where is my order", "order_status"), ActionExecuted("order_form"), ActiveLoop("order_form"),
        SlotSet("order_task", "status"), ActionExecuted(ACTION_LISTEN_NAME),
        _user("10002", "order_status"), SlotSet("verified_order_id", "10002"), ActiveLoop(None),
        ActionExecuted("action_check_order_status"), ActionExecuted(ACTION_LISTEN_NAME),
        _user("where is my order", "order_status", 0.6), ActionExecuted("action_check_order_status"),
        ActionExecuted(ACTION_LISTEN_NAME), _user("WHERE IS MY ORDER", "order_status", 0.8),
        ActionExecuted("action_handoff"), ActionExecuted(ACTION_LISTEN_NAME), _user("hello?", "greet"),
        ActionExecuted(ACTION_LISTEN_NAME), Restarted(), _user("a person please", "request_human"),
        ActionExecuted(ACTION_LISTEN_NAME), ActionExecuted("action_session_start"), SessionStarted(),
        ActionExecuted(ACTION_LISTEN_NAME), _user("bye", "goodbye"), ActionExecuted("utter_goodbye"),
    ]


@pytest.mark.parametrize("trackers", ["growing", "rebuilt", "copied", "interleaved"])
def test_kept_readings_give_the_turns_of_the_walk_over_every_event(trackers: str) -> None:
    """After every event: one tracker growing (Rasa's loop), rebuilt from the same event objects
    (the tracker store), rebuilt from copies of them (another process), or two conversations of
    one sender in turn (a form's temporary tracker)."""
    events, readings = _long_conversation(), Readings()
    growing = DialogueStateTracker("s1", slots=DOMAIN.slots)
    for count in range(1, len(events) + 1):
        growing.update(events[count - 1])
        tracker = growing
        if trackers == "rebuilt":
            tracker = DialogueStateTracker.from_events("s1", events[:count], slots=DOMAIN.slots)
        elif trackers == "copied" or (trackers == "interleaved" and count % 2):
            tracker = DialogueStateTracker.from_events("s1", copy.deepcopy(events[:count]), slots=DOMAIN.slots)
        expected = _walk_before_readings(tracker)
        assert readings.shopper_turns(tracker) == expected == shopper_turns(tracker)
    assert any(turn.answers_question for turn in _walk_before_readings(
        DialogueStateTracker.from_events("s1", events[:11], slots=DOMAIN.slots)))


def test_kept_readings_are_bounded_and_per_sender() -> None:
    readings = Readings(size=2)
    trackers = [_tracker(_user(f"message {n}", "order_status")) for n in range(3)]
    for n, tracker in enumerate(trackers):
        tracker.sender_id = f"s{n}"
        assert readings.shopper_turns(tracker) == _walk_before_readings(tracker)
    assert list(readings._readings) == ["s1", "s2"]
