"""Quality review in Chromium, as a supervisor does it on a hub with two weeks of demo history: draw
a sample of conversations people resolved, read a transcript, score two conversations, change a
score, and find the scores in the Reports screen's Quality tab (the same figures as the API). An
agent gets "My reviews" and no sampling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browsers import screenshot
from tests.e2e.desk import create_agent, demo_history_hub, sign_in, strict_page
from tests.e2e.fake_rasa import ConsoleFakeRasa
from tests.integration.servers import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def quality_hub(tmp_path_factory: pytest.TempPathFactory, console_bot: ConsoleFakeRasa) -> Iterator[Server]:
    with demo_history_hub(tmp_path_factory.mktemp("quality-hub"), console_bot) as server:
        yield server


@pytest.fixture
def quality_page(browser, quality_hub: Server) -> Iterator[Page]:
    with strict_page(browser, quality_hub.url) as page:
        yield page


def score(page: Page, item: int, resolved: str, correct: str, tone: str, note: str) -> None:
    chosen = page.locator("#review-list .quality-item").nth(item)
    chosen.click()
    expect(chosen).to_have_attribute("aria-current", "true")  # its transcript and form replaced the last one's
    expect(page.locator("#review-pane .transcript .msg").first).to_be_visible()
    page.locator(f"#score-resolved-{resolved}").check()
    page.locator(f"#score-correct-{correct}").check()
    page.get_by_label("Tone", exact=True).select_option(tone)
    page.get_by_label("Note", exact=True).fill(note)
    page.locator("#score-form button[type=submit]").click()
    expect(page.locator("#score-error")).to_be_hidden()
    # Saving re-reads the review, the sample and the list of samples: give a loaded machine time.
    expect(page.locator("#score-status")).to_contain_text("Scored by Sue Supervisor", timeout=20000)


def test_a_supervisor_samples_scores_and_sees_the_scores_in_reports(quality_page: Page, quality_hub: Server) -> None:
    page = quality_page
    boss = create_agent(quality_hub.url, "Sue Supervisor", role="supervisor")
    token = boss.token()
    sign_in(page, boss)
    page.get_by_role("button", name="Quality").click()
    page.get_by_label("How many").fill("2")
    page.get_by_label("Resolved from").fill((datetime.now(UTC).date() - timedelta(days=13)).isoformat())
    page.get_by_label("Handled by").select_option(label="People")
    page.get_by_label("Seed").fill("e2e-seed")
    page.get_by_role("button", name="Draw sample").click()
    expect(page.locator("#review-list .quality-item")).to_have_count(2)
    expect(page.locator("#review-list-title")).to_contain_text("0 of 2 scored")
    expect(page.locator("#sample-list .quality-item")).to_have_count(1)

    score(page, 0, "yes", "no", "4", "Polite, but the return window it gave was wrong. <b>not bold</b>")
    screenshot(page, "quality-review")
    score(page, 1, "yes", "yes", "5", "Spot on.")
    expect(page.locator("#review-list-title")).to_contain_text("2 of 2 scored")
    # The reviewer changes a score: the first one's tone after all.
    page.locator("#review-list .quality-item").nth(0).click()
    expect(page.locator("#review-list .quality-item").nth(0)).to_have_attribute("aria-current", "true")
    expect(page.locator("#score-note")).to_have_value("Polite, but the return window it gave was wrong. <b>not bold</b>")
    page.get_by_label("Tone", exact=True).select_option("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#score-status")).to_contain_text("(changed)")
    expect(page.locator("#review-pane b")).to_have_count(0)

    page.get_by_role("button", name="Reports").click()
    expect(page.locator("#quality-view")).to_be_hidden()
    page.get_by_role("tab", name="Quality").click()
    report = httpx.get(f"{quality_hub.url}/api/reports/quality", params={
        "from": (datetime.now(UTC).date() - timedelta(days=29)).isoformat(), "to": datetime.now(UTC).date().isoformat()},
        headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["current"]
    assert report["overall"] == {"reviewed": 2, "pending": 0, "resolved_share": 1.0, "correct_share": 0.5,
                                 "tone_average": 4.0}
    reviewed = page.locator(".figure").filter(has_text="Reviewed").locator(".figure-value")
    expect(reviewed).to_have_text("2")
    expect(page.locator(".figure").filter(has_text="Judged correct").locator(".figure-value")).to_have_text("50.0%")
    expect(page.locator(".figure").filter(has_text="Tone").locator(".figure-value")).to_have_text("4 / 5")
    people = page.locator(".report-table").first.locator("tbody tr").filter(has_text="People")
    expect(people).to_contain_text("100.0%")
    agents = sum(row["reviewed"] for row in report["per_agent"])
    expect(page.locator(".report-table").nth(1).locator("tbody tr")).to_have_count(len(report["per_agent"]))
    assert agents == 2
    screenshot(page, "reports-quality")
    log = httpx.get(f"{quality_hub.url}/api/admin/audit?action=review_scored",
                    headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["entries"]
    assert len(log) == 3


def test_a_supervisor_takes_a_conversation_out_of_a_sample_and_discards_the_rest(
        quality_page: Page, quality_hub: Server) -> None:
    page = quality_page
    boss = create_agent(quality_hub.url, "Dina Discard", role="supervisor")
    sign_in(page, boss)
    page.get_by_role("button", name="Quality").click()
    page.get_by_label("How many").fill("3")
    page.get_by_label("Resolved from").fill((datetime.now(UTC).date() - timedelta(days=13)).isoformat())
    page.get_by_label("Seed").fill("e2e-discard")
    page.get_by_role("button", name="Draw sample").click()
    items = page.locator("#review-list .quality-item")
    expect(items).to_have_count(3)
    mine = page.locator("#sample-list .quality-item").filter(has_text="seed e2e-discard")
    expect(mine).to_have_count(1)

    items.nth(1).click()
    expect(items.nth(1)).to_have_attribute("aria-current", "true")
    page.get_by_role("button", name="Take out of the sample").click()
    expect(items).to_have_count(2)
    expect(page.locator("#review-list-title")).to_contain_text("0 of 2 scored")
    expect(page.locator("#review-pane")).to_have_text("Pick a conversation.")

    page.get_by_role("button", name="Discard the unscored").click()
    expect(page.locator("#review-list")).to_have_text("No reviews yet.")
    expect(page.locator("#review-list-title")).to_have_text("Conversations")
    expect(mine).to_have_count(0)
    expect(page.locator("#quality-error")).to_be_hidden()
    log = httpx.get(f"{quality_hub.url}/api/admin/audit?action=review_discarded",
                    headers={"Authorization": f"Bearer {boss.token()}"}, timeout=30).json()["entries"]
    assert [(entry["details"]["kept"], len(entry["details"]["reviews"])) for entry in log] == [(0, 2), (2, 1)]


def test_an_agent_gets_my_reviews_and_no_sampling(quality_page: Page, quality_hub: Server) -> None:
    page = quality_page
    sign_in(page, create_agent(quality_hub.url, "Otto Agent"))
    page.get_by_role("button", name="My reviews").click()
    expect(page.locator("#quality-view h1")).to_have_text("Reviews of my tickets")
    expect(page.locator("#sample-form")).to_have_count(0)
    expect(page.locator("#review-list")).to_contain_text("No reviews yet.")
