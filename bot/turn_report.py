"""The intent the bot read in the message it is answering, for the hub's reports.

The last NLU component of the pipeline (config.yml) records the message's final intent
(`nlu_fallback` when the FallbackClassifier overruled the classifier) for the request being
answered; the hub's channel (bot/hub_channel.py) sends it back in the INTENT_HEADER header. Rasa
parses the message inside the request's own task and thread (its graph runs synchronously), so a
context variable carries it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

INTENT_HEADER = "X-ShopDesk-Intent"
_turn: ContextVar[dict[str, str] | None] = ContextVar("shopdesk_turn", default=None)


def start_turn() -> None:
    _turn.set({})


def turn_intent() -> str | None:
    turn = _turn.get()
    return turn.get(INTENT) if turn else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TurnIntentRecorder(GraphComponent):
    """Changes nothing in the message; remembers its intent for the channel's answer."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext,
    ) -> TurnIntentRecorder:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        turn = _turn.get()
        if turn is not None and messages:
            name = (messages[-1].get(INTENT) or {}).get(INTENT_NAME_KEY)
            if isinstance(name, str) and name.isascii():
                turn[INTENT] = name
        return messages
