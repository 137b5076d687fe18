"""The bot's Markdown in the agent's transcript, rendered as the shopper saw it in the widget (the
same renderer, DOM nodes only), and what people type left as typed (real hub, real Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.desk import Shopper
from tests.e2e.test_console import BEN, go_away, log_in, queue_card

pytestmark = pytest.mark.e2e


def test_the_agent_reads_the_bots_lists_tables_and_links(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Mira Holm"))
    go_away(page)
    shopper = Shopper.open(hub.url, BEN)
    shopper.say("what are my **options** for the jacket? <b>now</b>")
    shopper.say("I want a human about the jacket")
    queue_card(page, "about the jacket").click()

    bot = page.locator(".msg.bot").filter(has_text="Return it within 30 days")
    expect(bot.locator(".msg-md strong")).to_have_text("options")
    expect(bot.locator(".msg-md li")).to_have_text(["Return it within 30 days", "Exchange it for another size"])
    expect(bot.locator(".msg-md table th")).to_have_text(["Method", "Days"])
    expect(bot.locator(".msg-md table td")).to_have_text(["Standard", "3-5", "Express", "1-2"])
    # Styled by the widget's markdown.css, in the console's colours.
    expect(bot.locator(".msg-md table th").first).to_have_css("background-color", "rgb(243, 238, 252)")
    expect(bot.locator(".msg-md ul")).to_have_css("margin-top", "0px")
    link = bot.get_by_role("link", name="our returns policy")
    expect(link).to_have_attribute("href", "https://shop.example/returns")
    expect(link).to_have_attribute("target", "_blank")
    # HTML in a bot reply is text, never an element (and no script dialog opened: the fixture checks).
    expect(bot).to_contain_text("<img src=x onerror=alert(1)>")
    assert bot.locator("img").count() == 0

    # The shopper's own words are shown as typed: no Markdown, no HTML.
    said = page.locator(".msg.shopper").filter(has_text="for the jacket")
    expect(said.locator(".msg-text")).to_have_text("what are my **options** for the jacket? <b>now</b>")
    assert said.locator("strong, b").count() == 0
