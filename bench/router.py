"""The hub's message path in-process: the router (hub/router.py) as create_app wires its database,
against tests/fakes/rasa.py's fake Rasa (a real HTTP server on loopback, in a thread of this process),
N conversations writing at once. No Sanic, no shopper API, no other process: what it prints is the
cost of storing a message, asking the bot and storing its turn, on the event loop's own thread.

    .venv/bin/python bench/router.py [--conversations 20] [--messages 20] [--rounds 3] [--against DIR] [--uvloop]

Per round: the event loop thread's CPU per message (time.thread_time: the hub's one busy thread,
not the fake Rasa's or aiosqlite's threads), this process's CPU per message (all threads, the fake
Rasa's included) and messages per second; every round runs in a process of its own. `--against
DIR` runs another checkout's router (e.g. `git worktree add DIR <commit>`; this checkout's
environment and this script) alternating round by round with this one, and prints the ratio of the
least rounds: on a busy machine only figures taken side by side compare. The machine's load
average is printed with each round. `--uvloop` runs the rounds on uvloop, the loop the hub serves on
(Sanic's default), instead of asyncio's own.

Each round also times SQLite's write turn (handoff/db.py's `_WriterQueue`, from taken to given
back): how long a write transaction holds it, p50 / mean / p90, what every other writer waits
behind. `--hogs N` keeps N busy processes running beside the rounds, as Rasa and the action
server share the cores with the hub in the full stack: there a transaction's trips between
threads wait for a core, with the turn held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


async def _round(conversations: int, messages: int) -> dict[str, float]:
    """One timed round, after a warm-up, on a fresh database."""
    from handoff.inbound import Inbound
    from handoff.settings import HubSettings
    from hub.rasa_client import RasaClient
    from hub.router import Router
    from tests.fakes.rasa import FakeRasa
    from tests.handoff.databases import hub_db, sqlite_engine

    holds = _time_the_write_turn()
    with tempfile.TemporaryDirectory() as directory:
        async with sqlite_engine(Path(directory)) as engine:
            fake = FakeRasa(keep_alive=True).start()
            settings = HubSettings(database_url=f"sqlite+aiosqlite:///{directory}/hub.db", rasa_url=fake.url,
                                   rasa_token=fake.secret, rasa_timeout_seconds=5, shop_database_url=None)
            db = await hub_db(engine, settings)
            rasa = RasaClient(fake.url, fake.secret, timeout=5)
            rasa.open()
            router = Router(db.uows, db.desk, rasa)
            ids = [(await db.conversation()).id for _ in range(conversations)]

            async def shopper(conversation_id: str, count: int) -> None:
                for number in range(count):
                    await router.handle(Inbound(channel="api", text=f"where is my order {number}",
                                                conversation_id=conversation_id))

            await asyncio.gather(*(shopper(c, 3) for c in ids))  # warm: connections, statement caches
            holds.clear()
            loop_cpu, cpu, wall = time.thread_time(), time.process_time(), time.perf_counter()
            await asyncio.gather(*(shopper(c, messages) for c in ids))
            count = conversations * messages
            result = {"loop_ms": 1000 * (time.thread_time() - loop_cpu) / count,
                      "process_ms": 1000 * (time.process_time() - cpu) / count,
                      "rate": count / (time.perf_counter() - wall), "load": os.getloadavg()[0]}
            held = sorted(holds)
            if held:
                result.update(held_p50=1000 * held[len(held) // 2], held_mean=1000 * sum(held) / len(held),
                              held_p90=1000 * held[int(len(held) * 0.9)])
            await rasa.close()
            fake.stop()
    return result


def _time_the_write_turn() -> list[float]:
    """Each hold of the write turn, in seconds, from the moment it is taken to the moment it is
    given back (holds never overlap: one writer has the turn at a time)."""
    from handoff import db

    holds: list[float] = []
    taken: list[float] = []
    queue = db._WriterQueue
    take, take_if_free, wait_on_loop, give = queue.take, queue._take_if_free, queue.wait_on_loop, queue.give

    def timed_take(self: Any) -> None:
        take(self)
        taken.append(time.perf_counter())

    def timed_take_if_free(self: Any, now: float) -> bool:
        free = take_if_free(self, now)
        if free:
            taken.append(time.perf_counter())
        return bool(free)

    async def timed_wait_on_loop(self: Any, since: float) -> None:
        await wait_on_loop(self, since)
        taken.append(time.perf_counter())

    def timed_give(self: Any) -> None:
        if taken:
            holds.append(time.perf_counter() - taken.pop())
        give(self)

    queue.take, queue._take_if_free, queue.wait_on_loop, queue.give = (  # type: ignore[method-assign]
        timed_take, timed_take_if_free, timed_wait_on_loop, timed_give)
    return holds


def _one(root: Path, args: argparse.Namespace) -> dict[str, float]:
    """One round in a fresh process of `root`'s code."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(root), "--conversations",
               str(args.conversations), "--messages", str(args.messages), *(["--uvloop"] if args.uvloop else [])]
    out = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=20, help="conversations writing at once")
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout, alternated round by round")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop, as the hub does")
    parser.add_argument("--hogs", type=int, default=0, help="busy processes beside the rounds")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # one round of that checkout's code
    args = parser.parse_args()
    if args.child:
        if args.uvloop:
            import uvloop
            print(json.dumps(uvloop.run(_round(args.conversations, args.messages))))
        else:
            print(json.dumps(asyncio.run(_round(args.conversations, args.messages))))
        return
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    try:
        _rounds(args)
    finally:
        for hog in hogs:
            hog.kill()


