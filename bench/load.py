"""Load benchmark: simulated shoppers through the hub's shopper API, against plain Rasa 3.6.

    .venv/bin/python bench/load.py [--levels 1,20,50] [--rounds 2] [--rasa 2] [--hubs 2] [--targets shopdesk,plain]
                                   [--quick] [--database-url postgresql+asyncpg://...] [--redis-url redis://...]

Starts in one run: the action server, ShopDesk's Rasa (`--rasa N` processes, the hub routing each
conversation to one of them), the hub (SQLite under a temporary directory unless
`--database-url`), and plain Rasa: Rasa's own default config (`bench/plain_rasa_config.yml`,
DIET + TED, what `rasa init` gives) trained once on the project's data and domain into
var/bench/plain-rasa/ (reused while data/, domain.yml and that config are unchanged; `make` never
trains it), with Rasa's in-memory tracker store and the same action server, over Rasa's REST channel.

Each shopper plays the same 10-turn mix (greeting, order status with the order number then the
email, shipping and payment questions, tracking, a product's stock, a promo code, thanks,
goodbye); the wording of each turn is drawn per shopper from a few phrasings, and the orders and
customers vary, so not every message repeats. Per concurrency level (one shopper, 20, 50 at once)
and round, each target plays the same number of shoppers (at least --shoppers), in interleaved
order (ShopDesk first in even rounds, plain Rasa first in odd ones). Conversations are opened
before the clock starts. Counted per target and level: messages per second (over the phase's wall
time), p50 / p95 / p99 latency of a message from sending it to having the replies, errors
(non-200 answers, empty replies, a hub conversation that left the bot), and CPU per message of
each process (utime + stime from /proc, over the phase), and beside it the load generator's own
(this process's `time.process_time()` over the phase: it shares the cores with what it measures,
and is not in the sum). The machine's load average is printed with the figures: this benchmark
shares its cores with whatever else runs, and on a virtual machine the host's other guests take
a share of them too (steal, printed at the end).

`--targets` also takes `rasa`: ShopDesk's Rasa alone, over its hub channel (no hub). `--hubs N`
starts N hub replicas on the one database (PostgreSQL with `--database-url`: the scaled profile)
with their events between them over Redis; each shopper opens and writes on one replica in turn.

The mix has 81 distinct texts, so after the first round ShopDesk's Rasa has seen every one: its
caches of sentence vectors and of each text's intent ranking and anger score (SHOPDESK_ENCODER_CACHE,
SHOPDESK_NLU_CACHE) answer them, and plain Rasa has no such caches. Real shoppers repeat their short
messages ("hi", "thanks", "yes") and seldom the rest: run it with `SHOPDESK_ENCODER_CACHE=0
SHOPDESK_NLU_CACHE=0` in the environment (passed to the processes it starts) for every message new
to the bot, and report both.

With ShopDesk a target, each level also measures handoffs (bench/handoffs.py): that many shoppers
at once ask for a person, timed from sending the message to the ticket on an agent's console
websocket (`--no-handoffs` skips it). The hub runs with its shipped sweep interval (10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.handoffs import AGENT_EMAIL, AGENT_NAME, AGENT_PASSWORD, Console, HandoffPhase, handoff_phase  # noqa: E402
from hub import http1  # noqa: E402
from hub.rasa_client import WEBHOOK_PATH, TokenSigner  # noqa: E402
from knowledge_base.shop.seed import seed_demo_shop  # noqa: E402
from tests.integration.servers import MODEL, Launcher, RasaServer, Server, free_port  # noqa: E402

PLAIN_CONFIG = REPO / "bench" / "plain_rasa_config.yml"
PLAIN_DIR = REPO / "var" / "bench" / "plain-rasa"
PLAIN_MODEL = PLAIN_DIR / "plain.tar.gz"
PLAIN_STAMP = PLAIN_DIR / "inputs.sha256"
ENGINE_PYTHON = REPO / ".venv-engine" / "bin" / "python"
TICK = os.sysconf("SC_CLK_TCK")
ANSWER_SECONDS = 120.0  # a message's answer, as the httpx client's timeout

# (order, email) pairs of the demo shop whose status and tracking the bot may show.
CUSTOMERS = [("10002", "anna.schmidt@example.com"), ("10011", "farid.haddad@example.com"),
             ("10013", "grace.lee@example.com"), ("10010", "emma.novak@example.com"),
             ("10009", "emma.novak@example.com"), ("10001", "anna.schmidt@example.com")]
MIX: list[list[str]] = [
    ["hi", "hello", "hey there", "good morning", "hi!"],
    ["where is my order {order}?", "hi, where is order {order}", "can you check the status of order {order}",
     "what's the status of my order #{order}"],
    ["{email}", "it's {email}", "my email is {email}"],
    ["how long does delivery take?", "how long does shipping take", "what are your delivery times",
     "how many days does standard shipping take"],
    ["do you take paypal?", "can i pay with klarna", "which payment methods do you accept",
     "do you accept credit cards"],
    ["what's the tracking number for {order}", "can I track order {order}", "tracking link for {order} please"],
    ["do you have the trail running shoes in 44", "is the classic cotton hoodie in stock",
     "do you have the everyday backpack in olive", "is the desk lamp available"],
    ["is WELCOME10 still valid", "does the code FREESHIP work", "can I use SUMMER25"],
    ["thanks", "thank you!", "great, thanks", "ok thanks"],
    ["bye", "goodbye", "that's all, bye"],
]


def shopper_script(number: int, seed: int) -> list[str]:
    """The messages shopper `number` sends, the same in every target and round of one run."""
    rng = random.Random(seed * 100_003 + number)
    order, email = CUSTOMERS[rng.randrange(len(CUSTOMERS))]
    return [rng.choice(variants).format(order=order, email=email) for variants in MIX]


# --- processes and their CPU ------------------------------------------------------------------------

def _process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children[int(fields[1])].append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants, in seconds."""
    total = 0
    for member in _process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- plain Rasa -------------------------------------------------------------------------------------

