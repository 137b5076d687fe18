"""The one place that decides a handoff: a Rasa policy over the rules in escalation_rules.

Right after each shopper message it reads the conversation (intents, anger scores from the
AngerScorer component, what the bot did) and, when a person should take over, predicts
`action_handoff` with the slots `handoff_reasons` (codes) and `handoff_context` (severity,
anger score and cues, triggering message, evidence). Its priority is above RulePolicy's, so
it pre-empts the rules only when it escalates (and then listens after the handoff);
otherwise it predicts nothing.

A reason can be acknowledged first (config `acknowledge`, e.g. complaint ->
utter_complaint_ack): the policy predicts that response, then the handoff.

The shopper's turns are read from the conversation's events once: each conversation's reading
(`Reading`) goes on from the next event while the tracker's events start with the very objects
it read (bot/tracker_store.py hands them back from message to message), and is read again from
the first event otherwise.
"""

import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue_policy import answers_pending_question, state_after
from bot.escalation_rules import Decision, EscalationSettings, Turn, decide

HANDOFF_ACTION = "action_handoff"
REASONS_SLOT = "handoff_reasons"
CONTEXT_SLOT = "handoff_context"
TIER_SLOT = "customer_tier"
TIER_METADATA_KEY = "customer_tier"
# Conversations whose reading is kept: as many as the tracker store keeps (bot/tracker_store.py),
# whose retrieve hands back the same event objects from message to message.
# SHOPDESK_ESCALATION_READINGS=0 reads every event on every prediction, as before.
DEFAULT_READINGS = 256


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class EscalationPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (4) and the dialogue policy (5): a handoff wins every tie.
        return {"priority": 6, "acknowledge": {"complaint": "utter_complaint_ack"}}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context)
        self._settings = EscalationSettings.from_config(config)
        self._acknowledge: dict[str, str] = dict(config.get("acknowledge") or {})
        self._readings = Readings(int(os.environ.get("SHOPDESK_ESCALATION_READINGS", DEFAULT_READINGS)))

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn: the thresholds come from config.yml."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        nothing = self._prediction(self._default_predictions(domain))
        previous_action = tracker.latest_action_name
        if previous_action == HANDOFF_ACTION:
            # A person takes over now; no rule covers what follows a handoff this policy chose.
            return self._predict(ACTION_LISTEN_NAME, domain)
        acknowledgement = self._acknowledgement_pending(previous_action)
        if previous_action != ACTION_LISTEN_NAME and not acknowledgement:
            return nothing
        decision = decide(self._readings.shopper_turns(tracker), customer_tier(tracker), self._settings)
        if decision is None or HANDOFF_ACTION not in domain.action_names_or_texts:
            return nothing
        ack = self._acknowledge.get(decision.reasons[0])
        if previous_action == ACTION_LISTEN_NAME and ack is not None and ack in domain.action_names_or_texts:
            return self._predict(ack, domain)
        return self._predict(HANDOFF_ACTION, domain, handoff_events(decision))

    def _acknowledgement_pending(self, previous_action: str | None) -> bool:
        return previous_action in self._acknowledge.values()

    def _predict(
        self, action: str, domain: Domain, events: list[SlotSet] | None = None
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        # Rasa lets a form's "happy path" (a no-user prediction) overrule every other policy;
        # marked the same way, the handoff wins by priority, so an angry shopper or a loop is
        # handed off in the middle of the order form too.
        return self._prediction(probabilities, optional_events=events, is_no_user_prediction=True)


def handoff_events(decision: Decision) -> list[SlotSet]:
    return [
        SlotSet(REASONS_SLOT, list(decision.reasons)),
        SlotSet(CONTEXT_SLOT, decision.context()),
    ]


def shopper_turns(tracker: DialogueStateTracker) -> list[Turn]:
    """The shopper's messages since the session started or a person last took over, each with
    the actions the bot ran after it."""
    reading = Reading()
    reading.read(list(tracker.events))
    return reading.shopper_turns(tracker)


@dataclass
class Reading:
    """shopper_turns' walk over a conversation's events, and the dialogue rules' state before its
    newest message, kept to go on from the next event."""

    events: list[Any] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)  # the newest without its bot actions yet
    actions: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    state_at_message: dict[str, Any] = field(default_factory=dict)

    def continued_by(self, events: Sequence[Any]) -> bool:
        """Whether `events` start with the very event objects read (a tracker's events are only
        appended to; a new session from the tracker store, or another process's, are other objects)."""
        return len(events) >= len(self.events) and all(mine is theirs for mine, theirs in zip(self.events, events))

    def read(self, events: Sequence[Any]) -> None:
        # All events, not applied_events(): that drops the turns a form handled on its happy path,
        # and a shopper asking the same thing to a form is exactly the loop to see.
        for event in events:
            self.events.append(event)
            if isinstance(event, UserUttered):
                self.state_at_message = dict(self.state)
            self.state = state_after(self.state, event)
            if isinstance(event, (SessionStarted, Restarted)) or _is_handoff(event):
                self.turns, self.actions = [], []
            elif isinstance(event, UserUttered):
                if self.turns:
                    self.turns[-1] = _with_actions(self.turns[-1], self.actions)
                self.turns.append(_turn(event))
                self.actions = []
            elif isinstance(event, ActionExecuted) and event.action_name not in (None, ACTION_LISTEN_NAME):
                self.actions.append(event.action_name)

    def shopper_turns(self, tracker: DialogueStateTracker) -> list[Turn]:
        """The turns of `tracker`, whose events are the ones read."""
        turns = list(self.turns)
        if turns:
            turns[-1] = _with_actions(turns[-1], self.actions)
            answers = answers_pending_question(tracker, dict(self.state_at_message))
            turns[-1] = replace(turns[-1], answers_question=answers)
        return turns


