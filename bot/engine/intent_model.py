"""The intent model: TF-IDF word + character n-grams and a logistic regression.

Pure scikit-learn, no Rasa import; `intent_classifier.py` wraps it as a Rasa component.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import skops.io as sio
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from bot.engine.text_features import build_vectoriser, normalise_text

DEFAULT_C = 1.0
_CALIBRATION_FOLDS = 5
_FILE_NAME = "intent_model.skops"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


class IntentModel:
    """Fits on (text, intent) pairs and ranks intents for new texts."""

    def __init__(self, vectoriser: FeatureUnion, classifier: ClassifierMixin) -> None:
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
        labels = np.asarray(intents)
        classifier = _classifier(c, smallest_intent=int(np.unique(labels, return_counts=True)[1].min()))
        classifier.fit(features, labels)
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


def _classifier(c: float, smallest_intent: int) -> ClassifierMixin:
    """A linear SVM with probabilities calibrated by cross-validation (sigmoid).

    It ranks as well as logistic regression here, trains several times faster and its
    calibrated confidences separate out-of-scope messages better (bench/README.md). Balanced
    class weights: intents with fewer examples are not out-voted. Calibration needs two
    examples of every intent; with fewer, logistic regression gives the probabilities.
    """
    if smallest_intent < 2:
        return LogisticRegression(C=10 * c, class_weight="balanced", solver="liblinear")
    svm = LinearSVC(C=c, class_weight="balanced", random_state=0)
    return CalibratedClassifierCV(svm, cv=min(_CALIBRATION_FOLDS, smallest_intent), method="sigmoid")


# What skops does not trust by itself but a saved IntentModel legitimately holds: the IDF
# weights TfidfVectorizer keeps as a sparse matrix, and the calibration's own parts.
_TRUSTED_TYPES = frozenset(
    {
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse.csr.csr_matrix",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
    }
)
