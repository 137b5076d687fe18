"""Hot topics, knowledge gaps, the volume forecast and Erlang C staffing, against figures worked out
by hand (the history of tests/handoff/report_history.py where it needs one)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handoff.reports_staffing import agents_needed, erlang_c, service_level, weighted_forecast
from handoff.reports_topics import group_topics
from tests.handoff.databases import HubDb
from tests.handoff.report_history import History, written_history
from tests.handoff.test_reports_metrics import WEEK, report


def test_erlang_c_matches_the_textbook() -> None:
    # A = 1 erlang on 2 agents: (1/2 * 2/1) / (1 + 1 + 1) = 1/3; A = 2 on 3: (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(2, 2.0) == 1.0  # as many erlangs as agents: everyone waits
    # 10 tickets an hour of 6 minutes (1 erlang), 80% within a minute: 2 agents answer 71.8%, 3 answer 93.5%
    assert service_level(2, 1.0, 360, 60) == pytest.approx(1 - 1 / 3 * 2.718281828 ** (-60 / 360), rel=1e-6)
    assert agents_needed(10, 360, 60) == 3
    assert agents_needed(0, 360, 60) == 0


def test_the_forecast_weighs_the_latest_week_most() -> None:
    weeks = [[0] * 168 for _ in range(4)]
    weeks[0][0], weeks[2][0], weeks[3][0] = 4, 8, 2
    forecast = weighted_forecast(weeks)
    assert forecast[0] == 3.4  # (4*4 + 3*0 + 2*8 + 1*2) / 10
    assert forecast[1:] == [0.0] * 167
    assert weighted_forecast(weeks[:1])[0] == 4.0


def test_knowledge_gaps_are_grouped_by_wording() -> None:
    items = [("can you gift wrap my order", "nlu_fallback"), ("gift wrap please", "out_of_scope"),
             ("is gift wrap possible", "nlu_fallback"), ("do you ship to norway", "out_of_scope"),
             ("ship to norway?", "bot_cannot_complete")]
    topics = group_topics(items)
    assert [(topic["messages"], topic["sources"]) for topic in topics] == [
        (3, {"nlu_fallback": 2, "out_of_scope": 1}), (2, {"out_of_scope": 1, "bot_cannot_complete": 1})]
    assert "gift wrap" in topics[0]["topic"] and "norway" in topics[1]["topic"]
    assert topics[0]["examples"] == ["can you gift wrap my order", "gift wrap please", "is gift wrap possible"]
    assert group_topics([]) == []


@pytest.fixture
async def history(any_db: HubDb) -> History:
    return await written_history(any_db)


async def test_hot_topics_and_staffing_over_the_history(any_db: HubDb, history: History) -> None:
    topics = (await report(any_db, "topics"))["current"]
    assert topics["hot_topics"][0] == {"key": "order_status", "messages": 3, "previous": 1, "change": 2.0, "rising": False}
    assert topics["unanswered"] == 2  # c4's two fallbacks (t3 was opened without a trigger text)

    staffing = (await report(any_db, "staffing", replace(WEEK, first_response_target_seconds=3600)))["current"]
    assert staffing["forecast_week_from"] == "2026-11-09"
    # Held t1 28 min, t2 42 min, t3 9 min: 1580 s on average
    assert staffing["handle_seconds"] == 1580.0
    forecast = {hour: value for hour, value in enumerate(staffing["handoffs_forecast"]) if value}
    assert forecast == {38: 0.4, 56: 0.4, 84: 0.4, 106: 0.4, 166: 0.4}  # the latest week's weight, 4 of 10
    messages = {hour: value for hour, value in enumerate(staffing["messages_forecast"]) if value}
    assert messages[58] == 0.3  # c9, Wednesday 10:00 the week before (weight 3 of 10)
    # 0.4 tickets an hour of 1580 s: one agent answers 97% within the hour
    assert {hour: n for hour, n in enumerate(staffing["agents_needed"]) if n} == dict.fromkeys(forecast, 1)
