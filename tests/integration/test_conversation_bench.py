"""A fast subset of the conversation benchmark (bench/conversations.py, `smoke: true` in
bench/data/conversations/) through the real hub, Rasa server and action server: every category
of multi-turn conversation must stay right, so a regression fails the suite."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench.conversation_checks import ConversationResult, load_conversations
from bench.conversation_runner import ConversationPlayer, Target, figures
from tests.integration.servers import ROOT, Launcher, RasaServer

pytestmark = pytest.mark.integration

SMOKE = [c for c in load_conversations(ROOT / "bench" / "data" / "conversations") if c.smoke]


@pytest.fixture(scope="module")
def player(launcher: Launcher, rasa_server: RasaServer, shop_database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConversationPlayer]:
    secret = secrets.token_urlsafe(32)
    # The hub of the benchmark: rate limits off (one client holds every conversation) and a
    # shop secret to sign shoppers' identities with.
    hub_launcher = replace(launcher, env={**launcher.env, "SHOPDESK_RATE_LIMITS": "off",
                                          "SHOPDESK_IDENTITY_SECRET": secret})
    database = Path(tmp_path_factory.mktemp("bench-hub")) / "hub.db"
    hub = hub_launcher.hub(rasa_server, f"sqlite+aiosqlite:///{database}")
    playing = ConversationPlayer(Target(hub.url, database, shop_database_url, secret))
    yield playing
    playing.close()
    hub.stop()


def describe(result: ConversationResult) -> str:
    lines = [f"{result.conversation.id}:"]
    for turn in result.turns:
        lines.append(f"  > {turn.turn.say}\n    < {' | '.join(turn.reply.texts)[:300]} {list(turn.problems)}")
    return "\n".join([*lines, f"  end: {list(result.end_problems)}"] if result.end_problems else lines)


def test_the_smoke_conversations_cover_every_category() -> None:
    categories = {c.category for c in load_conversations(ROOT / "bench" / "data" / "conversations")}
    assert {c.category for c in SMOKE} == categories


def test_every_smoke_conversation_goes_right(player: ConversationPlayer) -> None:
    results = player.play_all(SMOKE)
    wrong = [describe(r) for r in results if not r.right]
    assert not wrong, "\n".join(wrong)
    numbers = figures(results)
    assert numbers.handed_off_right == numbers.must_hand_off and numbers.wrong_replies == 0
