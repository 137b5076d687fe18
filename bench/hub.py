"""The hub alone: its CPU per shopper message and its latency, against a fake Rasa that answers at once.

    .venv/bin/python bench/hub.py [--levels 1,20] [--rounds 3] [--shoppers 10] [--postgres]
                                  [--against DIR] [--py-spy PATH/py-spy] [--profile-out FILE]

Starts the hub (`python -m hub`, SQLite under a temporary directory, or with `--postgres` a fresh
database on tests/handoff/databases.py's PostgreSQL) with the demo shop and its periodic sweep as
shipped (every 10 s), and answers its Rasa calls from tests/fakes/rasa.py's fake (a real HTTP
server in this process, on kept-alive connections as Rasa's Sanic: one reply with a button and the
intent header per message, as the hub channel answers, without any understanding). Shoppers play
bench/load.py's 10-message mix through the hub's shopper API, their conversations opened before
the clock starts. Per level (shoppers at
once) and round: the hub's CPU (utime + stime from /proc) per message, p50 / p95 from sending a
message to having its replies, messages per second, and the load average, since the machine is
shared (other work only ever adds to a round's CPU, so the least round is printed too).

`--against DIR` runs a second hub from another checkout (e.g. `git worktree add DIR main`; it runs
with this checkout's environment) beside this one, on its own database, and interleaves the two
round by round (this one first in even rounds): on a busy machine only figures taken side by side
compare. With `--py-spy`, py-spy records this checkout's hub (`--gil`, raw collapsed stacks) over
the timed phases into `--profile-out`, and the hottest frames are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load import HubTarget, Phase, percentile, play_phase, settle  # noqa: E402
from knowledge_base.shop.seed import seed_demo_shop  # noqa: E402
from tests.fakes.rasa import FakeRasa  # noqa: E402
from tests.handoff.databases import postgres_database  # noqa: E402
from tests.integration.servers import Launcher, Server  # noqa: E402

THIS = "this"


@dataclass
class Row:
    hub: str
    level: int
    phases: list[Phase] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return [value for phase in self.phases for value in phase.latencies]

    def cpu_ms(self) -> float:
        messages = sum(phase.messages for phase in self.phases)
        return 1000 * sum(phase.cpu["hub"] for phase in self.phases) / messages

    def rounds_cpu_ms(self) -> list[float]:
        return [1000 * phase.cpu["hub"] / phase.messages for phase in self.phases]


def report(rows: list[Row], database: str, loads: list[tuple[float, float, float]]) -> None:
    print()
    print("| hub | shoppers at once | messages | msg/s | p50 ms | p95 ms | hub CPU ms per message: all (least round; "
          "each round) | errors | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        lat = row.latencies
        rate = statistics.mean(phase.messages / phase.seconds for phase in row.phases)
        errors = sum((phase.errors for phase in row.phases), Counter())
        rounds = ", ".join(f"{value:.1f}" for value in row.rounds_cpu_ms())
        print(f"| {row.hub} | {row.level} | {len(lat)} | {rate:.1f} | {1000 * statistics.median(lat):.1f} | "
              f"{1000 * percentile(lat, 0.95):.1f} | **{row.cpu_ms():.1f}** ({min(row.rounds_cpu_ms()):.1f}; {rounds}) | "
              f"{errors.total()} | "
              f"{min(row.loads):.1f}-{max(row.loads):.1f} |")
        for why, count in errors.most_common():
            print(f"  errors of {row.hub} at {row.level} at once: {count}x {why}")
    print()
    print(f"hub database: {database}; load average (1, 5, 15 min) at start / end: "
          + " / ".join(", ".join(f"{value:.2f}" for value in load) for load in loads))


def hottest(profile: Path, top: int = 30) -> None:
    """The frames with the most samples anywhere on the stack (inclusive), from py-spy's raw output."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in profile.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        for frame in set(stack.split(";")):
            inclusive[frame] += int(samples)
    print(f"\npy-spy: {total} samples; frames by inclusive share:")
    for frame, count in inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {frame[:150]}")


