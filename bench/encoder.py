"""Sentence encoder benchmark: its cost, and whether its vectors help the intent model.

Speed: load time, memory, ms per message alone and in batches of 32.
Accuracy, for (a) the shipped TF-IDF IntentModel, (b) logistic regression on the sentence
vectors, (c) TF-IDF + sentence vectors in the shipped classifier (bench/encoder_variants.py):
  - the fixed held-out 20% of data/nlu that bench/nlu.py uses (bench.nlu_eval.split_data),
    with the shipped fallback rule: accuracy, macro-F1, in-scope false fallback, CLINC150 dev
    out-of-scope recall, the most confused pairs;
  - stratified 5-fold cross-validation over all of data/nlu: accuracy and macro-F1;
  - trained on all of data/nlu, the blind sets bench/data/nlu_blind*.yml (never trained on).

    PYTHONPATH=. .venv-engine/bin/python bench/encoder.py [--skip-cv]
"""

import argparse
import collections
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.common import configure_logging_and_warnings
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from bench.encoder_variants import Variant, variants
from bench.nlu_eval import OUT_OF_SCOPE, Fallback, load_probe, split_data
from bot.sentence_encoder import SentenceEncoder

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CLINC = REPO.parent / "shared" / "datasets" / "clinc150_oos"
BLIND = REPO / "bench" / "data"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "data" / "nlu")
    parser.add_argument(
        "--blind", type=Path, nargs="+", default=[BLIND / "nlu_blind.yml", BLIND / "nlu_blind_indirect.yml"]
    )
    parser.add_argument("--config", type=Path, default=REPO / "config.yml", help="for the fallback rule")
    parser.add_argument("--clinc", type=Path, default=Path(os.environ.get("CLINC150_DIR", DEFAULT_CLINC)))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-cv", action="store_true", help="no 5-fold cross-validation")
    return parser.parse_args()


