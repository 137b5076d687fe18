"""Sending a photo from the widget in real Chromium: chosen with the photo button, uploaded, kept
with the conversation and shown again after a reload; what is typed goes with it as its caption;
files that are not photos are refused with a reason. All under the demo page's strict policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Page, expect

from handoff import wording
from tests.hub.channels.browser import browser, conversation_id, hub, log, page
from tests.hub.channels.support import RunningHub

pytestmark = pytest.mark.e2e
__all__ = ["browser", "hub", "page"]  # fixtures


def photo_file(tmp_path: Path, name: str = "parcel.jpg", size: tuple[int, int] = (1600, 1200)) -> Path:
    path = tmp_path / name
    Image.new("RGB", size, (200, 120, 40)).save(path, format="JPEG")
    return path


async def choose(page: Page, path: Path) -> None:
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Add a photo").click()
    await (await chooser.value).set_files(str(path))


async def test_a_photo_is_sent_kept_and_shown_again_after_a_reload(page: Page, hub: RunningHub, tmp_path: Path) -> None:
    await choose(page, photo_file(tmp_path))
    await expect(log(page).get_by_text(wording.PHOTO_SAVED)).to_be_visible()
    mine = log(page).locator(".sd-msg--shopper img")
    await expect(mine).to_have_count(1)
    await expect(mine).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    await expect(page.get_by_role("group", name="Suggested replies").get_by_role("button")).to_have_text(["Talk to a person"])
    conversation = await conversation_id(page, hub)
    assert hub.rasa.messages_from(conversation) == []
    (stored,) = [m for m in await hub.app.ctx.services.conversations.messages_after(conversation, 0) if m["attachments"]]
    assert (stored["attachments"][0]["width"], stored["attachments"][0]["height"]) == (1600, 1200)

    await page.reload()
    await page.get_by_role("button", name="Chat with us").click()
    again = log(page).locator(".sd-msg--shopper img")
    await expect(again).to_have_count(1)
    await expect(again).to_have_attribute("alt", "Your photo")
    assert await again.evaluate("img => img.src.startsWith('data:image/jpeg') && img.naturalWidth === 1600")


async def test_what_was_typed_goes_with_the_photo_as_its_caption(page: Page, hub: RunningHub, tmp_path: Path) -> None:
    await page.get_by_label("Your message").fill("my parcel came crushed, the box looks like this")
    await choose(page, photo_file(tmp_path))
    bubble = log(page).locator(".sd-msg--shopper").filter(has_text="the box looks like this")
    await expect(bubble.locator("img")).to_have_count(1)
    await expect(log(page).get_by_text("bot heard: my parcel came crushed, the box looks like this")).to_be_visible()
    await expect(log(page).locator(".sd-msg--shopper")).to_have_count(1)
    assert hub.rasa.messages_from(await conversation_id(page, hub)) == ["my parcel came crushed, the box looks like this"]
    assert await page.get_by_label("Your message").input_value() == ""


async def test_files_that_are_not_photos_are_refused_with_a_reason(page: Page, hub: RunningHub, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    await choose(page, text)
    await expect(log(page).get_by_text("Not sent: Please choose a photo (JPEG, PNG, WebP or GIF).")).to_be_visible()
    fake = tmp_path / "evil.png"
    fake.write_bytes(b"<html><script>window.pwned=1</script></html>")
    await choose(page, fake)
    await expect(log(page).get_by_text("Not sent: That file is not a photo we can open")).to_be_visible()
    assert await page.evaluate("window.pwned") is None
    await choose(page, photo_file(tmp_path, "fine.png"))
    await expect(log(page).get_by_text(wording.PHOTO_SAVED)).to_be_visible()
