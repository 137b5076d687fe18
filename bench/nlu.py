"""NLU benchmark: which intent pipeline ships, by the numbers.

Trains each candidate pipeline with Rasa's own API on a stratified 80% of data/nlu, then parses,
one message at a time through Rasa's processor, the held-out 20% and the out-of-scope probe
(CLINC150 dev: `oos` rows plus the intents ecommerce_mapping.csv marks oos_pool) and CLINC150's
out-of-scope test queries (bench/data/clinc150_oos_test.txt, never trained or tuned on). Prints intent
accuracy, macro-F1, in-scope false-fallback rate, out-of-scope recall, training and load time,
parse latency, each against Rasa's DIET default, and a fallback-threshold sweep.

    PYTHONPATH=. .venv-engine/bin/python bench/nlu.py [--quick] [--pipelines shipped,logreg]
"""

import argparse
import logging
import os
import runpy
import sys
import tempfile
from pathlib import Path

# Before Rasa and TensorFlow are imported: quiet, and no training cache (a cache hit would
# make a training time meaningless).
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["RASA_MAX_CACHE_SIZE"] = "0"

from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

from bench.nlu_eval import (
    PIPELINES,
    Fallback,
    Result,
    load_probe,
    load_test_probe,
    print_sweep,
    print_table,
    run_pipeline,
    split_data,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CLINC = REPO.parent / "shared" / "datasets" / "clinc150_oos"
CLINC_TEST = REPO / "bench" / "data" / "clinc150_oos_test.txt"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help=f"any of {', '.join(PIPELINES)}")
    parser.add_argument("--quick", action="store_true", help="skip DIET (minutes to train)")
    parser.add_argument("--data", type=Path, default=REPO / "data" / "nlu")
    parser.add_argument("--config", type=Path, default=REPO / "config.yml", help="the shipped config")
    parser.add_argument("--clinc", type=Path, default=Path(os.environ.get("CLINC150_DIR", DEFAULT_CLINC)))
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--intents-only", action="store_true",
                        help="skip the anger and escalation reports (bench/anger.py, bench/escalation.py)")
    args = parser.parse_args()
    args.pipelines = [name.strip() for name in args.pipelines.split(",") if name.strip()]
    unknown = [name for name in args.pipelines if name not in PIPELINES]
    if unknown:
        parser.error(f"unknown pipelines {unknown}; choose from {list(PIPELINES)}")
    if args.quick:
        args.pipelines = [name for name in args.pipelines if name != "diet"]
    return args


def main() -> None:
    args = parse_args()
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    train_data, held_out = split_data(args.data, 1 - args.test_fraction, args.seed)
    trained = {m.get("text").lower() for m in train_data.intent_examples}
    probe = load_probe(args.clinc, exclude=trained)
    test_probe = load_test_probe(CLINC_TEST, exclude=trained)
    fallback = Fallback.from_config(args.config)
    print(
        f"data: {len(train_data.intent_examples)} train / {len(held_out)} held-out examples, "
        f"{len(train_data.intents)} intents, seed {args.seed}; fallback {fallback}"
    )
    if probe is None:
        print(f"note: no CLINC150 at {args.clinc}; out-of-scope recall skipped (--clinc to set)")
    else:
        print(f"out-of-scope probe: {len(probe)} CLINC150 dev queries")
    if test_probe is not None:
        print(f"out-of-scope test (oosTest): {len(test_probe)} CLINC150 oos_test queries, never trained or tuned on")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="shopdesk-bench-") as work:
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(work) / "cache")
        for name in args.pipelines:
            print(f"training {name} ...", flush=True)
            results.append(run_pipeline(name, args.config, train_data, held_out, probe, Path(work), test_probe))
    print()
    print_table(results, fallback)
    for result in results:
        print_sweep(result)
    if not args.intents_only:
        for script in ("anger.py", "escalation.py"):
            print(f"\n== {script} ==", flush=True)
            run_script(Path(__file__).with_name(script))


def run_script(path: Path) -> None:
    """Another benchmark, with its own defaults, as if run from the command line."""
    saved = sys.argv
    sys.argv = [str(path)]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved


if __name__ == "__main__":
    main()
