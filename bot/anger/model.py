"""The anger/frustration model: two logistic regressions, one stacked on the other.

A general model learns anger from a large out-of-domain corpus (GoEmotions, Reddit) on word
n-grams. The shopper model learns from the project's shopper lines on word and character
n-grams, the hand-written cues, and the general model's log-odds as one more feature: it
decides itself how far to trust Reddit's sense of anger in shop chat. Training both on one
pooled set instead let the 12,000 Reddit comments drown the shopper lines (dev F1 0.86 vs 0.95).

Pure scikit-learn: no Rasa import, so it trains and scores in unit tests and benchmarks.
A score is calibrated so that 0.5 sits at the decision threshold tuned on dev data: a
policy can read `score >= 0.5` as "angry" and higher values as "angrier".
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.anger.cues import Cue, cue_features, find_cues
from bot.anger.text import NUMBER_TOKEN, ORDER_TOKEN, TOKEN_PATTERN, normalise, raw_text
from bot.text_features import LruCache, cache_key, nlu_cache_size
from bot.tfidf_rows import Row, TfidfRows, weighted_sum

# Words too common to explain anything to an agent, even when the model leans on them.
_FILLER = frozenset(
    """
    a an the i me my we our you your u ur it its it's this that is are was were be been am
    to of in on at for and or but so do did does have has had with my i'm i've im ive
    what why how when where who m s t d re ve ll ? ! 0
    """.split()
) | {ORDER_TOKEN, NUMBER_TOKEN}


_EMOJI = re.compile("[\U0001F300-\U0001FAFF]")


@dataclass(frozen=True)
class AngerScore:
    """How angry or frustrated one message reads (0-1) and why."""

    score: float
    cues: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"score": round(self.score, 4), "cues": list(self.cues)}


@dataclass(frozen=True)
class ModelSettings:
    regularisation_c: float = 4.0
    general_regularisation_c: float = 1.0
    cue_weight: float = 1.0
    general_weight: float = 0.6
    max_word_cues: int = 3
    min_word_contribution: float = 0.1


@dataclass
class AngerModel:
    settings: ModelSettings = field(default_factory=ModelSettings)
    # Raw probability at which a message counts as angry; set by tuning on dev data.
    threshold: float = 0.5

    def __post_init__(self) -> None:
        self._words = TfidfVectorizer(
            ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, sublinear_tf=True, lowercase=False
        )
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False, min_df=2
        )
        self._classifier = LogisticRegression(
            C=self.settings.regularisation_c, class_weight="balanced", max_iter=3000
        )
        self._word_names: np.ndarray = np.array([])
        self._general: _GeneralModel | None = None

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        general_texts: Sequence[str] = (),
        general_labels: Sequence[int] = (),
    ) -> "AngerModel":
        """Fit on shopper lines; general (out-of-domain) lines, if any, train the prior."""
        if len(general_texts):
            self._general = _GeneralModel(self.settings.general_regularisation_c)
            self._general.fit(general_texts, general_labels)
        normalised = [normalise(text) for text in texts]
        self._words.fit(normalised)
        self._chars.fit(normalised)
        self._word_names = self._words.get_feature_names_out()
        features = self._features([raw_text(text) for text in texts], normalised)
        self._classifier.fit(features, np.asarray(labels))
        return self

    def probabilities(self, messages: Iterable[object]) -> np.ndarray:
        """Raw P(angry) per message, before calibration to the threshold."""
        raws = [raw_text(message) for message in messages]
        if not raws:
            return np.array([])
        features = self._features(raws, [normalise(raw) for raw in raws])
        return self._classifier.predict_proba(features)[:, 1]

    def score(self, message: object) -> AngerScore:
        return self.score_many([message])[0]

    def score_many(self, messages: Sequence[object]) -> list[AngerScore]:
        """Each message's score and cues: scikit-learn's `predict_proba` over `_stack`'s features,
        computed row by row from the model's weights (bot/tfidf_rows.py; the same to rounding).
        A text scored before is answered from the scorer's kept scores (a score is the text's alone)."""
        scorer = self._scorer()
        scores = []
        for message in messages:
            text = cache_key(message)
            score = scorer.scores.get(text) if text is not None else None
            if score is None:
                score = self._score(scorer, message)
                if text is not None:
                    scorer.scores.put(text, score)
            scores.append(score)
        return scores

    def _score(self, scorer: "_RowScorer", message: object) -> AngerScore:
        raw = raw_text(message)
        normalised = normalise(raw)
        if not _has_words(normalised):
            return AngerScore(0.0)
        rule_cues = find_cues(raw)
        words, probability = scorer.probability(normalised, rule_cues)
        return AngerScore(self.calibrate(probability), self._explain(rule_cues, words))

    def calibrate(self, probability: float) -> float:
        """Shift the log-odds so the tuned threshold maps to 0.5."""
        p = min(max(float(probability), 1e-6), 1 - 1e-6)
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        shifted = math.log(p / (1 - p)) - math.log(t / (1 - t))
        return 1 / (1 + math.exp(-shifted))

    def save(self, path: Path) -> None:
        joblib.dump(self, path)

    @classmethod
    def load(cls, path: Path) -> "AngerModel":
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold an AngerModel")
        return model

    def _features(self, raws: list[str], normalised: list[str]) -> sparse.csr_matrix:
        rule_cues = [find_cues(raw) for raw in raws]
        return self._stack(
            self._words.transform(normalised),
            self._chars.transform(normalised),
            rule_cues,
            normalised,
        )

    def _stack(
        self,
        words: sparse.spmatrix,
        chars: sparse.spmatrix,
        rule_cues: list[list[Cue]],
        normalised: list[str],
    ) -> sparse.csr_matrix:
        cue_matrix = np.vstack([cue_features(cues) for cues in rule_cues])
        cues = sparse.csr_matrix(cue_matrix * self.settings.cue_weight)
        prior = np.zeros((len(normalised), 1))
        if self._general is not None:
            prior[:, 0] = self._general.log_odds(normalised) * self.settings.general_weight
        return sparse.hstack([words, chars, cues, sparse.csr_matrix(prior)], format="csr")

    def _scorer(self) -> "_RowScorer":
        # Built on first use, not in __post_init__: unpickling a saved model does not run it.
        scorer: _RowScorer | None = self.__dict__.get("_row_scorer")
        if scorer is None:
            scorer = self.__dict__["_row_scorer"] = _RowScorer(self)
        return scorer

    def __getstate__(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items() if key != "_row_scorer"}

    def _explain(self, rule_cues: list[Cue], word_row: Row) -> tuple[str, ...]:
        """Rule cues first, then the n-grams that pushed this message's score up most. Columns in
        descending order, as scikit-learn's transform leaves them: n-grams that always occur
        together have the same weight, and this order breaks such ties as it always did."""
        indices, values = word_row[0][::-1], word_row[1][::-1]
        word_coefficients = self._classifier.coef_[0][: len(self._word_names)]
        contributions = values * word_coefficients[indices]
        covered = " ".join(cue.text for cue in rule_cues)
        word_cues: list[str] = []
        for position in np.argsort(-contributions):
            phrase = str(self._word_names[indices[position]])
            if len(word_cues) >= self.settings.max_word_cues:
                break
            if contributions[position] < self.settings.min_word_contribution:
                break
            if _is_news(phrase, covered, word_cues):
                word_cues.append(phrase)
        return tuple(str(cue) for cue in rule_cues) + tuple(f"words: {w}" for w in word_cues)


def _has_words(normalised: str) -> bool:
    """Empty messages and symbol soup carry no anger the model can read."""
    has_letters = any(character.isalpha() for character in normalised)
    return has_letters or bool(_EMOJI.search(normalised))


def _is_news(phrase: str, covered: str, chosen: list[str]) -> bool:
    """A phrase worth showing: not filler, not already said by a rule cue or a chosen phrase."""
    if set(phrase.split()) <= _FILLER or phrase in covered:
        return False
    return not any(phrase in other or other in phrase for other in chosen)


class _RowScorer:
    """P(angry) of one message from the fitted model's weights, block by block as `_stack`
    lays them out: word n-grams, character n-grams, the rule cues, the general model's prior.
    Keeps the scores of texts it has scored (SHOPDESK_NLU_CACHE, bot/text_features.py)."""

    def __init__(self, model: AngerModel) -> None:
        self.scores: LruCache[str, AngerScore] = LruCache(nlu_cache_size())
        self._words = TfidfRows(model._words)
        self._chars = TfidfRows(model._chars)
        self._coefficients = model._classifier.coef_[0]
        self._intercept = float(model._classifier.intercept_[0])
        self._cues_at = self._words.width + self._chars.width
        self._cue_weight = model.settings.cue_weight
        self._general_weight = model.settings.general_weight
        general = model._general
        self._general = None if general is None else (
            TfidfRows(general._words), general._classifier.coef_[0], float(general._classifier.intercept_[0]))

    def probability(self, normalised: str, rule_cues: list[Cue]) -> tuple[Row, float]:
        words = self._words.row(normalised)
        cues = cue_features(rule_cues) * self._cue_weight
        coefficients = self._coefficients
        decision = (
            self._intercept
            + float(weighted_sum(coefficients, words))
            + float(weighted_sum(coefficients, self._chars.row(normalised), self._words.width))
            + float(cues @ coefficients[self._cues_at : self._cues_at + len(cues)])
        )
        if self._general is not None:  # _GeneralModel.log_odds of this one message
            rows, weights, intercept = self._general
            log_odds = float(weighted_sum(weights, rows.row(normalised))) + intercept
            limit = _GeneralModel._LOG_ODDS_LIMIT
            prior = min(max(log_odds, -limit), limit) * self._general_weight
            decision += prior * float(coefficients[self._cues_at + len(cues)])
        return words, float(expit(decision))


class _GeneralModel:
    """Anger as a large general corpus sees it: word n-grams, logistic regression."""

    _LOG_ODDS_LIMIT = 6.0

    def __init__(self, regularisation_c: float) -> None:
        self._words = TfidfVectorizer(
            ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, sublinear_tf=True, min_df=2
        )
        self._classifier = LogisticRegression(
            C=regularisation_c, class_weight="balanced", max_iter=3000
        )

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> None:
        features = self._words.fit_transform([normalise(text) for text in texts])
        self._classifier.fit(features, np.asarray(labels))

    def log_odds(self, normalised: list[str]) -> np.ndarray:
        scores = self._classifier.decision_function(self._words.transform(normalised))
        return np.clip(scores, -self._LOG_ODDS_LIMIT, self._LOG_ODDS_LIMIT)
