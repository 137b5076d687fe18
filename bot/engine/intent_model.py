"""The intent model: TF-IDF word + character n-grams and a logistic regression.

Pure scikit-learn, no Rasa import; `intent_classifier.py` wraps it as a Rasa component.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from bot.engine.text_features import build_vectoriser, normalise_text

DEFAULT_C = 10.0
_FILE_NAME = "intent_model.skops"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


class IntentModel:
    """Fits on (text, intent) pairs and ranks intents for new texts."""

    def __init__(self, vectoriser: FeatureUnion, classifier: LogisticRegression) -> None:
        self._vectoriser = vectoriser
        self._classifier = classifier

    @classmethod
    def fit(cls, texts: Sequence[str], intents: Sequence[str], c: float = DEFAULT_C) -> "IntentModel":
        """Train a model. Needs at least two intents; raises ValueError otherwise."""
        if len(texts) != len(intents):
            raise ValueError(f"{len(texts)} texts but {len(intents)} intents")
        if len(set(intents)) < 2:
            raise ValueError("an intent model needs examples of at least two intents")
        vectoriser = build_vectoriser()
        features = vectoriser.fit_transform([normalise_text(text) for text in texts])
        # Balanced weights: intents with fewer examples are not out-voted by the larger ones.
        classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=0)
        classifier.fit(features, list(intents))
        return cls(vectoriser, classifier)

    @property
    def intents(self) -> list[str]:
        return [str(name) for name in self._classifier.classes_]

    def rank(self, texts: Sequence[str], top_k: int = 10) -> list[list[IntentScore]]:
        """For each text, the `top_k` most likely intents, most likely first (0 = all)."""
        if not texts:
            return []
        features = self._vectoriser.transform([normalise_text(text) for text in texts])
        probabilities = self._classifier.predict_proba(features)
        limit = top_k if top_k > 0 else probabilities.shape[1]
        return [self._ranking(row, limit) for row in probabilities]

    def _ranking(self, probabilities: np.ndarray, limit: int) -> list[IntentScore]:
        order = np.argsort(-probabilities, kind="stable")[:limit]
        classes = self._classifier.classes_
        return [IntentScore(str(classes[i]), float(probabilities[i])) for i in order]

    def save(self, directory: Path) -> None:
        sio.dump({"vectoriser": self._vectoriser, "classifier": self._classifier}, directory / _FILE_NAME)

    @classmethod
    def load(cls, directory: Path) -> "IntentModel":
        """Load a saved model; refuses a file holding anything but the expected types."""
        path = directory / _FILE_NAME
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = [name for name in untrusted if name not in _TRUSTED_TYPES]
        if unexpected:
            raise ValueError(f"{path} holds unexpected types: {unexpected}")
        state = sio.load(path, trusted=untrusted)
        return cls(state["vectoriser"], state["classifier"])


# What skops does not trust by itself but a saved IntentModel legitimately holds: the IDF
# weights TfidfVectorizer keeps as a sparse diagonal matrix.
_TRUSTED_TYPES = frozenset({"scipy.sparse._csr.csr_matrix", "scipy.sparse.csr.csr_matrix"})
