"""Real Rasa and action servers for the integration tests, started as the Procfile starts them."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
import pytest

from hub.rasa_client import WEBHOOK_PATH, TokenSigner

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "shopdesk.tar.gz"
S = TypeVar("S", bound="Server")


class Addressed(Protocol):
    """Anything a hub can be pointed at as its Rasa: a real Rasa server or a fake one."""

    @property
    def url(self) -> str: ...


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The addresses a local TCP port listens on, read from the kernel's socket tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(_address(address, width))
    return found


def _address(hex_address: str, width: int) -> str:
    raw = bytes.fromhex(hex_address)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    # How it was started, so a test can kill it and start it again at the same address.
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/"
    ready_timeout: float = 60

    def wait_until_ready(self, path: str | None = None, timeout: float | None = None) -> None:
        path = path or self.ready_path
        deadline = time.monotonic() + (timeout or self.ready_timeout)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + path, headers=self.ready_headers(), timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        # Stopped, not left behind: no fixture got hold of it to stop it afterwards.
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout or self.ready_timeout:.0f} s:\n{self.tail()}")

    def ready_headers(self) -> dict[str, str]:
        return {}

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def kill(self) -> None:
        """kill -9: no cleanup, no goodbye, as when the machine or the OOM killer ends it."""
        self.process.kill()
        self.process.wait(timeout=15)

    def restart(self) -> None:
        """Starts it again with the same command, environment and port, and waits until it answers.

        A process still running is stopped first: otherwise the new one could not bind the port
        and the old one would answer the readiness check in its place."""
        if self.process.poll() is None:
            self.stop()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_until_ready()


def serve(server: S) -> Iterator[S]:
    """For a fixture: `yield from serve(launcher.hub(...))` gives the server and stops it afterwards."""
    try:
        yield server
    finally:
        server.stop()


def served_action_server(launcher: Launcher) -> Iterator[Server]:
    """For a fixture: the action server, stopped afterwards."""
    yield from serve(launcher.action_server())


def served_rasa(launcher: Launcher, action_server: Server) -> Iterator[RasaServer]:
    """For a fixture: Rasa on the trained model (trained first if missing) calling `action_server`,
    stopped afterwards."""
    ensure_model()
    yield from serve(launcher.rasa_server(action_server))


def served_hub(launcher: Launcher, rasa: Server, tmp_path_factory: pytest.TempPathFactory,
               admin: tuple[str, str, str] | None = None) -> Iterator[Server]:
    """For a fixture: a hub on a new SQLite file (with one admin: email, name, password), stopped
    afterwards."""
    database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hub') / 'hub.db'}"
    yield from serve(launcher.hub_with_admin(rasa, database_url, admin) if admin else launcher.hub(rasa, database_url))


def ensure_model() -> None:
    """Trains the model `make model` trains, if this checkout has none yet."""
    if not MODEL.exists():
        subprocess.run(["make", "--no-print-directory", "model"], cwd=ROOT, check=True)


@dataclass
class RasaServer(Server):
    """Rasa answers only calls signed with its secret, as the hub signs them."""

    secret: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TokenSigner(self.secret).token()}"}

    def ready_headers(self) -> dict[str, str]:
        return self.headers()

    def get(self, path: str) -> Any:
        response = httpx.get(self.url + path, headers=self.headers(), timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Any) -> Any:
        response = httpx.post(self.url + path, json=body, headers=self.headers(), timeout=30)
        response.raise_for_status()
        return response.json()

    def say(self, sender: str, text: str, metadata: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.post(WEBHOOK_PATH, {"sender": sender, "message": text, "metadata": dict(metadata or {})})


@dataclass
class Launcher:
    logs: Path
    env: Mapping[str, str] = field(default_factory=dict)
    # Fresh secrets per run, handed to each process as `make run` hands them from var/secrets.env.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def start(self, name: str, command: list[str], port: int, extra_env: Mapping[str, str] | None = None,
              ready_path: str = "/", ready_timeout: float = 60, root: Path = ROOT) -> Server:
        log = self.logs / f"{name}.log"
        env = {**os.environ, **self.env, **(extra_env or {})}
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT)
        return Server(name, f"http://127.0.0.1:{port}", process, log, command, env, ready_path, ready_timeout)

    def action_server(self) -> Server:
        port = free_port()
        server = self.start("actions", [str(ROOT / ".venv/bin/python"), "-m", "actions.server"], port,
                            {"SHOPDESK_ACTIONS_PORT": str(port), "SHOPDESK_ACTION_TOKEN": self.action_token,
                             "SHOPDESK_LINK_SECRET": self.link_secret}, "/health", 120)
        server.wait_until_ready()
        return server

    def rasa_server(self, action_server: Server) -> RasaServer:
        port = free_port()
        rasa_env = {
            "PYTHONPATH": str(ROOT),
            "ACTION_ENDPOINT_URL": f"{action_server.url}/webhook",
            "SHOPDESK_ACTION_TOKEN": self.action_token,
            "SHOPDESK_RASA_TOKEN": self.rasa_token,
            "SHOPDESK_TRACKER_URL": f"sqlite:///{self.logs / 'tracker.db'}",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "MPLCONFIGDIR": str(self.logs / "matplotlib"),
        }
        command = [str(ROOT / ".venv-engine/bin/python"), "-m", "bot.serve", "--port", str(port),
                   "--model", str(MODEL), "--endpoints", str(ROOT / "endpoints.yml"),
                   "--credentials", str(ROOT / "credentials.yml")]
        started = self.start("rasa", command, port, rasa_env, "/status", 240)
        server = RasaServer(**{f.name: getattr(started, f.name) for f in fields(Server)}, secret=self.rasa_token)
        server.wait_until_ready()
        return server

    def hub(self, rasa: Addressed, database_url: str, extra_env: Mapping[str, str] | None = None,
            root: Path = ROOT, name: str = "hub") -> Server:
        """`root`: the checkout whose hub runs (with this checkout's environment), e.g. to compare two."""
        port = free_port()
        hub_env = {"RASA_URL": rasa.url, "DATABASE_URL": database_url, "SHOPDESK_PORT": str(port),
                   "SHOPDESK_SWEEP_SECONDS": "1", "SHOPDESK_RASA_TOKEN": self.rasa_token,
                   "SHOPDESK_LINK_SECRET": self.link_secret, **(extra_env or {})}
        server = self.start(name, [str(ROOT / ".venv/bin/python"), "-m", "hub"], port, hub_env, "/ready", root=root)
        server.wait_until_ready()
        return server

    def hub_with_admin(self, rasa: Addressed, database_url: str, admin: tuple[str, str, str],
                       extra_env: Mapping[str, str] | None = None) -> Server:
        """A hub on a new database that already has one admin (email, name, password)."""
        self.create_admin(database_url, *admin)
        return self.hub(rasa, database_url, extra_env)

    def create_admin(self, database_url: str, email: str, name: str, password: str) -> None:
        env = {**os.environ, **self.env, "DATABASE_URL": database_url, "SHOPDESK_ADMIN_PASSWORD": password}
        subprocess.run([str(ROOT / ".venv/bin/shopdesk"), "create-admin", "--email", email, "--name", name],
                       cwd=ROOT, env=env, check=True, capture_output=True)

