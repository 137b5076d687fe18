"""The hub as the browser tests see it from outside: a shopper on the shopper API, and agent
accounts made through the admin API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from handoff.identity import sign
from tests.integration.servers import ROOT, Launcher, Server, free_port

IDENTITY_SECRET = "e2e-identity-secret"
ADMIN_EMAIL = "admin@shopdesk.test"
ADMIN_PASSWORD = "admin-password-e2e"


def signed_identity(email: str) -> dict[str, str | int]:
    expires = int(time.time()) + 3600
    return {"customer_email": email, "expires": expires, "signature": sign(IDENTITY_SECRET, email, expires)}


@dataclass
class Shopper:
    hub_url: str
    conversation_id: str
    token: str

    @classmethod
    def open(cls, hub_url: str, email: str | None = None) -> Shopper:
        body = {"channel": "api", **({"identity": signed_identity(email)} if email else {})}
        answer = httpx.post(f"{hub_url}/api/conversations", json=body, timeout=10)
        answer.raise_for_status()
        data = answer.json()
        return cls(hub_url, data["conversation_id"], data["token"])

    def say(self, text: str) -> list[dict]:
        answer = httpx.post(f"{self.hub_url}/api/conversations/{self.conversation_id}/messages",
                            json={"text": text}, headers=self._auth, timeout=30)
        answer.raise_for_status()
        return answer.json()["messages"]

    def messages(self) -> list[dict]:
        answer = httpx.get(f"{self.hub_url}/api/conversations/{self.conversation_id}/messages",
                           headers=self._auth, timeout=10)
        answer.raise_for_status()
        return answer.json()["messages"]

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class AgentAccount:
    hub_url: str
    id: int
    email: str
    password: str
    display_name: str

    def token(self) -> str:
        answer = httpx.post(f"{self.hub_url}/api/agent/login",
                            json={"email": self.email, "password": self.password}, timeout=10)
        answer.raise_for_status()
        return answer.json()["token"]

    def call(self, method: str, path: str, token: str, json: dict | None = None) -> httpx.Response:
        return httpx.request(method, f"{self.hub_url}{path}", json=json,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def go_offline(self) -> None:
        """So a later test's ticket is not auto-assigned to this test's agent."""
        token = self.token()
        self.call("PUT", "/api/agent/me/status", token, {"status": "offline"}).raise_for_status()
        self.call("POST", "/api/agent/logout", token).raise_for_status()


def create_agent(hub_url: str, display_name: str, role: str = "agent", teams: list[str] | None = None) -> AgentAccount:
    """`teams` keeps an agent who logs in from being given the "orders" tickets other tests left."""
    email = f"{display_name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@shopdesk.test"
    password = f"pw-{uuid.uuid4().hex}"
    with admin_session(hub_url) as admin:
        answer = admin.post("/api/admin/agents",
                            json={"email": email, "display_name": display_name, "password": password, "role": role,
                                  "teams": teams or []})
    answer.raise_for_status()
    return AgentAccount(hub_url, answer.json()["id"], email, password, display_name)


def create_canned(hub_url: str, shortcut: str, title: str, text: str) -> None:
    with admin_session(hub_url) as admin:
        admin.post("/api/agent/canned", json={"shortcut": shortcut, "title": title, "text": text}).raise_for_status()


@contextmanager
def admin_session(hub_url: str) -> Iterator[httpx.Client]:
    """Logged in as the admin, and logged out after, so the admin never looks online and is
    never given tickets by auto-assignment."""
    with httpx.Client(base_url=hub_url, timeout=10) as client:
        login = client.post("/api/agent/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        try:
            yield client
        finally:
            client.post("/api/agent/logout")


def shopdesk_cli(env: dict[str, str], *command: str) -> None:
    subprocess.run([sys.executable, "-m", "handoff.cli", *command], cwd=ROOT, env={**os.environ, **env}, check=True,
                   capture_output=True)


@contextmanager
def running_hub(work: Path, env: dict[str, str], port: int) -> Iterator[Server]:
    """`python -m hub` with `env` (its database made first, the first admin created), until the block ends."""
    shopdesk_cli({**env, "SHOPDESK_ADMIN_PASSWORD": ADMIN_PASSWORD}, "create-admin", "--email", ADMIN_EMAIL,
                 "--name", "Ada Admin")
    server = Launcher(logs=work, env=env).start("hub", [sys.executable, "-m", "hub"], port)
    try:
        server.wait_until_ready("/health", timeout=60)
        yield server
    finally:
        server.stop()


@contextmanager
def demo_history_hub(work: Path, bot: Any, days: int = 14, per_day: int = 40) -> Iterator[Server]:
    """A hub on SQLite whose database holds `shopdesk demo-history`, as a new user would fill it."""
    port = free_port()
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{work / 'hub.db'}", "RASA_URL": bot.url,
           "SHOPDESK_RASA_TOKEN": bot.secret, "SHOPDESK_PORT": str(port), "SHOPDESK_RATE_LIMITS": "logins=1000/900"}
    shopdesk_cli(env, "demo-history", "--days", str(days), "--per-day", str(per_day))
    with running_hub(work, env, port) as server:
        yield server


@contextmanager
def strict_page(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """A page whose uncaught errors, console errors and CSP violations fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url, **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert problems == [], problems


def sign_in(page: Any, account: AgentAccount) -> None:
    """Signs in on the console's page as that account."""
    page.goto("/console")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#agent-name")).to_have_text(account.display_name)

