"""Logins are throttled per account and per address, sessions end when a password changes or an
account is disabled, and every client is rate-limited (429 with Retry-After, nothing stored)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import pytest
from sanic import Sanic

from handoff.errors import TooManyRequests
from handoff.limits import DEFAULT_LIMITS, Limit, RateLimiter
from handoff.settings import HubSettings, SettingsError
from hub.app import create_app
from tests.handoff.api_client import Answer, HubApi
from tests.handoff.databases import PASSWORD, HubDb


def hub(settings: HubSettings, **changes: Any) -> HubApi:
    app: Sanic = create_app(dataclasses.replace(settings, **changes), sweep=False)
    app.config.TOUCHUP = False
    return HubApi(app)


async def login(api: HubApi, email: str, password: str = PASSWORD) -> Answer:
    return await api.call("post", "/api/agent/login", json={"email": email, "password": password})


async def test_wrong_passwords_lock_the_account_even_for_the_right_one(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna")
    for _ in range(db.settings.login_failures):
        assert (await login(api, anna.email, "wrong password!")).status == 401
    locked = await login(api, anna.email)
    assert (locked.status, locked.code) == (429, "rate_limited")
    ben = await db.agent("Ben")
    assert (await login(api, ben.email)).status == 200, "another account is not affected"


async def test_a_successful_login_starts_the_count_afresh(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna")
    for _ in range(db.settings.login_failures - 1):
        await login(api, anna.email, "wrong password!")
    assert (await login(api, anna.email)).status == 200
    for _ in range(db.settings.login_failures - 1):
        await login(api, anna.email, "wrong password!")
    assert (await login(api, anna.email)).status == 200


async def test_one_address_trying_many_accounts_is_stopped(hub_settings: HubSettings, db: HubDb) -> None:
    api = hub(hub_settings, address_login_failures=4)
    for number in range(4):
        await login(api, f"guess{number}@shop.example", "wrong password!")
    anna = await db.agent("Anna")
    answer = await login(api, anna.email)
    assert answer.status == 429


async def test_a_throttled_login_says_when_to_come_back(hub_settings: HubSettings, db: HubDb) -> None:
    api = hub(hub_settings, login_failures=2)
    anna = await db.agent("Anna")
    for _ in range(2):
        await login(api, anna.email, "wrong password!")
    _request, response = await api.app.asgi_client.post("/api/agent/login", json={"email": anna.email, "password": PASSWORD})
    assert response.status == 429
    assert 1 <= int(response.headers["retry-after"]) <= hub_settings.login_window.total_seconds()


async def test_changing_a_password_ends_the_other_sessions(api: HubApi, db: HubDb) -> None:
    anna = await db.agent("Anna")
    phone, laptop = await api.login(anna.email), await api.login(anna.email)
    wrong = await api.call("put", "/api/agent/me/password", laptop,
                           json={"current_password": "not it at all", "new_password": "a new long password"})
    assert (wrong.status, wrong.code) == (400, "wrong_password")
    changed = await api.call("put", "/api/agent/me/password", laptop,
                             json={"current_password": PASSWORD, "new_password": "a new long password"})
    assert changed.status == 204
    assert (await api.call("get", "/api/agent/me", phone)).status == 401
    assert (await api.call("get", "/api/agent/me", laptop)).status == 200
    assert (await login(api, anna.email)).status == 401
    assert (await login(api, anna.email, "a new long password")).status == 200


async def test_an_admin_resetting_a_password_or_disabling_an_account_ends_its_sessions(api: HubApi, db: HubDb) -> None:
    admin = await db.agent("Ada", role="admin")
    anna, ben = await db.agent("Anna"), await db.agent("Ben")
    boss, anna_token, ben_token = await api.login(admin.email), await api.login(anna.email), await api.login(ben.email)
    reset = await api.call("patch", f"/api/admin/agents/{anna.id}", boss, json={"password": "reset by the admin"})
    assert reset.status == 200
    disabled = await api.call("patch", f"/api/admin/agents/{ben.id}", boss, json={"active": False})
    assert disabled.status == 200
    assert (await api.call("get", "/api/agent/me", anna_token)).status == 401
    assert (await api.call("get", "/api/agent/me", ben_token)).status == 401
    assert (await api.call("get", "/api/agent/me", boss)).status == 200


async def test_one_client_cannot_open_a_thousand_conversations(hub_settings: HubSettings, db: HubDb) -> None:
    api = hub(hub_settings, rate_limits={**DEFAULT_LIMITS, "conversations": Limit(5, 600)})
    statuses = [(await api.call("post", "/api/conversations", json={})).status for _ in range(8)]
    assert statuses == [201] * 5 + [429] * 3


async def test_a_flooding_shopper_is_limited_and_nothing_of_the_flood_is_stored(hub_settings: HubSettings, db: HubDb) -> None:
    api = hub(hub_settings, rate_limits={**DEFAULT_LIMITS, "messages": Limit(3, 60)})
    shopper = await api.shopper()
    answers = [await shopper.say(f"message {n}") for n in range(5)]
    assert [a.status for a in answers] == [200, 200, 200, 429, 429]
    assert answers[3].code == "rate_limited"
    stored = [m["text"] for m in await shopper.messages() if m["author_kind"] == "shopper"]
    assert stored == ["message 0", "message 1", "message 2"]
    other = await api.shopper()
    assert (await other.say("hello")).status == 200, "another conversation has its own allowance"


async def test_limits_can_be_switched_off(hub_settings: HubSettings, db: HubDb) -> None:
    api = hub(hub_settings, rate_limits={})
    assert {(await api.call("post", "/api/conversations", json={})).status for _ in range(70)} == {201}


def test_the_limiter_allows_bursts_then_one_request_per_interval() -> None:
    now = [0.0]
    limiter = RateLimiter({"messages": Limit(3, 30)}, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("messages", "a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("messages", "a")
    assert refused.value.retry_after == pytest.approx(10)
    now[0] = 10.0
    limiter.check("messages", "a")
    with pytest.raises(TooManyRequests):
        limiter.check("messages", "a")
    limiter.check("messages", "b")
    limiter.check("unlimited-kind", "a")


def test_the_limiter_forgets_the_oldest_keys_past_its_size() -> None:
    limiter = RateLimiter({"conversations": Limit(1, 60)}, max_keys=10)
    for key in range(20):
        limiter.check("conversations", str(key))
    limiter.check("conversations", "0")  # forgotten, so allowed again


def test_rate_limits_are_configured_in_one_variable() -> None:
    base = {"SHOPDESK_VAR_DIR": "/tmp/x"}
    assert HubSettings.from_env(base).rate_limits == DEFAULT_LIMITS
    assert HubSettings.from_env({**base, "SHOPDESK_RATE_LIMITS": "off"}).rate_limits == {}
    changed = HubSettings.from_env({**base, "SHOPDESK_RATE_LIMITS": "messages=40/60, logins=5/300"}).rate_limits
    assert changed["messages"] == Limit(40, 60) and changed["logins"] == Limit(5, 300)
    assert changed["conversations"] == DEFAULT_LIMITS["conversations"]
    for bad in ("messages=40", "nonsense=1/2", "messages=0/60", "messages=a/b"):
        with pytest.raises(SettingsError):
            HubSettings.from_env({**base, "SHOPDESK_RATE_LIMITS": bad})


def test_a_request_exactly_at_the_allowance_is_let_in_whatever_the_clock_reads() -> None:
    # Large monotonic readings made `now + 60 - now - 60` come out above zero and refuse a first request.
    for reading in (0.0, 44.75428951333793, 990.1794041710099, 32718.034548765874):
        limiter = RateLimiter({"conversations": Limit(1, 60)}, clock=functools.partial(float, reading))
        limiter.check("conversations", "a")
        with pytest.raises(TooManyRequests):
            limiter.check("conversations", "a")
