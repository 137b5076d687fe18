"""The report routes: supervisors and admins only (every route), filters checked, CSV exports of
every report and of tickets (one row per conversation), each export audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from handoff.models import AuditEntry
from handoff.reports import reports
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb
from tests.handoff.report_history import History, written_history

WEEK = "from=2026-11-02&to=2026-11-08"
ROUTES = ["/api/reports", *(f"/api/reports/{name}?{WEEK}" for name in reports()),
          *(f"/api/reports/{name}/csv?{WEEK}" for name in [*reports(), "tickets"])]


@pytest.fixture
async def history(db: HubDb) -> History:
    return await written_history(db)


async def exported(api: HubApi, path: str, token: str) -> list[dict[str, str]]:
    _request, response = await api.app.asgi_client.get(path, headers={"authorization": f"Bearer {token}"})
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv"), response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_every_report_route_is_for_supervisors_and_admins(api: HubApi, db: HubDb, history: History) -> None:
    agent = await api.login(history.agents["Ann"].email)
    supervisor = await api.login(history.agents["Sue"].email)
    admin = await api.login((await db.agent("Ada", role="admin")).email)
    for route in ROUTES:
        assert (await api.call("get", route)).status == 401, route
        assert (await api.call("get", route, agent)).status == 403, route
        assert (await api.call("get", route, supervisor)).status == 200, route
        assert (await api.call("get", route, admin)).status == 200, route


@pytest.mark.parametrize("query", [
    "from=yesterday", "from=2026-11-08&to=2026-11-02", "from=2025-01-01&to=2026-11-08", "team=nobody",
    "channel=Web%20Chat", "compare=maybe",
])
async def test_bad_filters_are_refused(api: HubApi, history: History, query: str) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    answer = await api.call("get", f"/api/reports/bot?{query}", supervisor)
    assert (answer.status, answer.code) == (400, "invalid_field"), answer


async def test_an_unknown_report_is_refused(api: HubApi, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    assert (await api.call("get", "/api/reports/salaries", supervisor)).code == "invalid_field"
    assert (await api.call("get", "/api/reports/salaries/csv", supervisor)).code == "invalid_field"


async def test_a_report_with_its_previous_period(api: HubApi, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    answer = (await api.call("get", f"/api/reports/bot?{WEEK}&channel=web", supervisor)).body
    assert answer["filter"] == {"from": "2026-11-02", "to": "2026-11-08", "team": None, "channel": "web"}
    assert answer["current"]["overall"]["containment"] == 0.6
    assert answer["previous_filter"]["from"] == "2026-10-26"
    assert answer["previous"]["overall"]["conversations"] == 1
    alone = (await api.call("get", f"/api/reports/bot?{WEEK}&compare=0", supervisor)).body
    assert "previous" not in alone


async def test_report_csv_is_audited(api: HubApi, db: HubDb, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    table = await exported(api, f"/api/reports/bot/csv?{WEEK}", supervisor)
    assert {"period": "current", "from": "2026-11-02", "to": "2026-11-08", "metric": "overall.containment",
            "value": "0.4286"} in table
    assert {"period": "previous", "from": "2026-10-26", "to": "2026-11-01", "metric": "per_channel[web].conversations",
            "value": "1"} in table
    async with db.uows() as uow:
        exports = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "export"))).scalars().all()
    assert [(entry.agent_id, entry.subject, entry.details) for entry in exports] == [
        (history.agents["Sue"].id, "report:bot",
         {"format": "csv", "from": "2026-11-02", "to": "2026-11-08", "team": None, "channel": None})]


async def test_the_service_csv_has_the_nps_with_the_period_before(api: HubApi, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    table = {(row["period"], row["metric"]): row["value"]
             for row in await exported(api, f"/api/reports/service/csv?{WEEK}", supervisor)}
    assert (table[("current", "nps.score")], table[("current", "nps.responses")]) == ("33.3", "3")
    assert table[("current", "nps.distribution.9")] == "1"
    assert (table[("previous", "nps.score")], table[("previous", "nps.responses")]) == ("", "0")


async def test_tickets_csv_has_one_row_per_conversation(api: HubApi, db: HubDb, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    ids = {key: conversation.id for key, conversation in history.conversations.items()}
    drawn = await api.call("post", "/api/reviews/samples", supervisor, json={"from": "2026-11-02", "to": "2026-11-08",
                                                                            "size": 50, "seed": "csv"})
    first = next(review for review in drawn.body["reviews"] if review["conversation_id"] != ids["c5"])
    others = [review for review in drawn.body["reviews"] if review is not first]
    await api.call("put", f"/api/reviews/{first['id']}", supervisor, json={"resolved": True, "correct": False, "tone": 3})
    table = {row["conversation_id"]: row for row in await exported(api, f"/api/reports/tickets/csv?{WEEK}", supervisor)}
    assert set(table) == {ids[key] for key in ("c1", "c2", "c3", "c4", "c5", "c6", "c8")}
    assert table[ids["c5"]] == {
        "conversation_id": ids["c5"], "opened_at": "2026-11-05T12:00:00Z", "channel": "web", "intents": "cancel_order",
        "tickets": "2", "handoff_reasons": "bot_cannot_complete;complaint", "severity": "serious", "wait_seconds": "",
        "first_response_seconds": "120.0", "resolution_seconds": "600.0", "resolved": "True", "rating": "4",
        "outage": "False", "review_resolved": "", "review_correct": "", "review_tone": ""}
    scored = table[first["conversation_id"]]
    assert (scored["review_resolved"], scored["review_correct"], scored["review_tone"]) == ("True", "False", "3")
    assert others and all(table[review["conversation_id"]]["review_tone"] == "" for review in others)  # not scored yet
    assert table[ids["c3"]]["wait_seconds"] == "120.0"  # claimed two minutes after the handoff
    assert table[ids["c3"]]["intents"] == "order_status;request_human"
    assert (table[ids["c6"]]["tickets"], table[ids["c6"]]["outage"]) == ("0", "True")
    async with db.uows() as uow:
        subjects = (await uow.session.execute(select(AuditEntry.subject).where(AuditEntry.action == "export"))).scalars()
        assert list(subjects) == ["report:tickets"]
