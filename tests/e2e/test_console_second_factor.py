"""The second factor in real Chromium: with the shop requiring it of supervisors, a supervisor's
first sign-in shows the key to add to an authenticator app, the app's code finishes it and the
recovery codes are shown once; the next sign-in asks for a code, and a recovery code works."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from handoff import totp
from tests.browsers import screenshot
from tests.e2e.desk import admin_session

pytestmark = pytest.mark.e2e


@pytest.fixture
def supervisors_need_a_second_factor(hub) -> Iterator[None]:
    with admin_session(hub.url) as admin:
        admin.put("/api/admin/privacy", json={"second_factor": {"roles": ["supervisor"]}}).raise_for_status()
    yield
    with admin_session(hub.url) as admin:  # the hub is shared by the whole browser suite
        admin.put("/api/admin/privacy", json={"second_factor": {"roles": []}}).raise_for_status()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/console")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_supervisor_enrols_at_first_sign_in_and_then_needs_a_code(
    console_page: Page, hub, agent_factory, supervisors_need_a_second_factor: None
) -> None:
    page = console_page
    sue = agent_factory("Sue Second", role="supervisor")
    sign_in(page, sue.email, sue.password)
    expect(page.locator("#login-enrolment")).to_be_visible()
    secret = page.locator("#enrol-secret").inner_text().replace(" ", "")
    assert page.locator("#enrol-uri").get_attribute("href").startswith("otpauth://totp/")
    expect(page.locator("#app-view")).to_be_hidden()
    page.get_by_label("One-time code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("not right")
    page.get_by_label("One-time code").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Sign in").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text().strip()
    screenshot(page, "console-recovery-codes")
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#agent-name")).to_have_text("Sue Second")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-view")).to_be_visible()
    sign_in(page, sue.email, sue.password)
    expect(page.get_by_label("One-time code")).to_be_visible()
    expect(page.locator("#login-enrolment")).to_be_hidden()
    page.get_by_label("One-time code").fill(recovery)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_have_text("Live")

    # An admin removes a lost second factor; the next sign-in enrols again (and the suite's
    # clean-up can log her out with her password alone once the setting is back).
    with admin_session(hub.url) as admin:
        assert admin.delete(f"/api/admin/agents/{sue.id}/second-factor").status_code == 204
        assert admin.get("/api/admin/audit?action=second_factor_reset").json()["entries"][0]["subject"] == sue.email
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-view")).to_be_visible()
    sign_in(page, sue.email, sue.password)
    expect(page.locator("#login-enrolment")).to_be_visible()
