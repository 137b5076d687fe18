"""Service-level due times per severity (minutes come from the settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Due:
    first_response: datetime
    resolution: datetime


def due_times(severity: str, opened_at: datetime, first_response: Mapping[str, int], resolution: Mapping[str, int]) -> Due:
    return Due(
        first_response=opened_at + timedelta(minutes=first_response[severity]),
        resolution=opened_at + timedelta(minutes=resolution[severity]),
    )
