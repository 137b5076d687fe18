"""A shop-signed identity counts only with the right signature and only until it expires; the
shopper API refuses a bad one, the widget carries on as a guest and says why."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from handoff.identity import InvalidIdentity, proven_email, sign
from handoff.models import Conversation
from handoff.settings import HubSettings
from hub.app import create_app
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb
from tests.handoff.hub_server import serve

SECRET = "the-shop-s-identity-secret"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EMAIL = "anna.schmidt@example.com"


def identity(email: str = EMAIL, expires_in: timedelta = timedelta(hours=1), secret: str = SECRET,
             now: datetime = NOW) -> dict[str, Any]:
    expires = int((now + expires_in).timestamp())
    return {"customer_email": email, "expires": expires, "signature": sign(secret, email, expires)}


def test_a_fresh_signed_identity_is_proven() -> None:
    assert proven_email(identity(), SECRET, NOW) == EMAIL
    assert proven_email(identity("Anna.Schmidt@Example.com "), SECRET, NOW) == EMAIL
    assert proven_email(None, SECRET, NOW) is None


@pytest.mark.parametrize("bad", [
    identity(expires_in=timedelta(hours=-1)),  # expired
    identity(expires_in=timedelta(days=30)),  # valid far too long
    identity(secret="someone-else-s-secret"),
    {**identity(), "customer_email": "vip@example.com"},  # signature of another email
    {**identity(), "expires": identity()["expires"] + 3600},  # lifetime stretched
    {"customer_email": EMAIL, "signature": "00"},  # the old, never-expiring form
    {"customer_email": EMAIL, "expires": True, "signature": "00"},
    "anna@example.com",
    {"customer_email": ["x"], "expires": 1, "signature": "x"},
])
def test_anything_else_is_refused_with_a_reason(bad: object) -> None:
    with pytest.raises(InvalidIdentity) as refused:
        proven_email(bad, SECRET, NOW)
    assert refused.value.code == "invalid_identity" and refused.value.message


def test_without_a_shop_secret_no_identity_counts() -> None:
    with pytest.raises(InvalidIdentity):
        proven_email(identity(), None, NOW)


async def test_the_shopper_api_refuses_a_stale_identity(hub_settings: HubSettings, db: HubDb) -> None:
    app = create_app(dataclasses.replace(hub_settings, identity_secret=SECRET), sweep=False)
    app.config.TOUCHUP = False
    api, now = HubApi(app), datetime.now(UTC)
    fresh = await api.call("post", "/api/conversations", json={"identity": identity(now=now)})
    stale = await api.call("post", "/api/conversations", json={"identity": identity(now=now - timedelta(days=1))})
    assert fresh.status == 201
    assert (stale.status, stale.code) == (400, "invalid_identity")


async def test_the_widget_carries_on_as_a_guest_and_says_why(hub_settings: HubSettings, db: HubDb) -> None:
    app = create_app(dataclasses.replace(hub_settings, identity_secret=SECRET), sweep=False)
    now = datetime.now(UTC)
    async with serve(app) as base:
        async with connect(base.replace("http", "ws") + "/webchat/ws") as ws:
            stale = identity(now=now - timedelta(days=1))
            await ws.send(json.dumps({"type": "hello", "last_seq": 0, "identity": stale}))
            welcome = json.loads(await ws.recv())
        async with connect(base.replace("http", "ws") + "/webchat/ws") as ws:
            await ws.send(json.dumps({"type": "hello", "last_seq": 0, "identity": identity(now=now)}))
            signed_in = json.loads(await ws.recv())
    assert welcome["type"] == "welcome" and welcome["token"] and "expired" in welcome["identity_refused"]
    assert signed_in["type"] == "welcome" and "identity_refused" not in signed_in
    async with db.uows() as uow:
        conversations = {c.id: c.customer_email for c in (await uow.session.execute(select(Conversation))).scalars()}
    assert conversations == {welcome["conversation_id"]: None, signed_in["conversation_id"]: EMAIL}
