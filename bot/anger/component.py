"""The anger scorer as a Rasa NLU component: every parsed message gets an "anger" key.

A thin wrapper: training, scoring and cue extraction live in the pure scikit-learn modules.
The component trains from its own data directory (config `data_path`), not from the NLU
training data, so `fingerprint_addon` hashes that directory: without it Rasa's training
cache would keep an old anger model after data/anger changed.
"""

import hashlib
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.anger.model import AngerModel
from bot.anger.training import TrainingSettings, train_model

ANGER_KEY = "anger"
_MODEL_FILE = "anger_model.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class AngerScorer(GraphComponent):
    """Sets `anger: {"score": float, "cues": [str]}` on every message it processes."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"data_path": "data/anger", "use_goemotions": True}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: AngerModel | None = None,
    ) -> None:
        self._config = config
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
    ) -> "AngerScorer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "AngerScorer":
        with model_storage.read_from(resource) as directory:
            model = AngerModel.load(Path(directory) / _MODEL_FILE)
        return cls(config, model_storage, resource, model)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        data_dir = Path(config.get("data_path", "data/anger"))
        digest = hashlib.sha256()
        for path in sorted(data_dir.glob("*.csv")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        settings = TrainingSettings(use_goemotions=bool(self._config["use_goemotions"]))
        self._model = train_model(Path(self._config["data_path"]), settings)
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(Path(directory) / _MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """NLU examples need no anger score: nothing downstream trains on it."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            raise RuntimeError("AngerScorer used before it was trained or loaded")
        scores = self._model.score_many([message.get(TEXT) for message in messages])
        for message, score in zip(messages, scores):
            message.set(ANGER_KEY, score.as_dict(), add_to_output=True)
        return messages
