"""The Manage screen in real Chromium against the real hub: an admin creates an agent who then signs
in, edits and deactivates them; changes a team and is told why one still in use cannot go; edits
a canned reply an agent then picks with "/"; sets an SLA target and sees a new ticket's due time
follow it; filters the audit log to the changes just made and exports it. An agent sees none of
it and the hub refuses them. Every name typed here comes back as text, never as markup."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from handoff import totp
from tests.browsers import screenshot
from tests.e2e.desk import ADMIN_EMAIL, ADMIN_PASSWORD, AgentAccount, admin_session
from tests.e2e.test_console import go_away, hand_off, log_in, queue_card

pytestmark = pytest.mark.e2e

MANAGEMENT_ROUTES = [("GET", "/api/admin/agents", None), ("POST", "/api/admin/agents", {"email": "x@y.z"}),
                     ("PATCH", "/api/admin/agents/1", {"capacity": 9}), ("POST", "/api/admin/teams", {"name": "x"}),
                     ("PATCH", "/api/admin/teams/1", {"title": "x"}), ("DELETE", "/api/admin/teams/1", None),
                     ("POST", "/api/agent/canned", {"shortcut": "x"}), ("PATCH", "/api/admin/canned/1", {"text": "x"}),
                     ("DELETE", "/api/agent/canned/1", None), ("GET", "/api/admin/sla", None),
                     ("PUT", "/api/admin/sla", {"targets": {}}), ("GET", "/api/admin/feedback", None),
                     ("PUT", "/api/admin/feedback", {"nps": {"enabled": True}}), ("GET", "/api/admin/audit", None),
                     ("GET", "/api/admin/audit/csv", None)]


def the_admin(hub) -> AgentAccount:
    return AgentAccount(hub.url, 0, ADMIN_EMAIL, ADMIN_PASSWORD, "Ada Admin")


def open_manage(page: Page, tab: str) -> None:
    if page.locator("#manage-view").is_hidden():
        page.get_by_role("button", name="Manage").click()
    page.get_by_role("tab", name=tab).click()
    expect(page.locator("#manage-body")).not_to_have_attribute("aria-busy", "true", timeout=15000)


def log_out(page: Page) -> None:
    """So the admin never looks online to the other tests' transfer dialogs."""
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-view")).to_be_visible()


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:6]}"


