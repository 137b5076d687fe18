"""The hub's one settings object, read from the environment by from_env() and passed into factories."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from handoff.limits import DEFAULT_LIMITS, Limit

SEVERITIES = ("normal", "serious", "urgent")
DEFAULT_FIRST_RESPONSE = {"urgent": 5, "serious": 15, "normal": 60}
DEFAULT_RESOLUTION = {"urgent": 240, "serious": 480, "normal": 1440}
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TELEGRAM_API = "https://api.telegram.org"
MIN_SECRET_LENGTH = 32
# What the privacy help article promises (knowledge_base/articles/privacy-data.md; a test holds them together).
RETENTION_MONTHS = 12
# SQLite's synchronous levels the hub accepts (the first is the default; OFF is not offered: with it
# a crash of the operating system can corrupt the file, not only lose the last commits).
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_base_url: str = DEFAULT_TELEGRAM_API
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
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings | None:
        """Telegram is off unless a bot token is set."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        return cls(
            token=token,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API).rstrip("/"),
            public_url=(env.get("SHOPDESK_PUBLIC_URL") or "").rstrip("/") or None,
            seconds_between_sends=float(env.get("TELEGRAM_SECONDS_BETWEEN_SENDS") or 1.0),
        )


@dataclass(frozen=True)
class HubSettings:
    database_url: str
    rasa_url: str = "http://127.0.0.1:5005"
    # The secret Rasa was started with (bot/serve.py); the hub signs every call with it.
    rasa_token: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    session_ttl: timedelta = timedelta(hours=12)
    sla_first_response: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FIRST_RESPONSE))
    sla_resolution: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RESOLUTION))
    assignment_strategy: str = "least_loaded"
    sweep_seconds: float = 10.0
    presence_timeout: timedelta = timedelta(seconds=90)
    # A console not seen for this long is gone: its agent goes offline and gives back unanswered tickets.
    presence_grace: timedelta = timedelta(seconds=180)
    average_handle_seconds: int = 300
    rating_window: timedelta = timedelta(hours=24)
    identity_secret: str | None = None
    # The key the action server signs invoice links with; the demo shop's pages check it (hub/shop/pages.py).
    link_secret: str | None = None
    max_text: int = 4000
    rasa_timeout_seconds: float = 30.0
    # How often the hub looks for messages no hub is answering and probes Rasa after an outage.
    recovery_seconds: float = 5.0
    shop_database_url: str | None = None
    rate_limits: Mapping[str, Limit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    # Failed logins per account (and per address) within the window before logins are refused.
    login_failures: int = 5
    address_login_failures: int = 20
    login_window: timedelta = timedelta(minutes=15)
    # How many proxies in front of the hub set X-Forwarded-For (0: use the peer's address).
    proxies_count: int = 0
    telegram: TelegramSettings | None = None
    # The Rasa domain whose utter_greet the widget opens with (hub/channels/welcome.py).
    domain_file: Path = REPO_ROOT / "domain.yml"
    # Where Rasa keeps conversations (bot/serve.py derives the same default), for backups.
    tracker_url: str | None = None
    backup_dir: Path = REPO_ROOT / "var" / "backups"
    # Several hub replicas (the scaled profile): events between them and the lease that lets one of
    # them run the periodic jobs go through this Redis (hub/redis_bus.py, hub/leases.py).
    redis_url: str | None = None
    # Prefixes the Redis channel and keys, so several deployments (or test runs) share one Redis.
    redis_namespace: str = "shopdesk"
    lease_seconds: float = 15.0
    # How many verified backups `shopdesk backup` keeps (the oldest beyond are deleted).
    backup_keep: int = 7
    # Conversations older than this are erased by the retention job (handoff/retention.py).
    retention_months: int = RETENTION_MONTHS
    # SQLite's PRAGMA synchronous for the hub's file (handoff/db.py): NORMAL keeps every commit
    # across a crash of any process, FULL (or EXTRA) also across a power cut, at a disk sync per commit.
    sqlite_synchronous: str = SQLITE_SYNCHRONOUS[0]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HubSettings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("SHOPDESK_VAR_DIR") or REPO_ROOT / "var")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir}/shopdesk.db",
            rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=env.get("SHOPDESK_RASA_TOKEN", ""),
            host=env.get("SHOPDESK_HOST", "127.0.0.1"),
            port=_int(env, "SHOPDESK_PORT", 8000),
            session_ttl=timedelta(hours=_int(env, "SHOPDESK_SESSION_HOURS", 12)),
            sla_first_response=_minutes(env, "SHOPDESK_SLA_FIRST_RESPONSE", DEFAULT_FIRST_RESPONSE),
            sla_resolution=_minutes(env, "SHOPDESK_SLA_RESOLUTION", DEFAULT_RESOLUTION),
            assignment_strategy=_choice(env, "SHOPDESK_ASSIGNMENT", ("least_loaded", "round_robin")),
            sweep_seconds=float(_int(env, "SHOPDESK_SWEEP_SECONDS", 10)),
            presence_grace=timedelta(seconds=_int(env, "SHOPDESK_PRESENCE_GRACE_SECONDS", 180, minimum=60)),
            identity_secret=env.get("SHOPDESK_IDENTITY_SECRET") or None,
            link_secret=env.get("SHOPDESK_LINK_SECRET") or None,
            max_text=_int(env, "SHOPDESK_MAX_TEXT", 4000),
            rasa_timeout_seconds=float(_int(env, "SHOPDESK_RASA_TIMEOUT_SECONDS", 30)),
            recovery_seconds=float(_int(env, "SHOPDESK_RECOVERY_SECONDS", 5)),
            shop_database_url=env.get("SHOP_DATABASE_URL") or f"sqlite:///{var_dir}/shop.db",
            rate_limits=_limits(env.get("SHOPDESK_RATE_LIMITS")),
            login_failures=_int(env, "SHOPDESK_LOGIN_FAILURES", 5),
            address_login_failures=_int(env, "SHOPDESK_ADDRESS_LOGIN_FAILURES", 20),
            login_window=timedelta(minutes=_int(env, "SHOPDESK_LOGIN_WINDOW_MINUTES", 15)),
            proxies_count=_int(env, "SHOPDESK_PROXIES_COUNT", 0, minimum=0),
            telegram=TelegramSettings.from_env(env),
            domain_file=Path(env.get("SHOPDESK_DOMAIN_FILE") or REPO_ROOT / "domain.yml"),
            tracker_url=tracker_url(env, var_dir),
            backup_dir=Path(env.get("SHOPDESK_BACKUP_DIR") or var_dir / "backups"),
            backup_keep=_int(env, "SHOPDESK_BACKUP_KEEP", 7),
            retention_months=_int(env, "SHOPDESK_RETENTION_MONTHS", RETENTION_MONTHS, minimum=0),
            redis_url=env.get("SHOPDESK_REDIS_URL") or None,
            redis_namespace=env.get("SHOPDESK_REDIS_NAMESPACE") or "shopdesk",
            lease_seconds=float(_int(env, "SHOPDESK_LEASE_SECONDS", 15, minimum=2)),
            sqlite_synchronous=_choice(env, "SHOPDESK_SQLITE_SYNCHRONOUS", SQLITE_SYNCHRONOUS),
        )


