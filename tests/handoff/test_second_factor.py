"""A second factor (TOTP) at login: required by a shop setting for supervisors and admins, who
enrol at their next login (the password proves them, the first right code finishes it) and get
recovery codes once; a code counts once, a recovery code works once; agents may enrol by choice;
an admin removes a lost one; all of it audited."""

from __future__ import annotations

import time

from sqlalchemy import select

from handoff import totp
from handoff.models import AuditEntry
from tests.handoff.api_client import HubApi
from tests.handoff.databases import PASSWORD, HubDb


async def login(api: HubApi, email: str, code: str | None = None) -> tuple[int, dict]:
    body = {"email": email, "password": PASSWORD, **({"code": code} if code is not None else {})}
    answer = await api.call("post", "/api/agent/login", json=body)
    return answer.status, answer.body


async def test_supervisors_enrol_at_login_when_the_shop_requires_it(api: HubApi, db: HubDb) -> None:
    admin = await db.agent("Root", role="admin", online=False)
    supervisor = await db.agent("Sue", role="supervisor", online=False)
    agent = await db.agent("Al", role="agent", online=False)
    admin_token = await api.login(admin.email)
    required = await api.call("put", "/api/admin/privacy", admin_token, json={"second_factor": {"roles": ["supervisor"]}})
    assert required.status == 200 and required.body["second_factor"]["roles"] == ["supervisor"]

    status, body = await login(api, supervisor.email)
    assert (status, body["error"]["code"]) == (401, "second_factor_enrolment")
    secret = body["enrolment"]["secret"]
    assert body["enrolment"]["uri"].startswith("otpauth://totp/ShopDesk%3A") and f"secret={secret}" in body["enrolment"]["uri"]
    assert (await login(api, supervisor.email, "000000"))[1]["error"]["code"] == "second_factor_wrong"
    # One time step for the whole test: a 30 s step that ends between two logins (under load the
    # test takes seconds) made "used already" a fresh code. The hub takes one step either side.
    now = time.time()
    status, body = await login(api, supervisor.email, totp.code_at(secret, now))
    assert status == 200 and body["token"] and len(body["recovery_codes"]) == 10
    recovery = body["recovery_codes"]

    status, body = await login(api, supervisor.email)
    assert (status, body["error"]["code"]) == (401, "second_factor_required") and "enrolment" not in body
    assert (await login(api, supervisor.email, totp.code_at(secret, now)))[0] == 401  # used already
    assert (await login(api, supervisor.email, totp.code_at(secret, now + 30)))[0] == 200  # the next one
    assert (await login(api, supervisor.email, recovery[0]))[0] == 200
    assert (await login(api, supervisor.email, recovery[0]))[0] == 401  # once
    assert (await login(api, "nobody@shop.example", "123456"))[0] == 401
    assert (await login(api, agent.email))[0] == 200  # agents are not required

    async with db.uows() as uow:
        rows = list((await uow.session.execute(select(AuditEntry.action, AuditEntry.details)
                                               .where(AuditEntry.subject == supervisor.email)
                                               .order_by(AuditEntry.id))).tuples())
    assert [(action, (details or {}).get("reason")) for action, details in rows] == [
        ("login_failed", "second_factor_enrolment"), ("login_failed", "second_factor_wrong"),
        ("second_factor_enrolled", None), ("login", None),
        ("login_failed", "second_factor_required"), ("login_failed", "second_factor_wrong"), ("login", None),
        ("login", None), ("login_failed", "second_factor_wrong")]

    removed = await api.call("delete", f"/api/admin/agents/{supervisor.id}/second-factor", admin_token)
    assert removed.status == 204
    assert (await api.call("delete", f"/api/admin/agents/{supervisor.id}/second-factor", admin_token)).status == 404
    status, body = await login(api, supervisor.email)
    assert body["error"]["code"] == "second_factor_enrolment" and body["enrolment"]["secret"] != secret


async def test_an_agent_may_enrol_by_choice_and_then_always_needs_it(api: HubApi, db: HubDb) -> None:
    agent = await db.agent("Al", role="agent", online=False)
    token = await api.login(agent.email)
    assert (await api.call("get", "/api/agent/me/second-factor", token)).body == {
        "enrolled": False, "required": False, "recovery_codes_left": 0}
    assert (await api.call("post", "/api/agent/me/second-factor/confirm", token, json={"code": "123456"})).status == 409
    started = await api.call("post", "/api/agent/me/second-factor", token)
    assert started.status == 200
    secret = started.body["secret"]
    wrong = await api.call("post", "/api/agent/me/second-factor/confirm", token, json={"code": "000000"})
    assert (wrong.status, wrong.code) == (400, "second_factor_wrong")
    assert (await api.call("post", "/api/agent/me/second-factor/confirm", token, json={"code": 5})).status == 400
    confirmed = await api.call("post", "/api/agent/me/second-factor/confirm", token,
                               json={"code": totp.code_at(secret, time.time())})
    assert confirmed.status == 200 and len(confirmed.body["recovery_codes"]) == 10
    assert (await api.call("post", "/api/agent/me/second-factor", token)).status == 409
    assert (await api.call("get", "/api/agent/me/second-factor", token)).body["recovery_codes_left"] == 10
    assert (await login(api, agent.email))[1]["error"]["code"] == "second_factor_required"
    assert (await login(api, agent.email, confirmed.body["recovery_codes"][3]))[0] == 200
    assert (await api.call("delete", f"/api/admin/agents/{agent.id}/second-factor", token)).status == 403
