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

aiohttp (3.9) writes a request's status line and headers into the socket in `ClientRequest.send`
and its body from a task of its own, one loop turn later: two `send` calls, two TCP segments
(aiohttp sets TCP_NODELAY), and on loopback two passes through the receiving side of the kernel
and two wake-ups of the action server for one request. The header write was the largest single
piece of the action call's samples (py-spy, bench/README.md). The session's requests are
aiohttp's own `send`, its very code with one name bound to `HeadersWithBody`, a StreamWriter that
holds the headers' bytes and sends them with the body's first write, or at the first drain (which
write_eof and a 100-continue's wait make) when there is no body: the same bytes, in one write.
"""

from __future__ import annotations

import asyncio
import json
import types
import weakref
from typing import Any

import aiohttp
import ujson
from aiohttp import client_reqrep
from aiohttp.http_writer import StreamWriter

KEEPALIVE_SECONDS = 5.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def session_for_loop() -> aiohttp.ClientSession:
    """The kept-alive session of the running event loop, made on first use."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS, limit=0)
        session = _sessions[loop] = aiohttp.ClientSession(connector=connector, json_serialize=json_body,
                                                          request_class=OneWriteRequest)
    return session


class HeadersWithBody(StreamWriter):
    """aiohttp's StreamWriter whose first write (`write_headers`' one) goes out with the next one."""

    _held: bytes | None = None
    _holding = True

    def _write(self, chunk: bytes) -> None:
        if self._holding:
            self._holding = False
            self._held = chunk
            return
        held, self._held = self._held, None
        super()._write(held + chunk if held else chunk)

    async def drain(self) -> None:
        self._holding = False
        held, self._held = self._held, None
        if held:
            super()._write(held)
        await super().drain()


def _send_with(writer: type[StreamWriter]) -> Any:
    """aiohttp's `ClientRequest.send` with `writer` for StreamWriter, or None if its code is not as expected."""
    send = client_reqrep.ClientRequest.send
    code = send.__code__
    if (send.__closure__ is not None or "StreamWriter" not in code.co_names
            or send.__globals__.get("StreamWriter") is not StreamWriter):
        return None
    bound = types.FunctionType(code, {**send.__globals__, "StreamWriter": writer}, send.__name__, send.__defaults__)
    bound.__kwdefaults__ = send.__kwdefaults__
    return bound


class OneWriteRequest(client_reqrep.ClientRequest):
    """aiohttp's request, its status line and headers sent in the same write as its body."""


_one_write_send = _send_with(HeadersWithBody)
if _one_write_send is not None:
    OneWriteRequest.send = _one_write_send


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
