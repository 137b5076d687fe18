"""bot/empty_domain.py: Domain.is_empty answers as Rasa's, without building an empty domain each time."""

from __future__ import annotations

import pytest
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.domain import Domain

from bot import empty_domain


def test_the_same_answers_as_rasa_s(trained_model: tuple[ModelMetadata, DaskGraphRunner],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Domain, "is_empty", Domain.is_empty)  # restored after the test
    domains = [trained_model[0].domain, Domain.empty(), Domain.from_dict({}), Domain.from_yaml("version: '3.1'\n"),
               Domain.from_yaml("version: '3.1'\nintents: [greet]\n"), Domain.from_dict({"session_config": {}}),
               Domain.from_dict({"session_config": {"session_expiration_time": 5}})]
    rasas = [empty_domain.rasas_is_empty(domain) for domain in domains]
    assert rasas == [False, True, True, True, False, True, False]
    empty_domain.install()
    assert Domain.is_empty is not empty_domain._RASAS_IS_EMPTY
    assert [domain.is_empty() for domain in domains] == rasas