def plain_config(epochs: int | None) -> Path:
    """Rasa's default config, or the same with fewer training epochs: the networks (and so the
    cost of answering a message) are the same size, only trained for less (documented with the figures)."""
    if epochs is None:
        return PLAIN_CONFIG
    PLAIN_DIR.mkdir(parents=True, exist_ok=True)
    config = PLAIN_DIR / f"config-{epochs}-epochs.yml"
    config.write_text(PLAIN_CONFIG.read_text().replace("epochs: 100", f"epochs: {epochs}"))
    return config


def _plain_inputs_digest(config: Path) -> str:
    digest = hashlib.sha256()
    for path in [config, REPO / "domain.yml", *sorted((REPO / "data").rglob("*"))]:
        if path.is_file():
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def train_plain_rasa(force: bool, epochs: int | None) -> None:
    """Trains plain Rasa unless a model of the same inputs is there (it takes many minutes)."""
    config = plain_config(epochs)
    digest = _plain_inputs_digest(config)
    if not force and PLAIN_MODEL.exists() and PLAIN_STAMP.exists() and PLAIN_STAMP.read_text().strip() == digest:
        return
    if not force and PLAIN_MODEL.exists():
        print(f"note: the training data changed since {PLAIN_MODEL} was trained; using it anyway "
              "(--retrain-plain trains it again, ~15-20 min on this machine)", flush=True)
        return
    PLAIN_DIR.mkdir(parents=True, exist_ok=True)
    print(f"training plain Rasa (default config, DIET + TED) into {PLAIN_DIR}: this takes many minutes...", flush=True)
    started = time.monotonic()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "MPLCONFIGDIR": str(REPO / "var" / "cache" / "matplotlib"), "KERAS_HOME": str(REPO / "var" / "cache" / "keras"),
           "RASA_CACHE_DIRECTORY": str(REPO / "var" / "cache" / "rasa-plain")}
    subprocess.run([str(REPO / ".venv-engine" / "bin" / "rasa"), "train", "--quiet", "--config", str(config),
                    "--domain", str(REPO / "domain.yml"), "--data", str(REPO / "data"), "--out", str(PLAIN_DIR),
                    "--fixed-model-name", "plain", "--force"], cwd=REPO, env=env, check=True)
    PLAIN_STAMP.write_text(digest + "\n")
    print(f"plain Rasa trained in {time.monotonic() - started:.0f} s", flush=True)


