"""What a shopper first sees in the widget, in real Chromium: the greeting and its starter buttons,
the bot's Markdown (lists, tables, bold, links) rendered safely, clickable links in people's
replies, and a page view that never opens the chat costing the hub nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select

from handoff.models import Conversation
from tests.hub.channels.browser import browser, conversation_id, hub, log, page, say
from tests.hub.channels.support import Agent, RunningHub

pytestmark = pytest.mark.e2e
__all__ = ["browser", "hub", "page"]  # fixtures


async def conversations(hub: RunningHub) -> int:
    async with hub.app.ctx.services.uows() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Conversation)) or 0)


async def test_the_chat_opens_with_a_greeting_and_starter_buttons_the_bot_understands(page: Page, hub: RunningHub) -> None:
    greeting = log(page).locator(".sd-msg--bot").first
    await expect(greeting).to_contain_text("I can check an order, track a parcel, start a return")
    starters = page.get_by_role("group", name="Suggested replies")
    await expect(starters.get_by_role("button")).to_have_text(
        ["Where is my order?", "Return something", "Shipping costs and times"])
    conversation = await conversation_id(page, hub)
    assert hub.rasa.messages_from(conversation) == []  # the greeting cost no bot turn

    await starters.get_by_role("button", name="Where is my order?").click()
    await expect(log(page).locator(".sd-msg--shopper .sd-text")).to_have_text(["Where is my order?"])
    await expect(log(page).get_by_text("bot heard: /order_status")).to_be_visible()
    assert hub.rasa.messages_from(conversation) == ["/order_status"]

    await page.reload()
    await page.get_by_role("button", name="Chat with us").click()
    await expect(log(page).get_by_text("What can I do for you?")).to_have_count(1)
    assert await conversation_id(page, hub) == conversation


async def test_a_visit_that_never_opens_the_chat_starts_no_conversation(browser: Browser, hub: RunningHub) -> None:
    context = await browser.new_context()
    visitor = await context.new_page()
    await visitor.goto(hub.url + "/")
    await expect(visitor.get_by_role("button", name="Chat with us")).to_be_visible()
    await visitor.wait_for_timeout(500)
    assert await conversations(hub) == 0
    await visitor.get_by_role("button", name="Chat with us").click()
    await expect(log(visitor).get_by_text("What can I do for you?")).to_be_visible()
    assert await conversations(hub) == 1
    await context.close()


async def test_the_bots_markdown_becomes_lists_tables_bold_and_safe_links(page: Page) -> None:
    await say(page, "how fast do you ship")
    answer = log(page).locator(".sd-msg--bot").last
    await expect(answer.locator("table")).to_be_visible()
    assert await answer.locator("th").all_inner_texts() == ["Destination", "Carrier", "Delivery time"]
    assert await answer.locator("tbody tr").first.locator("td").all_inner_texts() == ["Germany", "DHL", "1–3 working days"]
    await expect(answer.locator("strong")).to_have_text("14:00")
    await expect(answer.locator("em")).to_have_text("same day")
    await expect(answer.locator("code")).to_have_text("WELCOME10")
    await expect(answer.locator("code")).to_have_css("font-size", "13px")  # markdown.css, served with widget.css
    await expect(answer.locator("th").first).to_have_css("background-color", "rgb(241, 243, 249)")
    await expect(answer.locator("ul > li")).to_have_count(2)
    await expect(answer.locator("ol > li")).to_have_count(2)

    links = answer.locator("a")
    await expect(links).to_have_count(2)
    dhl = answer.get_by_role("link", name="at DHL")
    assert await dhl.get_attribute("href") == "https://www.dhl.com/track?id=1&x=2"
    assert await dhl.get_attribute("target") == "_blank"
    assert set((await dhl.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"}
    product = answer.get_by_role("link", name="https://shop.example/products/SH-600")
    assert await product.get_attribute("href") == "https://shop.example/products/SH-600"  # the full stop is not part of it
    await expect(answer).to_contain_text("Never this one nor that")  # javascript: and data: links keep only their words

    await expect(answer).to_contain_text('<b>not bold</b> <img src=x onerror="window.pwned=1">')
    assert await answer.locator("img, b, script").count() == 0
    assert await page.evaluate("window.pwned") is None


async def test_links_in_an_agents_reply_are_clickable_and_markup_stays_text(page: Page, hub: RunningHub) -> None:
    await say(page, "a person please")
    await expect(log(page).get_by_text("Connecting you to a person")).to_be_visible()
    agent = await Agent.sign_up(hub, "Anna")
    words = "Your label: https://shop.example/labels/R-20001.pdf, **thanks** <i>x</i>"
    try:
        await agent.take_and_reply(await conversation_id(page, hub), words)
    finally:
        await agent.close()
    reply = log(page).locator(".sd-msg--agent")
    await expect(reply.get_by_role("link")).to_have_attribute("href", "https://shop.example/labels/R-20001.pdf")
    await expect(reply.locator(".sd-text")).to_have_text(words)
    assert await reply.locator("strong, i").count() == 0


async def test_a_link_opens_the_page_in_a_new_tab_without_access_to_the_chat(page: Page) -> None:
    await say(page, "how fast do you ship")
    link = log(page).locator(".sd-msg--bot").last.get_by_role("link", name="at DHL")
    await expect(link).to_be_visible()
    # Offline: the tab opens but the outside site is never reached from the test machine.
    await page.context.route("https://www.dhl.com/**", lambda route: route.fulfill(body="<p>DHL</p>", content_type="text/html"))
    async with page.context.expect_page() as opened:
        await link.click()
    tab = await opened.value
    await tab.wait_for_load_state()
    assert tab.url == "https://www.dhl.com/track?id=1&x=2"
    assert await tab.evaluate("window.opener") is None
