"""A real hub server on a free port, inside the test's event loop."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sanic import Sanic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def serve(app: Sanic, port: int | None = None) -> AsyncIterator[str]:
    """Starts `app` with its lifecycle listeners (migrations, channels) on `port` (a free one by
    default) and yields its base URL; stops it afterwards."""
    port = port or free_port()
    # Sanic rewrites its HTTP classes once per process ("touchup"); a second app would trip on it.
    app.config.TOUCHUP = False
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()