def start_plain_rasa(launcher: Launcher, actions: Server, work: Path) -> Server:
    """Plain `rasa run`: REST channel, in-memory tracker store, the same action server."""
    endpoints, credentials = work / "plain-endpoints.yml", work / "plain-credentials.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {actions.url}/webhook\n  headers:\n"
                         f"    Authorization: Bearer {launcher.action_token}\n")
    endpoints.chmod(0o600)
    credentials.write_text("rest:\n")
    port = free_port()
    env = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "MPLCONFIGDIR": str(work / "matplotlib")}
    command = [str(REPO / ".venv-engine" / "bin" / "rasa"), "run", "--model", str(PLAIN_MODEL), "--endpoints",
               str(endpoints), "--credentials", str(credentials), "--port", str(port), "--interface", "127.0.0.1"]
    # Not waited for here: the caller stops it even when it never gets ready.
    return launcher.start("plain-rasa", command, port, env, "/", 900)  # DIET + TED load slowly on a busy machine


# --- the shoppers -----------------------------------------------------------------------------------

@dataclass
class Phase:
    target: str
    level: int
    seconds: float
    latencies: list[float]
    errors: Counter[str]  # why each failed answer failed
    cpu: dict[str, float]
    turns: list[int] = field(default_factory=list)  # the turn of the mix each latency belongs to
    own_cpu: float = 0.0  # this process's (the load generator's) CPU seconds over the phase

    @property
    def messages(self) -> int:
        return len(self.latencies)


class Target:
    """How one system is talked to: open a conversation (before timing, with httpx), send one message.

    Given `wire`, the timed messages go on hub/http1.py's client, on kept-alive connections as a
    widget's are: the same requests as httpx's (its JSON encoding, Content-Type) for less of the load
    generator's CPU, which shares the cores with what it measures; without it (bench/hub.py), on httpx."""

    name = ""

    def __init__(self, http: httpx.AsyncClient, wire: http1.Client | None = None) -> None:
        self.http = http
        self.wire = wire
        self._origins: dict[str, http1.Origin] = {}

    async def post(self, url: str, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.wire is None:
            sent = await self.http.post(f"{url}{path}", json=body, headers=headers)
            return sent.status_code, sent.content
        origin = self._origins.get(url) or self._origins.setdefault(url, http1.Origin.parse(url))
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        response = await self.wire.request(origin, "POST", path, {"Content-Type": "application/json", **(headers or {})},
                                           data, ANSWER_SECONDS)
        return response.status, response.body

    async def open(self) -> Any:
        return f"load-{secrets.token_hex(8)}"

    async def say(self, conversation: Any, text: str) -> str | None:
        """Sends one message; None when it was answered, else what went wrong."""
        raise NotImplementedError


class HubTarget(Target):
    name = "shopdesk"

    def __init__(self, http: httpx.AsyncClient, urls: list[str], wire: http1.Client | None = None) -> None:
        """With several hub replicas, conversations are opened on each in turn and each shopper keeps
        writing to the replica it opened on (as a load balancer with sticky sessions sends them)."""
        super().__init__(http, wire)
        self.urls = urls
        self._opened = 0

    async def open(self) -> Any:
        url = self.urls[self._opened % len(self.urls)]
        self._opened += 1
        response = await self.http.post(f"{url}/api/conversations", json={})
        response.raise_for_status()
        opened = response.json()
        return url, opened["conversation_id"], opened["token"]

    async def say(self, conversation: Any, text: str) -> str | None:
        url, conversation_id, token = conversation
        # With its own id, as the widget sends every message (the hub looks for a retry of it).
        body = {"text": text, "client_message_id": secrets.token_hex(8)}
        status, content = await self.post(url, f"/api/conversations/{conversation_id}/messages", body,
                                          {"Authorization": f"Bearer {token}"})
        if status != 200:
            return f"HTTP {status}"
        answer = json.loads(content)
        if answer.get("state") != "bot":
            return f"conversation {answer.get('state')} after {text!r}"
        replies = [m for m in answer.get("messages", []) if m.get("direction") == "out" and m.get("author_kind") == "bot"]
        return None if replies else "no reply"


class RasaHubChannelTarget(Target):
    name = "rasa"

    def __init__(self, http: httpx.AsyncClient, url: str, secret: str, wire: http1.Client | None = None) -> None:
        super().__init__(http, wire)
        self.url = url
        self.signer = TokenSigner(secret)

    async def say(self, conversation: Any, text: str) -> str | None:
        answer = await self.post(self.url, WEBHOOK_PATH, {"sender": conversation, "message": text,
                                                          "metadata": {"channel": "webchat"}},
                                 {"Authorization": f"Bearer {self.signer.token()}"})
        return _rasa_failure(*answer)


class PlainRasaTarget(Target):
    name = "plain"

    def __init__(self, http: httpx.AsyncClient, url: str, wire: http1.Client | None = None) -> None:
        super().__init__(http, wire)
        self.url = url

    async def say(self, conversation: Any, text: str) -> str | None:
        return _rasa_failure(*await self.post(self.url, "/webhooks/rest/webhook", {"sender": conversation, "message": text}))


def _rasa_failure(status: int, content: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    return None if json.loads(content) else "no reply"


async def play_phase(target: Target, level: int, shoppers: int, seed: int,
                     processes: dict[str, int]) -> Phase:
    scripts = [shopper_script(n, seed) for n in range(shoppers)]
    conversations = [await target.open() for _ in scripts]
    latencies: list[float] = []
    turns: list[int] = []
    errors: Counter[str] = Counter()
    slots = asyncio.Semaphore(level)

    async def shopper(conversation: Any, script: list[str]) -> None:
        async with slots:
            for turn, text in enumerate(script):
                started = time.perf_counter()
                try:
                    failure = await target.say(conversation, text)
                except (httpx.HTTPError, http1.HttpError) as error:
                    failure = type(error).__name__
                latencies.append(time.perf_counter() - started)
                turns.append(turn)
                if failure:
                    errors[failure] += 1

    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    started, own_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(shopper(c, s) for c, s in zip(conversations, scripts)))
    seconds, own_cpu = time.perf_counter() - started, time.process_time() - own_started
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in processes.items()}
    return Phase(target.name, level, seconds, latencies, errors, cpu, turns, own_cpu)


