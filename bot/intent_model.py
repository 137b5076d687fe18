"""The intent model: TF-IDF word + character n-grams, optionally side by side with a
pretrained sentence embedding (all-MiniLM-L6-v2), in one calibrated linear SVM.

The n-grams catch shopper spelling and the words of the shop; the embedding carries
paraphrases with words the training data never used (bench/README.md: +7 points held-out
accuracy). Pure scikit-learn and numpy, no Rasa import; `intent_classifier.py` wraps it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from scipy.sparse import csr_matrix, hstack, spmatrix
from scipy.special import expit
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from bot.sentence_encoder import SentenceEncoder
from bot.text_features import LruCache, build_vectoriser, cache_key, nlu_cache_size, normalise_text
from bot.tfidf_rows import TfidfRows, weighted_sum

DEFAULT_C = 1.0
# The embedding block's weight beside the TF-IDF block (whose word and char parts each have
# unit norm); 1 and 2 measured alike, 1 slightly better (bench/encoder_variants.py).
DEFAULT_EMBEDDING_WEIGHT = 1.0
_CALIBRATION_FOLDS = 5
_FILE_NAME = "intent_model.skops"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


class IntentModel:
    """Fits on (text, intent) pairs and ranks intents for new texts."""

    def __init__(self, vectoriser: FeatureUnion, classifier: ClassifierMixin,
                 encoder: SentenceEncoder | None = None, embedding_weight: float = 0.0) -> None:
        self._vectoriser = vectoriser
        self._classifier = classifier
        self._encoder = encoder if embedding_weight > 0 else None
        self._embedding_weight = embedding_weight if encoder is not None else 0.0
        self._probabilities: Callable[[Sequence[str]], np.ndarray] | None = None
        # A message's ranking per (text, top_k); only single-text calls (a message as served)
        # read and fill it, so a ranking is always the one a call with that text alone gives.
        self._rankings: LruCache[tuple[str, int], tuple[IntentScore, ...]] = LruCache(nlu_cache_size())

    @classmethod
    def fit(cls, texts: Sequence[str], intents: Sequence[str], c: float = DEFAULT_C,
            encoder: SentenceEncoder | None = None,
            embedding_weight: float = DEFAULT_EMBEDDING_WEIGHT) -> "IntentModel":
        """Train a model, with sentence embeddings when an encoder is given. Needs at least two
        intents; raises ValueError otherwise."""
        if len(texts) != len(intents):
            raise ValueError(f"{len(texts)} texts but {len(intents)} intents")
        if len(set(intents)) < 2:
            raise ValueError("an intent model needs examples of at least two intents")
        model = cls(build_vectoriser(), None, encoder, embedding_weight)
        model._vectoriser.fit([normalise_text(text) for text in texts])
        labels = np.asarray(intents)
        model._classifier = _classifier(c, smallest_intent=int(np.unique(labels, return_counts=True)[1].min()))
        model._classifier.fit(model._features(texts), labels)
        return model

    @property
    def uses_embeddings(self) -> bool:
        return self._encoder is not None

    def _features(self, texts: Sequence[str]) -> spmatrix:
        blocks = ngram_blocks(self._vectoriser, [normalise_text(text) for text in texts])
        if self._encoder is not None:
            blocks.append(csr_matrix(self._encoder.encode(list(texts)) * self._embedding_weight))
        return hstack(blocks, format="csr")

    @property
    def intents(self) -> list[str]:
        return [str(name) for name in self._classifier.classes_]

    def rank(self, texts: Sequence[str], top_k: int = 10) -> list[list[IntentScore]]:
        """For each text, the `top_k` most likely intents, most likely first (0 = all)."""
        if not texts:
            return []
        text = cache_key(texts[0]) if len(texts) == 1 and self._rankings.size > 0 else None
        if text is None:
            return self._rank(texts, top_k)
        ranking = self._rankings.get((text, top_k))
        if ranking is None:
            ranking = tuple(self._rank(texts, top_k)[0])
            self._rankings.put((text, top_k), ranking)
        return [list(ranking)]

    def _rank(self, texts: Sequence[str], top_k: int) -> list[list[IntentScore]]:
        if self._probabilities is None:
            self._probabilities = self._fastest_probabilities()
        probabilities = self._probabilities(texts)
        limit = top_k if top_k > 0 else probabilities.shape[1]
        return [self._ranking(row, limit) for row in probabilities]

    def _fastest_probabilities(self) -> Callable[[Sequence[str]], np.ndarray]:
        """Per message from the weights (_RowRanker) for the calibrated SVM over TF-IDF blocks; the
        calibrated SVM over other features as one product; any other classifier as sklearn has it."""
        linear = calibrated_linear(self._classifier)
        if linear is None:
            return lambda texts: np.asarray(self._classifier.predict_proba(self._features(texts)))
        ranker = _RowRanker.of(self, linear)
        return ranker.probabilities if ranker else lambda texts: linear.predict_proba(self._features(texts))

    def _ranking(self, probabilities: np.ndarray, limit: int) -> list[IntentScore]:
        order = np.argsort(-probabilities, kind="stable")[:limit]
        classes = self._classifier.classes_
        return [IntentScore(str(classes[i]), float(probabilities[i])) for i in order]

    def save(self, directory: Path) -> None:
        """The encoder's weights are not saved: they ship in their own package."""
        state = {"vectoriser": self._vectoriser, "classifier": self._classifier,
                 "embedding_weight": self._embedding_weight}
        sio.dump(state, directory / _FILE_NAME)

    @classmethod
    def load(cls, directory: Path, encoder: SentenceEncoder | None = None) -> "IntentModel":
        """Load a saved model; refuses a file holding anything but the expected types. A model
        trained with embeddings needs the same `encoder` back."""
        path = directory / _FILE_NAME
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = [name for name in untrusted if name not in _TRUSTED_TYPES]
        if unexpected:
            raise ValueError(f"{path} holds unexpected types: {unexpected}")
        state = sio.load(path, trusted=untrusted)
        weight = float(state.get("embedding_weight", 0.0))
        if weight > 0 and encoder is None:
            raise ValueError(f"{path} was trained with sentence embeddings: load it with the encoder")
        return cls(state["vectoriser"], state["classifier"], encoder, weight)


