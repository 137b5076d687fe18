"""The Reports screen in Chromium, as a supervisor uses it: a hub whose database holds two weeks
of demo history (`shopdesk demo-history`, as a new user would run it), the figures the hub
computed, plots drawn by the vendored uPlot under the console's CSP, the heat map, the agents
table, the topics' spikes and a CSV export that lands in the audit log. Agents do not see the screen."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from handoff.api.shopper import CHANNEL_NAME as SHOPPER_API
from hub.channels.telegram_outbox import CHANNEL_NAME as TELEGRAM
from hub.channels.webchat_sessions import CHANNEL_NAME as WEBCHAT
from tests.browsers import screenshot
from tests.e2e.desk import create_agent, demo_history_hub, sign_in, strict_page
from tests.e2e.fake_rasa import ConsoleFakeRasa
from tests.integration.servers import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reports_hub(tmp_path_factory: pytest.TempPathFactory, console_bot: ConsoleFakeRasa) -> Iterator[Server]:
    # 30 days, as `make run` writes: the default two weeks and the two before both have history.
    with demo_history_hub(tmp_path_factory.mktemp("reports-hub"), console_bot, days=30) as server:
        yield server


@pytest.fixture
def reports_page(browser, reports_hub: Server) -> Iterator[Page]:
    with strict_page(browser, reports_hub.url, accept_downloads=True) as page:
        yield page


def the_report(hub: Server, token: str, name: str, channel: str = "") -> dict:
    today = datetime.now(UTC).date()
    query = f"from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}&channel={channel}"
    answer = httpx.get(f"{hub.url}/api/reports/{name}?{query}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def signed(score: float) -> str:
    """An NPS as the console writes it: +38.5, −12.0, 0.0."""
    return f"{'+' if score > 0 else '−' if score < 0 else ''}{abs(score):.1f}"


def test_an_agent_sees_no_reports(reports_page: Page, reports_hub: Server) -> None:
    sign_in(reports_page, create_agent(reports_hub.url, "Otto Agent"))
    expect(reports_page.locator("#open-reports")).to_be_hidden()


def test_a_supervisor_reads_the_reports_and_exports_one(reports_page: Page, reports_hub: Server) -> None:
    page = reports_page
    boss = create_agent(reports_hub.url, "Sue Supervisor", role="supervisor")
    token = boss.token()
    sign_in(page, boss)
    page.get_by_role("button", name="Reports").click()
    today = datetime.now(UTC).date()  # the console takes the UTC day, as the reports count
    expect(page.get_by_label("From")).to_have_value((today - timedelta(days=13)).isoformat())
    expect(page.get_by_label("To", exact=True)).to_have_value(today.isoformat())
    expect(page.locator(".figure").filter(has_text="Conversations").locator(".figure-change")).to_contain_text("vs before")
    # The last week, so the week before (also in the two weeks of demo history) is there to compare with.
    page.get_by_label("From").fill((datetime.now(UTC).date() - timedelta(days=6)).isoformat())

    bot = the_report(reports_hub, token, "bot")["current"]
    containment = page.locator(".figure").filter(has_text="Containment").first
    expect(containment.locator(".figure-value")).to_have_text(f"{bot['overall']['containment'] * 100:.1f}%")
    expect(page.locator(".figure-change").first).to_contain_text("vs before")
    expect(page.locator("#report-body .uplot canvas").first).to_be_visible()
    top_intent = bot["per_intent"][0]["key"].replace("_", " ")
    expect(page.locator(".report-table").first.locator("tbody tr").first).to_contain_text(top_intent, ignore_case=True)
    negative = bot["negative_feedback"]
    answers = page.locator(".report-section").filter(has_text="Answers followed by negative feedback")
    expect(answers).to_contain_text(f"{negative['negative']} of the bot's {negative['answers']} answers")
    expect(answers.locator("tbody tr").first).to_contain_text(negative["per_intent"][0]["key"].replace("_", " "),
                                                              ignore_case=True)
    screenshot(page, "reports-bot")
    # The channel filter offers the channels the hub's conversations carry (it offered "web", which none
    # had: the widget's are "webchat", the shopper API's "api"), and narrows the figures to one.
    channels = page.locator("#report-channel option").evaluate_all("found => found.map(o => o.value)")
    assert channels == ["", WEBCHAT, TELEGRAM, SHOPPER_API]
    page.get_by_label("Channel", exact=True).select_option(label="Web chat")
    web = the_report(reports_hub, token, "bot", WEBCHAT)["current"]["overall"]
    assert 0 < web["conversations"] < bot["overall"]["conversations"]
    expect(containment.locator(".figure-value")).to_have_text(f"{web['containment'] * 100:.1f}%")
    page.get_by_label("Channel", exact=True).select_option("")
    expect(containment.locator(".figure-value")).to_have_text(f"{bot['overall']['containment'] * 100:.1f}%")

    page.get_by_role("tab", name="Service").click()
    service = the_report(reports_hub, token, "service")["current"]
    expect(page.locator(".figure").filter(has_text="CSAT").locator(".figure-value")).to_have_text(
        f"{service['csat']['average']:g} / 5")  # as JavaScript writes it: 4, not 4.0
    # The demo shoppers answered the NPS question: the score (signed, 1 place) against the week before.
    nps, nps_before = service["nps"], the_report(reports_hub, token, "service")["previous"]["nps"]
    score = page.locator(".figure").filter(has_text="NPS")
    expect(score.locator(".figure-value")).to_have_text(signed(nps["score"]))
    expect(score.locator(".figure-change")).to_contain_text(f"{abs(nps['score'] - nps_before['score']):.1f} pts vs before")
    compared = page.locator(".report-table").filter(has_text="NPS against the period before").locator("tbody tr")
    for row, key in enumerate(("promoters", "passives", "detractors", "responses")):
        for column, figures in ((1, nps), (2, nps_before)):  # "57 (61%)": the count, then its share of the answers
            expect(compared.nth(row).locator("td").nth(column)).to_have_text(re.compile(rf"^{figures[key]}( \(\d+%\))?$"))
    expect(compared.nth(4)).to_contain_text(signed(nps_before["score"]))
    expect(page.locator("#report-body .uplot canvas").first).to_be_visible()

    page.get_by_role("tab", name="Agents").click()
    expect(page.locator(".report-table tbody tr").filter(has_text="Mia (demo)")).to_have_count(1)

    page.get_by_role("tab", name="Volume").click()
    expect(page.locator(".heatmap").first.locator(".heat-cell")).to_have_count(168)
    screenshot(page, "reports-volume")

    page.get_by_role("tab", name="Topics").click()
    topics = the_report(reports_hub, token, "topics")["current"]
    gaps = page.locator(".report-section").filter(has_text="Knowledge gaps")
    expect(gaps.locator("tbody tr").first).to_contain_text(topics["knowledge_gaps"][0]["topic"])
    causes = page.locator(".report-section").filter(has_text="Complaint causes")
    expect(causes.locator("h2")).to_have_text(f"Complaint causes ({topics['complaint_causes']['tickets']} tickets)")
    expect(causes.locator("tbody tr")).to_have_count(len(topics["complaint_causes"]["causes"]))
    # The demo history's last week has a carrier's and a product's spike; spikes are listed first.
    spikes = page.locator(".report-section").filter(has_text="Spikes").locator("tbody tr").first
    expect(spikes).to_contain_text(topics["spikes"][0]["key"])
    expect(spikes).to_contain_text("Spike")
    screenshot(page, "reports-topics")

    page.get_by_role("tab", name="Staffing").click()
    expect(page.locator("#report-body .uplot canvas")).to_have_count(2)
    screenshot(page, "reports-staffing")

    page.get_by_role("tab", name="Volume").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows and {row["metric"] for row in rows} >= {"weeks", "messages_by_hour_of_week[0]"}
    log = httpx.get(f"{reports_hub.url}/api/admin/audit?action=export",
                    headers={"Authorization": f"Bearer {token}"}).json()["entries"]
    assert [entry["subject"] for entry in log] == ["report:volume"]
