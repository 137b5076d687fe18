"""Shop settings come from the environment, with the documented defaults."""

from __future__ import annotations

import pytest

from knowledge_base.shop.settings import REPO_ROOT, ShopSettings


def test_defaults() -> None:
    settings = ShopSettings.from_env({})
    assert settings.database_url == f"sqlite:///{REPO_ROOT / 'var' / 'shop.db'}"
    assert (settings.return_window_days, settings.currency, settings.shop_url) == (
        30, "EUR", "http://127.0.0.1:8000")


def test_var_dir_moves_the_default_database() -> None:
    assert ShopSettings.from_env({"SHOPDESK_VAR_DIR": "/srv/shopdesk"}).database_url == "sqlite:////srv/shopdesk/shop.db"


def test_explicit_values_win() -> None:
    settings = ShopSettings.from_env({
        "SHOPDESK_VAR_DIR": "/srv/shopdesk", "SHOP_DATABASE_URL": "postgresql+psycopg://127.0.0.1/test",
        "SHOP_RETURN_WINDOW_DAYS": "14", "SHOP_CURRENCY": "GBP", "SHOP_URL": "https://shop.example/",
    })
    assert settings == ShopSettings("postgresql+psycopg://127.0.0.1/test", 14, "GBP", "https://shop.example")


@pytest.mark.parametrize("window", ["thirty", "-1", "1.5"])
def test_a_bad_return_window_is_a_clear_error(window: str) -> None:
    with pytest.raises(ValueError, match="SHOP_RETURN_WINDOW_DAYS"):
        ShopSettings.from_env({"SHOP_RETURN_WINDOW_DAYS": window})
