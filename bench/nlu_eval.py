"""Training, parsing and scoring for bench/nlu.py (one pipeline at a time)."""

import asyncio
import csv
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.shared.data import get_data_files, is_nlu_file
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import f1_score

OUT_OF_SCOPE = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"
THRESHOLD_SWEEP = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
AMBIGUITY_SWEEP = (0.0, 0.05, 0.1)

_ENTITIES = [{"name": "RegexEntityExtractor", "use_regexes": True, "use_lookup_tables": False, "case_sensitive": False}]
# Rasa's default English pipeline (rasa init), without the ResponseSelector this project has
# no data for; the fallback is added from the shipped config so all pipelines compare alike.
DIET_DEFAULT: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
]
RASA_LOGREG: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    *_ENTITIES,
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    {"name": "LogisticRegressionClassifier"},
]
# None: the pipeline of the shipped config.yml, as it is.
PIPELINES: dict[str, list[dict] | None] = {"diet": DIET_DEFAULT, "logreg": RASA_LOGREG, "shipped": None}


@dataclass(frozen=True)
class Fallback:
    threshold: float
    ambiguity: float

    @classmethod
    def from_config(cls, config: Path) -> "Fallback":
        pipeline = yaml.safe_load(config.read_text())["pipeline"]
        step: dict[str, Any] = next((s for s in pipeline if s["name"] == "FallbackClassifier"), {})
        return cls(float(step.get("threshold", 0.3)), float(step.get("ambiguity_threshold", 0.1)))

    def triggers(self, confidence: float, margin: float) -> bool:
        return confidence < self.threshold or margin < self.ambiguity

    def as_step(self) -> dict:
        return {"name": "FallbackClassifier", "threshold": self.threshold, "ambiguity_threshold": self.ambiguity}

    def __str__(self) -> str:
        return f"threshold {self.threshold:.2f}, ambiguity {self.ambiguity:.2f}"


@dataclass(frozen=True)
class Prediction:
    """The classifier's own top intent, before any fallback, and its lead over the second."""

    intent: str
    confidence: float
    margin: float


@dataclass
class Result:
    name: str
    train_seconds: float
    load_seconds: float
    gold: list[str]
    held_out: list[Prediction]
    probe: list[Prediction] | None
    latencies_ms: list[float]
    # CLINC150's out-of-scope *test* queries: never trained or tuned on (bench/data/).
    test_probe: list[Prediction] | None = None


def split_data(data_dir: Path, train_fraction: float, seed: int) -> tuple[TrainingData, list]:
    """Rasa's own stratified split; regexes and lookup tables stay with the training part."""
    # As `rasa train` does: only the NLU data files (data/nlu also holds a README).
    files = sorted(get_data_files([str(data_dir)], is_nlu_file))
    data = TrainingData().merge(*(load_data(file) for file in files))
    train, test = data.train_test_split(train_frac=train_fraction, random_seed=seed)
    return train, test.intent_examples


def load_probe(clinc_dir: Path, exclude: set[str]) -> list[str] | None:
    """CLINC150 dev queries a shop bot should not claim to understand, minus any trained on."""
    dev, mapping = clinc_dir / "dev.csv", clinc_dir / "ecommerce_mapping.csv"
    if not (dev.is_file() and mapping.is_file()):
        return None
    with mapping.open(newline="") as handle:
        pool = {row["clinc_intent"] for row in csv.DictReader(handle) if row["match"] == "oos_pool"}
    with dev.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        row["text"]
        for row in rows
        if (row["label"] == "oos" or row["label"] in pool) and row["text"].lower() not in exclude
    ]


def load_test_probe(path: Path, exclude: set[str]) -> list[str] | None:
    """CLINC150's 1,000 out-of-scope test queries (bench/data/clinc150_oos_test.README.md)."""
    if not path.is_file():
        return None
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and line.lower() not in exclude]


def _config_for(name: str, shipped: Path, fallback: Fallback, work: Path) -> Path:
    config = yaml.safe_load(shipped.read_text())
    pipeline = PIPELINES[name]
    if pipeline is not None:
        config["pipeline"] = [*pipeline, fallback.as_step()]
    path = work / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_pipeline(
    name: str, shipped: Path, train: TrainingData, held_out: list, probe: list[str] | None, work: Path,
    test_probe: list[str] | None = None,
) -> Result:
    fallback = Fallback.from_config(shipped)
    data_file = work / "train.yml"
    if not data_file.exists():
        RasaYAMLWriter().dump(data_file, train)
    started = time.perf_counter()
    model = train_nlu(str(_config_for(name, shipped, fallback, work)), str(data_file), str(work), fixed_model_name=name)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    agent = Agent.load(model)
    load_seconds = time.perf_counter() - started
    latencies: list[float] = []
    held_predictions = _parse_all(agent, [m.get("text") for m in held_out], latencies)
    probe_predictions = _parse_all(agent, probe, latencies) if probe is not None else None
    test_predictions = _parse_all(agent, test_probe, []) if test_probe is not None else None
    gold = [m.get("intent") for m in held_out]
    return Result(name, train_seconds, load_seconds, gold, held_predictions, probe_predictions, latencies,
                  test_predictions)


