"""The quality review routes for every role: supervisors and admins draw samples, read transcripts
(masked even for an admin) and score; only the reviewer who scored a review changes it; an agent
reads the scored reviews of their own tickets and nothing else; bad input is a 400; every sample,
score, change and transcript view is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handoff.models import AuditEntry, Message
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb
from tests.handoff.report_history import History, at, written_history

WEEK = {"from": "2026-11-02", "to": "2026-11-08"}
RUBRIC = {"resolved": True, "correct": False, "tone": 4, "note": "Right tone; the refund date was wrong."}


@pytest.fixture
async def history(db: HubDb) -> History:
    history = await written_history(db)
    async with db.uows() as uow:  # the shopper of c3 gave her email: reviewers see it masked
        uow.session.add(Message(conversation_id=history.conversations["c3"].id, seq=99, direction="in",
                                author_kind="shopper", text="it is anna.schmidt@example.com", created_at=at(1, 14, 2)))
        await uow.commit()
    return history


async def tokens(api: HubApi, db: HubDb, history: History) -> dict[str, str]:
    return {"ann": await api.login(history.agents["Ann"].email), "bob": await api.login(history.agents["Bob"].email),
            "sue": await api.login(history.agents["Sue"].email),
            "ada": await api.login((await db.agent("Ada", role="admin")).email)}


async def sample(api: HubApi, token: str, **fields: Any) -> dict[str, Any]:
    answer = await api.call("post", "/api/reviews/samples", token, json={**WEEK, "size": 10, "seed": "s1", **fields})
    assert answer.status == 201, answer
    return answer.body


def review_of(drawn: dict[str, Any], history: History, key: str) -> dict[str, Any]:
    return next(r for r in drawn["reviews"] if r["conversation_id"] == history.conversations[key].id)


async def test_supervisors_and_admins_draw_read_and_score(api: HubApi, db: HubDb, history: History) -> None:
    who = await tokens(api, db, history)
    drawn = await sample(api, who["sue"], kind="human")
    assert (drawn["kind"], drawn["seed"], drawn["drawn"], drawn["scored"]) == ("human", "s1", 2, 0)
    c3 = review_of(drawn, history, "c3")
    assert (c3["kind"], c3["agent_name"], c3["team"], c3["channel"], c3["scored"]) == (
        "human", "Ann", "orders", "telegram", False)
    shown = await api.call("get", f"/api/reviews/{c3['id']}", who["ada"])
    assert shown.status == 200
    texts = [m["text"] for m in shown.body["messages"]]
    assert "anna.schmidt@example.com" not in str(texts) and "@e***.com" in str(texts)
    scored = await api.call("put", f"/api/reviews/{c3['id']}", who["sue"], json=RUBRIC)
    assert scored.status == 200 and scored.body["reviewer_name"] == "Sue" and scored.body["tone"] == 4
    other = await sample(api, who["ada"], kind="bot", size=1)
    assert other["drawn"] == 1 and other["reviews"][0]["kind"] == "bot"
    listed = (await api.call("get", "/api/reviews/samples", who["sue"])).body["samples"]
    assert [(s["id"], s["drawn"], s["scored"]) for s in listed] == [(other["id"], 1, 0), (drawn["id"], 2, 1)]
    assert (await api.call("get", f"/api/reviews/samples/{drawn['id']}", who["ada"])).body["scored"] == 1


async def test_only_the_reviewer_who_scored_changes_a_review(api: HubApi, db: HubDb, history: History) -> None:
    who = await tokens(api, db, history)
    c3 = review_of(await sample(api, who["sue"], kind="human"), history, "c3")
    assert (await api.call("put", f"/api/reviews/{c3['id']}", who["sue"], json=RUBRIC)).status == 200
    refused = await api.call("put", f"/api/reviews/{c3['id']}", who["ada"], json={**RUBRIC, "tone": 1})
    assert (refused.status, refused.code) == (403, "forbidden")
    changed = await api.call("put", f"/api/reviews/{c3['id']}", who["sue"], json={**RUBRIC, "correct": True, "note": ""})
    assert changed.status == 200 and changed.body["correct"] is True and changed.body["note"] is None
    assert changed.body["updated_at"] is not None
    async with db.uows() as uow:
        rows = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action.like("review_%"))
                                          .order_by(AuditEntry.id))).scalars().all()
    assert [(r.action, r.agent_id, r.subject, (r.details or {}).get("edited")) for r in rows] == [
        ("review_sampled", history.agents["Sue"].id, f"sample:{c3['sample_id']}", None),
        ("review_scored", history.agents["Sue"].id, f"review:{c3['id']}", False),
        ("review_scored", history.agents["Sue"].id, f"review:{c3['id']}", True),
    ]
    assert rows[2].details == {"kind": "human", "scores": {"resolved": True, "correct": True, "tone": 4}, "note": False,
                               "edited": True, "before": {"resolved": True, "correct": False, "tone": 4}}
    assert rows[2].ticket_id == history.tickets["t1"].id


async def test_agents_read_their_own_scored_reviews_only(api: HubApi, db: HubDb, history: History) -> None:
    who = await tokens(api, db, history)
    drawn = await sample(api, who["sue"])
    c3, c1 = review_of(drawn, history, "c3"), review_of(drawn, history, "c1")
    assert (await api.call("get", f"/api/reviews/{c3['id']}", who["ann"])).status == 404  # not scored yet
    await api.call("put", f"/api/reviews/{c3['id']}", who["sue"], json=RUBRIC)
    await api.call("put", f"/api/reviews/{c1['id']}", who["sue"], json=RUBRIC)
    mine = (await api.call("get", "/api/reviews/mine", who["ann"])).body["reviews"]
    assert [(r["id"], r["note"], r["reviewer_name"]) for r in mine] == [(c3["id"], RUBRIC["note"], "Sue")]
    assert (await api.call("get", f"/api/reviews/{c3['id']}", who["ann"])).status == 200
    assert (await api.call("get", "/api/reviews/mine", who["bob"])).body["reviews"] == []
    assert (await api.call("get", f"/api/reviews/{c3['id']}", who["bob"])).status == 404
    assert (await api.call("get", f"/api/reviews/{c1['id']}", who["ann"])).status == 404  # the bot's
    async with db.uows() as uow:
        views = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "view_transcript"))).scalars().all()
    assert [(v.agent_id, v.ticket_id, v.details) for v in views] == [
        (history.agents["Ann"].id, history.tickets["t1"].id, {"review": c3["id"]})]


async def test_the_supervisor_who_drew_a_sample_or_an_admin_discards_what_is_not_scored(
        api: HubApi, db: HubDb, history: History) -> None:
    who = await tokens(api, db, history)
    other = await api.login((await db.agent("Sam", role="supervisor")).email)
    ada_id = (await api.call("get", "/api/agent/me", who["ada"])).body["id"]
    drawn = await sample(api, who["sue"])
    c3 = review_of(drawn, history, "c3")
    await api.call("put", f"/api/reviews/{c3['id']}", who["sue"], json=RUBRIC)
    unscored = [review for review in drawn["reviews"] if review["id"] != c3["id"]]
    assert len(unscored) >= 2
    for path in (f"/api/reviews/{unscored[0]['id']}", f"/api/reviews/samples/{drawn['id']}"):
        refused = await api.call("delete", path, other)
        assert (refused.status, refused.code) == (403, "forbidden"), path
    scored = await api.call("delete", f"/api/reviews/{c3['id']}", who["sue"])
    assert (scored.status, scored.code) == (409, "already_scored")

    one = await api.call("delete", f"/api/reviews/{unscored[0]['id']}", who["sue"])
    assert one.status == 200 and one.body["sample"]["drawn"] == len(drawn["reviews"]) - 1
    assert unscored[0]["id"] not in [review["id"] for review in one.body["sample"]["reviews"]]
    rest = await api.call("delete", f"/api/reviews/samples/{drawn['id']}", who["ada"])
    assert rest.status == 200 and [review["id"] for review in rest.body["sample"]["reviews"]] == [c3["id"]]
    nothing = await api.call("delete", f"/api/reviews/samples/{drawn['id']}", who["sue"])
    assert (nothing.status, nothing.code) == (409, "already_scored")
    quality = (await api.call("get", f"/api/reports/quality?from={WEEK['from']}&to={WEEK['to']}", who["sue"])).body
    assert (quality["current"]["overall"]["reviewed"], quality["current"]["overall"]["pending"]) == (1, 0)

    # Discarded as if never drawn: a later sample may draw them; one discarded whole is gone.
    again = await sample(api, who["sue"], seed="s2")
    assert {r["conversation_id"] for r in again["reviews"]} == {r["conversation_id"] for r in unscored}
    gone = await api.call("delete", f"/api/reviews/samples/{again['id']}", who["sue"])
    assert gone.status == 200 and gone.body == {"sample": None}
    assert (await api.call("get", f"/api/reviews/samples/{again['id']}", who["sue"])).status == 404
    async with db.uows() as uow:
        rows = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "review_discarded")
                                          .order_by(AuditEntry.id))).scalars().all()
    assert [(r.agent_id, r.subject, r.details) for r in rows] == [
        (history.agents["Sue"].id, f"review:{unscored[0]['id']}",
         {"sample": drawn["id"], "reviews": [unscored[0]["id"]], "kept": len(drawn["reviews"]) - 1}),
        (ada_id, f"sample:{drawn['id']}", {"sample": drawn["id"], "reviews": [r["id"] for r in unscored[1:]], "kept": 1}),
        (history.agents["Sue"].id, f"sample:{again['id']}",
         {"sample": again["id"], "reviews": [r["id"] for r in again["reviews"]], "kept": 0}),
    ]


async def test_every_route_checks_its_role(api: HubApi, db: HubDb, history: History) -> None:
    who = await tokens(api, db, history)
    review_id = review_of(await sample(api, who["sue"]), history, "c3")["id"]
    supervisor_routes = [("post", "/api/reviews/samples", {**WEEK, "size": 1}), ("get", "/api/reviews/samples", None),
                         ("get", "/api/reviews/samples/1", None), ("put", f"/api/reviews/{review_id}", RUBRIC),
                         ("delete", f"/api/reviews/{review_id}", None), ("delete", "/api/reviews/samples/1", None)]
    agent_routes = [("get", "/api/reviews/mine", None), ("get", f"/api/reviews/{review_id}", None)]
    for method, path, body in supervisor_routes + agent_routes:
        assert (await api.call(method, path, **sent(body))).status == 401, path
    for method, path, body in supervisor_routes:
        assert (await api.call(method, path, who["ann"], **sent(body))).status == 403, path
    for token in (who["sue"], who["ada"]):
        for method, path, _body in agent_routes:
            assert (await api.call(method, path, token)).status == 200, path
    assert (await api.call("get", "/api/reviews/mine", who["ann"])).status == 200
    assert (await api.call("get", "/api/reviews/samples/999", who["sue"])).status == 404
    assert (await api.call("get", "/api/reviews/999", who["sue"])).status == 404
    assert (await api.call("delete", "/api/reviews/999", who["sue"])).status == 404
    assert (await api.call("delete", "/api/reviews/samples/999", who["sue"])).status == 404


def sent(body: dict[str, Any] | None) -> dict[str, Any]:
    return {"json": body} if body is not None else {}


@pytest.mark.parametrize("body", [
    {"size": 0}, {"size": 51}, {"size": "10"}, {"size": True}, {"kind": "robot"}, {"from": "yesterday"},
    {"to": None}, {"from": "2026-11-08", "to": "2026-11-02"}, {"team": "nobody"}, {"agent_id": "Ann"},
    {"seed": "a b"}, {"seed": "x" * 41},
])
async def test_bad_sample_requests_are_refused(api: HubApi, history: History, body: dict[str, Any]) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    answer = await api.call("post", "/api/reviews/samples", supervisor, json={**WEEK, **body})
    assert (answer.status, answer.code) == (400, "invalid_field"), answer


async def test_nothing_left_to_draw_and_unknown_agent(api: HubApi, history: History) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    await sample(api, supervisor)
    again = await api.call("post", "/api/reviews/samples", supervisor, json=WEEK)
    assert (again.status, again.code) == (400, "nothing_to_review")
    unknown = await api.call("post", "/api/reviews/samples", supervisor, json={**WEEK, "agent_id": 4242})
    assert unknown.status == 404


@pytest.mark.parametrize("body", [
    {}, {"resolved": "yes", "correct": True, "tone": 3}, {"resolved": True, "correct": None, "tone": 3},
    {"resolved": True, "correct": True, "tone": 6}, {"resolved": True, "correct": True, "tone": 0},
    {"resolved": True, "correct": True, "tone": 2.5}, {"resolved": True, "correct": True, "tone": True},
    {"resolved": True, "correct": True, "tone": 3, "note": 5},
    {"resolved": True, "correct": True, "tone": 3, "note": "x" * 2001},
])
async def test_bad_scores_are_refused(api: HubApi, history: History, body: dict[str, Any]) -> None:
    supervisor = await api.login(history.agents["Sue"].email)
    review_id = (await sample(api, supervisor))["reviews"][0]["id"]
    answer = await api.call("put", f"/api/reviews/{review_id}", supervisor, json=body)
    assert answer.status == 400 and answer.code in ("invalid_field", "text_too_long", "invalid_json"), answer
