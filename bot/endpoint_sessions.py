"""Rasa's calls to the action server over kept-alive connections.

Rasa 3.6's `EndpointConfig.request` opens a new aiohttp session, and so a new TCP connection, for
every call, and closes it after the answer: for each action (a form's validation, the order
lookup, the answer) a connection set up and torn down on both sides, 7.7% of Rasa's CPU samples
at one shopper (py-spy, bench/README.md "Load") plus the action server's side of it. `install()`
sends the same requests through one session per event loop that keeps its connections alive for
a few seconds. What a call sends, its timeout and its errors are Rasa's: the body is unchanged,
an answer of 400 or more raises Rasa's ClientResponseError with the body, a JSON answer is
returned and anything else is None. Endpoints with a CA file or basic auth keep Rasa's own path.

Connections idle for longer than KEEPALIVE_SECONDS are closed by this side first, well before the
action server's own keep-alive (Sanic's 120 s), so a request never goes out on a connection the
server is closing. When the action server dies, its connections are closed by the kernel and
dropped from the pool; the next call opens a new one (tests/bot/test_endpoint_sessions.py).

The body (the whole tracker and the domain, ~27 kB by the load mix's eighth turn) is encoded with
ujson (Rasa's own dependency) instead of json: 0.26 instead of 0.74 ms a call in-process, the
same JSON value (ujson writes no spaces and escapes "/"). What ujson refuses goes to json, which
raises as before. bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

import aiohttp
import ujson

KEEPALIVE_SECONDS = 5.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def session_for_loop() -> aiohttp.ClientSession:
    """The kept-alive session of the running event loop, made on first use."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS, limit=0)
        session = _sessions[loop] = aiohttp.ClientSession(connector=connector, json_serialize=json_body)
    return session


def json_body(value: Any) -> str:
    try:
        return str(ujson.dumps(value))
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


async def close_sessions() -> None:
    """Closes the running loop's session (tests; Rasa's own process exit drops it with the loop)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def install() -> None:
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

    if getattr(EndpointConfig.request, "shopdesk", False):
        return
    rasas_request = EndpointConfig.request

    async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        if self.cafile or self.basic_auth:
            return await rasas_request(self, method, subpath, content_type, compress, **kwargs)
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", None) or {})
        headers.update(self.headers or {})
        timeout = kwargs.pop("timeout", DEFAULT_REQUEST_TIMEOUT)
        if not isinstance(timeout, aiohttp.ClientTimeout):
            timeout = aiohttp.ClientTimeout(total=timeout)
        async with session_for_loop().request(
            method, concat_url(self.url, subpath), headers=headers, params=self.combine_parameters(kwargs),
            compress=compress, timeout=timeout, **kwargs,
        ) as response:
            if response.status >= 400:
                raise ClientResponseError(response.status, response.reason or "", await response.content.read())
            try:
                return await response.json()
            except aiohttp.ContentTypeError:
                return None

    request.shopdesk = True  # type: ignore[attr-defined]
    EndpointConfig.request = request
