"""The one place that decides a handoff: a Rasa policy over the rules in escalation_rules.

Right after each shopper message it reads the conversation (intents, anger scores from the
AngerScorer component, what the bot did) and, when a person should take over, predicts
`action_handoff` with the slots `handoff_reasons` (codes) and `handoff_context` (severity,
anger score and cues, triggering message, evidence). Its priority is above RulePolicy's, so
it pre-empts the rules only when it escalates (and then listens after the handoff);
otherwise it predicts nothing.

A reason can be acknowledged first (config `acknowledge`, e.g. complaint ->
utter_complaint_ack): the policy predicts that response, then the handoff.
"""

from dataclasses import replace
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

from bot.dialogue_policy import answers_pending_question
from bot.escalation_rules import Decision, EscalationSettings, Turn, decide

HANDOFF_ACTION = "action_handoff"
REASONS_SLOT = "handoff_reasons"
CONTEXT_SLOT = "handoff_context"
TIER_SLOT = "customer_tier"
TIER_METADATA_KEY = "customer_tier"


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
        decision = decide(shopper_turns(tracker), customer_tier(tracker), self._settings)
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
    turns: list[Turn] = []
    actions: list[str] = []
    # All events, not applied_events(): that drops the turns a form handled on its happy path,
    # and a shopper asking the same thing to a form is exactly the loop to see.
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
