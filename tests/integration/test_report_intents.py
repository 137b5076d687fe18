"""The intent the real bot read in each shopper message reaches the hub with its answer and feeds
the bot report (per intent, fallbacks included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.integration.servers import Launcher, RasaServer, Server, served_hub
from tests.integration.shopper import not_understood

pytestmark = pytest.mark.integration
ADMIN_EMAIL, ADMIN_PASSWORD = "sam.admin@shop.example", "correct horse battery"


@pytest.fixture(scope="module")
def hub(launcher: Launcher, rasa_server: RasaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from served_hub(launcher, rasa_server, tmp_path_factory, (ADMIN_EMAIL, "Sam", ADMIN_PASSWORD))


def test_the_bot_report_counts_what_the_bot_read(hub: Server, rasa_server: RasaServer) -> None:
    http = httpx.Client(base_url=hub.url, timeout=30)
    opened = http.post("/api/conversations", json={}).json()
    shopper = {"Authorization": f"Bearer {opened['token']}"}
    unclear = not_understood(rasa_server, 1)[0]
    expected = rasa_server.post("/model/parse", {"text": "do you take paypal"})["intent"]["name"]
    for text in ("do you take paypal", unclear):
        answer = http.post(f"/api/conversations/{opened['conversation_id']}/messages", headers=shopper, json={"text": text})
        assert answer.status_code == 200, answer.text

    token = http.post("/api/agent/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()["token"]
    today = datetime.now(UTC).date().isoformat()
    report = http.get(f"/api/reports/bot?from={today}&to={today}", headers={"Authorization": f"Bearer {token}"}).json()
    per_intent = {row["key"]: row["conversations"] for row in report["current"]["per_intent"]}
    assert per_intent == {expected: 1, "nlu_fallback": 1}
    assert report["current"]["overall"]["conversations"] == 1
