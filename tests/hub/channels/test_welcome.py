"""The widget's greeting comes from the bot's own domain, and the hub greets even without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.channels.welcome import FALLBACK, load_welcome, welcome_from
from tests.integration.servers import ROOT


def test_the_greeting_is_the_domains_utter_greet_with_its_buttons() -> None:
    welcome = load_welcome(ROOT / "domain.yml")
    assert welcome.text.startswith("Hi! I'm the shop's assistant.")
    assert welcome.buttons[0] == {"title": "Where is my order?", "payload": "/order_status"}


def test_buttons_without_a_title_or_payload_are_left_out() -> None:
    buttons = [{"title": "A"}, {"title": "B", "payload": "/b"}, "x"]
    domain = {"responses": {"utter_greet": [{"text": " Hello ", "buttons": buttons}]}}
    welcome = welcome_from(domain)
    assert (welcome.text, welcome.buttons) == ("Hello", [{"title": "B", "payload": "/b"}])


@pytest.mark.parametrize(
    "content", ["", "responses: [", "responses:\n  utter_greet: []", "responses:\n  utter_greet:\n    - image: x"])
def test_a_domain_without_a_usable_greeting_falls_back(tmp_path: Path, content: str) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(content)
    assert load_welcome(domain) == FALLBACK
    assert load_welcome(tmp_path / "missing.yml") == FALLBACK
