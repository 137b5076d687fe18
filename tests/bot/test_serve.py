"""Rasa starts only with the hub's secret, on loopback unless told otherwise."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from pathlib import Path

import pytest

from bot.serve import lock_store_yaml, rasa_arguments, single_threaded_maths, with_lock_store

SECRET = "x" * 40


def test_rasa_will_not_start_without_the_secret() -> None:
    for env in ({}, {"SHOPDESK_RASA_TOKEN": "short"}):
        with pytest.raises(SystemExit, match="SHOPDESK_RASA_TOKEN"):
            rasa_arguments(["--port", "5005"], env)


def test_the_api_is_on_protected_by_the_secret_and_bound_to_loopback() -> None:
    arguments = rasa_arguments(["--port", "5005"], {"SHOPDESK_RASA_TOKEN": SECRET})
    assert arguments[:2] == ["run", "--enable-api"]
    assert f"--jwt-secret={SECRET}" in arguments
    assert arguments[arguments.index("--interface") + 1] == "127.0.0.1"


def test_an_explicit_interface_is_kept() -> None:
    arguments = rasa_arguments(["--interface", "10.0.0.7"], {"SHOPDESK_RASA_TOKEN": SECRET})
    assert arguments.count("--interface") == 1 and "10.0.0.7" in arguments


def test_a_secret_that_starts_with_a_dash_is_still_the_secret() -> None:
    import argparse

    from rasa.cli.arguments.run import add_server_arguments

    secret = "-" + "x" * 40
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    parsed, _ = parser.parse_known_args(rasa_arguments(["--port", "5005"], {"SHOPDESK_RASA_TOKEN": secret})[1:])
    assert parsed.jwt_secret == secret


def test_the_maths_libraries_get_one_thread_unless_told_otherwise() -> None:
    env = {"OMP_NUM_THREADS": "4"}
    single_threaded_maths(env)
    assert env == {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_no_lock_store_url_leaves_the_endpoints_alone() -> None:
    assert with_lock_store(["--endpoints", "endpoints.yml"], {}) == ["--endpoints", "endpoints.yml"]


def test_a_bad_lock_store_url_stops_rasa() -> None:
    for url in ("http://localhost:6379", "redis://", "redis://localhost/first"):
        with pytest.raises(SystemExit, match="SHOPDESK_LOCK_STORE_URL"):
            lock_store_yaml(url)


def test_the_password_is_quoted_so_rasa_takes_it_whole() -> None:
    section = lock_store_yaml("rediss://:it's${HOME}@cache.internal:6380/3")
    assert "  url: cache.internal\n  port: 6380\n  db: 3\n" in section
    assert "  password: 'it''s${HOME}'\n" in section and "use_ssl: true" in section


def _redis_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError as error:
        reason = f"Redis is not reachable on 127.0.0.1:6379 ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: Redis tests must run)")
        pytest.skip(reason)


def test_rasa_reads_the_written_endpoints_as_a_redis_lock_store(tmp_path: Path) -> None:
    """The file Rasa gets, read by Rasa's own loader, gives locks shared through the real Redis."""
    _redis_or_skip()
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.utils.endpoints import read_endpoint_config

    given = tmp_path / "endpoints.yml"
    given.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    argv = with_lock_store(["--port", "5005", "--endpoints", str(given)],
                           {"SHOPDESK_LOCK_STORE_URL": "redis://127.0.0.1:6379/1", "SHOPDESK_VAR_DIR": str(tmp_path)})
    written = Path(argv[argv.index("--endpoints") + 1])
    assert written.parent == tmp_path and written.stat().st_mode & 0o077 == 0
    assert read_endpoint_config(str(written), "action_endpoint").url == "http://127.0.0.1:5055/webhook"
    first, second = (LockStore.create(read_endpoint_config(str(written), "lock_store")) for _ in range(2))
    assert isinstance(first, RedisLockStore) and isinstance(second, RedisLockStore)
    conversation = f"test-{uuid.uuid4().hex}"

    async def hold_and_look() -> None:
        async with first.lock(conversation):
            # Another Rasa process (another store on the same Redis) finds the lock held: a ticket
            # it draws now is not the one being served.
            held = second.get_lock(conversation)
            assert held is not None
            assert held.is_locked(second.issue_ticket(conversation, 5))

    asyncio.run(hold_and_look())
