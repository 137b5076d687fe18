"""Rasa starts only with the hub's secret, on loopback unless told otherwise."""

from __future__ import annotations

import pytest

from bot.serve import rasa_arguments

SECRET = "x" * 40


def test_rasa_will_not_start_without_the_secret() -> None:
    for env in ({}, {"SHOPDESK_RASA_TOKEN": "short"}):
        with pytest.raises(SystemExit, match="SHOPDESK_RASA_TOKEN"):
            rasa_arguments(["--port", "5005"], env)


def test_the_api_is_on_protected_by_the_secret_and_bound_to_loopback() -> None:
    arguments = rasa_arguments(["--port", "5005"], {"SHOPDESK_RASA_TOKEN": SECRET})
    assert arguments[:2] == ["run", "--enable-api"]
    assert f"--jwt-secret={SECRET}" in arguments
    assert arguments[arguments.index("--interface") + 1] == "127.0.0.1"


def test_an_explicit_interface_is_kept() -> None:
    arguments = rasa_arguments(["--interface", "10.0.0.7"], {"SHOPDESK_RASA_TOKEN": SECRET})
    assert arguments.count("--interface") == 1 and "10.0.0.7" in arguments


def test_a_secret_that_starts_with_a_dash_is_still_the_secret() -> None:
    import argparse

    from rasa.cli.arguments.run import add_server_arguments

    secret = "-" + "x" * 40
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    parsed, _ = parser.parse_known_args(rasa_arguments(["--port", "5005"], {"SHOPDESK_RASA_TOKEN": secret})[1:])
    assert parsed.jwt_secret == secret
