"""The customer record in real Chromium: an agent sees the shopper's email and phone masked on the
customer panel, reveals the phone with a reason (kept in the audit log), tags and notes the
contact; a supervisor finds the contact in the list and reads the whole story on its page, in
full; an admin exports the shopper's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browsers import screenshot
from tests.e2e.desk import admin_session
from tests.e2e.test_console import BEN, MASKED_PHONE, go_away, hand_off, log_in, queue_card

pytestmark = pytest.mark.e2e
PHONE = "+44 7700 900123"


def search_contacts(page: Page, text: str) -> Locator:
    page.get_by_role("button", name="Contacts").click()
    dialog = page.locator("#contacts-dialog")
    dialog.get_by_label("Search contacts").fill(text)
    return dialog


def test_an_agent_sees_personal_data_masked_and_reveals_it_with_a_reason(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Ria Mask"))
    go_away(page)
    hand_off(hub.url, "a human please, contact record check")
    queue_card(page, "contact record check").click()
    details = page.locator("#details")
    expect(details.locator("#open-contact-page")).to_be_visible()
    expect(details).to_contain_text("b***@e***.com")
    expect(details).to_contain_text(MASKED_PHONE)
    expect(details).not_to_contain_text(BEN)
    expect(details).not_to_contain_text(PHONE)
    expect(page.locator("#transcript")).not_to_contain_text(BEN)

    details.get_by_role("button", name="Reveal phone").click()
    dialog = page.locator("#reveal-dialog")
    dialog.get_by_label("Reason").fill("why")
    dialog.get_by_role("button", name="Reveal").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Say why")
    dialog.get_by_label("Reason").fill("shopper asks for a call back")
    dialog.get_by_role("button", name="Reveal").click()
    expect(dialog).to_have_count(0)
    expect(details.locator('.contact-facts [data-field="phone"]')).to_contain_text(PHONE)
    expect(details.locator('.contact-facts [data-field="email"]')).to_contain_text("b***@e***.com")
    screenshot(page, "console-contact-revealed")

    details.get_by_label("Add a tag to the contact").fill("Wholesale")
    details.get_by_role("button", name="Tag", exact=True).click()
    expect(details.get_by_label("Contact tags")).to_contain_text("wholesale")
    details.get_by_label("Note about this customer").fill("prefers a call in the morning")
    details.get_by_role("button", name="Add note").click()
    expect(details.get_by_label("Notes about the customer")).to_contain_text("prefers a call in the morning")

    with admin_session(hub.url) as admin:
        entries = admin.get("/api/admin/audit?action=reveal").json()["entries"]
    assert entries[0]["details"] == {"fields": ["phone"], "reason": "shopper asks for a call back"}
    assert entries[0]["subject"].startswith("contact:") and entries[0]["agent"]["display_name"] == "Ria Mask"


def test_a_supervisor_finds_the_contact_and_reads_the_whole_story(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    hand_off(hub.url, "a human please, the whole story")
    sol = agent_factory("Sol Super", role="supervisor")
    log_in(page, sol)
    dialog = search_contacts(page, "carter")
    rows = dialog.locator("#contact-list .contact-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(BEN)  # supervisors have the personal data permission
    listed = sol.call("GET", "/api/contacts?q=carter", sol.token()).json()["contacts"][0]
    counts = [f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in
              ((listed["conversations"], "conversation"), (listed["tickets"], "ticket"))]
    expect(rows.first).to_contain_text(" · ".join(counts))  # "1 ticket", not "1 tickets"
    dialog.get_by_label("Filter by tier").select_option("new")
    expect(dialog.locator("#contact-list")).to_contain_text("No contacts match")
    dialog.get_by_label("Filter by tier").select_option("")
    rows.first.get_by_role("button", name="Ben Carter").click()
    contact_page = dialog.locator("#contact-page")
    expect(contact_page).to_contain_text("Ben Carter")
    expect(contact_page).to_contain_text(PHONE)
    expect(contact_page.locator("#contact-conversations li").first).to_contain_text("API")
    expect(contact_page.locator("#contact-conversations")).to_contain_text("#")
    expect(contact_page).to_contain_text("the shop's signed identity")
    expect(contact_page).not_to_contain_text("Export JSON")  # admins only
    screenshot(page, "console-contact-page")
    contact_page.locator("#contact-conversations button.link").first.click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#ticket-title")).to_have_text("Ben Carter")


def test_an_admin_exports_a_shoppers_data(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    hand_off(hub.url, "a human please, export my data")
    log_in(page, agent_factory("Ada Export", role="admin"))
    dialog = search_contacts(page, BEN)
    dialog.locator("#contact-list .contact-row").first.get_by_role("button", name="Ben Carter").click()
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Export JSON").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["contact"]["email"] == BEN
    assert download.value.suggested_filename == f"contact-{data['contact']['id']}.json"
    assert any("export my data" in (m["text"] or "") for c in data["conversations"] for m in c["messages"])
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Export CSV").click()
    assert f"contact,,,,,email,{BEN}" in Path(download.value.path()).read_text()
    assert download.value.suggested_filename == f"contact-{data['contact']['id']}.csv"
    dialog.get_by_role("button", name="Erase…").click()
    expect(dialog.locator("#erase-confirm")).to_be_visible()  # erasing takes a second, explicit click
