"""Real headless Chromium (Debian's package, driven by Playwright) on the demo page, against a real
hub with a fake Rasa: the fixtures and helpers the widget's browser tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright

from tests.browsers import CHROMIUM_ARGS, require_chromium
from tests.hub.channels.support import RunningHub, running_hub


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    chromium = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path) as running:
        yield running


@pytest.fixture
async def page(browser: Browser, hub: RunningHub) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 375, "height": 740})
    page = await context.new_page()
    # The demo page runs under the hub's strict policy: the widget must need nothing inline.
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    await page.goto(hub.url + "/")
    await page.get_by_role("button", name="Chat with us").click()
    yield page
    await context.close()
    assert blocked == [], f"the page broke the content security policy or threw: {blocked}"


async def say(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


def log(page: Page) -> Locator:
    return page.get_by_role("log", name="Conversation")


async def conversation_id(page: Page, hub: RunningHub) -> str:
    saved = await page.evaluate(f"JSON.parse(localStorage.getItem('shopdesk:{hub.url}'))")
    return saved["conversationId"]