def _parse_all(agent: Agent, texts: list[str], latencies: list[float]) -> list[Prediction]:
    async def parse() -> list[Prediction]:
        predictions = []
        for text in texts:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            latencies.append((time.perf_counter() - started) * 1000)
            predictions.append(_own_prediction(parsed))
        return predictions

    return asyncio.run(parse())


def _own_prediction(parsed: dict) -> Prediction:
    ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT]
    if not ranking:
        return Prediction(FALLBACK_INTENT, 0.0, 0.0)
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    return Prediction(ranking[0]["name"], ranking[0]["confidence"], ranking[0]["confidence"] - second)


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    accuracy_after_fallback: float
    false_fallback: float
    oos_recall: float | None
    oos_test_recall: float | None = None


def score(result: Result, fallback: Fallback) -> Scores:
    predicted = [p.intent for p in result.held_out]
    correct = [g == p for g, p in zip(result.gold, predicted)]
    fell_back = [fallback.triggers(p.confidence, p.margin) for p in result.held_out]
    in_scope = [i for i, g in enumerate(result.gold) if g != OUT_OF_SCOPE]
    kept_correct = [
        (ok and not fb) or (gold == OUT_OF_SCOPE and fb)
        for ok, fb, gold in zip(correct, fell_back, result.gold)
    ]
    return Scores(
        accuracy=sum(correct) / len(correct),
        macro_f1=float(f1_score(result.gold, predicted, average="macro", zero_division=0)),
        accuracy_after_fallback=sum(kept_correct) / len(kept_correct),
        false_fallback=sum(fell_back[i] for i in in_scope) / max(len(in_scope), 1),
        oos_recall=_oos_recall(result.probe, fallback),
        oos_test_recall=_oos_recall(result.test_probe, fallback),
    )


def _oos_recall(probe: list[Prediction] | None, fallback: Fallback) -> float | None:
    if not probe:
        return None
    caught = [p.intent == OUT_OF_SCOPE or fallback.triggers(p.confidence, p.margin) for p in probe]
    return sum(caught) / len(caught)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def print_table(results: list[Result], fallback: Fallback) -> None:
    baseline = next((r for r in results if r.name == "diet"), None)
    base = score(baseline, fallback) if baseline else None
    print(f"{'pipeline':9} {'acc':>6} {'mF1':>6} {'acc+fb':>6} {'falseFB':>7} {'oosRec':>6} {'oosTest':>7} "
          f"{'train s':>8} {'load s':>6} {'p50 ms':>6} {'p95 ms':>6}")
    rows = []
    for result in results:
        s = score(result, fallback)
        oos = f"{s.oos_recall:6.3f}" if s.oos_recall is not None else "   n/a"
        oos += f" {s.oos_test_recall:7.3f}" if s.oos_test_recall is not None else "     n/a"
        p50, p95 = statistics.median(result.latencies_ms), _percentile(result.latencies_ms, 0.95)
        print(f"{result.name:9} {s.accuracy:6.3f} {s.macro_f1:6.3f} {s.accuracy_after_fallback:6.3f} "
              f"{s.false_fallback:7.3f} {oos} {result.train_seconds:8.1f} {result.load_seconds:6.1f} "
              f"{p50:6.1f} {p95:6.1f}")
        rows.append((result, s, p50))
    if baseline is None or base is None:
        print("(DIET not run: no ratios against the baseline)")
        return
    base_p50 = statistics.median(baseline.latencies_ms)
    print("\nagainst DIET (x = ratio to DIET):")
    for result, s, p50 in rows:
        oos = f"{s.oos_recall / base.oos_recall:.2f}" if s.oos_recall and base.oos_recall else "n/a"
        print(f"{result.name:9} acc x{s.accuracy / base.accuracy:.3f}  mF1 x{s.macro_f1 / base.macro_f1:.3f}  "
              f"oosRec x{oos}  train x{result.train_seconds / baseline.train_seconds:.3g}  "
              f"p50 x{p50 / base_p50:.2f}")


def print_sweep(result: Result) -> None:
    """Fallback decisions recomputed from each message's own ranking, for other settings."""
    print(f"\n{result.name}: fallback sweep (acc+fb / in-scope false fallback / oos recall)")
    print("threshold " + "".join(f"{'ambiguity ' + format(a, '.2f'):>25}" for a in AMBIGUITY_SWEEP))
    for threshold in THRESHOLD_SWEEP:
        cells = []
        for ambiguity in AMBIGUITY_SWEEP:
            s = score(result, Fallback(threshold, ambiguity))
            oos = f"{s.oos_recall:.3f}" if s.oos_recall is not None else "n/a"
            cells.append(f"{s.accuracy_after_fallback:.3f} / {s.false_fallback:.3f} / {oos}")
        print(f"{threshold:9.2f} " + "".join(f"{cell:>25}" for cell in cells))
