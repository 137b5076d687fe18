"""The widget in real headless Chromium (Debian's package, driven by Playwright) on the demo page,
against a real hub with a fake Rasa."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.hub.channels.browser import browser, conversation_id, hub, log, page, say
from tests.hub.channels.support import ORDER_ANSWER, Agent, RunningHub, ask_nps

pytestmark = pytest.mark.e2e
__all__ = ["browser", "hub", "page"]  # fixtures


async def test_asking_where_an_order_is_gets_the_answer(page: Page) -> None:
    await say(page, "where is my order 10002?")
    await expect(log(page).get_by_text(ORDER_ANSWER)).to_be_visible()
    await expect(log(page).get_by_text("where is my order 10002?")).to_have_count(1)


async def test_asking_for_a_person_shows_the_queue_and_the_agents_reply(page: Page, hub: RunningHub) -> None:
    await say(page, "I want to talk to a person")
    await expect(log(page).get_by_text("Connecting you to a person")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="You're number 1 in line")).to_be_visible()
    agent = await Agent.sign_up(hub, "Anna")
    try:
        await agent.take_and_reply(await conversation_id(page, hub), "Hi, Anna here. Let me check that order.")
    finally:
        await agent.close()
    reply = log(page).locator(".sd-msg--agent")
    await expect(reply).to_have_count(1)
    await expect(reply.locator(".sd-author")).to_have_text("Anna")
    await expect(reply.locator(".sd-text")).to_have_text("Hi, Anna here. Let me check that order.")
    await expect(log(page).get_by_text("Anna joined the conversation.")).to_be_visible()
    await expect(page.get_by_text("Anna from our team is helping you")).to_be_visible()


async def test_a_reload_keeps_the_conversation_and_its_history(page: Page, hub: RunningHub) -> None:
    await say(page, "where is my order 10002?")
    await expect(log(page).get_by_text(ORDER_ANSWER)).to_be_visible()
    before = await conversation_id(page, hub)
    await page.reload()
    await page.get_by_role("button", name="Chat with us").click()
    await expect(log(page).get_by_text(ORDER_ANSWER)).to_have_count(1)
    await expect(log(page).get_by_text("where is my order 10002?")).to_have_count(1)
    assert await conversation_id(page, hub) == before
    await say(page, "thanks")
    await expect(log(page).get_by_text("bot heard: thanks")).to_be_visible()


async def test_messages_written_while_the_connection_is_down_arrive_once(page: Page, hub: RunningHub) -> None:
    await say(page, "a person please")
    await expect(page.get_by_role("status").filter(has_text="You're number 1 in line")).to_be_visible()
    conversation = await conversation_id(page, hub)
    agent = await Agent.sign_up(hub, "Anna")
    try:
        ticket = await agent.take_and_reply(conversation, "Anna here.")
        await expect(log(page).get_by_text("Anna here.")).to_be_visible()

        await page.context.set_offline(True)
        await hub.app.ctx.webchat.close_all(conversation)
        await expect(page.get_by_text("Connection lost")).to_be_visible()
        await say(page, "written offline one")
        await say(page, "written offline two")
        await agent.call("POST", f"/api/agent/tickets/{ticket}/messages", {"text": "sent while you were away"})
        await page.context.set_offline(False)

        for text in ("written offline one", "written offline two", "sent while you were away"):
            await expect(log(page).get_by_text(text)).to_have_count(1)
        await expect(log(page).locator(".sd-msg--pending")).to_have_count(0)
        await expect(page.get_by_text("Connection lost")).to_be_hidden()
        transcript = await agent.call("GET", f"/api/agent/tickets/{ticket}/messages?after=0")
    finally:
        await agent.close()
    texts = [m["text"] for m in transcript["messages"]]
    assert texts.count("written offline one") == texts.count("written offline two") == 1
    seqs = [m["seq"] for m in transcript["messages"]]
    assert seqs == sorted(set(seqs))


async def test_html_in_any_message_is_shown_as_text_never_run(page: Page, hub: RunningHub) -> None:
    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    await say(page, attack)
    await expect(log(page).get_by_text("bot heard: " + attack)).to_be_visible()
    await expect(log(page).locator(".sd-msg--shopper .sd-text")).to_have_text(attack)
    await say(page, "human please")
    await expect(log(page).get_by_text("Connecting you to a person")).to_be_visible()
    agent = await Agent.sign_up(hub, "<b>Anna</b>")
    try:
        await agent.take_and_reply(await conversation_id(page, hub), '<a href="javascript:alert(1)">click</a>')
    finally:
        await agent.close()
    await expect(log(page).locator(".sd-msg--agent .sd-text")).to_have_text('<a href="javascript:alert(1)">click</a>')
    await expect(log(page).locator(".sd-msg--agent .sd-author")).to_have_text("<b>Anna</b>")
    assert await log(page).locator("img, script, a, b").count() == 0
    assert await page.evaluate("window.pwned") is None


async def test_bot_buttons_become_quick_replies_and_the_rating_is_asked(page: Page, hub: RunningHub) -> None:
    await say(page, "hello")
    track = page.get_by_role("group", name="Suggested replies").get_by_role("button", name="Track")
    await track.click()
    await expect(log(page).locator(".sd-msg--shopper .sd-text").last).to_have_text("Track")
    await say(page, "a person please")
    agent, ticket = await _resolved_by_anna(page, hub)
    try:
        rating = page.get_by_role("group", name="Rate the help you got, 1 (poor) to 5 (excellent)")
        await expect(rating.get_by_role("button")).to_have_count(5)
        await rating.get_by_role("button", name="Rate 5 of 5, excellent").click()
        await expect(log(page).get_by_text("Is there anything you'd like to tell us")).to_be_visible()
        detail = await agent.call("GET", f"/api/agent/tickets/{ticket}")
    finally:
        await agent.close()
    assert detail["csat"]["rating"] == 5


async def test_with_the_nps_question_on_the_rating_is_followed_by_0_to_10_buttons(page: Page, hub: RunningHub) -> None:
    await ask_nps(hub)
    await say(page, "a person please")
    agent, ticket = await _resolved_by_anna(page, hub)
    try:
        rating = page.get_by_role("group", name="Rate the help you got, 1 (poor) to 5 (excellent)")
        await rating.get_by_role("button", name="Rate 4 of 5, very good").click()
        await expect(log(page).get_by_text("How likely are you to recommend us to a friend")).to_be_visible()
        scores = page.get_by_role("group", name="How likely you are to recommend us, 0 (not at all) to 10 (extremely)")
        await expect(scores.get_by_role("button")).to_have_text([str(n) for n in range(11)])
        await scores.get_by_role("button", name="9 of 10").click()
        await expect(log(page).get_by_text("Is there anything you'd like to tell us")).to_be_visible()
        await expect(log(page).locator(".sd-msg--shopper .sd-text").last).to_have_text("9")
        detail = await agent.call("GET", f"/api/agent/tickets/{ticket}")
    finally:
        await agent.close()
    assert (detail["csat"]["rating"], detail["csat"]["nps"]) == (4, 9)


async def _resolved_by_anna(page: Page, hub: RunningHub) -> tuple[Agent, int]:
    """The shopper asked for a person: Anna takes the conversation, replies and resolves it."""
    await expect(log(page).get_by_text("Connecting you to a person")).to_be_visible()
    agent = await Agent.sign_up(hub, "Anna")
    ticket = await agent.take_and_reply(await conversation_id(page, hub), "All sorted!")
    await agent.call("POST", f"/api/agent/tickets/{ticket}/resolve")
    return agent, ticket


async def test_keyboard_and_screen_reader_use_on_a_phone_sized_screen(browser: Browser, hub: RunningHub) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 667})
    page = await context.new_page()
    await page.goto(hub.url + "/")
    launcher = page.get_by_role("button", name="Chat with us")
    await launcher.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Trailhead Supply support")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_label("Your message")).to_be_focused()
    box = await dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] <= 375
    await expect(log(page)).to_have_attribute("aria-live", "polite")
    await page.keyboard.type("where is my order 10002?")
    await page.keyboard.press("Enter")
    await expect(log(page).get_by_text(ORDER_ANSWER)).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(launcher).to_be_focused()
    await context.close()
