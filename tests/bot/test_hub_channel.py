"""bot/hub_channel.py: the hub's token, checked by sanic_jwt as Rasa sets it up, and remembered
only until its `exp`."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from sanic import Sanic
from sanic_jwt import Initialize

from bot import hub_channel

SECRET = "a-secret-of-at-least-thirty-two-characters"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _token(secret: str = SECRET, **claims: Any) -> str:
    return jwt.encode({"user": {"username": "shopdesk-hub", "role": "admin"}, **claims}, secret, algorithm="HS256")


@pytest.fixture
def app() -> Any:
    asyncio.set_event_loop(asyncio.new_event_loop())
    app = Sanic(f"rasa{time.monotonic_ns()}")

    async def authenticate(*_: Any) -> None:
        return None

    # As rasa.server.create_app sets it up.
    app.config["USE_JWT"] = True
    Initialize(app, secret=SECRET, private_key=None, authenticate=authenticate, algorithm="HS256", user_id="username")
    checks: list[str] = []
    rasas = app.ctx.auth.is_authenticated

    async def counted(request: Any) -> bool:
        checks.append(request.headers.get("authorization"))
        return bool(await rasas(request))

    app.ctx.auth.is_authenticated = counted
    app.ctx.checks = checks
    return app


def _verdicts(app: Any, headers: list[str | None]) -> list[bool]:
    async def check_all() -> list[bool]:
        answers = []
        for header in headers:
            request = SimpleNamespace(app=app, headers={} if header is None else {"authorization": header},
                                      cookies={}, args={})
            answers.append(await hub_channel._authenticated(request))  # type: ignore[arg-type]
        return answers

    return asyncio.get_event_loop().run_until_complete(check_all())


def test_a_valid_token_is_checked_once_until_its_exp(app: Any) -> None:
    clock = Clock()
    app.ctx.shopdesk_verified_tokens = hub_channel.VerifiedTokens(clock=clock)
    header = f"Bearer {_token(exp=int(clock.now) + 600)}"
    assert _verdicts(app, [header] * 5) == [True] * 5
    assert app.ctx.checks == [header]
    clock.now += 599
    assert _verdicts(app, [header]) == [True]
    assert len(app.ctx.checks) == 1
    clock.now += 1  # at its exp: sanic_jwt decides again (its leeway still lets it in for a while)
    assert _verdicts(app, [header, header]) == [True, True]
    assert len(app.ctx.checks) == 3


def test_other_tokens_are_checked_as_rasa_checks_them(app: Any) -> None:
    now = int(time.time())
    good = f"Bearer {_token(exp=now + 600)}"
    forged = _token("another-secret-of-thirty-two-characters!", exp=now + 600)
    refused = [None, "Bearer", "Bearer not.a.jwt", f"Bearer {forged}", f"Token {_token(exp=now + 600)}",
               f"Bearer {_token(exp=now - 3600)}", f"Bearer {_token(exp=now + 600, nbf=now + 3600)}",
               good + " ", f"Bearer  {_token(exp=now + 600)}"]
    assert _verdicts(app, [good, *refused, good, *refused]) == [True, *[False] * len(refused)] * 2
    assert app.ctx.checks.count(good) == 1
    assert [check for check in app.ctx.checks if check != good] == refused * 2


def test_a_token_without_exp_or_before_its_nbf_is_checked_every_time(app: Any) -> None:
    now = int(time.time())
    forever, later = f"Bearer {_token()}", f"Bearer {_token(exp=now + 600, nbf=now + 3600)}"
    assert _verdicts(app, [forever, forever, later, later]) == [True, True, False, False]
    assert app.ctx.checks == [forever, forever, later, later]


def test_the_clock_going_back_checks_again(app: Any) -> None:
    clock = Clock()
    app.ctx.shopdesk_verified_tokens = hub_channel.VerifiedTokens(clock=clock)
    header = f"Bearer {_token(exp=int(clock.now) + 600)}"
    _verdicts(app, [header])
    clock.now -= 10
    _verdicts(app, [header])
    assert len(app.ctx.checks) == 2


def test_without_jwt_everything_is_refused(app: Any) -> None:
    app.config["USE_JWT"] = False
    assert _verdicts(app, [f"Bearer {_token(exp=int(time.time()) + 600)}"]) == [False]
