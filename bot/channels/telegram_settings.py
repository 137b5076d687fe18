"""Telegram's settings, read from the environment; Telegram is off unless a bot token is set."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_BASE_URL = "https://api.telegram.org"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    # Webhook mode when set (the hub must be reachable there over HTTPS); long polling otherwise.
    public_url: str | None = None
    # Telegram allows about one message per second in a chat.
    seconds_between_sends: float = 1.0
    max_send_attempts: int = 4
    poll_timeout_seconds: int = 10

    @property
    def webhook_path(self) -> str:
        return "/telegram/webhook"

    @property
    def webhook_secret(self) -> str:
        """Telegram echoes it in a header on every webhook call; derived so nothing else needs setting."""
        return hashlib.sha256(f"shopdesk-webhook:{self.token}".encode()).hexdigest()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TelegramSettings | None:
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        return cls(
            token=token,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
            public_url=(env.get("SHOPDESK_PUBLIC_URL") or "").rstrip("/") or None,
            seconds_between_sends=float(env.get("TELEGRAM_SECONDS_BETWEEN_SENDS") or 1.0),
        )
