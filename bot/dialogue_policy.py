"""The conversation's memory as a Rasa policy: routes a message whose meaning depends on what
came before (an answer to the bot's options, a change of course mid-task, "my other order", a
follow-up) with the pure rules of bot.dialogue_rules.

After a shopper message it reads the tracker into a `Moment`; when a `Route` applies it
predicts the route's actions one by one (setting the route's slots with the first), then
listens, or leaves the rest to a form the route started. Otherwise it predicts nothing and the
rules answer. It sits below the escalation policy: a handoff always wins.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue_rules import FOLLOW_UP_ACTIONS, Message, Moment, Pending, Route, route, steps_done

PENDING_SLOT = "pending_choice"
_NOT_COUNTED = frozenset({ACTION_LISTEN_NAME, "action_extract_slots", None})
_STATE_SLOTS = frozenset({"order_task", "verified_order_id", "clarify_declined"})


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class DialoguePolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (4), below the escalation policy (6): a handoff always wins.
        return {"priority": 5, "min_confidence": 0.5}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context)
        self._min_confidence = float(config.get("min_confidence", 0.5))

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        nothing = self._prediction(self._default_predictions(domain))
        latest_user = _latest_user_index(tracker)
        if latest_user is None:
            return nothing
        found = route(moment(tracker, latest_user), self._min_confidence)
        if found is None or any(a not in domain.action_names_or_texts for a in found.actions):
            return nothing
        executed = [e.action_name for e in list(tracker.events)[latest_user + 1:]
                    if isinstance(e, ActionExecuted) and e.action_name not in _NOT_COUNTED]
        done = steps_done(found, executed)
        if done != len(executed):
            return nothing  # something else answered this message already
        if done == len(found.actions):
            if found.actions[-1].endswith("_form"):
                return nothing  # the form and the rules after it take over
            return self._predict(ACTION_LISTEN_NAME, domain)
        events = _slot_events(found) if done == 0 else None
        return self._predict(found.actions[done], domain, events)

    def _predict(self, action: str, domain: Domain, events: list[SlotSet] | None = None) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        # As the escalation policy: marked like a form's own prediction, so a change of course
        # is heard in the middle of a form too.
        return self._prediction(probabilities, optional_events=events, is_no_user_prediction=True)


def answers_pending_question(tracker: DialogueStateTracker, state: dict[str, Any] | None = None) -> bool:
    """Whether the latest message answers the options the bot offered just before it; `state`,
    when given, is `state_before` of the events before that message, kept by the caller."""
    latest_user = _latest_user_index(tracker)
    if latest_user is None:
        return False
    found = route(moment(tracker, latest_user, state))
    return found is not None and found.answers_question


def moment(tracker: DialogueStateTracker, latest_user: int, state: dict[str, Any] | None = None) -> Moment:
    events = list(tracker.events)
    user = events[latest_user]
    assert isinstance(user, UserUttered)
    previous_user = next((i for i in range(latest_user - 1, -1, -1) if isinstance(events[i], UserUttered)), None)
    pending: Pending | None = None
    previous_answer = None
    if previous_user is not None:
        for event in events[previous_user + 1: latest_user]:
            if isinstance(event, SlotSet) and event.key == PENDING_SLOT:
                pending = Pending.from_slot(event.value)
            elif isinstance(event, ActionExecuted) and event.action_name in FOLLOW_UP_ACTIONS:
                previous_answer = event.action_name
    previous = events[previous_user] if previous_user is not None else None
    intent = user.intent or {}
    # The state the message found, not the one the route's own first steps made.
    if state is None:
        state = state_before(events[:latest_user])
    return Moment(
        latest=Message(text=user.text or "", intent=intent.get("name"), confidence=float(intent.get("confidence") or 0.0),
                       entities=tuple(str(e.get("entity")) for e in user.entities or ()),
                       cues=tuple(str(cue) for cue in (user.parse_data.get("anger") or {}).get("cues") or ())),
        active_loop=state.get("active_loop"),
        order_task=state.get("order_task"),
        verified=bool(state.get("verified_order_id")),
        clarify_declined=bool(state.get("clarify_declined")),
        pending=pending,
        previous_answer=previous_answer,
        previous_text=(previous.text or "") if isinstance(previous, UserUttered) else "",
    )


def state_before(events: list[Any]) -> dict[str, Any]:
    """The active loop and the slots the rules read, as they were after `events`."""
    state: dict[str, Any] = {}
    for event in events:
        state = state_after(state, event)
    return state


def state_after(state: dict[str, Any], event: Any) -> dict[str, Any]:
    """`state` after one more event: a new one after a restart, else `state` itself, updated."""
    if isinstance(event, (Restarted, SessionStarted)):
        return {}
    if isinstance(event, ActiveLoop):
        state["active_loop"] = event.name
    elif isinstance(event, SlotSet) and event.key in _STATE_SLOTS:
        state[event.key] = event.value
    return state


def _latest_user_index(tracker: DialogueStateTracker) -> int | None:
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return index
    return None


def _slot_events(found: Route) -> list[SlotSet]:
    return [SlotSet(name, value) for name, value in found.slots.items()]
