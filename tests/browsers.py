"""Debian's Chromium for every browser test (Playwright cannot download its own browser here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = ROOT / "var" / "screenshots"


def require_chromium() -> str:
    """The browser's path; without it the test skips, and fails when CI=true."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser` (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
