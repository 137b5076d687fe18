"""Schemathesis over the hub's own /openapi.json: every operation gets 25 generated requests
(valid and invalid bodies, odd path ids, huge numbers, odd strings) from a shopper and an admin,
against a real hub process on SQLite and on PostgreSQL, and none is answered with a server error."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from handoff.api.openapi import ROUTES
from knowledge_base.shop.seed import seed_demo_shop
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import POSTGRES_URL, skip_or_fail
from tests.integration.servers import Launcher, Server, free_port

ADMIN_EMAIL, ADMIN_PASSWORD = "fuzz.admin@shop.example", "a long admin password"
EXAMPLES = 25
# Where a generated request may end the admin's session (logout, a new password, a disabled account).
ENDS_SESSIONS = {"/api/agent/logout", "/api/agent/me/password", "/api/admin/agents/{agent_id}"}


@dataclass
class FuzzedHub:
    server: Server
    admin_token: str
    shopper_token: str

    def headers_for(self, path: str) -> dict[str, str]:
        token = self.shopper_token if path.startswith("/api/conversations") else self.admin_token
        return {"Authorization": f"Bearer {token}"}

    def fresh_admin(self) -> None:
        """The fuzzer may log the admin out or change its password: log in again when it did."""
        if httpx.get(f"{self.server.url}/api/agent/me", headers=self.headers_for("/api/agent"), timeout=10).status_code == 401:
            self.admin_token = _login(self.server.url)


def _login(url: str) -> str:
    answer = httpx.post(f"{url}/api/agent/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=30)
    return str(answer.json().get("token", "logged-out"))


def _postgres_database() -> Iterator[str]:
    admin_url = POSTGRES_URL.replace("+asyncpg", "")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL not reachable at {admin_url}: {error}")
    name = f"shopdesk_fuzz_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzzed_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedHub]:
    work = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    databases = iter([f"sqlite+aiosqlite:///{work / 'hub.db'}"]) if request.param == "sqlite" else _postgres_database()
    database_url = next(databases)
    shop = f"sqlite:///{work / 'shop.db'}"
    seed_demo_shop(shop)
    rasa = FakeRasa().start()
    port = free_port()
    launcher = Launcher(logs=work, env={
        "DATABASE_URL": database_url, "SHOP_DATABASE_URL": shop, "RASA_URL": rasa.url, "SHOPDESK_RASA_TOKEN": rasa.secret,
        "SHOPDESK_PORT": str(port), "SHOPDESK_RATE_LIMITS": "off", "SHOPDESK_LOGIN_FAILURES": "100000",
        "SHOPDESK_ADDRESS_LOGIN_FAILURES": "100000"})
    launcher.create_admin(database_url, ADMIN_EMAIL, "Fuzz Admin", ADMIN_PASSWORD)
    server = launcher.start("hub", [sys.executable, "-m", "hub"], port, ready_path="/health")
    try:
        server.wait_until_ready()
        opened = httpx.post(f"{server.url}/api/conversations", json={}, timeout=10).json()
        shopper = {"Authorization": f"Bearer {opened['token']}"}
        # A ticket to act on, so ticket routes meet a real one too (the fake bot hands off on "human").
        httpx.post(f"{server.url}/api/conversations/{opened['conversation_id']}/messages", json={"text": "a human please"},
                   headers=shopper, timeout=10)
        yield FuzzedHub(server, _login(server.url), opened["token"])
    finally:
        server.stop()
        rasa.stop()
        for _ in databases:  # drops the PostgreSQL database
            pass
    assert "Traceback" not in Path(server.log).read_text(), "the hub logged an unhandled error"


def test_no_request_gets_a_server_error(fuzzed_hub: FuzzedHub) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_hub.server.url}/openapi.json")
    failures: dict[str, str] = {}
    fuzzed = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        fuzzed.add(operation.label)
        try:
            _fuzz(operation, fuzzed_hub)
        except AssertionError as error:  # every operation is tried; all failures are reported together
            failures[operation.label] = str(error)[:2000]
    # Schemathesis leaves out the description it was loaded from.
    assert fuzzed == {f"{method.upper()} {path}" for method, path, *_ in ROUTES} - {"GET /openapi.json"}
    assert failures == {}


def _fuzz(operation: APIOperation, hub: FuzzedHub) -> None:
    # Valid requests and requests the schema forbids, as a careless or hostile client sends them.
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=hub.server.url, headers=hub.headers_for(case.path), checks=[not_a_server_error],
                               timeout=30)
        if case.path in ENDS_SESSIONS:
            hub.fresh_admin()

    call()
