"""Tokens and secrets are blanked in every log line and traceback."""

from __future__ import annotations

import logging
import sys

from handoff.logs import RedactSecrets, redact

SESSION = "Zq3lO9r1cV8yZk2m-QpW_x7bT0aN4sLd"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjp7InJvbGUiOiJhZG1pbiJ9fQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def test_the_shapes_secrets_take_are_blanked() -> None:
    lines = [
        f"Exception occurred while handling uri: 'ws://127.0.0.1:8000/api/agent/ws?token={SESSION}'",
        f"headers: {{'authorization': 'Bearer {SESSION}'}}",
        f'body {{"token": "{SESSION}", "state": "bot"}}',
        f"calling http://127.0.0.1:5005/status with {JWT}",
        "POST https://api.telegram.org/bot123456:AAH-secret_token-part/sendMessage",
    ]
    for line in lines:
        cleaned = redact(line)
        assert SESSION not in cleaned and JWT not in cleaned and "AAH-secret" not in cleaned, cleaned
    assert redact("order 10002 for anna.schmidt@example.com") == "order 10002 for anna.schmidt@example.com"


def test_the_filter_cleans_messages_arguments_and_tracebacks() -> None:
    try:
        raise RuntimeError(f"socket failed for ?token={SESSION}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "ws %s failed", (f"?token={SESSION}",), None)
        record.exc_info = sys.exc_info()
    RedactSecrets().filter(record)
    formatted = logging.Formatter().format(record)
    assert SESSION not in formatted and "[redacted]" in formatted


def test_card_bank_and_id_numbers_are_replaced_in_log_lines_and_tracebacks() -> None:
    try:
        raise ValueError("could not store 'my card 4111 1111 1111 1111, IBAN DE89370400440532013000'")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "message %s failed", ("SSN 123-45-6789",), None)
        record.exc_info = sys.exc_info()
    RedactSecrets().filter(record)
    formatted = logging.Formatter().format(record)
    for number in ("4111 1111 1111 1111", "DE89370400440532013000", "123-45-6789"):
        assert number not in formatted
    assert "[card ending 1111]" in formatted and "[IBAN DE…3000]" in formatted and "order 10002" in redact("order 10002")
