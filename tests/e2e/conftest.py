"""Browser fixtures: the real hub (`python -m hub`, as `make run` starts it) on a free port with
a temp SQLite database, a seeded demo shop and a first admin made with the `shopdesk` CLI; a
Rasa-speaking fake bot; and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knowledge_base.shop.seed import seed_demo_shop
from tests.browsers import CHROMIUM_ARGS, require_chromium
from tests.e2e.desk import ADMIN_PASSWORD, IDENTITY_SECRET, AgentAccount, create_agent, running_hub
from tests.e2e.fake_rasa import ConsoleFakeRasa
from tests.integration.servers import Server, free_port


@pytest.fixture(scope="session")
def console_bot() -> Iterator[ConsoleFakeRasa]:
    server = ConsoleFakeRasa().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, console_bot: ConsoleFakeRasa) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("hub")
    shop_url = seed_demo_shop(f"sqlite:///{work / 'shop.db'}")
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'hub.db'}",
        "SHOP_DATABASE_URL": shop_url,
        "RASA_URL": console_bot.url,
        "SHOPDESK_RASA_TOKEN": console_bot.secret,
        "SHOPDESK_HOST": "127.0.0.1",
        "SHOPDESK_PORT": str(port),
        "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
        "SHOPDESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # Every test logs in from 127.0.0.1; the default (30 per 15 minutes) is for real clients.
        "SHOPDESK_RATE_LIMITS": "logins=1000/900",
    }
    with running_hub(work, env, port) as server:
        yield server


@pytest.fixture
def agent_factory(hub: Server) -> Iterator:
    made: list[AgentAccount] = []

    def make(display_name: str, role: str = "agent", teams: list[str] | None = None) -> AgentAccount:
        made.append(create_agent(hub.url, display_name, role, teams))
        return made[-1]

    yield make
    for account in made:
        account.go_offline()


# Module scope, not session: the sync Playwright API keeps an event loop running in this thread
# while it is open, and the suite's async tests (pytest-asyncio) cannot run meanwhile.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    chromium_path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that no test wants: script dialogs (alert) and uncaught errors."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.responses: list[str] = []  # the API calls the page made, shown when a test fails


@pytest.fixture
def console_page(browser, hub: Server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=hub.url)
    page = context.new_page()
    watch = PageWatch()

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("response", lambda response: watch.responses.append(f"{response.status} {response.request.method} "
                                                                f"{response.url}") if "/api/" in response.url else None)
    page.on("requestfailed", lambda request: watch.responses.append(f"FAILED {request.method} {request.url} "
                                                                     f"{request.failure}"))
    page.on("websocket", lambda ws: ws.on("close", lambda _: watch.responses.append("websocket closed")))
    page.on("pageerror", lambda error: watch.errors.append(f"{error}\n{error.stack}"))
    page.watch = watch
    yield page
    context.close()
    assert watch.errors == [], f"uncaught errors in the console: {watch.errors}\nAPI calls: {watch.responses}"
    assert watch.dialogs == [], f"the page opened script dialogs: {watch.dialogs}"
