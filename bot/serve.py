"""Starts the Rasa server the way ShopDesk needs it: on 127.0.0.1 unless told otherwise, with
its HTTP API and the hub's channel protected by the shared secret in SHOPDESK_RASA_TOKEN.

`python -m bot.serve [rasa run options]` is `rasa run --enable-api` plus a JWT secret
taken from the environment, so the secret never shows on a command line (`ps`). Rasa refuses
to start without it: an open Rasa API lets anyone replace the model or read every tracker.

It also says where Rasa keeps its conversations (endpoints.yml reads SHOPDESK_TRACKER_URL), so
that a restart resumes every one of them, a half-filled form included.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

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


def main() -> None:
    os.environ["SHOPDESK_TRACKER_URL"] = tracker_store_url(os.environ)
    arguments = rasa_arguments(sys.argv[1:], dict(os.environ))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
