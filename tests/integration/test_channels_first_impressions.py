"""First impressions with the real bot: the real Rasa server and action server behind a hub whose
Telegram channel runs the real python-telegram-bot client against the fake Bot API, and the
product and invoice links the bot gives, followed to the demo shop's pages in a real hub process."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from pypdf import PdfReader

from handoff.settings import HubSettings, TelegramSettings
from hub.app import create_app
from hub.channels.welcome import load_welcome
from tests.fakes.telegram_bot_api import FakeBotApi
from tests.handoff.hub_server import serve
from tests.hub.channels.telegram_support import TelegramShopper, eventually, texts_to
from tests.integration.servers import Launcher, RasaServer, Server, served_hub

pytestmark = pytest.mark.integration
CHAT = 7001
LINK = re.compile(r"https?://\S+?(?=[).,]?(?:\s|$))")


@pytest.fixture
async def telegram(rasa_server: RasaServer, tmp_path: Path) -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi().start()
    settings = HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa_server.url, rasa_token=rasa_server.secret,
        telegram=TelegramSettings(token=api.token, api_base_url=api.url, seconds_between_sends=0.01),
    )
    try:
        async with serve(create_app(settings, shop=None, sweep=False)):
            yield api
    finally:
        api.stop()


async def test_start_is_greeted_with_what_the_bot_can_do(telegram: FakeBotApi) -> None:
    TelegramShopper(telegram, CHAT).says("/start")
    (greeting,) = await texts_to(telegram, CHAT, 1, timeout=30)
    assert greeting == load_welcome(HubSettings(database_url="").domain_file).text
    assert "outside what I can help with" not in greeting
    assert "check an order" in greeting and "start a return" in greeting
    keyboard = telegram.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    assert [button["callback_data"] for row in keyboard for button in row][:2] == ["/order_status", "/return_item"]


async def test_a_help_article_with_a_table_reads_as_telegram_formatting(telegram: FakeBotApi) -> None:
    TelegramShopper(telegram, CHAT).says("how long does delivery take to other EU countries?")
    answer = await eventually(lambda: next((c for c in telegram.sent(CHAT) if "Kassel" in c.params["text"]), None), 30)
    assert answer.params["parse_mode"] == "HTML"
    assert "• <b>Germany</b> — Carrier: DHL; Delivery time: 1–3 working days" in answer.params["text"]
    assert "<b>14:00 (CET) on a working day</b>" in answer.params["text"]
    assert "|" not in answer.params["text"]


@pytest.fixture(scope="module")
def hub(launcher: Launcher, rasa_server: RasaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from served_hub(launcher, rasa_server, tmp_path_factory)


def conversation(hub: Server) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=hub.url, timeout=30)
    opened = client.post("/api/conversations", json={}).json()
    client.headers["Authorization"] = f"Bearer {opened['token']}"
    return client, opened["conversation_id"]


def bot_says(client: httpx.Client, conversation_id: str, text: str) -> str:
    reply = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text})
    assert reply.status_code == 200, reply.text
    return "\n".join(m["text"] or "" for m in reply.json()["messages"] if m["author_kind"] == "bot")


def follow(hub: Server, url: str) -> httpx.Response:
    """SHOP_URL defaults to the hub (127.0.0.1:8000 under `make run`); here the hub runs on another port."""
    link = urlsplit(url)
    assert (link.scheme, link.netloc) == ("http", "127.0.0.1:8000"), url
    return httpx.get(f"{hub.url}{link.path}?{link.query}", timeout=30)


def test_the_product_links_in_an_answer_open_their_pages(hub: Server) -> None:
    client, conversation_id = conversation(hub)
    answer = bot_says(client, conversation_id, "do you have the trail running shoes in 44")
    links = [url for url in LINK.findall(answer) if "/products/" in url]
    assert links, answer
    for url in links:
        page = follow(hub, url)
        assert page.status_code == 200, url
        name = re.search(r"<h1>(.+?)</h1>", page.text)
        assert name is not None and name.group(1).replace("&#x27;", "'") in answer


def test_the_invoice_link_opens_the_customers_invoice_and_nothing_else(hub: Server) -> None:
    client, conversation_id = conversation(hub)
    bot_says(client, conversation_id, "can I get the invoice for order 10012")
    answer = bot_says(client, conversation_id, "anna.schmidt@example.com")
    (url,) = [u for u in LINK.findall(answer) if "/invoices/" in u]
    pdf = follow(hub, url)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Invoice INV-2026-10012" in text and "Anna Schmidt" in text
    unsigned = httpx.get(hub.url + urlsplit(url).path, timeout=30)
    assert unsigned.status_code == 403 and "%PDF" not in unsigned.text