def test_an_agent_sees_no_management_and_the_hub_refuses_them(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    otto = agent_factory("Otto Field", teams=["returns"])
    log_in(page, otto)
    expect(page.locator("#open-manage")).to_be_hidden()
    expect(page.locator("#manage-view")).to_be_hidden()
    token = otto.token()
    for method, path, body in MANAGEMENT_ROUTES:
        answer = otto.call(method, path, token, body)
        assert answer.status_code == 403, (method, path, answer.text)


def test_a_supervisor_manages_canned_replies_and_reads_the_rest(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Sid Super", role="supervisor"))
    page.get_by_role("button", name="Reports").click()
    expect(page.locator("#reports-view")).to_be_visible()
    # The hub answers one request at a time per worker: the report first, on a busy machine.
    expect(page.locator("#report-body")).not_to_have_attribute("aria-busy", "true", timeout=30000)
    page.get_by_role("button", name="Manage").click()
    expect(page.locator("#reports-view")).to_be_hidden()  # one full-width screen at a time
    expect(page.locator("#manage-view")).to_be_visible()
    expect(page.get_by_role("button", name="Manage")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#manage-view [role=tab]")).to_have_text(
        ["Teams", "Canned replies", "SLA & hours", "Feedback", "Audit log"])
    open_manage(page, "Teams")
    expect(page.get_by_role("form", name="New team")).to_have_count(0)
    expect(page.locator("#manage-body")).to_contain_text("Only admins change teams.")
    open_manage(page, "SLA & hours")
    expect(page.get_by_label("Normal first response (minutes)")).to_be_disabled()
    expect(page.get_by_role("button", name="Save SLA settings")).to_have_count(0)
    open_manage(page, "Canned replies")
    expect(page.get_by_role("form", name="New canned reply")).to_be_visible()
    page.get_by_role("button", name="Back to tickets").click()
    expect(page.locator("#manage-view")).to_be_hidden()
    expect(page.get_by_role("tab", name=re.compile("Queue"))).to_be_visible()


def test_an_admin_creates_an_agent_who_then_signs_in_and_is_deactivated(browser, console_page: Page, hub) -> None:
    page = console_page
    log_in(page, the_admin(hub))
    open_manage(page, "Agents")
    email, password, name = f"{unique('rita')}@shopdesk.test", f"pw-{uuid.uuid4().hex}", "Rita <b>Novak</b>"
    form = page.get_by_role("form", name="New agent")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_label("Role").select_option("agent")
    form.get_by_label("Capacity").fill("2")
    form.get_by_label("Returns").check()
    form.get_by_role("button", name="Create agent").click()
    # Hashing the password (argon2, slow on purpose) takes seconds on a busy machine.
    expect(page.locator("#manage-flash")).to_contain_text(f"{name} can now sign in as {email}", timeout=20000)
    row = page.locator("#manage-body tr").filter(has_text=email)
    expect(row).to_contain_text("returns")
    expect(row).to_contain_text("0 / 2")
    expect(row.locator("td").first).to_have_text(name)  # the markup typed is text
    expect(page.locator("#manage-body b")).to_have_count(0)
    own = page.locator("#manage-body tr").filter(has_text=ADMIN_EMAIL)
    expect(own.get_by_role("button", name="Deactivate Ada Admin")).to_be_disabled()
    screenshot(page, "manage-agents")

    rita = AgentAccount(hub.url, 0, email, password, name)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=hub.url)
    try:
        other = context.new_page()
        log_in(other, rita)
        go_away(other)
        expect(other.locator("#open-manage")).to_be_hidden()
    finally:
        context.close()

    row.get_by_role("button", name=f"Edit {name}").click()
    editor = page.get_by_role("form", name=f"Edit {name}")
    editor.get_by_label("Capacity").fill("4")
    editor.get_by_label("Orders").check()
    editor.get_by_role("button", name="Save changes").click()
    expect(page.locator("#manage-flash")).to_contain_text("saved")
    expect(row).to_contain_text("0 / 4")
    expect(row).to_contain_text("orders, returns")

    deactivate = row.get_by_role("button", name=f"Deactivate {name}")
    deactivate.click()
    expect(deactivate).to_have_text("Confirm deactivation")
    deactivate.click()
    expect(row).to_contain_text("Deactivated")
    assert httpx.post(f"{hub.url}/api/agent/login", json={"email": email, "password": password}).status_code == 401
    row.get_by_role("button", name=f"Reactivate {name}").click()
    expect(row).to_contain_text("Active")
    rita.go_offline()  # she can sign in again

    # She lost the phone with her authenticator app: the admin removes her second factor.
    token = rita.token()
    secret = rita.call("POST", "/api/agent/me/second-factor", token).json()["secret"]
    rita.call("POST", "/api/agent/me/second-factor/confirm", token, {"code": totp.code_at(secret, time.time())}
              ).raise_for_status()
    page.get_by_role("tab", name="Teams").click()
    page.get_by_role("tab", name="Agents").click()
    expect(row).to_contain_text("second factor")
    reset = row.get_by_role("button", name=f"Reset second factor of {name}")
    reset.click()
    reset.click()
    expect(page.locator("#manage-flash")).to_contain_text("second factor is removed")
    expect(row).not_to_contain_text("second factor")
    assert rita.call("GET", "/api/agent/me/second-factor", token).json()["enrolled"] is False
    rita.call("PUT", "/api/agent/me/status", token, {"status": "offline"}).raise_for_status()
    rita.call("POST", "/api/agent/logout", token).raise_for_status()
    log_out(page)


def test_an_admin_changes_a_team_and_cannot_delete_one_in_use(console_page: Page, hub) -> None:
    page = console_page
    log_in(page, the_admin(hub))
    open_manage(page, "Teams")
    name = unique("vip")
    form = page.get_by_role("form", name="New team")
    form.get_by_label("Team name").fill(name)
    form.get_by_label("Title").fill("VIP care")
    form.get_by_label("Intents").fill("vip_request, complaint_vip")
    form.get_by_role("button", name="Create team").click()
    row = page.locator("#manage-body tr").filter(has_text=name)
    expect(row).to_contain_text("vip_request, complaint_vip")

    row.get_by_role("button", name="Edit team VIP care").click()
    editor = page.get_by_role("form", name="Edit team VIP care")
    editor.get_by_label("Team name").fill(f"{name}-x")
    editor.get_by_label("Title").fill("VIP customers")
    editor.get_by_role("button", name="Save team").click()
    row = page.locator("#manage-body tr").filter(has_text=f"{name}-x")
    expect(row).to_contain_text("VIP customers")

    with admin_session(hub.url) as admin:
        member = admin.post("/api/admin/agents", json={"email": f"{unique('val')}@shopdesk.test", "display_name": "Val Team",
                                                       "password": f"pw-{uuid.uuid4().hex}", "teams": [f"{name}-x"]})
        member.raise_for_status()
    page.get_by_role("tab", name="Agents").click()
    page.get_by_role("tab", name="Teams").click()
    row = page.locator("#manage-body tr").filter(has_text=f"{name}-x")
    delete = row.get_by_role("button", name="Delete team VIP customers")
    delete.click()
    delete.click()
    refusal = page.locator(".manage-status[data-kind=error]")
    expect(refusal).to_contain_text("still has 1 agent (Val Team)")
    screenshot(page, "manage-teams")
    expect(row).to_be_visible()

    with admin_session(hub.url) as admin:
        admin.patch(f"/api/admin/agents/{member.json()['id']}", json={"teams": []}).raise_for_status()
    delete.click()
    delete.click()
    expect(page.locator("#manage-flash")).to_contain_text("Team VIP customers deleted")
    expect(page.locator("#manage-body tr").filter(has_text=f"{name}-x")).to_have_count(0)
    log_out(page)


def test_an_admin_edits_a_canned_reply_that_an_agent_then_uses_with_slash(browser, console_page: Page, hub,
                                                                           agent_factory) -> None:
    page = console_page
    shortcut = unique("eta")
    log_in(page, the_admin(hub))
    open_manage(page, "Canned replies")
    form = page.get_by_role("form", name="New canned reply")
    expect(form).to_contain_text("{customer_name}")
    form.get_by_label("Shortcut").fill(shortcut)
    form.get_by_label("Title").fill("Refund timing")
    form.get_by_label("Reply text").fill("Your refund is on its way.")
    form.get_by_role("button", name="Create reply").click()
    row = page.locator("#manage-body tr").filter(has_text=f"/{shortcut}")
    expect(row).to_contain_text("Your refund is on its way.")

    row.get_by_role("button", name=f"Edit /{shortcut}").click()
    editor = page.get_by_role("form", name=f"Edit /{shortcut}")
    text = editor.get_by_label("Reply text")
    text.fill("Hi , your refund for order  arrives in 3 days.")
    text.evaluate("element => element.setSelectionRange(3, 3)")
    editor.get_by_role("button", name="{customer_name}").click()
    text.evaluate("element => { const at = element.value.indexOf('order ') + 6; element.setSelectionRange(at, at); }")
    editor.get_by_role("button", name="{order_number}").click()
    expect(text).to_have_value("Hi {customer_name}, your refund for order {order_number} arrives in 3 days.")
    editor.get_by_role("button", name="Save reply").click()
    expect(page.locator("#manage-flash")).to_contain_text(f"/{shortcut} saved")
    expect(row.locator(".placeholder")).to_have_text(["{customer_name}", "{order_number}"])
    screenshot(page, "manage-canned")
    log_out(page)

    agent = agent_factory("Uma Slash")
    log_in(page, agent)
    go_away(page)
    hand_off(hub.url, "a human please, where is my refund for the canned test")
    queue_card(page, "refund for the canned test").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Assigned to you")
    composer = page.locator("#composer-text")
    expect(composer).to_be_enabled()
    composer.press_sequentially(f"/{shortcut}")
    expect(page.locator("#slash-list")).to_contain_text("Refund timing")
    composer.press("Enter")
    expect(composer).to_have_value("Hi Ben, your refund for order 10042 arrives in 3 days.")


def test_an_sla_target_set_in_the_console_is_a_new_tickets_due_time(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, the_admin(hub))
    open_manage(page, "SLA & hours")
    try:
        page.get_by_label("Normal first response (minutes)").fill("7")
        page.get_by_label("Normal resolution (minutes)").fill("120")
        page.get_by_label("Open on Saturday").uncheck()
        page.get_by_role("button", name="Save SLA settings").click()
        expect(page.locator("#manage-flash")).to_contain_text("SLA settings saved")
        expect(page.get_by_label("Normal first response (minutes)")).to_have_value("7")
        screenshot(page, "manage-sla")
        log_out(page)

        watcher = agent_factory("Sol Clock")
        log_in(page, watcher)
        go_away(page)
        hand_off(hub.url, "a human please, the sla follows the target", email=None)
        card = queue_card(page, "the sla follows the target")
        expect(card.locator(".sla")).to_contain_text(re.compile(r"First reply in [67]m"))
        ticket_id = int(card.get_attribute("data-ticket-id"))
        shown_due = datetime.fromisoformat(card.locator(".sla").get_attribute("data-due"))
        token = watcher.token()  # a login puts one online: only now, the card has been read
        ticket = watcher.call("GET", f"/api/agent/tickets/{ticket_id}", token).json()
        opened = datetime.fromisoformat(ticket["created_at"])
        due = datetime.fromisoformat(ticket["first_response_due"])
        assert (due - opened).total_seconds() == 7 * 60
        assert (datetime.fromisoformat(ticket["resolution_due"]) - opened).total_seconds() == 120 * 60
        assert shown_due == due
    finally:
        with admin_session(hub.url) as admin:
            admin.put("/api/admin/sla", json={"targets": {"normal": {"first_response_minutes": 60,
                                                                     "resolution_minutes": 1440}}}).raise_for_status()


def test_the_nps_question_turned_on_in_manage_follows_a_rating_and_shows_in_reports(console_page: Page, hub,
                                                                                    agent_factory) -> None:
    page = console_page
    log_in(page, the_admin(hub))
    open_manage(page, "Feedback")
    try:
        asked = page.get_by_label(re.compile("recommend us to a friend"))
        expect(asked).not_to_be_checked()
        asked.check()
        page.get_by_role("button", name="Save feedback settings").click()
        expect(page.locator("#manage-flash")).to_contain_text("shoppers are asked the NPS question")
        expect(page.get_by_label(re.compile("recommend us to a friend"))).to_be_checked()
        screenshot(page, "manage-feedback")
        log_out(page)

        rita = agent_factory("Rita Score")
        log_in(page, rita)
        shopper = hand_off(hub.url, "a human please, then I score you", email=None)
        page.get_by_role("tab", name="All open").click()
        card = queue_card(page, "then I score you")
        ticket_id = int(card.get_attribute("data-ticket-id"))
        token = rita.token()
        if rita.call("GET", f"/api/agent/tickets/{ticket_id}", token).json()["status"] == "queued":
            rita.call("POST", f"/api/agent/tickets/{ticket_id}/claim", token).raise_for_status()
        card.click()
        page.get_by_role("button", name="Resolve").click()
        expect(page.locator("#ticket-meta")).to_contain_text("Resolved")
        shopper.say('/csat{"rating": 5}')
        question = shopper.messages()[-1]
        assert question["text"].startswith("Thank you! How likely are you to recommend us")
        assert [b["title"] for b in question["buttons"]] == [str(n) for n in range(11)]
        shopper.say('/nps{"score": 9}')
        expect(page.locator("#transcript .msg.shopper").last).to_have_text(re.compile(r"Would recommend: 9/10"))
        assert "/nps" not in page.locator("#transcript").inner_text()
        shopper.say("no thanks")
        log_out(page)

        sue = agent_factory("Sue Score", role="supervisor")
        log_in(page, sue)
        page.get_by_role("button", name="Reports").click()
        page.get_by_role("tab", name="Service").click()
        expect(page.locator("#report-body")).not_to_have_attribute("aria-busy", "true", timeout=30000)
        nps = sue.call("GET", "/api/reports/service", sue.token()).json()["current"]["nps"]
        assert nps["responses"] >= 1 and nps["distribution"]["9"] >= 1
        shown = f"{'+' if nps['score'] > 0 else '−' if nps['score'] < 0 else ''}{abs(nps['score']):.1f}"
        expect(page.locator(".figure").filter(has_text="NPS").locator(".figure-value")).to_have_text(shown)
        expect(page.locator(".report-section").filter(has_text="Would recommend us")).to_contain_text(
            f"{nps['responses']} answers")
        screenshot(page, "reports-nps")
    finally:
        with admin_session(hub.url) as admin:
            admin.put("/api/admin/feedback", json={"nps": {"enabled": False}}).raise_for_status()


def test_business_hours_set_in_the_console_move_a_due_time_to_the_next_opening(console_page: Page, hub,
                                                                                agent_factory) -> None:
    page = console_page
    log_in(page, the_admin(hub))
    open_manage(page, "SLA & hours")
    # Open only the day after tomorrow (UTC), 10:00 to 12:00: a ticket now is due when it opens.
    opening = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    day = opening.strftime("%A")
    try:
        page.get_by_label("Keep business hours").check()
        page.get_by_label("Time zone").fill("UTC")
        for other in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
            page.get_by_label(f"Open on {other}").set_checked(other == day)
        page.get_by_label(f"{day} opens").fill("10:00")
        page.get_by_label(f"{day} closes").fill("12:00")
        page.get_by_role("button", name="Save SLA settings").click()
        expect(page.locator("#manage-flash")).to_contain_text("SLA settings saved")
        expect(page.get_by_label(f"Open on {day}")).to_be_checked()
        log_out(page)

        watcher = agent_factory("Bea Hours")
        log_in(page, watcher)
        go_away(page)
        hand_off(hub.url, "a human please, we are closed today", email=None)
        card = queue_card(page, "we are closed today")
        shown_due = datetime.fromisoformat(card.locator(".sla").get_attribute("data-due"))
        assert shown_due == opening
        expect(card.locator(".sla")).to_contain_text(re.compile(r"First reply in (\d+h \d+m|\dd \d+h)"))
    finally:
        with admin_session(hub.url) as admin:
            hours = admin.get("/api/admin/sla").json()["business_hours"]
            admin.put("/api/admin/sla", json={"business_hours": {**hours, "enabled": False}}).raise_for_status()


def test_an_admin_filters_the_audit_log_to_the_changes_just_made_and_exports_it(console_page: Page, hub) -> None:
    page = console_page
    page.context.set_default_timeout(10000)
    log_in(page, the_admin(hub))
    shortcut = unique("audit")
    open_manage(page, "Canned replies")
    form = page.get_by_role("form", name="New canned reply")
    form.get_by_label("Shortcut").fill(shortcut)
    form.get_by_label("Title").fill("=HYPERLINK(\"x\") <img src=x>")
    form.get_by_label("Reply text").fill("Thanks for waiting.")
    form.get_by_role("button", name="Create reply").click()
    row = page.locator("#manage-body tr").filter(has_text=f"/{shortcut}")
    row.get_by_role("button", name=f"Edit /{shortcut}").click()
    editor = page.get_by_role("form", name=f"Edit /{shortcut}")
    editor.get_by_label("Reply text").fill("Thanks for your patience.")
    editor.get_by_role("button", name="Save reply").click()
    expect(page.locator("#manage-flash")).to_contain_text("saved")

    open_manage(page, "Audit log")
    page.get_by_label("Filter by actor").select_option(label="Ada Admin")
    page.get_by_label("Filter by subject").fill(shortcut)
    today = datetime.now().date().isoformat()
    page.get_by_label("From date").fill(today)
    page.get_by_label("To date").fill(today)
    rows = page.locator(".audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Canned changed")
    expect(rows.nth(0).locator(".audit-details")).to_have_text("text: Thanks for waiting. → Thanks for your patience.")
    expect(rows.nth(1)).to_contain_text("Canned created")
    expect(rows.nth(1).locator(".audit-details")).to_contain_text('title: =HYPERLINK("x") <img src=x>')
    expect(page.locator(".audit-table img")).to_have_count(0)
    page.get_by_label("Filter by action").select_option("canned_changed")
    expect(rows).to_have_count(1)
    # Each filter's text has room (the selects' padding clipped "Anyone"'s y, as the reports' did).
    room = page.locator(".report-filters select").evaluate_all("""found => found.map(e => {
        const s = getComputedStyle(e);
        return e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom) - 1.15 * parseFloat(s.fontSize); })""")
    assert len(room) == 2 and min(room) >= 0, room
    screenshot(page, "manage-audit")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [(row["action"], row["subject"], row["actor"]) for row in exported] == [("canned_changed", shortcut, "Ada Admin")]
    # An export cut short at its limit (the hub's headers, here added to its real answer) says so.
    def cut_short(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, headers={**answer.headers, "x-shopdesk-truncated": "50000",
                                                "x-shopdesk-next-before-id": "7"})
    page.route("**/api/admin/audit/csv?*", cut_short)
    with page.expect_download():
        page.get_by_role("button", name="Export CSV").click()
    expect(page.get_by_role("status").filter(has_text="newest 50,000 matching entries")).to_be_visible()
    page.unroute("**/api/admin/audit/csv?*")

    page.get_by_label("Filter by subject").fill("audit_log")
    page.get_by_label("Filter by action").select_option("export")
    expect(rows.first).to_contain_text("Export")
    expect(rows.first.locator(".audit-details")).to_contain_text(f"q: {shortcut}")

    # More than a page of entries: the older ones come a page at a time.
    for _ in range(60):
        with admin_session(hub.url) as admin:
            if len(admin.get("/api/admin/audit?limit=60").json()["entries"]) >= 60:
                break
    page.get_by_label("Filter by subject").fill("")
    page.get_by_label("Filter by action").select_option("")
    page.get_by_label("Filter by actor").select_option("")
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Load older entries").click()
    expect(rows).not_to_have_count(50)
    ids = [int(value) for value in rows.evaluate_all("rows => rows.map(row => row.dataset.auditId)")]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), "newest first, no entry twice"
    log_out(page)
