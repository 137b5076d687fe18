"""Conversation benchmark: scripted multi-turn shopper conversations through the real hub, Rasa
server and action server, judged on facts and outcomes (bench/conversation_checks.py).

    .venv/bin/python bench/conversations.py [--split held_out] [--only ID-PREFIX] [--failures]

Starts the three processes as the integration tests do (fresh secrets, a seeded demo shop, an
empty hub database, rate limits off so one client may hold 200 conversations), trains the model
first if it is missing, and prints per split and category: conversations resolved right without
a person, conversations handed off right, wrong or unhelpful replies, and reply latency through
the hub (one shopper at a time). The `held_out` split is never looked at while tuning the bot.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.conversation_checks import SPLITS, ConversationResult, load_conversations  # noqa: E402
from bench.conversation_runner import ConversationPlayer, Target, figures, latency_ms  # noqa: E402
from knowledge_base.shop.seed import seed_demo_shop  # noqa: E402
from tests.integration.servers import MODEL, Launcher  # noqa: E402

DATA = REPO / "bench" / "data" / "conversations"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, action="append", help="default: both")
    parser.add_argument("--only", default="", help="conversation ids starting with this")
    parser.add_argument("--failures", action="store_true", help="print every wrong reply")
    args = parser.parse_args()
    conversations = [c for c in load_conversations(DATA, args.split or SPLITS) if c.id.startswith(args.only)]
    if not MODEL.exists():
        subprocess.run(["make", "--no-print-directory", "model"], cwd=REPO, check=True)
    with tempfile.TemporaryDirectory(prefix="shopdesk-conversations-") as work:
        results = run(Path(work), conversations)
    report(results, show_failures=args.failures)


def run(work: Path, conversations: Sequence) -> list[ConversationResult]:
    shop_url = seed_demo_shop(f"sqlite:///{work / 'shop.db'}")
    secret = secrets.token_urlsafe(32)
    launcher = Launcher(logs=work, env={"SHOP_DATABASE_URL": shop_url, "SHOPDESK_RATE_LIMITS": "off",
                                        "SHOPDESK_IDENTITY_SECRET": secret, "SHOPDESK_VAR_DIR": str(work)})
    hub_db = work / "hub.db"
    started = []
    try:
        actions = launcher.action_server()
        started.append(actions)
        rasa = launcher.rasa_server(actions)
        started.append(rasa)
        hub = launcher.hub(rasa, f"sqlite+aiosqlite:///{hub_db}")
        started.append(hub)
        player = ConversationPlayer(Target(hub.url, hub_db, shop_url, secret))
        try:
            return player.play_all(conversations, progress=_dot)
        finally:
            player.close()
            print(flush=True)
    finally:
        for server in reversed(started):
            server.stop()


def _dot(result: ConversationResult) -> None:
    print("." if result.right else "F", end="", flush=True)


def report(results: Sequence[ConversationResult], show_failures: bool = False) -> None:
    for split in SPLITS:
        part = [r for r in results if r.conversation.split == split]
        if not part:
            continue
        print(f"\n== {split}: {len(part)} conversations ==")
        print(f"{'category':<20} {'n':>3}  {'resolved right':>16}  {'handed off right':>16}  {'wrong replies':>15}")
        for category in sorted({r.conversation.category for r in part}):
            _row(category, [r for r in part if r.conversation.category == category])
        _row("ALL", part)
        p50, p95 = latency_ms(part)
        print(f"reply latency through the hub: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    if show_failures:
        _failures(results)


def _row(name: str, results: Sequence[ConversationResult]) -> None:
    f = figures(results)
    resolved = f"{f.resolved_right}/{f.in_scope} {100 * f.resolved_share:5.1f}%" if f.in_scope else "-"
    handed = f"{f.handed_off_right}/{f.must_hand_off} {100 * f.handed_off_share:5.1f}%" if f.must_hand_off else "-"
    wrong = f"{f.wrong_replies}/{f.replies} {100 * f.wrong_share:4.1f}%"
    print(f"{name:<20} {f.conversations:>3}  {resolved:>16}  {handed:>16}  {wrong:>15}")


def _failures(results: Sequence[ConversationResult]) -> None:
    for result in results:
        if result.right:
            continue
        print(f"\n{result.conversation.split}/{result.conversation.id} ({result.conversation.category})")
        for turn in result.turns:
            mark = "  " if turn.right else "XX"
            print(f" {mark} > {turn.turn.say}")
            for text in turn.reply.texts:
                print(f"      < {text[:300]!r}")
            if turn.reply.buttons:
                print(f"      [buttons: {', '.join(turn.reply.buttons)}]")
            if turn.reply.handoff_reasons:
                print(f"      [handoff: {', '.join(turn.reply.handoff_reasons)}]")
            for problem in turn.problems:
                print(f"      ! {problem}")
        for problem in result.end_problems:
            print(f"   ! end: {problem}")


if __name__ == "__main__":
    main()
