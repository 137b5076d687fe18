"""Training the anger model from data/anger and tuning its threshold on the dev splits.

Splits: shopper lines carry their own split column (train / dev / test). GoEmotions lines
come from two files: a train subset and the official dev set. The test split of the shopper
lines is never read here: it exists only for measurement (bench/anger.py).
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.anger.model import AngerModel, ModelSettings

SHOPPER_FILE = "shopper_lines.csv"
GOEMOTIONS_TRAIN_FILE = "goemotions_anger_train_subset.csv"
GOEMOTIONS_DEV_FILE = "goemotions_anger_dev.csv"

SHOPPER = "shopper"
GOEMOTIONS = "goemotions"


class AngerDataError(ValueError):
    """The anger training data is missing or malformed."""


@dataclass(frozen=True)
class LabelledLine:
    text: str
    label: int
    source: str
    split: str


@dataclass(frozen=True)
class TrainingSettings:
    model: ModelSettings = field(default_factory=ModelSettings)
    use_goemotions: bool = True
    # The threshold maximises F1 on shopper dev lines plus this share of GoEmotions dev F1.
    goemotions_dev_share: float = 0.25


def load_lines(data_dir: Path, use_goemotions: bool = True) -> list[LabelledLine]:
    """All labelled lines in data_dir; raises AngerDataError naming the bad file."""
    lines = _read(data_dir / SHOPPER_FILE, SHOPPER, split=None)
    if use_goemotions:
        lines += _read(data_dir / GOEMOTIONS_TRAIN_FILE, GOEMOTIONS, split="train")
        lines += _read(data_dir / GOEMOTIONS_DEV_FILE, GOEMOTIONS, split="dev")
    return lines


def train_model(data_dir: Path, settings: TrainingSettings = TrainingSettings()) -> AngerModel:
    """Fit on the train splits, then set the threshold from the dev splits."""
    lines = load_lines(data_dir, settings.use_goemotions)
    train = [line for line in lines if line.split == "train"]
    dev = [line for line in lines if line.split == "dev"]
    if not any(line.label for line in train if line.source == SHOPPER):
        raise AngerDataError(f"{data_dir} has no angry shopper training lines")
    shopper = [line for line in train if line.source == SHOPPER]
    general = [line for line in train if line.source != SHOPPER]
    model = AngerModel(settings.model)
    model.fit(
        [line.text for line in shopper],
        [line.label for line in shopper],
        [line.text for line in general],
        [line.label for line in general],
    )
    if dev:
        model.threshold = tune_threshold(model, dev, settings.goemotions_dev_share)
    return model


def tune_threshold(model: AngerModel, dev: Sequence[LabelledLine], goemotions_share: float) -> float:
    probabilities = model.probabilities([line.text for line in dev])
    labels = np.array([line.label for line in dev])
    is_shopper = np.array([line.source == SHOPPER for line in dev])
    candidates = np.round(np.arange(0.05, 0.951, 0.01), 2)

    def objective(threshold: float) -> float:
        predicted = probabilities >= threshold
        shopper = f1(labels[is_shopper], predicted[is_shopper])
        reddit = f1(labels[~is_shopper], predicted[~is_shopper])
        return shopper + goemotions_share * reddit

    return float(max(candidates, key=objective))


def f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    return precision_recall_f1(labels, predicted)[2]


def precision_recall_f1(labels: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    true_positive = float(np.sum((labels == 1) & predicted))
    precision = true_positive / max(float(np.sum(predicted)), 1.0)
    recall = true_positive / max(float(np.sum(labels == 1)), 1.0)
    f_score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f_score


def _read(path: Path, source: str, split: str | None) -> list[LabelledLine]:
    if not path.is_file():
        raise AngerDataError(f"missing anger training file {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    try:
        return [
            LabelledLine(row["text"], int(row["label"]), source, split or row["split"])
            for row in rows
        ]
    except (KeyError, ValueError, TypeError) as error:
        raise AngerDataError(f"{path}: expected columns text,label[,split]: {error}") from error