# --- figures ----------------------------------------------------------------------------------------

def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


@dataclass
class Summary:
    target: str
    level: int
    phases: list[Phase] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.mean(p.messages / p.seconds for p in self.phases)

    @property
    def latencies(self) -> list[float]:
        return [value for p in self.phases for value in p.latencies]

    @property
    def errors(self) -> Counter[str]:
        return sum((p.errors for p in self.phases), Counter())

    def cpu_ms(self) -> dict[str, float]:
        messages = sum(p.messages for p in self.phases)
        names = self.phases[0].cpu if self.phases else {}
        return {name: 1000 * sum(p.cpu[name] for p in self.phases) / messages for name in names}

    def own_cpu_ms(self) -> float:
        """The load generator's own CPU per message (it shares the machine with the processes measured)."""
        return 1000 * sum(p.own_cpu for p in self.phases) / max(1, sum(p.messages for p in self.phases))


def report(summaries: dict[tuple[str, int], Summary], levels: list[int], targets: list[str],
           loads: list[tuple[float, float, float]], rss: dict[str, float],
           handoffs: dict[int, list[HandoffPhase]]) -> None:
    print()
    print("| target | shoppers at once | msg/s | p50 ms | p95 ms | p99 ms | errors | CPU ms per message |")
    print("|---|---|---|---|---|---|---|---|")
    for level in levels:
        for target in targets:
            summary = summaries[(target, level)]
            lat = summary.latencies
            cpu = summary.cpu_ms()
            cpu_text = " + ".join(f"{name} {value:.1f}" for name, value in cpu.items() if value >= 0.05)
            print(f"| {target} | {level} | {summary.rate:.1f} | {1000 * statistics.median(lat):.0f} | "
                  f"{1000 * percentile(lat, 0.95):.0f} | {1000 * percentile(lat, 0.99):.0f} | "
                  f"{summary.errors.total()}/{len(lat)} | {cpu_text} = {sum(cpu.values()):.1f} "
                  f"(load generator {summary.own_cpu_ms():.1f}) |")
    print()
    print("Per turn of the mix (p50 / p95 ms), to see where the tail comes from:")
    for target in targets:
        for level in levels:
            if (target, level) not in summaries:
                continue
            by_turn: dict[int, list[float]] = defaultdict(list)
            for phase in summaries[(target, level)].phases:
                for turn, latency in zip(phase.turns, phase.latencies):
                    by_turn[turn].append(latency)
            print(f"  {target} at {level}: " + ", ".join(
                f"{turn + 1} {1000 * statistics.median(values):.0f}/{1000 * percentile(values, 0.95):.0f}"
                for turn, values in sorted(by_turn.items())))
    failures = [(key, summary.errors) for key, summary in summaries.items() if summary.errors]
    for (target, level), errors in failures:
        print(f"errors of {target} at {level} at once: " + "; ".join(f"{count}x {why}" for why, count in errors.most_common()))
    if "plain" in targets:
        print()
        for target in (t for t in targets if t != "plain"):
            for level in levels:
                ours, plain = summaries[(target, level)], summaries[("plain", level)]
                ratio = ours.rate / plain.rate
                p50 = statistics.median(ours.latencies) / statistics.median(plain.latencies)
                print(f"{target} / plain Rasa at {level} at once: throughput x{ratio:.2f}, p50 latency x{p50:.2f}, "
                      f"p99 x{percentile(ours.latencies, 0.99) / percentile(plain.latencies, 0.99):.2f}")
    print()
    for target in targets:
        busiest = summaries[(target, max(levels))].cpu_ms()
        total = sum(busiest.values())
        if total:
            print(f"{target}: {total:.1f} ms CPU per message at {max(levels)} at once: this 2-core machine's limit "
                  f"is {2000 / total:.0f} msg/s")
    if handoffs:
        print()
        print("Handoffs: shopper asks for a person -> the ticket on the agent's console websocket (target p99 < 200 ms)")
        print("| shoppers asking at once | handoffs | p50 ms | p95 ms | p99 ms | max ms | no ticket |")
        print("|---|---|---|---|---|---|---|")
        for level, phases in sorted(handoffs.items()):
            values = [value for phase in phases for value in phase.latencies]
            missing = sum(phase.missing for phase in phases)
            if values:
                print(f"| {level} | {len(values)} | {1000 * statistics.median(values):.0f} | "
                      f"{1000 * percentile(values, 0.95):.0f} | {1000 * percentile(values, 0.99):.0f} | "
                      f"{1000 * max(values):.0f} | {missing} |")
    print("RSS MB after the run: " + ", ".join(f"{name} {value:.0f}" for name, value in rss.items()))
    print("load average (1, 5, 15 min) at start / end: " + " / ".join(
        ", ".join(f"{value:.2f}" for value in load) for load in loads))


