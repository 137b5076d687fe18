"""Real Rasa and action servers for the integration tests, started as the Procfile starts them."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "shopdesk.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait_until_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Launcher:
    logs: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def start(self, name: str, command: list[str], port: int, extra_env: Mapping[str, str] | None = None) -> Server:
        log = self.logs / f"{name}.log"
        env = {**os.environ, **self.env, **(extra_env or {})}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        return Server(name, f"http://127.0.0.1:{port}", process, log)

    def action_server(self) -> Server:
        port = free_port()
        server = self.start("actions", [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk",
                                        "--actions", "actions", "--port", str(port)], port)
        server.wait_until_ready("/health", timeout=60)
        return server

    def rasa_server(self, action_server: Server) -> Server:
        port = free_port()
        rasa_env = {
            "PYTHONPATH": str(ROOT),
            "ACTION_ENDPOINT_URL": f"{action_server.url}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "MPLCONFIGDIR": str(self.logs / "matplotlib"),
        }
        command = [str(ROOT / ".venv-engine/bin/rasa"), "run", "--enable-api", "--port", str(port),
                   "--model", str(MODEL), "--endpoints", str(ROOT / "endpoints.yml"),
                   "--credentials", str(ROOT / "credentials.yml")]
        server = self.start("rasa", command, port, rasa_env)
        server.wait_until_ready("/status", timeout=240)
        return server

    def hub(self, rasa: Server, database_url: str) -> Server:
        port = free_port()
        hub_env = {"RASA_URL": rasa.url, "DATABASE_URL": database_url, "SHOPDESK_PORT": str(port),
                   "SHOPDESK_SWEEP_SECONDS": "1"}
        server = self.start("hub", [str(ROOT / ".venv/bin/python"), "-m", "bot.hub"], port, hub_env)
        server.wait_until_ready("/openapi.json", timeout=60)
        return server

    def create_admin(self, database_url: str, email: str, name: str, password: str) -> None:
        env = {**os.environ, **self.env, "DATABASE_URL": database_url, "SHOPDESK_ADMIN_PASSWORD": password}
        subprocess.run([str(ROOT / ".venv/bin/shopdesk"), "create-admin", "--email", email, "--name", name],
                       cwd=ROOT, env=env, check=True, capture_output=True)

