"""Redis on 127.0.0.1 for the tests of the scaled profile: skipped with the reason when it is not
there, failed when CI=true. Each test gets a namespace of its own (the machine's Redis is shared)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

REDIS_URL = os.environ.get("SHOPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> str:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as error:
        reason = f"Redis not reachable at {REDIS_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: Redis tests must run)")
        pytest.skip(reason)
    return REDIS_URL


def namespace() -> str:
    return f"shopdesk-test-{uuid.uuid4().hex[:12]}"
