"""Every report figure against the history of tests/handoff/report_history.py, worked out by hand
(docs/METRICS.md defines each), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handoff.reports import ReportFilter, run_report
from tests.handoff.databases import HubDb
from tests.handoff.report_history import NOW, History, written_history

WEEK = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW)


@pytest.fixture
async def history(any_db: HubDb) -> History:
    return await written_history(any_db)


async def report(db: HubDb, name: str, found: ReportFilter = WEEK, compare: bool = False) -> dict[str, Any]:
    async with db.uows() as uow:
        return await run_report(uow.session, name, found, compare)


def containment(conversations: int, handed: int, share: float) -> dict[str, Any]:
    return {"conversations": conversations, "handed_off": handed, "contained": conversations - handed,
            "containment": share}


async def test_containment_overall_per_channel_per_day_and_per_intent(any_db: HubDb, history: History) -> None:
    bot = (await report(any_db, "bot"))["current"]
    # c1..c6 and c8 (c7 never wrote); handed off: c3, c4, c5, c8 (c6's ticket was an outage the bot took back).
    assert bot["overall"] == containment(7, 4, 0.4286)
    # c1 (k1) came back as c3 within 7 days, about order_status again.
    assert bot["came_back_7d"] == 1
    assert bot["containment_net_of_returns"] == 0.2857
    assert bot["per_channel"] == [{"key": "telegram", **containment(2, 2, 0.0)}, {"key": "web", **containment(5, 2, 0.6)}]
    assert bot["per_day"] == [
        {"key": "2026-11-02", **containment(2, 0, 1.0)}, {"key": "2026-11-03", **containment(1, 1, 0.0)},
        {"key": "2026-11-04", **containment(1, 1, 0.0)}, {"key": "2026-11-05", **containment(1, 1, 0.0)},
        {"key": "2026-11-07", **containment(1, 0, 1.0)}, {"key": "2026-11-08", **containment(1, 1, 0.0)},
    ]
    assert bot["per_intent"] == [
        {"key": "order_status", **containment(3, 2, 0.3333)},
        {"key": "cancel_order", **containment(1, 1, 0.0)}, {"key": "faq_delivery", **containment(1, 0, 1.0)},
        {"key": "greet", **containment(1, 0, 1.0)}, {"key": "nlu_fallback", **containment(1, 1, 0.0)},
        {"key": "request_human", **containment(1, 1, 0.0)},
    ]


async def test_handoffs_by_reason_leave_the_outage_out(any_db: HubDb, history: History) -> None:
    bot = (await report(any_db, "bot"))["current"]
    assert bot["handoffs_by_reason"] == [
        {"reason": "explicit_request", "tickets": 2}, {"reason": "anger", "tickets": 1},
        {"reason": "bot_cannot_complete", "tickets": 1}, {"reason": "complaint", "tickets": 1},
        {"reason": "repeated_fallback", "tickets": 1}, {"reason": "vip", "tickets": 1},
    ]
    assert bot["outage_tickets"] == 1


async def test_filters_and_the_previous_period(any_db: HubDb, history: History) -> None:
    telegram = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, channel="telegram")
    assert (await report(any_db, "bot", telegram))["current"]["overall"] == containment(2, 2, 0.0)
    compared = await report(any_db, "bot", compare=True)
    assert compared["previous_filter"] == {"from": "2026-10-26", "to": "2026-11-01", "team": None, "channel": None}
    assert compared["previous"]["overall"] == containment(1, 0, 1.0)  # c9
    orders = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, team="orders")
    assert (await report(any_db, "service", orders))["current"]["tickets"] == 4  # t1, t3, t4, t6
    billing = ReportFilter.for_days(date(2026, 11, 2), date(2026, 11, 8), NOW, team="billing")
    assert [row["display_name"] for row in (await report(any_db, "agents", billing))["current"]["agents"]] == ["Bob"]


async def test_service_times_resolution_and_reopens(any_db: HubDb, history: History) -> None:
    service = (await report(any_db, "service"))["current"]
    # t1, t2, t3, t4, t6 (t5, the outage, is left out); resolved t1, t2, t3.
    assert (service["tickets"], service["resolved"], service["resolution_rate"]) == (5, 3, 0.6)
    # t3 came back as t4 the next day; t2 was transferred: only t1 is a first-contact resolution.
    assert service["reopen_rate"] == 0.3333
    assert service["first_contact_resolution"] == 0.3333
    assert service["times"] == {
        # 240 (t1), 600 (t2), 120 (t3), 1200 (t4); t6 is unanswered.
        "first_response": {"average_seconds": 540.0, "median_seconds": 420.0},
        "resolution": {"average_seconds": 2000.0, "median_seconds": 1800.0},  # 1800, 3600, 600
        # from the shopper's first message of the visit: 1860, 3720, 660
        "end_to_end": {"average_seconds": 2080.0, "median_seconds": 1860.0},
    }


async def test_sla_attainment_per_severity(any_db: HubDb, history: History) -> None:
    sla = (await report(any_db, "service"))["current"]["sla"]
    assert sla == [
        # t2 answered after 10 minutes (5 due), resolved within 4 hours
        {"severity": "urgent", "tickets": 1, "first_response": {"met": 0, "breached": 1, "attainment": 0.0},
         "resolution": {"met": 1, "breached": 0, "attainment": 1.0}},
        # t3 in time; t4 answered after 20 minutes (15 due) and still open past its 8 hours
        {"severity": "serious", "tickets": 2, "first_response": {"met": 1, "breached": 1, "attainment": 0.5},
         "resolution": {"met": 1, "breached": 1, "attainment": 0.5}},
        # t1 in time; t6 unanswered past its hour, its resolution not due yet (not counted)
        {"severity": "normal", "tickets": 2, "first_response": {"met": 1, "breached": 1, "attainment": 0.5},
         "resolution": {"met": 1, "breached": 0, "attainment": 1.0}},
    ]


async def test_csat(any_db: HubDb, history: History) -> None:
    csat = (await report(any_db, "service"))["current"]["csat"]
    assert csat == {
        "rated": 3, "average": 3.67, "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}, "share_4_5": 0.6667,
        "comments": [{"ticket_id": history.tickets["t2"].id, "rating": 2, "comment": "slow"}],
    }


async def test_nps(any_db: HubDb, history: History) -> None:
    compared = await report(any_db, "service", compare=True)
    # t1 10 and t3 9 promote, t2 3 detracts: (2 - 1) / 3
    assert compared["current"]["nps"] == {
        "responses": 3, "score": 33.3, "promoters": 2, "passives": 0, "detractors": 1,
        "distribution": {str(n): int(n in (3, 9, 10)) for n in range(11)},
    }
    assert compared["previous"]["nps"]["responses"] == 0 and compared["previous"]["nps"]["score"] is None


async def test_agents_handled_times_csat_online_and_occupancy(any_db: HubDb, history: History) -> None:
    agents = (await report(any_db, "agents"))["current"]["agents"]
    ann, bob = history.agents["Ann"], history.agents["Bob"]
    assert agents == [
        # t1, t2 (after the transfer) and t3; online 2 h (Monday's first hours) + 8 h + 4 h; held 28 + 42 + 9
        # minutes of 3 slots.
        {"agent_id": ann.id, "display_name": "Ann", "role": "agent", "handled": 3,
         "average_first_response_seconds": 320.0, "average_resolution_seconds": 2000.0, "csat_average": 3.67, "rated": 3,
         "online_seconds": 50400.0, "occupancy": 0.0313},
        # online from Wednesday 08:00 to the end of the week (112 h), holding t4 from Friday 10:05 (61 h 55 min)
        {"agent_id": bob.id, "display_name": "Bob", "role": "agent", "handled": 0,
         "average_first_response_seconds": None, "average_resolution_seconds": None, "csat_average": None, "rated": 0,
         "online_seconds": 403200.0, "occupancy": 0.1843},
    ]


async def test_volume_by_hour_of_week(any_db: HubDb, history: History) -> None:
    volume = (await report(any_db, "volume"))["current"]
    messages = {hour: count for hour, count in enumerate(volume["messages_by_hour_of_week"]) if count}
    # Monday 09 and 10, Tuesday 14 (two), Wednesday 08 (two), Thursday 12, Friday 10, Saturday 20, Sunday 22
    assert messages == {9: 1, 10: 1, 38: 2, 56: 2, 84: 1, 106: 1, 140: 1, 166: 1}
    handoffs = {hour: count for hour, count in enumerate(volume["handoffs_by_hour_of_week"]) if count}
    assert handoffs == {38: 1, 56: 1, 84: 1, 106: 1, 166: 1}
    assert volume["weeks"] == 1.0
