"""Anger scorer benchmark: quality on held-out shopper lines and GoEmotions dev, speed.

Run: PYTHONPATH=. .venv-engine/bin/python bench/anger.py [--data data/anger]

Trains exactly as the Rasa component does (train splits, threshold tuned on the dev splits),
then measures on the shopper `test` split, which neither training nor tuning reads.
GoEmotions dev is the tuning set for the threshold, so its figures are not held out.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from bot.anger.model import AngerModel
from bot.anger.training import SHOPPER, LabelledLine, load_lines, precision_recall_f1, train_model

_EXAMPLES = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/anger"))
    args = parser.parse_args()

    started = time.perf_counter()
    model = train_model(args.data)
    training_seconds = time.perf_counter() - started

    lines = load_lines(args.data)
    held_out = [line for line in lines if line.source == SHOPPER and line.split == "test"]
    shopper_dev = [line for line in lines if line.source == SHOPPER and line.split == "dev"]
    reddit_dev = [line for line in lines if line.source != SHOPPER and line.split == "dev"]

    print(f"training: {training_seconds:.1f} s; threshold (raw probability) {model.threshold:.2f}")
    report("shopper lines, held-out test split", model, held_out, show_errors=True)
    report("shopper lines, dev split (tuning)", model, shopper_dev, show_errors=False)
    report("GoEmotions dev (tuning; label = anger|annoyance|disapproval)", model, reddit_dev, False)
    report_latency(model, [line.text for line in held_out])


def report(title: str, model: AngerModel, lines: list[LabelledLine], show_errors: bool) -> None:
    probabilities = model.probabilities([line.text for line in lines])
    predicted = probabilities >= model.threshold
    labels = np.array([line.label for line in lines])
    precision, recall, f_score = precision_recall_f1(labels, predicted)
    positives = int(labels.sum())
    print(f"\n{title}: n={len(lines)} ({positives} angry)")
    print(f"  precision {precision:.3f}  recall {recall:.3f}  F1 {f_score:.3f}")
    if not show_errors:
        return
    scored = list(zip(lines, probabilities, predicted))
    false_positives = [(line, p) for line, p, hit in scored if hit and not line.label]
    false_negatives = [(line, p) for line, p, hit in scored if not hit and line.label]
    for name, errors in (("false positives", false_positives), ("false negatives", false_negatives)):
        print(f"  {name} ({len(errors)}):")
        for line, _probability in errors[:_EXAMPLES]:
            score = model.score(line.text)
            print(f"    {score.score:.2f}  {line.text!r}  cues={list(score.cues)}")


def report_latency(model: AngerModel, texts: list[str]) -> None:
    model.score(texts[0])
    started = time.perf_counter()
    for text in texts:
        model.score(text)
    per_message = (time.perf_counter() - started) / len(texts)
    huge = "WHERE IS MY ORDER?! " * 5000
    started = time.perf_counter()
    model.score(huge)
    huge_ms = (time.perf_counter() - started) * 1000
    print(f"\nlatency: {per_message * 1000:.2f} ms per message (one at a time, n={len(texts)}); "
          f"{huge_ms:.1f} ms for a {len(huge):,}-char message (cut to 1,000)")


if __name__ == "__main__":
    main()
