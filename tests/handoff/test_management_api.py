"""The management routes as admins and supervisors use them: agents (create, change, deactivate,
reactivate; never the last admin), teams (rename, delete refused while in use), canned replies,
SLA targets and business hours, and the audit log (filters, pages, CSV); every change audited with
its fields before and after, and never a password."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

import handoff.api.audit_log as audit_export
from handoff.agents import keep_an_admin
from handoff.clock import aware
from handoff.errors import LastAdmin
from handoff.models import Agent, Ticket
from handoff.signals import HandoffSignal
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb

HUGE = "x" * 5000


async def _tokens(api: HubApi, db: HubDb) -> dict[str, str]:
    return {role: await api.login((await db.agent(role.title(), role=role, online=False)).email)
            for role in ("agent", "supervisor", "admin")}


async def _log(api: HubApi, token: str, query: str = "") -> list[dict]:
    answer = await api.call("get", f"/api/admin/audit?limit=200&{query}", token)
    assert answer.status == 200, answer
    return answer.body["entries"]


ROUTES = [
    ("get", "/api/admin/agents", None, "admin"),
    ("post", "/api/admin/agents", {"email": "new@shop.example", "display_name": "New", "password": "long enough pw"}, "admin"),
    ("patch", "/api/admin/agents/{agent}", {"capacity": 4}, "admin"),
    ("get", "/api/admin/teams", None, "agent"),
    ("post", "/api/admin/teams", {"name": "vip", "title": "VIP"}, "admin"),
    ("patch", "/api/admin/teams/{team}", {"title": "Orders and delivery"}, "admin"),
    ("delete", "/api/admin/teams/{empty_team}", None, "admin"),
    ("get", "/api/agent/canned", None, "agent"),
    ("post", "/api/agent/canned", {"shortcut": "hi", "title": "Hi", "text": "Hi {customer_name}"}, "supervisor"),
    ("patch", "/api/admin/canned/{reply}", {"text": "Hello"}, "supervisor"),
    ("delete", "/api/agent/canned/{reply}", None, "supervisor"),
    ("get", "/api/admin/sla", None, "supervisor"),
    ("put", "/api/admin/sla", {"targets": {"urgent": {"first_response_minutes": 3, "resolution_minutes": 90}}}, "admin"),
    ("get", "/api/admin/feedback", None, "supervisor"),
    ("put", "/api/admin/feedback", {"nps": {"enabled": True}}, "admin"),
    ("get", "/api/admin/audit", None, "supervisor"),
    ("get", "/api/admin/audit/csv", None, "supervisor"),
]


@pytest.mark.parametrize(("method", "path", "body", "needs"), ROUTES)
async def test_every_management_route_checks_its_role(api: HubApi, db: HubDb, method: str, path: str, body: dict | None,
                                                      needs: str) -> None:
    ranks = ["agent", "supervisor", "admin"]
    tokens = await _tokens(api, db)
    assert (await api.call(method, path.format(agent=1, team=1, empty_team=1, reply=1))).status == 401
    for role in ranks:
        # Each role gets fresh records, so one role's delete does not answer the next one's 404.
        ids = {"agent": (await db.agent("Target", online=False)).id}
        ids["team"] = (await api.call("post", "/api/admin/teams", tokens["admin"],
                                      json={"name": f"t{role}", "title": "T"})).body["id"]
        ids["empty_team"] = ids["team"]
        ids["reply"] = (await api.call("post", "/api/agent/canned", tokens["admin"],
                                       json={"shortcut": f"r{role}", "title": "R", "text": "Hi"})).body["id"]
        answer = await api.call(method, path.format(**ids), tokens[role], **({"json": body} if body else {}))
        if ranks.index(role) < ranks.index(needs):
            assert (answer.status, answer.code) == (403, "forbidden"), (role, answer)
        else:
            assert answer.status in (200, 201, 204, 409), (role, answer)


async def test_an_admin_manages_agents_and_every_change_is_audited_without_passwords(api: HubApi, db: HubDb) -> None:
    tokens = await _tokens(api, db)
    admin = tokens["admin"]
    created = await api.call("post", "/api/admin/agents", admin, json={
        "email": "Mia@Shop.example", "display_name": "Mia", "password": "a long secret pw", "role": "agent",
        "teams": ["returns"], "capacity": 4, "takes_tickets": True})
    assert created.status == 201, created
    assert (created.body["email"], created.body["teams"], created.body["capacity"]) == ("mia@shop.example", ["returns"], 4)
    mia = f"/api/admin/agents/{created.body['id']}"
    listed = (await api.call("get", "/api/admin/agents", admin)).body["agents"]
    assert {(agent["email"], agent["second_factor"]) for agent in listed} >= {("mia@shop.example", False)}
    assert (await api.call("post", "/api/agent/login", json={"email": "mia@shop.example",
                                                             "password": "a long secret pw"})).status == 200

    promoted = await api.call("patch", mia, admin, json={"role": "supervisor", "teams": ["returns", "orders"]})
    assert (promoted.body["role"], promoted.body["takes_tickets"]) == ("supervisor", False)
    assert (await api.call("patch", mia, admin, json={"active": False})).body["active"] is False
    refused = await api.call("post", "/api/agent/login", json={"email": "mia@shop.example", "password": "a long secret pw"})
    assert refused.status == 401, "a deactivated account cannot log in"
    assert (await api.call("patch", mia, admin, json={"active": True, "password": "another long pw"})).body["active"]

    log = await _log(api, admin, "q=mia@shop.example")
    by_action = {entry["action"]: entry["details"] for entry in log}
    assert by_action["agent_created"]["capacity"] == {"before": None, "after": 4}
    assert by_action["role_changed"] == {"role": {"before": "agent", "after": "supervisor"}}
    assert by_action["agent_deactivated"] == {"active": {"before": True, "after": False}}
    assert by_action["agent_reactivated"] == {"active": {"before": False, "after": True}}
    changes = [entry["details"] for entry in log if entry["action"] == "agent_changed"]
    assert {"teams": {"before": ["returns"], "after": ["returns", "orders"]},
            "takes_tickets": {"before": True, "after": False}} in changes
    assert {"password": "changed"} in changes
    assert "secret pw" not in str(log) and "another long pw" not in str(log)


async def test_an_admin_cannot_disable_or_demote_themselves(api: HubApi, db: HubDb) -> None:
    boss = await db.agent("Boss", role="admin", online=False)
    token = await api.login(boss.email)
    for change in ({"active": False}, {"role": "supervisor"}):
        answer = await api.call("patch", f"/api/admin/agents/{boss.id}", token, json=change)
        assert (answer.status, answer.code) == (400, "invalid_field"), answer
    other = await db.agent("Other", role="admin", online=False)
    assert (await api.call("patch", f"/api/admin/agents/{other.id}", token, json={"active": False})).status == 200
    assert (await api.call("patch", f"/api/admin/agents/{other.id}", token, json={"active": True})).status == 200
    assert (await api.call("patch", f"/api/admin/agents/{other.id}", token, json={"role": "agent"})).status == 200


async def test_the_last_active_admin_is_never_demoted_or_disabled(db: HubDb) -> None:
    """Through the API an admin can only change another admin while two are active, so this guards
    the race (two admins demoting each other at once) at the rule itself."""
    boss = await db.agent("Boss", role="admin", online=False)
    retired = await db.agent("Retired", role="admin", online=False)
    async with db.uows() as uow:
        (await db.must_get(uow, Agent, retired.id)).active = False
        await uow.commit()
    async with db.uows() as uow:
        target = await db.must_get(uow, Agent, boss.id)
        for role, active in (("supervisor", True), ("admin", False)):
            with pytest.raises(LastAdmin):
                await keep_an_admin(uow.session, target, role, active)
        await keep_an_admin(uow.session, target, "admin", True)
    await db.agent("Second", role="admin", online=False)
    async with db.uows() as uow:
        await keep_an_admin(uow.session, await db.must_get(uow, Agent, boss.id), "agent", False)


async def test_agent_input_is_checked(api: HubApi, db: HubDb) -> None:
    admin = (await _tokens(api, db))["admin"]
    good = {"email": "ok@shop.example", "display_name": "Ok", "password": "long enough pw"}
    for bad in ({}, {"email": "ok@shop.example"}, {**good, "email": 7}, {**good, "display_name": HUGE},
                {**good, "email": HUGE + "@x"}, {**good, "password": "short"}, {**good, "password": HUGE * 2},
                {**good, "role": "owner"}, {**good, "teams": "returns"}, {**good, "teams": ["nope"]},
                {**good, "capacity": "3"}, {**good, "capacity": 1000}, {**good, "takes_tickets": "yes"},
                {**good, "active": False}):
        answer = await api.call("post", "/api/admin/agents", admin, json=bad)
        assert answer.status == 400, (bad, answer)
    assert (await api.call("post", "/api/admin/agents", admin, json=good)).status == 201
    assert (await api.call("post", "/api/admin/agents", admin, json=good)).status == 409
    target = (await db.agent("Target", online=False)).id
    changes: list[dict[str, object]] = [{}, {"email": "x@y.z"}, {"active": "no"}, {"display_name": ""}, {"capacity": -1},
                                        {"teams": [1]}]
    for change in changes:
        assert (await api.call("patch", f"/api/admin/agents/{target}", admin, json=change)).status == 400, change
    assert (await api.call("patch", "/api/admin/agents/999999", admin, json={"capacity": 1})).status == 404
    assert (await api.call("patch", "/api/admin/agents/99999999999", admin, json={"capacity": 1})).status == 404
    assert (await api.call("patch", f"/api/admin/agents/{target}", admin, data="not json")).status == 400


async def test_a_team_is_renamed_everywhere_and_deleted_only_when_unused(api: HubApi, db: HubDb) -> None:
    admin = (await _tokens(api, db))["admin"]
    team = await api.call("post", "/api/admin/teams", admin, json={"name": "vip", "title": "VIP", "intents": ["complaint"]})
    member = await db.agent("Vera", online=False, teams=["vip", "orders"])
    ticket = await db.queued_ticket(HandoffSignal(("complaint",), summary={"intents": ["complaint"]}))
    assert ticket.team == "vip"
    path = f"/api/admin/teams/{team.body['id']}"

    renamed = await api.call("patch", path, admin, json={"name": "vip-care", "title": "VIP care"})
    assert (renamed.body["name"], renamed.body["title"]) == ("vip-care", "VIP care")
    assert (await db.get(Ticket, ticket.id)).team == "vip-care"
    assert (await db.get(Agent, member.id)).teams == ["vip-care", "orders"]
    assert (await api.call("patch", path, admin, json={"name": "orders"})).status == 409

    refused = await api.call("delete", path, admin)
    assert (refused.status, refused.code) == (409, "in_use")
    assert "1 open ticket" in refused.body["error"]["message"] and "Vera" in refused.body["error"]["message"]
    assert (await api.call("patch", f"/api/admin/agents/{member.id}", admin, json={"teams": ["orders"]})).status == 200
    assert (await api.call("delete", path, admin)).code == "in_use", "the ticket is still there"
    async with db.uows() as uow:
        (await db.must_get(uow, Ticket, ticket.id)).team = None
        await uow.commit()
    assert (await api.call("delete", path, admin)).status == 204
    assert (await api.call("delete", path, admin)).status == 404

    log = await _log(api, admin, "q=vip")
    by_action = {entry["action"]: entry["details"] for entry in log}
    assert by_action["team_created"]["intents"] == {"before": None, "after": ["complaint"]}
    assert by_action["team_changed"] == {"name": {"before": "vip", "after": "vip-care"},
                                         "title": {"before": "VIP", "after": "VIP care"}}
    assert by_action["team_deleted"]["name"] == {"before": "vip-care", "after": None}
    for bad in ({}, {"name": "Bad Name"}, {"title": ""}, {"title": HUGE}, {"intents": "x"}, {"id": 3}):
        assert (await api.call("patch", "/api/admin/teams/1", admin, json=bad)).status == 400, bad
    assert (await api.call("patch", "/api/admin/teams/424242", admin, json={"title": "x"})).status == 404


async def test_canned_replies_are_edited_and_deleted_with_their_contents_audited(api: HubApi, db: HubDb) -> None:
    supervisor = (await _tokens(api, db))["supervisor"]
    reply = await api.call("post", "/api/agent/canned", supervisor,
                           json={"shortcut": "late", "title": "Late parcel", "text": "Hi {customer_name}, sorry."})
    path = f"/api/admin/canned/{reply.body['id']}"
    listed = await api.call("get", "/api/agent/canned", supervisor)
    assert listed.body["placeholders"] == ["customer_name", "order_number", "agent_name"]
    edited = await api.call("patch", path, supervisor, json={"text": "Hi {customer_name}, order {order_number} is late."})
    assert edited.body["text"].endswith("is late.")
    for bad in ({}, {"text": ""}, {"text": HUGE}, {"title": HUGE}, {"shortcut": "Has Space"}, {"text": 3}, {"x": 1}):
        assert (await api.call("patch", path, supervisor, json=bad)).status == 400, bad
    for bad in ({"shortcut": "x", "title": "x"}, {"shortcut": "x", "title": "x", "text": HUGE}, {"title": "x", "text": "x"}):
        assert (await api.call("post", "/api/agent/canned", supervisor, json=bad)).status == 400, bad
    assert (await api.call("patch", "/api/admin/canned/777777", supervisor, json={"text": "x"})).status == 404
    assert (await api.call("delete", f"/api/agent/canned/{reply.body['id']}", supervisor)).status == 204
    assert (await api.call("delete", f"/api/agent/canned/{reply.body['id']}", supervisor)).status == 404

    by_action = {entry["action"]: entry["details"] for entry in await _log(api, supervisor, "q=late")}
    assert by_action["canned_created"]["text"] == {"before": None, "after": "Hi {customer_name}, sorry."}
    assert by_action["canned_changed"] == {"text": {"before": "Hi {customer_name}, sorry.",
                                                    "after": "Hi {customer_name}, order {order_number} is late."}}
    assert by_action["canned_deleted"]["title"] == {"before": "Late parcel", "after": None}


async def test_sla_targets_and_business_hours_set_new_tickets_due_times(api: HubApi, db: HubDb) -> None:
    tokens = await _tokens(api, db)
    shown = await api.call("get", "/api/admin/sla", tokens["supervisor"])
    assert shown.body["targets"]["normal"] == {"first_response_minutes": 60, "resolution_minutes": 1440}
    assert shown.body["business_hours"]["enabled"] is False

    changed = await api.call("put", "/api/admin/sla", tokens["admin"],
                             json={"targets": {"normal": {"first_response_minutes": 7, "resolution_minutes": 90}}})
    assert changed.body["targets"]["normal"]["first_response_minutes"] == 7
    assert changed.body["targets"]["urgent"]["first_response_minutes"] == 5, "the others keep theirs"
    staffing = await api.call("get", "/api/reports/staffing", tokens["supervisor"])
    assert staffing.body["current"]["target"]["first_response_seconds"] == 7 * 60, "Erlang C plans for the new target"
    ticket = await db.queued_ticket(HandoffSignal(("explicit_request",), message="a person please"))
    assert ticket.severity == "normal"
    assert aware(ticket.first_response_due) - aware(ticket.created_at) == timedelta(minutes=7)
    assert aware(ticket.resolution_due) - aware(ticket.created_at) == timedelta(minutes=90)

    # Open only on a day that is not today, in a zone far away: the due time moves to its opening.
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Pacific/Auckland"))
    open_day = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[(today.weekday() + 2) % 7]
    week = {day: ({"opens": "10:00", "closes": "12:00"} if day == open_day else None) for day in shown.body["weekdays"]}
    hours = {"enabled": True, "timezone": "Pacific/Auckland", "week": week}
    assert (await api.call("put", "/api/admin/sla", tokens["admin"], json={"business_hours": hours})).status == 200
    later = await db.queued_ticket(HandoffSignal(("explicit_request",), message="a person please"))
    due = aware(later.first_response_due).astimezone(today.tzinfo)
    assert (due.strftime("%A").lower(), due.hour, due.minute) == (open_day, 10, 0)
    assert due.date() == today.date() + timedelta(days=2)

    log = await _log(api, tokens["admin"], "action=settings_changed")
    assert log[0]["subject"] == "sla: business_hours" and log[0]["details"]["business_hours"]["after"] == hours
    assert log[1]["details"]["targets"]["before"]["normal"]["first_response_minutes"] == 60
    assert log[1]["details"]["targets"]["after"]["normal"]["first_response_minutes"] == 7


async def test_the_nps_question_is_off_until_an_admin_turns_it_on_and_each_change_is_audited(api: HubApi, db: HubDb) -> None:
    tokens = await _tokens(api, db)
    assert (await api.call("get", "/api/admin/feedback", tokens["supervisor"])).body == {"nps": {"enabled": False}}
    assert (await api.call("put", "/api/admin/feedback", tokens["admin"], json={"nps": {"enabled": True}})).status == 200
    unchanged = await api.call("put", "/api/admin/feedback", tokens["admin"], json={"nps": {"enabled": True}})
    assert unchanged.body == {"nps": {"enabled": True}}
    for bad in ({}, {"nps": True}, {"nps": {"enabled": "yes"}}, {"nps": {"enabled": True, "question": "x"}}, {"other": 1}):
        refused = await api.call("put", "/api/admin/feedback", tokens["admin"], json=bad)
        assert (refused.status, refused.code) == (400, "invalid_field"), bad
    log = await _log(api, tokens["admin"], "action=settings_changed")
    # The second save changed nothing, so it is no change in the log.
    assert [(entry["subject"], entry["details"]) for entry in log] == [
        ("feedback: nps", {"nps": {"before": {"enabled": False}, "after": {"enabled": True}}})]


@pytest.mark.parametrize("body", [
    {}, {"other": 1}, {"targets": []}, {"targets": {"low": {"first_response_minutes": 1, "resolution_minutes": 2}}},
    {"targets": {"normal": {"first_response_minutes": 5}}},
    {"targets": {"normal": {"first_response_minutes": "5", "resolution_minutes": 60}}},
    {"targets": {"normal": {"first_response_minutes": 0, "resolution_minutes": 60}}},
    {"targets": {"normal": {"first_response_minutes": 10**9, "resolution_minutes": 10**9}}},
    {"targets": {"normal": {"first_response_minutes": 90, "resolution_minutes": 60}}},
    {"business_hours": {"enabled": True, "timezone": "Mars/Olympus", "week": {}}},
    {"business_hours": {"enabled": "yes", "timezone": "UTC", "week": {}}},
    {"business_hours": {"enabled": True, "timezone": "UTC" * 100, "week": {}}},
])
async def test_sla_settings_refuse_bad_input(api: HubApi, db: HubDb, body: dict) -> None:
    admin = (await _tokens(api, db))["admin"]
    answer = await api.call("put", "/api/admin/sla", admin, json=body)
    assert (answer.status, answer.code) == (400, "invalid_field"), answer


async def test_business_hours_are_checked_day_by_day(api: HubApi, db: HubDb) -> None:
    admin = (await _tokens(api, db))["admin"]
    days = (await api.call("get", "/api/admin/sla", admin)).body["weekdays"]
    closed = dict.fromkeys(days)
    for week in (closed, {**closed, "monday": {"opens": "17:00", "closes": "09:00"}},
                 {**closed, "monday": {"opens": "9:00", "closes": "17:00"}},
                 {**closed, "monday": {"opens": "09:00", "closes": "25:00"}}, {"monday": None},
                 {**closed, "monday": "09:00-17:00"}):
        answer = await api.call("put", "/api/admin/sla", admin,
                                json={"business_hours": {"enabled": True, "timezone": "Europe/Berlin", "week": week}})
        assert answer.status == 400, (week, answer)
    ok = {**closed, "monday": {"opens": "00:00", "closes": "24:00"}}
    answer = await api.call("put", "/api/admin/sla", admin,
                            json={"business_hours": {"enabled": True, "timezone": "Europe/Berlin", "week": ok}})
    assert answer.status == 200, answer


async def test_the_audit_log_filters_pages_and_exports_and_the_export_is_audited(api: HubApi, db: HubDb) -> None:
    tokens = await _tokens(api, db)
    for n in range(5):
        await api.call("post", "/api/agent/canned", tokens["supervisor"],
                       json={"shortcut": f"page-{n}", "title": f"=cmd|{n}", "text": "Hi"})
    supervisor_id = (await api.call("get", "/api/agent/me", tokens["supervisor"])).body["id"]
    mine = await _log(api, tokens["admin"], f"agent_id={supervisor_id}")
    assert {entry["action"] for entry in mine} == {"login", "canned_created"}
    first = await api.call("get", "/api/admin/audit?action=canned_created&limit=2", tokens["admin"])
    assert [entry["subject"] for entry in first.body["entries"]] == ["page-4", "page-3"]
    second = await api.call("get", f"/api/admin/audit?action=canned_created&limit=2&before_id="
                                   f"{first.body['next_before_id']}", tokens["admin"])
    third = await api.call("get", f"/api/admin/audit?action=canned_created&limit=2&before_id="
                                  f"{second.body['next_before_id']}", tokens["admin"])
    assert [entry["subject"] for entry in second.body["entries"] + third.body["entries"]] == ["page-2", "page-1", "page-0"]
    assert third.body["next_before_id"] is None
    today = datetime.now(UTC).date()
    assert len(await _log(api, tokens["admin"], f"action=canned_created&from={today}&to={today}")) == 5
    assert await _log(api, tokens["admin"], f"action=canned_created&to={today - timedelta(days=1)}") == []
    assert await _log(api, tokens["admin"], "q=page-3&action=canned_created") != []

    _request, export = await api.app.asgi_client.get("/api/admin/audit/csv?action=canned_created",
                                                     headers={"authorization": f"Bearer {tokens['supervisor']}"})
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv"), export.text
    assert export.headers["content-disposition"].startswith('attachment; filename="shopdesk-audit-')
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [row["subject"] for row in rows] == [f"page-{n}" for n in range(4, -1, -1)]
    assert all(row["actor"] == "Supervisor" for row in rows)
    assert json.loads(rows[0]["details"])["title"] == {"before": None, "after": "=cmd|4"}
    assert rows[0]["id"].isdigit() and rows[0]["at"].startswith(str(datetime.now(UTC).year))
    exported = await _log(api, tokens["admin"], "action=export")
    assert exported[0]["subject"] == "audit_log"
    assert exported[0]["details"] == {"format": "csv", "rows": 5, "action": "canned_created"}

    assert "X-ShopDesk-Truncated" not in export.headers


async def test_an_audit_export_past_its_limit_says_so_and_where_the_next_one_starts(
        api: HubApi, db: HubDb, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = await _tokens(api, db)
    for n in range(5):
        await api.call("post", "/api/agent/canned", tokens["supervisor"],
                       json={"shortcut": f"cut-{n}", "title": "T", "text": "Hi"})
    monkeypatch.setattr(audit_export, "MAX_EXPORT", 3)
    headers = {"authorization": f"Bearer {tokens['supervisor']}"}
    _request, first = await api.app.asgi_client.get("/api/admin/audit/csv?action=canned_created", headers=headers)
    assert [row["subject"] for row in csv.DictReader(io.StringIO(first.text))] == ["cut-4", "cut-3", "cut-2"]
    assert first.headers["x-shopdesk-truncated"] == "3"
    older = first.headers["x-shopdesk-next-before-id"]
    _request, rest = await api.app.asgi_client.get(f"/api/admin/audit/csv?action=canned_created&before_id={older}",
                                                   headers=headers)
    assert [row["subject"] for row in csv.DictReader(io.StringIO(rest.text))] == ["cut-1", "cut-0"]
    assert "x-shopdesk-truncated" not in rest.headers
    exported = await _log(api, tokens["admin"], "action=export")
    assert exported[1]["details"] == {"format": "csv", "rows": 3, "truncated": True, "action": "canned_created"}
    assert exported[0]["details"] == {"format": "csv", "rows": 2, "action": "canned_created", "before_id": int(older)}


async def test_the_audit_log_refuses_bad_filters(api: HubApi, db: HubDb) -> None:
    tokens = await _tokens(api, db)
    for bad in ("action=nope", "from=tomorrow", "to=2026-13-40", "limit=0", "limit=5000", "agent_id=x",
                "before_id=-1", "q=" + "x" * 201, "from=2026-02-02&to=2026-02-01"):
        answer = await api.call("get", f"/api/admin/audit?{bad}", tokens["admin"])
        assert (answer.status, answer.code) == (400, "invalid_field"), (bad, answer)