def ngram_blocks(union: FeatureUnion, documents: list[str]) -> list[spmatrix]:
    """The blocks `union.transform` stacks, each transformer called directly: FeatureUnion sends
    every call through joblib's dispatch even with one job, 5% of Rasa's CPU per message for a
    one-line message (py-spy, bench/README.md "Load")."""
    weights = union.transformer_weights or {}
    return [transformer.transform(documents) * weights.get(name, 1)
            for name, transformer in union.transformer_list if transformer not in ("drop", "passthrough")]


@dataclass(frozen=True)
class CalibratedLinear:
    """`predict_proba` of a CalibratedClassifierCV of linear models with sigmoid calibration (what
    `_classifier` trains), as one product for all folds and classes instead of sklearn's loop over
    folds and calibrators (8% of Rasa's CPU per message, py-spy): the same probabilities to
    rounding (tested)."""

    weights: np.ndarray  # features x (folds * classes)
    intercept: np.ndarray  # folds * classes
    slope: np.ndarray  # folds x classes
    offset: np.ndarray

    def predict_proba(self, features: spmatrix) -> np.ndarray:
        return self.probabilities(np.asarray(features @ self.weights) + self.intercept)

    def probabilities(self, decisions: np.ndarray) -> np.ndarray:
        """From the linear models' decisions (messages x (folds * classes), intercept included)."""
        classes = self.slope.shape[1]
        calibrated = expit(-(self.slope * decisions.reshape(-1, *self.slope.shape) + self.offset))
        total = calibrated.sum(axis=2, keepdims=True)
        calibrated = np.divide(calibrated, total, out=np.full_like(calibrated, 1 / classes), where=total != 0)
        calibrated[(calibrated > 1.0) & (calibrated <= 1.0 + 1e-5)] = 1.0
        return np.asarray(calibrated.mean(axis=1))


def calibrated_linear(classifier: ClassifierMixin) -> CalibratedLinear | None:
    """The classifier as a CalibratedLinear; None for any other classifier."""
    folds = getattr(classifier, "calibrated_classifiers_", None)
    classes = getattr(classifier, "classes_", None)
    if not folds or classes is None or len(classes) < 3 or getattr(classifier, "method", "") != "sigmoid":
        return None
    coefficients, intercepts, slopes, offsets = [], [], [], []
    for fold in folds:
        linear: Any = getattr(fold, "base_estimator", None) or getattr(fold, "estimator", None)
        if (not hasattr(linear, "coef_") or list(linear.classes_) != list(classes)
                or list(fold.classes) != list(classes) or len(fold.calibrators) != len(classes)):
            return None
        coefficients.append(linear.coef_)
        intercepts.append(linear.intercept_)
        slopes.append([calibrator.a_ for calibrator in fold.calibrators])
        offsets.append([calibrator.b_ for calibrator in fold.calibrators])
    shape = (len(folds), len(classes))
    return CalibratedLinear(np.ascontiguousarray(np.vstack(coefficients).T), np.concatenate(intercepts),
                            np.asarray(slopes, dtype=float).reshape(shape), np.asarray(offsets, dtype=float).reshape(shape))


class _RowRanker:
    """The calibrated SVM's probabilities for a few messages from its weights, block by block as
    the FeatureUnion and the embedding lay them out (bot/tfidf_rows.py): no sparse matrix is built
    per message. Only for a union of TfidfVectorizers; `of` gives None for any other vectoriser."""

    def __init__(self, linear: CalibratedLinear, blocks: list[tuple[TfidfRows, int, float]], embedding_at: int,
                 encoder: SentenceEncoder | None, embedding_weight: float) -> None:
        self._linear = linear
        self._blocks = blocks
        self._embedding_at = embedding_at
        self._encoder = encoder
        self._embedding_weight = embedding_weight

    @classmethod
    def of(cls, model: "IntentModel", linear: CalibratedLinear) -> "_RowRanker | None":
        weights = model._vectoriser.transformer_weights or {}
        blocks, width = [], 0
        for name, transformer in model._vectoriser.transformer_list:
            if transformer == "drop":
                continue
            if not isinstance(transformer, TfidfVectorizer):
                return None
            rows = TfidfRows(transformer)
            blocks.append((rows, width, float(weights.get(name, 1))))
            width += rows.width
        return cls(linear, blocks, width, model._encoder, model._embedding_weight)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        weights = self._linear.weights
        decisions = np.tile(self._linear.intercept, (len(texts), 1))
        for i, text in enumerate(texts):
            normalised = normalise_text(text)
            for rows, offset, scale in self._blocks:
                decisions[i] += weighted_sum(weights, rows.row(normalised), offset, scale)
        if self._encoder is not None:
            embeddings = self._encoder.encode(list(texts)) * self._embedding_weight
            decisions += embeddings @ weights[self._embedding_at : self._embedding_at + embeddings.shape[1]]
        return self._linear.probabilities(decisions)


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