def _rounds(args: argparse.Namespace) -> None:
    roots = {"this": REPO, **({"against": args.against.resolve()} if args.against else {})}
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
    for number in range(args.rounds):
        order = list(roots) if number % 2 == 0 else list(reversed(roots))
        for name in order:
            row = _one(roots[name], args)
            rows[name].append(row)
            print(f"  {name:8} round {number + 1}: loop thread {row['loop_ms']:5.2f} ms, process {row['process_ms']:5.2f} ms"
                  f" CPU per message, {row['rate']:5.1f} msg/s, write turn held p50 {row.get('held_p50', 0):.2f}"
                  f" / mean {row.get('held_mean', 0):.2f} / p90 {row.get('held_p90', 0):.2f} ms,"
                  f" load {row['load']:.2f}", flush=True)
    print(f"\n{args.conversations} conversations at once, {args.messages} messages each per round, SQLite, fake Rasa,"
          f" {'uvloop' if args.uvloop else 'asyncio'}, {args.hogs} busy processes beside")
    print("| router | loop thread CPU ms per message (least; each round) | process CPU ms (least) | msg/s (best; each)"
          " | write turn held, mean ms (each round) |")
    print("|---|---|---|---|---|")
    for name, found in rows.items():
        loops = ", ".join(f"{r['loop_ms']:.2f}" for r in found)
        rates = ", ".join(f"{r['rate']:.0f}" for r in found)
        held = ", ".join(f"{r.get('held_mean', 0):.2f}" for r in found)
        print(f"| {name} | **{min(r['loop_ms'] for r in found):.2f}** ({loops}) | "
              f"{min(r['process_ms'] for r in found):.2f} | {max(r['rate'] for r in found):.1f} ({rates}) | {held} |")
    if args.against:
        ratio = min(r["loop_ms"] for r in rows["this"]) / min(r["loop_ms"] for r in rows["against"])
        print(f"\nthis / against, loop thread CPU per message (least rounds): {ratio:.2f}")


if __name__ == "__main__":
    # The code measured: this checkout's, or in a child the checkout it was started for.
    sys.path.insert(0, sys.argv[sys.argv.index("--child") + 1] if "--child" in sys.argv else str(REPO))
    main()