def tracker_url(env: Mapping[str, str], var_dir: Path) -> str:
    """Rasa's tracker store, as bot/serve.py chooses it (it runs in Rasa's environment, so the rule
    is written there too; tests/handoff/test_backup.py holds the two to the same answers)."""
    explicit = env.get("SHOPDESK_TRACKER_URL", "").strip()
    if explicit:
        return explicit
    scheme, separator, rest = env.get("DATABASE_URL", "").strip().partition("://")
    if separator and scheme.split("+")[0] in ("postgresql", "postgres"):
        return f"postgresql://{rest}"
    return f"sqlite:///{var_dir.resolve() / 'tracker.db'}"


def require_secret(name: str, value: str) -> None:
    if len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{name} must be set to a secret of at least {MIN_SECRET_LENGTH} characters "
            "(`make run` creates one in var/secrets.env; see the README's security section)."
        )


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _limits(raw: str | None) -> dict[str, Limit]:
    """SHOPDESK_RATE_LIMITS: "off", or name=count/seconds pairs ("messages=30/60,logins=10/900");
    names not given keep their default (handoff/limits.py)."""
    if raw is not None and raw.strip().lower() == "off":
        return {}
    limits = dict(DEFAULT_LIMITS)
    for part in filter(None, (p.strip() for p in (raw or "").split(","))):
        name, _, rule = part.partition("=")
        count, _, seconds = rule.partition("/")
        if name.strip() not in DEFAULT_LIMITS or not count.strip().isdigit() or not seconds.strip().isdigit() \
                or int(count) == 0 or int(seconds) == 0:
            raise SettingsError(f"SHOPDESK_RATE_LIMITS: expected name=count/seconds with a name among "
                                f"{', '.join(DEFAULT_LIMITS)}, got {part!r}")
        limits[name.strip()] = Limit(int(count), int(seconds))
    return limits


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or choices[0]
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _minutes(env: Mapping[str, str], name: str, default: Mapping[str, int]) -> dict[str, int]:
    """Parses "urgent=5,serious=15,normal=60"; severities not named keep their default."""
    result = dict(default)
    for part in filter(None, (p.strip() for p in env.get(name, "").split(","))):
        severity, _, minutes = part.partition("=")
        if severity.strip() not in SEVERITIES or not minutes.strip().isdigit():
            raise SettingsError(f"{name}: expected severity=minutes pairs, got {part!r}")
        result[severity.strip()] = int(minutes)
    return result
