"""The trained model, loaded once for the tests that run its graphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine import loader
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.storage import ModelMetadata

MODEL = Path(__file__).resolve().parents[2] / "models" / "shopdesk.tar.gz"


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelMetadata, DaskGraphRunner]:
    """models/shopdesk.tar.gz's metadata and its prediction graph, with Rasa's own runner."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make model` trains it")
    metadata, runner = loader.load_predict_graph_runner(
        tmp_path_factory.mktemp("model"), MODEL, LocalModelStorage, DaskGraphRunner)
    assert isinstance(runner, DaskGraphRunner)
    return metadata, runner