async def run(hubs: dict[str, Server], levels: list[int], rounds: int, shoppers: int, seed: int) -> list[Row]:
    limits = httpx.Limits(max_connections=max(levels) + 10, max_keepalive_connections=max(levels) + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        targets = {name: HubTarget(http, [hub.url]) for name, hub in hubs.items()}
        for target in targets.values():  # warm-up, not counted
            await play_phase(target, 1, 2, seed + 999, {})
        # Nor the hub's background import of scikit-learn after it starts (seconds of CPU).
        await settle({hub.process.pid for hub in hubs.values()})
        rows: list[Row] = []
        for level in levels:
            level_rows = {name: Row(name, level) for name in hubs}
            for number in range(rounds):
                order = list(hubs) if number % 2 == 0 else list(reversed(hubs))
                for name in order:
                    row = level_rows[name]
                    row.loads.append(os.getloadavg()[0])
                    phase = await play_phase(targets[name], level, max(level, shoppers), seed + number,
                                             {"hub": hubs[name].process.pid})
                    row.loads.append(os.getloadavg()[0])
                    row.phases.append(phase)
                    print(f"  {name:8} {level:3} at once, round {number + 1}: {phase.messages / phase.seconds:6.1f} msg/s, "
                          f"p50 {1000 * statistics.median(phase.latencies):6.1f} ms, "
                          f"hub CPU {1000 * phase.cpu['hub'] / phase.messages:5.1f} ms per message, "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)
            rows.extend(level_rows.values())
        return rows


@contextlib.asynccontextmanager
async def databases(postgres: bool, work: Path, names: list[str]) -> AsyncIterator[dict[str, str]]:
    async with contextlib.AsyncExitStack() as stack:
        urls = {}
        for name in names:
            urls[name] = (await stack.enter_async_context(postgres_database()) if postgres
                          else f"sqlite+aiosqlite:///{work / f'hub-{name}.db'}")
        yield urls


async def bench(args: argparse.Namespace, work: Path, levels: list[int]) -> list[Row]:
    fake = FakeRasa(keep_alive=True).start()
    fake.intent = "ask_shipping_time"
    shop_url = seed_demo_shop(f"sqlite:///{work / 'shop.db'}")
    launcher = Launcher(logs=work, env={"SHOP_DATABASE_URL": shop_url, "SHOPDESK_RATE_LIMITS": "off",
                                        "SHOPDESK_VAR_DIR": str(work)}, rasa_token=fake.secret)
    roots = {THIS: REPO, **({"against": Path(args.against).resolve()} if args.against else {})}
    hubs: dict[str, Server] = {}
    spy = None
    async with databases(args.postgres, work, list(roots)) as urls:
        try:
            for name, root in roots.items():
                hubs[name] = await asyncio.to_thread(launcher.hub, fake, urls[name], {"SHOPDESK_SWEEP_SECONDS": "10"},
                                                     root, f"hub-{name}")
            if args.py_spy:
                spy = subprocess.Popen([args.py_spy, "record", "--pid", str(hubs[THIS].process.pid), "--gil",
                                        "--rate", "250", "--format", "raw", "--output", args.profile_out, "--nonblocking"])
                time.sleep(1)
            return await run(hubs, levels, args.rounds, args.shoppers, args.seed)
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=30)
            for hub in hubs.values():
                hub.stop()
            fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,20", help="shoppers at once, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shoppers", type=int, default=10, help="shoppers per phase at least (each sends 10 messages)")
    parser.add_argument("--postgres", action="store_true", help="the hub on a fresh PostgreSQL database, not SQLite")
    parser.add_argument("--against", default="", metavar="DIR", help="another checkout's hub, interleaved with this one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--py-spy", default="", metavar="PATH", help="py-spy executable: profile this hub over the phases")
    parser.add_argument("--profile-out", default="hub-profile.txt", metavar="FILE")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    loads = [os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="shopdesk-hub-bench-") as temporary:
        rows = asyncio.run(bench(args, Path(temporary), levels))
    loads.append(os.getloadavg())
    report(rows, "PostgreSQL" if args.postgres else "SQLite", loads)
    if args.py_spy:
        hottest(Path(args.profile_out))


if __name__ == "__main__":
    main()