class Embeddings:
    """Each distinct text encoded once, whatever split it lands in."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self._encoder = encoder
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self._cache})
        for text, vector in zip(missing, self._encoder.encode(missing)):
            self._cache[text] = vector
        return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, self._encoder.dimension))


def yml_only(data_dir: Path, work: Path) -> Path:
    """A folder of links to the data's .yml files: Rasa's loader refuses data/nlu/README.md."""
    for source in sorted(data_dir.glob("*.yml")):
        (work / source.name).symlink_to(source.resolve())
    return work


def measure_speed(texts: list[str]) -> SentenceEncoder:
    rss_before = _memory_kib("VmRSS")
    started = time.perf_counter()
    encoder = SentenceEncoder.load()
    load_seconds = time.perf_counter() - started
    rss_loaded = _memory_kib("VmRSS")
    encoder.encode(texts[:8])
    singles = []
    for text in texts[:200]:
        started = time.perf_counter()
        encoder.encode([text])
        singles.append((time.perf_counter() - started) * 1000)
    batch = texts[:320]
    started = time.perf_counter()
    encoder.encode(batch, batch_size=32)
    per_message = (time.perf_counter() - started) * 1000 / len(batch)
    print(f"encoder: load {load_seconds:.2f} s, RSS +{(rss_loaded - rss_before) / 1024:.0f} MiB after load, "
          f"peak RSS {_memory_kib('VmHWM') / 1024:.0f} MiB (process, Rasa imported)")
    print(f"encoder: one message {np.median(singles):.1f} ms median / {np.percentile(singles, 95):.1f} ms p95; "
          f"batches of 32 {per_message:.2f} ms per message ({len(batch)} messages)")
    return encoder


def _memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def evaluate(variant: Variant, embed: Embeddings, train: tuple[list, list], test_texts: list[str]) -> tuple:
    """Predictions for `test_texts` and the fitting time (sentence vectors are computed beforehand)."""
    texts, intents = train
    vectors, test_vectors = embed(texts), embed(test_texts)
    started = time.perf_counter()
    predict = variant.fit(texts, vectors, intents)
    fit_seconds = time.perf_counter() - started
    return predict(test_texts, test_vectors), fit_seconds


def fixed_split(args: argparse.Namespace, embed: Embeddings, fallback: Fallback) -> None:
    train_data, held_out = split_data(args.data, 0.8, args.seed)
    train = _texts_and_intents(train_data.intent_examples)
    test_texts, gold = _texts_and_intents(held_out)
    probe = load_probe(args.clinc, exclude={t.lower() for t in train[0]}) or []
    print(f"\nfixed split (bench/nlu.py's, seed {args.seed}): {len(train[0])} train / {len(gold)} held-out, "
          f"{len(probe)} CLINC150 out-of-scope probes; fallback {fallback}")
    print(f"{'variant':9} {'acc':>6} {'mF1':>6} {'acc+fb':>6} {'falseFB':>7} {'oosRec':>6} {'fit s':>6}")
    confusions = {}
    for variant in variants():
        predictions, fit_seconds = evaluate(variant, embed, train, test_texts + probe)
        held, probed = predictions[: len(gold)], predictions[len(gold):]
        predicted = [p.intent for p in held]
        fell_back = [fallback.triggers(p.confidence, p.margin) for p in held]
        kept = [(p == g and not fb) or (g == OUT_OF_SCOPE and fb) for p, g, fb in zip(predicted, gold, fell_back)]
        in_scope = [fb for fb, g in zip(fell_back, gold) if g != OUT_OF_SCOPE]
        caught = [p.intent == OUT_OF_SCOPE or fallback.triggers(p.confidence, p.margin) for p in probed]
        print(f"{variant.name:9} {_accuracy(predicted, gold):6.3f} {_macro_f1(predicted, gold):6.3f} "
              f"{np.mean(kept):6.3f} {np.mean(in_scope):7.3f} {np.mean(caught) if caught else float('nan'):6.3f} "
              f"{fit_seconds:6.1f}")
        confusions[variant.name] = collections.Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    for name, counter in confusions.items():
        pairs = ", ".join(f"{g}->{p} {n}" for (g, p), n in counter.most_common(6))
        print(f"  {name} most confused (gold->predicted): {pairs or 'none'}")


def cross_validation(args: argparse.Namespace, embed: Embeddings) -> None:
    texts, intents = _texts_and_intents(load_data(str(args.data)).intent_examples)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=args.seed).split(texts, intents))
    print(f"\nstratified 5-fold CV over {len(texts)} examples")
    for variant in variants():
        gold, predicted = [], []
        for train_index, test_index in folds:
            train = ([texts[i] for i in train_index], [intents[i] for i in train_index])
            held, _ = evaluate(variant, embed, train, [texts[i] for i in test_index])
            gold += [intents[i] for i in test_index]
            predicted += [p.intent for p in held]
        print(f"{variant.name:9} acc {_accuracy(predicted, gold):.3f}  mF1 {_macro_f1(predicted, gold):.3f}")


def blind_test(args: argparse.Namespace, embed: Embeddings, fallback: Fallback) -> None:
    train = _texts_and_intents(load_data(str(args.data)).intent_examples)
    for path in args.blind:
        texts, gold = _texts_and_intents(load_data(str(path)).intent_examples)
        print(f"\nblind set {path.name}: {len(gold)} messages, {len(set(gold))} intents; "
              f"models trained on all {len(train[0])} examples of data/nlu")
        for variant in variants():
            held, _ = evaluate(variant, embed, train, texts)
            predicted = [p.intent for p in held]
            fell_back = [fallback.triggers(p.confidence, p.margin) for p in held]
            kept = [(p == g and not fb) or (g == OUT_OF_SCOPE and fb) for p, g, fb in zip(predicted, gold, fell_back)]
            wrong = "; ".join(f"{t!r} {g}->{p}" for t, g, p in zip(texts, gold, predicted) if g != p)
            print(f"{variant.name:9} acc {_accuracy(predicted, gold):.3f}  acc+fb {np.mean(kept):.3f}  "
                  f"wrong: {wrong or 'none'}")


def _texts_and_intents(examples: list) -> tuple[list[str], list[str]]:
    return [m.get("text") for m in examples], [m.get("intent") for m in examples]


def _accuracy(predicted: list[str], gold: list[str]) -> float:
    return float(np.mean([p == g for p, g in zip(predicted, gold)]))


def _macro_f1(predicted: list[str], gold: list[str]) -> float:
    return float(f1_score(gold, predicted, average="macro", zero_division=0))


def main() -> None:
    args = parse_args()
    configure_logging_and_warnings(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="shopdesk-encoder-") as work:
        args.data = yml_only(args.data, Path(work))
        run(args)


def run(args: argparse.Namespace) -> None:
    texts, _ = _texts_and_intents(load_data(str(args.data)).intent_examples)
    embed = Embeddings(measure_speed(texts))
    fallback = Fallback.from_config(args.config)
    fixed_split(args, embed, fallback)
    if not args.skip_cv:
        cross_validation(args, embed)
    blind_test(args, embed, fallback)


if __name__ == "__main__":
    main()
