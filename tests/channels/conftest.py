import pytest

CHANNEL_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "SHOPDESK_PUBLIC_URL", "TELEGRAM_SECONDS_BETWEEN_SENDS")


@pytest.fixture(autouse=True)
def no_channel_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says which channels it runs; a developer's real bot token never leaks in."""
    for name in CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
