"""The intent models bench/encoder.py compares: TF-IDF as shipped, embeddings, and both.

Each variant is fitted on (texts, sentence vectors, intents) and returns, per message, its top
intent with the confidence and the lead over the second (bench.nlu_eval.Prediction), so the
shipped fallback rule scores every variant alike.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import LinearSVC

from bench.nlu_eval import Prediction
from bot.intent_model import IntentModel
from bot.text_features import build_vectoriser, normalise_text

Predictor = Callable[[Sequence[str], np.ndarray], list[Prediction]]
# Embedding block weight against the TF-IDF block (word and char parts each have unit norm).
COMBINED_WEIGHTS = (1.0, 2.0)
_LOGREG_C_GRID = (1.0, 10.0, 100.0)


@dataclass(frozen=True)
class Variant:
    name: str
    fit: Callable[[Sequence[str], np.ndarray, Sequence[str]], Predictor]


def fit_tfidf(texts: Sequence[str], vectors: np.ndarray, intents: Sequence[str]) -> Predictor:
    """(a) The shipped IntentModel, unchanged."""
    model = IntentModel.fit(texts, intents)

    def predict(new_texts: Sequence[str], _: np.ndarray) -> list[Prediction]:
        predictions = []
        for ranking in model.rank(list(new_texts), top_k=2):
            second = ranking[1].confidence if len(ranking) > 1 else 0.0
            predictions.append(Prediction(ranking[0].name, ranking[0].confidence, ranking[0].confidence - second))
        return predictions

    return predict


def fit_embeddings(texts: Sequence[str], vectors: np.ndarray, intents: Sequence[str]) -> Predictor:
    """(b) Logistic regression on the sentence vectors; C by 5-fold CV on the training part."""
    search = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=3000),
        {"C": list(_LOGREG_C_GRID)},
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    )
    search.fit(vectors, np.asarray(intents))
    classifier = search.best_estimator_
    return lambda _, new_vectors: _top_two(classifier.classes_, classifier.predict_proba(new_vectors))


def combined(weight: float) -> Callable[[Sequence[str], np.ndarray, Sequence[str]], Predictor]:
    """(c) TF-IDF features and weighted sentence vectors side by side in one linear model.

    The classifier is the shipped one (linear SVM, balanced, sigmoid-calibrated), so the
    difference from (a) is the features alone.
    """

    def fit(texts: Sequence[str], vectors: np.ndarray, intents: Sequence[str]) -> Predictor:
        vectoriser = build_vectoriser()
        sparse = vectoriser.fit_transform([normalise_text(t) for t in texts])
        labels = np.asarray(intents)
        smallest = int(np.unique(labels, return_counts=True)[1].min())
        svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
        classifier = CalibratedClassifierCV(svm, cv=min(5, smallest), method="sigmoid")
        classifier.fit(_join(sparse, vectors, weight), labels)

        def predict(new_texts: Sequence[str], new_vectors: np.ndarray) -> list[Prediction]:
            features = vectoriser.transform([normalise_text(t) for t in new_texts])
            return _top_two(classifier.classes_, classifier.predict_proba(_join(features, new_vectors, weight)))

        return predict

    return fit


def variants() -> list[Variant]:
    return [
        Variant("tfidf", fit_tfidf),
        Variant("embed", fit_embeddings),
        *(Variant(f"both w{weight:g}", combined(weight)) for weight in COMBINED_WEIGHTS),
    ]


def _join(sparse: csr_matrix, vectors: np.ndarray, weight: float) -> csr_matrix:
    return hstack([sparse, csr_matrix(vectors * weight)], format="csr")


def _top_two(classes: np.ndarray, probabilities: np.ndarray) -> list[Prediction]:
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :2]
    return [
        Prediction(str(classes[best]), float(row[best]), float(row[best] - row[second]))
        for row, (best, second) in zip(probabilities, order)
    ]
