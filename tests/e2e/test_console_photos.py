"""The photo a shopper sent, in the agent's console transcript (real hub process, real Chromium)."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.desk import Shopper
from tests.e2e.test_console import BEN, go_away, log_in, queue_card


def send_photo(shopper: Shopper, caption: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, format="JPEG")
    auth = {"Authorization": f"Bearer {shopper.token}"}
    base = f"{shopper.hub_url}/api/conversations/{shopper.conversation_id}"
    uploaded = httpx.post(f"{base}/attachments", content=out.getvalue(), headers={**auth, "Content-Type": "image/jpeg"})
    uploaded.raise_for_status()
    httpx.post(f"{base}/messages", json={"text": caption, "attachment_ids": [uploaded.json()["id"]]}, headers=auth,
               timeout=30).raise_for_status()


def test_the_agent_sees_the_photo_in_the_transcript(console_page: Page, hub, agent_factory) -> None:
    page = console_page
    log_in(page, agent_factory("Pia Berg"))
    go_away(page)
    shopper = Shopper.open(hub.url, BEN)
    send_photo(shopper, "the box arrived crushed")
    shopper.say("this is ridiculous, I want a human about my crushed box")
    queue_card(page, "crushed box").click()
    message = page.locator(".msg.shopper").filter(has_text="the box arrived crushed")
    photo = message.locator("img.msg-photo")
    expect(photo).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    expect(photo).to_have_attribute("alt", "Photo from the shopper (640×480)")
    assert photo.evaluate("img => img.naturalWidth") == 640
    message.get_by_role("button").click()
    expect(photo).to_have_class(re.compile("msg-photo--large"))
