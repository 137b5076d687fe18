"""The agent console in real headless Chromium against the real hub: tickets are made the way they
really are (a shopper on the shopper API asks the bot for a human), everything else is clicks and
keys in the page, and what the shopper receives is read back from the shopper API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browsers import screenshot
from tests.e2e.desk import AgentAccount, Shopper, create_canned

pytestmark = pytest.mark.e2e

BEN = "ben.carter@example.com"
MASKED_PHONE = "+** **** ***123"


def log_in(page: Page, account: AgentAccount) -> None:
    page.goto("/console")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#agent-name")).to_have_text(account.display_name)


def go_away(page: Page) -> None:
    """Away agents get no tickets by auto-assignment, so new tickets stay in the queue."""
    toggle = page.get_by_role("switch")
    expect(toggle).to_have_attribute("aria-checked", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "false")
    expect(toggle).to_contain_text("Away")


def hand_off(hub_url: str, text: str = "this is ridiculous, I want a human", email: str | None = BEN) -> Shopper:
    shopper = Shopper.open(hub_url, email)
    shopper.say("where is my parcel")
    shopper.say(text)
    return shopper


def queue_card(page: Page, text: str):
    return page.locator("#ticket-list .ticket-card").filter(has_text=text)


def test_agent_handles_a_ticket_from_queue_to_resolved(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    anna = agent_factory("Anna Berg")
    create_canned(hub.url, "order", "Order lookup", "Hi {customer_name}, I'm checking order {order_number} now.")

    page.goto("/console")
    page.get_by_label("Email").fill(anna.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#login-error")).not_to_be_empty()
    expect(page.locator("#app-view")).to_be_hidden()

    log_in(page, anna)
    go_away(page)
    shopper = hand_off(hub.url)

    card = queue_card(page, shopper_preview := "this is ridiculous, I want a human")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Ben Carter")
    expect(card).to_contain_text("Asked for a person")
    expect(card).to_contain_text("VIP")
    expect(card.locator(".sla")).to_contain_text(re.compile(r"First reply in \d+m"))
    waited = card.locator(".since").inner_text()
    expect(card.locator(".since")).not_to_have_text(waited, timeout=3000)  # ticks without a reload

    card.click()
    expect(page.locator("#ticket-title")).to_have_text("Ben Carter")
    transcript = page.locator("#transcript")
    expect(transcript.locator(".msg.shopper").filter(has_text=shopper_preview)).to_be_visible()
    expect(transcript.locator(".msg.bot").first).to_contain_text("I can help with orders")
    expect(transcript.locator(".msg.signal")).to_have_text(
        re.compile(r"Escalated: Asked for a person, normal, anger 0\.91 — ridiculous"))
    details = page.locator("#details")
    expect(details).to_contain_text("Identity verified")
    # An agent's role has no personal data permission: the phone shows masked (revealing: test_console_contacts.py).
    expect(details).to_contain_text(MASKED_PHONE)
    expect(details).not_to_contain_text("+44 7700 900123")
    expect(details.locator(".order").filter(has_text="#10003")).to_contain_text("Delivered")
    expect(details).to_contain_text("Check order status")
    expect(page.locator("#composer-text")).to_be_disabled()

    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Assigned to you")
    expect(transcript.locator(".msg.system").last).to_contain_text("Anna Berg joined")
    expect(queue_card(page, shopper_preview)).to_have_count(0)
    expect(page.locator("#mine-count")).to_have_text("1")

    page.get_by_role("button", name="Canned replies").click()
    page.get_by_role("button", name=re.compile("Order lookup")).click()
    expect(page.locator("#composer-text")).to_have_value(re.compile(r"^Hi Ben"))
    page.locator("#composer-text").fill("Hi Ben, I'm Anna.\nLet me look at your parcel.")
    page.locator("#composer-text").press("Enter")
    expect(transcript.locator(".msg.agent").last).to_contain_text("Let me look at your parcel.")
    expect(page.locator("#composer-text")).to_have_value("")
    assert any(m["author_kind"] == "agent" and m["text"] == "Hi Ben, I'm Anna.\nLet me look at your parcel."
               for m in shopper.messages())

    shopper.say("thanks, it is order 10003")
    expect(transcript.locator(".msg.shopper").last).to_contain_text("thanks, it is order 10003")

    page.get_by_role("radio", name="Internal note").check()
    page.locator("#composer-text").fill("Customer is VIP, be quick")
    page.locator("#composer-text").press("Enter")
    expect(page.locator("#notes-list")).to_contain_text("Customer is VIP, be quick")
    assert all("be quick" not in (m["text"] or "") for m in shopper.messages())
    screenshot(page, "console-conversation")

    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Resolved")
    expect(page.locator("#mine-count")).to_have_text("0")
    expect(queue_card(page, shopper_preview)).to_have_count(0)
    assert any("rate" in (m["text"] or "") for m in shopper.messages())
    shopper.say("5")
    expect(page.locator("#ticket-meta")).to_contain_text("Resolved · rated 5/5")


def test_message_html_is_shown_as_text_and_runs_nothing(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Chris Doe"))
    go_away(page)
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> I want a human'
    hand_off(hub.url, hostile, email=None)

    card = queue_card(page, "<script>alert(1)</script>")
    expect(card).to_be_visible()
    card.click()
    message = page.locator("#transcript .msg.shopper").filter(has_text="<img src=x")
    expect(message).to_contain_text(hostile)
    assert page.locator("#app-view img, #app-view script").count() == 0
    page.get_by_role("radio", name="Internal note").check()
    page.locator("#composer-text").fill('<b onmouseover="alert(3)">bold</b>')
    page.locator("#composer-text").press("Enter")
    expect(page.locator("#notes-list")).to_contain_text('<b onmouseover="alert(3)">bold</b>')
    assert page.locator("#notes-list b").count() == 0
    page.wait_for_timeout(300)  # give any injected handler a chance to fire (the fixture checks)


def test_claim_lost_to_a_colleague_names_them_inline(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    dana, ben = agent_factory("Dana Fox"), agent_factory("Ben Okafor")
    held_back: list[str] = []

    def hold_assignments(ws) -> None:
        # Ben's claim lands between Dana's look and Dana's click: the push that would have hidden
        # the Claim button is held back, as if it were still on its way.
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"ticket.assigned"' in message:
                held_back.append(message)
            else:
                ws.send(message)

        server.on_message(to_page)

    page.route_web_socket(re.compile(r"/api/agent/ws"), hold_assignments)
    ben_token = ben.token()
    ben.call("PUT", "/api/agent/me/status", ben_token, {"status": "away"}).raise_for_status()
    log_in(page, dana)
    go_away(page)
    hand_off(hub.url, "I want a human about my refund")
    queue_card(page, "about my refund").click()
    ticket_id = int(page.locator("#ticket-meta .ticket-id").inner_text().lstrip("#"))
    ben.call("POST", f"/api/agent/tickets/{ticket_id}/claim", ben_token).raise_for_status()

    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#action-error")).to_have_text("Ticket already claimed by Ben Okafor.")
    expect(page.locator("#ticket-meta")).to_contain_text("Held by Ben Okafor")
    expect(page.get_by_role("button", name="Claim")).to_be_hidden()
    assert held_back, "the held-back push should have been sent by the hub"


def test_session_survives_reload_and_logout_ends_it(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    eve = agent_factory("Eve Stone")
    log_in(page, eve)
    page.reload()
    expect(page.locator("#agent-name")).to_have_text("Eve Stone")
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_feed_reconnects_after_the_socket_drops(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    sockets = []

    def relay(ws) -> None:
        sockets.append(ws)
        ws.connect_to_server()

    page.route_web_socket(re.compile(r"/api/agent/ws"), relay)
    log_in(page, agent_factory("Femi Ade"))
    go_away(page)
    sockets[-1].close(code=1011, reason="hub restarting")
    expect(page.locator("#connection")).to_contain_text("Reconnecting")
    expect(page.locator("#connection")).to_have_text("Live", timeout=10_000)
    assert len(sockets) == 2
    hand_off(hub.url, "I need a human after the reconnect")
    expect(queue_card(page, "after the reconnect")).to_be_visible()


def test_transfer_to_a_colleague_and_snooze(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    gil, hana = agent_factory("Gil Moss"), agent_factory("Hana Ito", teams=["returns"])
    log_in(page, gil)
    go_away(page)
    hand_off(hub.url, "a human please, about my invoice")
    hand_off(hub.url, "a human please, about my size exchange", email=None)

    queue_card(page, "about my size exchange").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Assigned to you")
    queue_card(page, "about my invoice").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Assigned to you")
    transferred = int(page.locator("#ticket-meta .ticket-id").inner_text().lstrip("#"))
    hana_token = hana.token()  # online now; her team's queue is empty, so nothing is given to her
    page.get_by_role("button", name="Transfer…").click()
    dialog = page.get_by_role("dialog", name="Transfer ticket")
    dialog.get_by_label("Agent", exact=True).select_option(value=str(hana.id))
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#ticket-meta")).to_contain_text("Held by Hana Ito")
    expect(page.locator("#composer-text")).to_be_disabled()
    expect(page.locator("#mine-count")).to_have_text("1")  # the size exchange

    page.get_by_role("tab", name=re.compile("Mine")).click()
    queue_card(page, "about my size exchange").click()
    page.get_by_role("button", name="Snooze…").click()
    dialog = page.get_by_role("dialog", name="Snooze ticket")
    dialog.get_by_label("1 hour").check()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#ticket-meta")).to_contain_text("snoozed")
    held = hana.call("GET", "/api/agent/tickets?status=assigned&mine=true", hana_token).json()["tickets"]
    assert transferred in [ticket["id"] for ticket in held]


def test_actions_wait_until_the_ticket_has_loaded(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Ines Roy"))
    go_away(page)
    hand_off(hub.url, "a human for my first question")
    hand_off(hub.url, "a human for my second question", email=None)
    queue_card(page, "my first question").click()
    expect(page.locator("#ticket-title")).to_have_text("Ben Carter")
    held: list[Any] = []
    # A lambda, not held.append: Playwright calls route handlers it can inspect.
    page.route(re.compile(r"/api/agent/tickets/\d+$"), lambda route: held.append(route))  # noqa: PLW0108

    queue_card(page, "my second question").click()
    expect(page.get_by_role("button", name="Claim")).to_be_disabled()  # not a claim on the first one
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page should have asked for the second ticket"
    held[0].continue_()
    expect(page.locator("#ticket-title")).to_have_text("Guest shopper")
    expect(page.get_by_role("button", name="Claim")).to_be_enabled()
