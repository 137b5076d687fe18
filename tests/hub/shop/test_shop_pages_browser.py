"""A product page the bot links to, in real Chromium: it shows the product under the hub's strict
page policy, and the chat is there to carry on."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from handoff.settings import HubSettings
from hub.app import create_app
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource
from tests.handoff.hub_server import serve
from tests.hub.channels.browser import browser
from tests.hub.channels.support import ShopFakeRasa
from tests.knowledge_base.shop.shop_testing import seeded_engine

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # fixture


async def test_a_product_page_shows_the_product_and_the_chat(browser: Browser, tmp_path: Path) -> None:
    engine = seeded_engine(tmp_path / "shop.db")
    rasa = ShopFakeRasa().start()
    source = SqlOrderSource(engine, ShopSettings(database_url=str(engine.url)))
    settings = HubSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url, rasa_token=rasa.secret)
    context = await browser.new_context()
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        async with serve(create_app(settings, shop=source, sweep=False)) as url:
            await page.goto(url + "/products/SH-600")
            await expect(page.get_by_role("heading", name="Trail Running Shoes")).to_be_visible()
            await expect(page.get_by_text("119.00 EUR")).to_be_visible()
            await page.get_by_role("button", name="Chat with us").click()
            await expect(page.get_by_text("What can I do for you?")).to_be_visible()
    finally:
        await context.close()
        rasa.stop()
        engine.dispose()
    assert problems == []
