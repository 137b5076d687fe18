"""What the hub reads as a rating and as a 0-10 score (handoff/csat.py), as plain functions."""

from __future__ import annotations

import pytest

from handoff import wording
from handoff.csat import parse_nps, parse_rating


@pytest.mark.parametrize(("text", "score"), [
    ('/nps{"score": 0}', 0), ('/nps{"score": 10}', 10), ("9", 9), (" 10 ", 10), ("8/10", 8), ("7 out of 10", 7),
    ("6 of 10.", 6), ("0", 0),
])
def test_a_score_from_the_button_or_typed(text: str, score: int) -> None:
    assert parse_nps(text) == score


@pytest.mark.parametrize("text", ["11", "-1", "9/5", "where is my order", "nine", "10 stars", "", '/csat{"rating": 4}'])
def test_anything_else_is_no_score(text: str) -> None:
    assert parse_nps(text) is None


def test_every_score_button_reads_as_its_score_and_none_as_a_rating() -> None:
    assert [parse_nps(b["payload"]) for b in wording.NPS_BUTTONS] == list(range(11))
    assert all(parse_rating(b["payload"]) is None for b in wording.NPS_BUTTONS)
