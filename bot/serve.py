"""Starts the Rasa server the way ShopDesk needs it: on 127.0.0.1 unless told otherwise, with
its HTTP API and the hub's channel protected by the shared secret in SHOPDESK_RASA_TOKEN.

`python -m bot.serve [rasa run options]` is `rasa run --enable-api` plus a JWT secret
taken from the environment, so the secret never shows on a command line (`ps`). Rasa refuses
to start without it: an open Rasa API lets anyone replace the model or read every tracker.
"""

from __future__ import annotations

import os
import sys

MIN_SECRET_LENGTH = 32


def rasa_arguments(argv: list[str], env: dict[str, str]) -> list[str]:
    secret = env.get("SHOPDESK_RASA_TOKEN", "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise SystemExit(
            "rasa: SHOPDESK_RASA_TOKEN must be set to a secret of at least 32 characters "
            "(the hub signs its calls with it; `make run` creates one in var/secrets.env)."
        )
    arguments = ["run", "--enable-api", *argv, "--jwt-secret", secret, "--jwt-method", "HS256"]
    if "--interface" not in argv and "-i" not in argv:
        arguments += ["--interface", env.get("SHOPDESK_RASA_HOST") or "127.0.0.1"]
    return arguments


def main() -> None:
    arguments = rasa_arguments(sys.argv[1:], dict(os.environ))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
