"""Starts the Rasa server the way ShopDesk needs it: on 127.0.0.1 unless told otherwise, with
its HTTP API and the hub's channel protected by the shared secret in SHOPDESK_RASA_TOKEN.

`python -m bot.serve [rasa run options]` is `rasa run --enable-api` plus a JWT secret
taken from the environment, so the secret never shows on a command line (`ps`). Rasa refuses
to start without it: an open Rasa API lets anyone replace the model or read every tracker.

It also says where Rasa keeps its conversations (endpoints.yml reads SHOPDESK_TRACKER_URL), so
that a restart resumes every one of them, a half-filled form included.

More for speed and for several Rasa processes:
- conversations are kept by bot/tracker_store.py (Rasa's SQL store, cheaper per message),
  action server answers are checked with a validator built once (bot/action_schema.py), and the
  calls to the action server reuse kept-alive connections (bot/endpoint_sessions.py) and carry
  the domain's digest instead of the domain once the action server has it (bot/action_domain.py), and the
  model's graphs run node after node without dask's scheduler (bot/graph_runner.py), and
  RulePolicy keeps each conversation's dialogue states between predictions (bot/rule_matching.py),
  and the domain is found not empty without building an empty one (bot/empty_domain.py), and
  what Rasa copies for its debug lines is copied only when they are logged (bot/debug_states.py),
  and a message's check for a new session reads the last event (bot/session_check.py), and the
  tracker's copies before each action are duplicates of a replay kept per conversation
  (bot/tracker_copies.py), and a message's sentence vector is computed in a thread of its own
  before the graph parses it, so the event loop goes on with other conversations meanwhile
  (bot/encoder_ahead.py);
- the numerical libraries get one thread each (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
  MKL_NUM_THREADS, unless set): Rasa answers one message at a time per process, and OpenBLAS's
  helper thread spinning beside it doubled Rasa's CPU per message for no gain in latency
  (bench/README.md, "Load");
- with SHOPDESK_LOCK_STORE_URL=redis://host:port/db, Rasa's conversation locks live in Redis
  (needed once two Rasa processes may see one conversation: the hub routes each conversation to
  one of them, but a restart or a changed list may move it), via an endpoints file written
  beside the given one's content.
"""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
ROOT = Path(__file__).resolve().parent.parent


def rasa_arguments(argv: list[str], env: dict[str, str]) -> list[str]:
    secret = env.get("SHOPDESK_RASA_TOKEN", "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise SystemExit(
            "rasa: SHOPDESK_RASA_TOKEN must be set to a secret of at least 32 characters "
            "(the hub signs its calls with it; `make run` creates one in var/secrets.env)."
        )
    # One argument with "=": a random secret may start with "-", which argparse takes for an option.
    arguments = ["run", "--enable-api", *argv, f"--jwt-secret={secret}", "--jwt-method", "HS256"]
    if "--interface" not in argv and "-i" not in argv:
        arguments += ["--interface", env.get("SHOPDESK_RASA_HOST") or "127.0.0.1"]
    return arguments


def tracker_store_url(env: Mapping[str, str]) -> str:
    """SHOPDESK_TRACKER_URL if set; else the hub's database when DATABASE_URL is PostgreSQL (Rasa's
    one table, `events`, beside the hub's; Rasa speaks psycopg2); else SQLite under var/."""
    explicit = env.get("SHOPDESK_TRACKER_URL", "").strip()
    if explicit:
        return explicit
    hub_database = env.get("DATABASE_URL", "").strip()
    scheme, separator, rest = hub_database.partition("://")
    if separator and scheme.split("+")[0] in ("postgresql", "postgres"):
        return f"postgresql://{rest}"
    var_dir = Path(env.get("SHOPDESK_VAR_DIR") or ROOT / "var").resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var_dir / 'tracker.db'}"


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_maths(env: MutableMapping[str, str]) -> None:
    """Must run before numpy is imported (the libraries read it once, when they load)."""
    for name in THREAD_VARIABLES:
        env.setdefault(name, "1")


def lock_store_yaml(url: str) -> str:
    """The endpoints.yml section for Rasa's Redis lock store, from redis://[:password@]host[:port][/db]."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise SystemExit(f"rasa: SHOPDESK_LOCK_STORE_URL must be redis://host:port/db, not {url!r}")
    db = parts.path.strip("/") or "1"
    if not db.isdigit():
        raise SystemExit(f"rasa: SHOPDESK_LOCK_STORE_URL: the database must be a number, not {db!r}")
    lines = ["lock_store:", "  type: redis", f"  url: {parts.hostname}", f"  port: {parts.port or 6379}",
             f"  db: {db}", "  key_prefix: shopdesk"]
    if parts.password:
        # Quoted: Rasa substitutes ${VAR} only in unquoted values, and a password is not one.
        lines.append(f"  password: '{parts.password.replace(chr(39), chr(39) * 2)}'")
    if parts.scheme == "rediss":
        lines.append("  use_ssl: true")
    return "\n".join(lines) + "\n"


def with_lock_store(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """`argv` with --endpoints pointing at a copy of the given file plus the Redis lock store, when
    SHOPDESK_LOCK_STORE_URL is set; else `argv` unchanged (Rasa's in-memory lock store)."""
    url = env.get("SHOPDESK_LOCK_STORE_URL", "").strip()
    if not url:
        return argv
    section = lock_store_yaml(url)
    argv = list(argv)
    given = argv[argv.index("--endpoints") + 1] if "--endpoints" in argv else "endpoints.yml"
    content = Path(given).read_text()
    if any(line.startswith("lock_store:") for line in content.splitlines()):
        raise SystemExit(f"rasa: {given} has its own lock_store; unset SHOPDESK_LOCK_STORE_URL or remove it")
    var_dir = Path(env.get("SHOPDESK_VAR_DIR") or ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=var_dir, prefix="endpoints-", suffix=".yml", delete=False) as out:
        out.write(content.rstrip("\n") + "\n\n" + section)
    os.chmod(out.name, 0o600)
    atexit.register(Path(out.name).unlink, missing_ok=True)
    if "--endpoints" in argv:
        argv[argv.index("--endpoints") + 1] = out.name
    else:
        argv += ["--endpoints", out.name]
    return argv


def main() -> None:
    single_threaded_maths(os.environ)
    os.environ["SHOPDESK_TRACKER_URL"] = tracker_store_url(os.environ)
    arguments = rasa_arguments(with_lock_store(sys.argv[1:], os.environ), dict(os.environ))
    from rasa.__main__ import main as rasa_main

    from bot import (
        action_domain,
        action_schema,
        debug_states,
        empty_domain,
        encoder_ahead,
        endpoint_sessions,
        graph_runner,
        rule_matching,
        session_check,
        tracker_copies,
    )
    from bot.tracker_store import ShopTrackerStore  # noqa: F401  (endpoints.yml names it; Rasa would fall back to memory quietly)

    action_schema.install()
    endpoint_sessions.install()
    action_domain.install()  # after endpoint_sessions: it wraps the request that one installs
    graph_runner.install()
    rule_matching.install()
    empty_domain.install()
    debug_states.install()
    session_check.install()
    tracker_copies.install()
    encoder_ahead.install()

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
