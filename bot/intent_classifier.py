"""Rasa component around `IntentModel`: reads the raw message text, needs no featurizer.

In config.yml: `- name: bot.intent_classifier.ShopIntentClassifier`. It fills
`intent` and `intent_ranking` like Rasa's own classifiers, so FallbackClassifier can follow it.
"""

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.intent_model import DEFAULT_C, DEFAULT_EMBEDDING_WEIGHT, IntentModel, IntentScore
from bot.segments import primary_intent, split_requests
from bot.sentence_encoder import shared_encoder

logger = logging.getLogger(__name__)
SEGMENTS_KEY = "segments"
# Intents that start an order task: asked in one part of a message, they come first.
TASK_INTENTS = ("order_status", "track_shipment", "cancel_order", "change_address", "return_item",
                "refund_status", "invoice_request", "delivery_problem")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ShopIntentClassifier(IntentClassifier, GraphComponent):
    """TF-IDF word (1-2) + char_wb (2-5) n-grams on normalised text, with sentence embeddings
    beside them (`embeddings: false` turns them off), in a calibrated linear SVM.

    A message holding several requests ("where is 10002? also, do you take Klarna?") is also
    classified part by part: the parse gets `segments` ([{text, intent, confidence}]), and an
    order task asked in one part becomes the message's intent (bot/segments.py)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": DEFAULT_C, "ranking_length": LABEL_RANKING_LENGTH, "embeddings": True,
                "embedding_weight": DEFAULT_EMBEDDING_WEIGHT, "embedding_precision": "fp32",
                "task_intents": list(TASK_INTENTS)}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShopIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        intents = [m.get(INTENT) for m in examples]
        if len(set(intents)) < 2:
            logger.warning("ShopIntentClassifier needs at least two intents to train; skipped.")
            return self._resource
        texts = [m.get(TEXT) for m in examples]
        encoder = shared_encoder(self._config["embedding_precision"]) if self._config["embeddings"] else None
        self._model = IntentModel.fit(texts, intents, c=float(self._config["C"]), encoder=encoder,
                                      embedding_weight=float(self._config["embedding_weight"]))
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ShopIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                encoder = (shared_encoder(config.get("embedding_precision", "fp32"))
                           if config.get("embeddings", True) else None)
                model = IntentModel.load(directory, encoder)
        except (ValueError, FileNotFoundError) as error:
            # Rasa's own classifiers do the same: a model trained without intents has no
            # resource, and the component then leaves messages unclassified.
            logger.warning(f"ShopIntentClassifier has no trained model: {error}")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        rankings = self._model.rank(texts, top_k=int(self._config["ranking_length"]))
        for message, ranking in zip(messages, rankings):
            intent_ranking = [
                {INTENT_NAME_KEY: score.name, "confidence": score.confidence} for score in ranking
            ]
            message.set(INTENT, intent_ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, intent_ranking, add_to_output=True)
            self._classify_parts(message, ranking)
        return messages

    def _classify_parts(self, message: Message, ranking: list[IntentScore]) -> None:
        parts = split_requests(message.get(TEXT) or "")
        if len(parts) < 2 or self._model is None:
            return
        tops = [scores[0] for scores in self._model.rank(parts, top_k=1)]
        segments = [{"text": part, INTENT_NAME_KEY: top.name, "confidence": top.confidence}
                    for part, top in zip(parts, tops)]
        message.set(SEGMENTS_KEY, segments, add_to_output=True)
        whole = (ranking[0].name, ranking[0].confidence)
        name, confidence = primary_intent(whole, [(top.name, top.confidence) for top in tops],
                                          frozenset(self._config["task_intents"]))
        if name != whole[0]:
            message.set(INTENT, {INTENT_NAME_KEY: name, "confidence": confidence}, add_to_output=True)