class Readings:
    """The latest conversations' readings, each continued while its tracker's events start with
    the ones it read, else read again from the first event."""

    def __init__(self, size: int = DEFAULT_READINGS) -> None:
        self._size = max(0, size)
        self._readings: OrderedDict[str, Reading] = OrderedDict()

    def shopper_turns(self, tracker: DialogueStateTracker) -> list[Turn]:
        events = list(tracker.events)
        reading = self._readings.pop(tracker.sender_id, None)
        if reading is None or not reading.continued_by(events):
            reading = Reading()
        reading.read(events[len(reading.events):])
        if self._size:
            self._readings[tracker.sender_id] = reading
            while len(self._readings) > self._size:
                self._readings.popitem(last=False)
        return reading.shopper_turns(tracker)


def customer_tier(tracker: DialogueStateTracker) -> str | None:
    """The shop's tier for this shopper: a `customer_tier` slot, or the hub's message metadata."""
    slot = tracker.slots.get(TIER_SLOT)
    if slot is not None and slot.value:
        return str(slot.value)
    metadata = tracker.latest_message.metadata if tracker.latest_message else None
    tier = (metadata or {}).get(TIER_METADATA_KEY)
    return str(tier) if tier else None


def _is_handoff(event: Any) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == HANDOFF_ACTION


def _turn(event: UserUttered) -> Turn:
    intent = event.intent or {}
    anger = event.parse_data.get("anger") or {}
    return Turn(
        text=event.text or "",
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        anger=float(anger.get("score") or 0.0),
        cues=tuple(str(cue) for cue in anger.get("cues") or ()),
        entities=tuple(str(entity.get("entity")) for entity in event.entities or ()),
        segments=tuple((str(part.get("name")), float(part.get("confidence") or 0.0))
                       for part in event.parse_data.get("segments") or ()),
    )


def _with_actions(turn: Turn, actions: list[str]) -> Turn:
    return replace(turn, bot_actions=tuple(actions))
