"""What greeting a new widget conversation costs: the hub storing the bot's `utter_greet` itself
(what ships, hub/channels/welcome.py) against the baseline of asking Rasa to greet
(`trigger_intent` greet, a Rasa turn), per conversation, wall time and CPU.

    .venv/bin/python bench/welcome.py [--conversations 50]

Starts a real action server and Rasa server (the trained model, as the integration tests do) and
an SQLite hub database in a temporary directory. Rasa's CPU is read from /proc for its process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff.conversations import open_conversation  # noqa: E402
from handoff.db import create_engine, migrate, session_factory  # noqa: E402
from handoff.events import EventBus  # noqa: E402
from handoff.settings import HubSettings  # noqa: E402
from handoff.uow import UnitOfWorkFactory  # noqa: E402
from hub.channels.welcome import greet, load_welcome  # noqa: E402
from knowledge_base.shop.seed import seed_demo_shop  # noqa: E402
from tests.integration.servers import Launcher, RasaServer  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rasa_greetings(rasa: RasaServer, count: int) -> tuple[list[float], float]:
    rasa.post(f"/conversations/warm-{uuid.uuid4().hex}/trigger_intent?output_channel=latest", {"name": "greet"})
    walls = []
    cpu_before = cpu_seconds(rasa.process.pid)
    for _ in range(count):
        started = time.perf_counter()
        answer = rasa.post(f"/conversations/{uuid.uuid4().hex}/trigger_intent?output_channel=latest", {"name": "greet"})
        walls.append(time.perf_counter() - started)
        assert answer["messages"] and answer["messages"][0].get("text"), answer
    return walls, (cpu_seconds(rasa.process.pid) - cpu_before) / count


async def hub_greetings(database: Path, count: int) -> tuple[list[float], float]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await migrate(engine)
    uows = UnitOfWorkFactory(session_factory(engine), EventBus())
    welcome = load_welcome(HubSettings(database_url="").domain_file)
    ids = []
    for _ in range(count + 1):
        async with uows() as uow:
            conversation, _token = await open_conversation(uow, "webchat")
            await uow.commit()
            ids.append(conversation.id)
    await greet(uows, ids.pop(), welcome)
    walls = []
    cpu_before = time.process_time()
    for conversation_id in ids:
        started = time.perf_counter()
        await greet(uows, conversation_id, welcome)
        walls.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_before) / count
    await engine.dispose()
    return walls, cpu


def row(name: str, walls: list[float], cpu: float) -> str:
    p95 = sorted(walls)[int(len(walls) * 0.95) - 1]
    return f"{name:<34} {statistics.median(walls) * 1000:>9.1f} {p95 * 1000:>9.1f} {cpu * 1000:>9.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    count = parser.parse_args().conversations
    with tempfile.TemporaryDirectory() as work:
        shop = seed_demo_shop(f"sqlite:///{Path(work) / 'shop.db'}")
        launcher = Launcher(logs=Path(work), env={"SHOP_DATABASE_URL": shop})
        actions = launcher.action_server()
        rasa = launcher.rasa_server(actions)
        try:
            baseline = rasa_greetings(rasa, count)
        finally:
            rasa.stop()
            actions.stop()
        shipped = asyncio.run(hub_greetings(Path(work) / "hub.db", count))
    print(f"{count} new conversations, one greeting each")
    print(f"{'step':<34} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>9}")
    print(row("Rasa turn (trigger_intent greet)", *baseline))
    print(row("hub stores the greeting", *shipped))
    # The baseline stores Rasa's reply too: it is the Rasa turn plus the same insert.
    total_wall = statistics.median(baseline[0]) + statistics.median(shipped[0])
    total_cpu = baseline[1] + shipped[1]
    print(f"baseline (Rasa greets, hub stores): {total_wall * 1000:.1f} ms p50, {total_cpu * 1000:.1f} ms CPU; "
          f"shipped (hub stores utter_greet): {statistics.median(shipped[0]) * 1000:.1f} ms, {shipped[1] * 1000:.1f} ms CPU")
    wall_ratio, cpu_ratio = total_wall / statistics.median(shipped[0]), total_cpu / max(shipped[1], 1e-9)
    print(f"ratio baseline/shipped: wall {wall_ratio:.1f}x, CPU {cpu_ratio:.1f}x")


if __name__ == "__main__":
    main()