def _cpu_times() -> list[int]:
    """The machine's CPU time so far by kind, in ticks (/proc/stat's first line; [] elsewhere)."""
    try:
        return [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return []


def _print_steal(before: list[int], after: list[int]) -> None:
    """On a virtual machine, the share of the run's CPU time the host gave to other guests (steal,
    /proc/stat's 8th field): CPU ms a message and latencies grow with it, the ratios less."""
    if len(before) < 8 or len(after) < 8:
        return
    spent = [end - start for start, end in zip(before, after)]
    total = sum(spent[:8])  # user .. steal; guest time is already in user
    if total > 0:
        print(f"steal (CPU time the host gave other guests) over the run: {100 * spent[7] / total:.0f}%")


# --- the run ----------------------------------------------------------------------------------------

async def settle(pids: set[int], idle_share: float = 0.05, limit: float = 120.0) -> None:
    """Waits until the processes are idle (together under 5% of a core over a second), so what
    they do once after starting (the hub imports scikit-learn for its reports in the background,
    a few seconds of CPU) is not counted as the cost of the first phase's messages."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(1.0)
        if sum(cpu_seconds(pid) for pid in pids) - before < idle_share:
            return
    print(f"  (the processes were still busy after {limit:.0f} s; measuring anyway)", flush=True)


async def run_handoffs(http: httpx.AsyncClient, hub_url: str, levels: list[int],
                       rounds: int) -> dict[int, list[HandoffPhase]]:
    console = await Console.open(http, hub_url)
    try:
        phases: dict[int, list[HandoffPhase]] = {}
        for level in levels:
            for round_number in range(rounds):
                phase = await handoff_phase(http, hub_url, console, level)
                phases.setdefault(level, []).append(phase)
                values = phase.latencies or [0.0]
                print(f"  handoffs  {level:3} at once, round {round_number + 1}: p50 "
                      f"{1000 * statistics.median(values):5.0f} ms, p99 {1000 * percentile(values, 0.99):5.0f} ms, "
                      f"no ticket {phase.missing}, load {os.getloadavg()[0]:.1f}", flush=True)
        return phases
    finally:
        await console.close()


async def run_rounds(targets: dict[str, Target], processes: dict[str, dict[str, int]], levels: list[int],
                     rounds: int, min_shoppers: int, seed: int) -> dict[tuple[str, int], Summary]:
    summaries = {(name, level): Summary(name, level) for name in targets for level in levels}
    names = list(targets)
    for target in targets.values():  # warm-up, not counted: first calls load lazily built parts
        await play_phase(target, 1, 2, seed + 999, {})
    await settle({pid for pids in processes.values() for pid in pids.values()})
    for level in levels:
        for round_number in range(rounds):
            order = names if round_number % 2 == 0 else list(reversed(names))
            for name in order:
                phase = await play_phase(targets[name], level, max(level, min_shoppers), seed + round_number,
                                         processes[name])
                summaries[(name, level)].phases.append(phase)
                print(f"  {name:9} {level:3} at once, round {round_number + 1}: {phase.messages / phase.seconds:6.1f} msg/s, "
                      f"p50 {1000 * statistics.median(phase.latencies):5.0f} ms, "
                      f"p99 {1000 * percentile(phase.latencies, 0.99):5.0f} ms, errors {phase.errors.total()}, "
                      f"load generator {1000 * phase.own_cpu / phase.messages:.1f} ms CPU a message, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    return summaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,20,50", help="shoppers at once, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shoppers", type=int, default=10, help="shoppers per phase at least (each sends 10 messages)")
    parser.add_argument("--targets", default="shopdesk,plain", help="shopdesk, rasa (ShopDesk's Rasa alone), plain")
    parser.add_argument("--rasa", type=int, default=1, help="ShopDesk Rasa processes (sticky routing by conversation)")
    parser.add_argument("--hubs", type=int, default=1, help="hub replicas (events between them over Redis; "
                        "use with --database-url on PostgreSQL: the scaled profile)")
    parser.add_argument("--database-url", default="", help="the hub's database (default: SQLite in a temporary directory)")
    parser.add_argument("--redis-url", default="", help="Rasa's lock store with several Rasa processes "
                                                        "(default redis://127.0.0.1:6379/1 when --rasa > 1)")
    parser.add_argument("--rasa-env", action="append", default=[], metavar="NAME=VALUE",
                        help="for ShopDesk's Rasa, e.g. SHOPDESK_ENCODER_CACHE=0 or OPENBLAS_NUM_THREADS=2 (before/after)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", default="",
                        help="keep the processes' logs and databases in DIR (default: a temporary directory, removed)")
    parser.add_argument("--quick", action="store_true", help="levels 1,20, one round")
    parser.add_argument("--no-handoffs", action="store_true", help="skip the handoff latency phases")
    parser.add_argument("--retrain-plain", action="store_true")
    parser.add_argument("--plain-epochs", type=int, default=None,
                        help="train plain Rasa's DIET/TED with this many epochs instead of 100 (same networks, "
                             "same cost per message; for a machine where the full training takes too long)")
    args = parser.parse_args()
    levels = [1, 20] if args.quick else [int(level) for level in args.levels.split(",")]
    rounds = 1 if args.quick else args.rounds
    target_names = [name.strip() for name in args.targets.split(",") if name.strip()]
    if not MODEL.exists():
        subprocess.run(["make", "--no-print-directory", "model"], cwd=REPO, check=True)
    if "plain" in target_names:
        train_plain_rasa(args.retrain_plain, args.plain_epochs)
    loads = [os.getloadavg()]
    cpu_before = _cpu_times()
    with tempfile.TemporaryDirectory(prefix="shopdesk-load-") as temporary:
        work = Path(args.keep or temporary)
        work.mkdir(parents=True, exist_ok=True)
        summaries, rss, handoffs = asyncio.run(_run(work, args, levels, rounds, target_names))
    loads.append(os.getloadavg())
    report(summaries, levels, target_names, loads, rss, handoffs)
    _print_steal(cpu_before, _cpu_times())
    print(f"ShopDesk: {args.hubs} hub(s), {args.rasa} Rasa process(es), Rasa env {args.rasa_env or 'as shipped'}, "
          f"hub database {args.database_url or 'SQLite'}")
    if "plain" in target_names:
        trained = "100 epochs (the default)" if args.plain_epochs is None else f"{args.plain_epochs} epochs instead of 100"
        print(f"plain Rasa: Rasa's default config, DIET and TED trained {trained}")


async def _run(work: Path, args: argparse.Namespace, levels: list[int], rounds: int, target_names: list[str]
               ) -> tuple[dict[tuple[str, int], Summary], dict[str, float], dict[int, list[HandoffPhase]]]:
    shop_url = seed_demo_shop(f"sqlite:///{work / 'shop.db'}")
    launcher = Launcher(logs=work, env={"SHOP_DATABASE_URL": shop_url, "SHOPDESK_RATE_LIMITS": "off",
                                        "SHOPDESK_VAR_DIR": str(work)})
    started: list[Server] = []
    try:
        actions = launcher.action_server()
        started.append(actions)
        shopdesk_rasas: list[RasaServer] = []
        if {"shopdesk", "rasa"} & set(target_names):
            redis = args.redis_url or ("redis://127.0.0.1:6379/1" if args.rasa > 1 else "")
            lock_env = {"SHOPDESK_LOCK_STORE_URL": redis} if redis else {}
            lock_env.update(dict(setting.split("=", 1) for setting in args.rasa_env))
            for number in range(args.rasa):
                launcher.env = {**launcher.env, **lock_env}
                rasa = launcher.rasa_server(actions)
                rasa.name = f"rasa{number + 1}" if args.rasa > 1 else "rasa"
                shopdesk_rasas.append(rasa)
                started.append(rasa)
        hubs: list[Server] = []
        if "shopdesk" in target_names:
            database = args.database_url or f"sqlite+aiosqlite:///{work / 'hub.db'}"
            hub_env = {"RASA_URL": ",".join(r.url for r in shopdesk_rasas), "SHOPDESK_SWEEP_SECONDS": "10"}
            if args.hubs > 1:  # the replicas' events between them (the scaled profile)
                hub_env.update({"SHOPDESK_REDIS_URL": args.redis_url or "redis://127.0.0.1:6379/2",
                                "SHOPDESK_REDIS_NAMESPACE": f"bench-{secrets.token_hex(4)}"})
            launcher.create_admin(database, AGENT_EMAIL, AGENT_NAME, AGENT_PASSWORD)
            for number in range(args.hubs):
                name = f"hub{number + 1}" if args.hubs > 1 else "hub"
                hubs.append(launcher.hub(shopdesk_rasas[0], database, hub_env, name=name))
                started.append(hubs[-1])
        hub = hubs[0] if hubs else None
        plain = start_plain_rasa(launcher, actions, work) if "plain" in target_names else None
        if plain is not None:
            started.append(plain)
            plain.wait_until_ready()
        limits = httpx.Limits(max_connections=max(levels) + 10, max_keepalive_connections=max(levels) + 10)
        wire = http1.Client(max_connections=max(levels) + 10)
        try:
            async with httpx.AsyncClient(timeout=ANSWER_SECONDS, limits=limits) as http:
                targets: dict[str, Target] = {}
                processes: dict[str, dict[str, int]] = {}
                rasa_pids = {r.name: r.process.pid for r in shopdesk_rasas}
                for name in target_names:
                    if name == "shopdesk" and hubs:
                        targets[name] = HubTarget(http, [h.url for h in hubs], wire)
                        processes[name] = {**{h.name: h.process.pid for h in hubs}, **rasa_pids, "actions": actions.process.pid}
                    elif name == "rasa":
                        targets[name] = RasaHubChannelTarget(http, shopdesk_rasas[0].url, launcher.rasa_token, wire)
                        processes[name] = {**rasa_pids, "actions": actions.process.pid}
                    elif name == "plain" and plain is not None:
                        targets[name] = PlainRasaTarget(http, plain.url, wire)
                        processes[name] = {"plain-rasa": plain.process.pid, "actions": actions.process.pid}
                    else:
                        raise SystemExit(f"unknown target {name!r}")
                summaries = await run_rounds(targets, processes, levels, rounds, args.shoppers, args.seed)
                handoffs = await run_handoffs(http, hub.url, levels, rounds) \
                    if hub is not None and not args.no_handoffs else {}
        finally:
            await wire.close()
        rss = {server.name: rss_mb(server.process.pid) for server in started}
        return summaries, rss, handoffs
    finally:
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    main()
