"""A small HTTP/1.1 client on asyncio's transports, for the hub's calls to Rasa: kept-alive
connections per server, bodies with a Content-Length, answers with a Content-Length, chunked or up
to the connection's end. Through httpcore's pool (anyio's streams, h11's state machine, httpx's
request and response models) a call cost the hub's event loop 1.0-1.6 ms of CPU with 20 at once;
this costs 65-110 us (aiohttp's client 100-270 us).

What a failure means for the request, which is what the caller decides on:
- ConnectFailed, ConnectTimeout: no connection was made, nothing was sent.
- AnswerTimeout: the request went out (or waited for a free connection) and no whole answer came in
  time; the server may be working on it.
- ConnectionBroken: the connection closed or broke before the whole answer came, or what came was not
  HTTP; the server may have had all of the request.

A request that is not idempotent is never sent twice: a connection that the server closed while it
was idle is noticed before it is used (the loop's end-of-stream, and a poll of the socket), but one
closed in the instant the request goes out fails as ConnectionBroken, and only a GET is then asked
again on a fresh connection (nothing of the answer had come; asking again changes nothing).
"""

from __future__ import annotations

import asyncio
import re
import select
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

# As httpx's pool: idle connections kept 5 s (Rasa's Sanic keeps them 120 s), 100 at once at most.
KEEPALIVE_SECONDS = 5.0
MAX_CONNECTIONS = 100
MAX_IDLE_CONNECTIONS = 20
_MAX_HEAD = 64 * 1024
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class HttpError(Exception):
    """The call gave no answer."""


class ConnectFailed(HttpError):
    """No connection to the server (refused, no route, an unknown name, TLS refused): nothing was sent."""


class ConnectTimeout(HttpError):
    """The connection was not made in time: nothing was sent."""


class AnswerTimeout(HttpError):
    """No whole answer in time (or no free connection): the server may be working on the request."""


class ConnectionBroken(HttpError):
    """The connection closed or broke before the whole answer, or the answer was not HTTP."""

    def __init__(self, message: str, answered: bool = True) -> None:
        super().__init__(message)
        # Whether any byte of an answer had come (False: the server closed as the request went out).
        self.answered = answered


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case; a repeated header's values joined by ", "
    body: bytes
    url: str


@dataclass(frozen=True, slots=True)
class Origin:
    """A server's base URL, parsed once: `http(s)://host[:port][/prefix]`."""

    url: str
    host: str
    port: int
    host_header: str
    prefix: str
    tls: bool

    @classmethod
    def parse(cls, url: str) -> Origin:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        tls = parts.scheme == "https"
        host_header = parts.netloc.rpartition("@")[2]
        return cls(url.rstrip("/"), parts.hostname, parts.port or (443 if tls else 80), host_header,
                   parts.path.rstrip("/"), tls)


class _Answer:
    """One response read from a connection's bytes as they come."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.started = False
        self.status = 0
        self.headers: dict[str, str] = {}
        self.keep_alive = False
        self.body = b""
        self._buffer = bytearray()
        self._length: int | None = None
        self._chunked = False
        self._chunks: list[bytes] = []
        self._at = 0  # where the next chunk's size line starts
        self._last_chunk = False

    def feed(self, data: bytes) -> bool:
        """True once the whole answer is in. ValueError when it is not HTTP."""
        self.started = True
        buffer = self._buffer
        buffer += data
        while not self.status:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise ValueError("an answer's head over 64 KiB")
                return False
            self._head(bytes(buffer[:end]))
            del buffer[:end + 4]
        if self._length is not None:
            if len(buffer) < self._length:
                return False
            if len(buffer) > self._length:
                self.keep_alive = False  # more than it said: the connection is not to be trusted
            self.body = bytes(buffer[:self._length])
            return True
        if self._chunked:
            return self._read_chunks()
        return False  # up to the connection's end

    def ended(self) -> bool:
        """The connection's end: True when that ends the answer (one without a length)."""
        if self.status and self._length is None and not self._chunked:
            self.body = bytes(self._buffer)
            return True
        return False

    def _head(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not (version in ("HTTP/1.1", "HTTP/1.0") and code.isdigit() and rest[3:4] in ("", " ")):
            raise ValueError(f"not an HTTP/1 status line: {lines[0][:80]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            name = name.strip().lower()
            if not colon or not name:
                raise ValueError(f"not a header line: {line[:80]!r}")
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        status = int(code)
        if 100 <= status < 200:
            return  # an interim answer (100 Continue): the real one follows
        self.status, self.headers = status, headers
        tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
        self.keep_alive = "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
        if self.method == "HEAD" or status in (204, 304):
            self._length = 0
        elif headers.get("transfer-encoding", "").rpartition(",")[2].strip().lower() == "chunked":
            self._chunked = True
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise ValueError(f"a Content-Length of {length[:40]!r}")
            self._length = int(length)
        else:
            self.keep_alive = False

    def _read_chunks(self) -> bool:
        buffer = self._buffer
        while True:
            if self._last_chunk:  # trailer lines, if any, then an empty line
                if buffer.startswith(b"\r\n", self._at) or buffer.find(b"\r\n\r\n", self._at) >= 0:
                    self.body = b"".join(self._chunks)
                    return True
                return False
            line_end = buffer.find(b"\r\n", self._at)
            if line_end < 0:
                if len(buffer) - self._at > 1024:
                    raise ValueError("a chunk's size line over 1 KiB")
                return False
            size_text = bytes(buffer[self._at:line_end]).partition(b";")[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise ValueError(f"a chunk size of {size_text[:40]!r}")
            size = int(size_text, 16)
            start = line_end + 2
            if size == 0:
                self._last_chunk, self._at = True, start
                continue
            if len(buffer) < start + size + 2:
                return False
            if buffer[start + size:start + size + 2] != b"\r\n":
                raise ValueError("a chunk not ended by CRLF")
            self._chunks.append(bytes(buffer[start:start + size]))
            self._at = start + size + 2


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.idle_since = 0.0
        self._answer: _Answer | None = None
        self._waiter: asyncio.Future[_Answer] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport's subclasses
        self.open = True

    def send(self, data: bytes, answer: _Answer, waiter: asyncio.Future[_Answer]) -> None:
        assert self.transport is not None
        self._answer, self._waiter = answer, waiter
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None:  # bytes nobody asked for: the connection is not to be reused
            self.close()
            return
        try:
            done = answer.feed(data)
        except ValueError as error:
            self._fail(ConnectionBroken(f"not an HTTP answer: {error}"))
            self.close()
            return
        if done:
            self._finish(answer)

    def eof_received(self) -> bool:
        self.open = False
        self._ended(None)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._ended(exc)

    def readable(self) -> bool:
        """Whether an idle connection has something to read (the server closed it, most likely)."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return True
        poll = select.poll()
        poll.register(sock.fileno(), select.POLLIN)
        return bool(poll.poll(0))

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()

    def abandon(self) -> None:
        """The caller gave up on the answer (a timeout, a cancelled task): the connection goes."""
        self._answer = self._waiter = None
        self.close()

    def shut(self) -> None:
        """The client closes with this connection's request under way: the caller hears it now."""
        self._fail(ConnectionBroken("the client was closed", answered=self._answer is not None and self._answer.started))
        self.close()

    def _ended(self, exc: Exception | None) -> None:
        answer = self._answer
        if answer is None:
            return
        if answer.ended():
            self._finish(answer)
            return
        reason = f"{type(exc).__name__}: {exc}" if exc else "the server closed the connection"
        self._fail(ConnectionBroken(f"{reason} before the whole answer", answered=answer.started))

    def _finish(self, answer: _Answer) -> None:
        waiter = self._waiter
        self._answer = self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, error: HttpError) -> None:
        waiter = self._waiter
        self._answer = self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class Client:
    """Opened per server process lifetime: `request` as many as wanted, `close` at the end."""

    def __init__(self, tls: ssl.SSLContext | None = None, keepalive: float = KEEPALIVE_SECONDS,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self._tls = tls
        self._keepalive = keepalive
        self._idle: dict[str, list[_Connection]] = {}
        self._slots = asyncio.Semaphore(max_connections)
        self._busy: set[_Connection] = set()

    async def request(self, origin: Origin, method: str, path: str, headers: Mapping[str, str],
                      body: bytes | None, timeout: float) -> Response:
        """`path` as it goes on the request line (quoted); `headers` besides Host and Content-Length."""
        lines = [f"{method} {origin.prefix}{path} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
        for name, value in headers.items():
            if "\n" in value or "\r" in value:
                raise ValueError(f"a line break in header {name}")
            lines.append(f"{name}: {value}\r\n")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append("\r\n")
        data = "".join(lines).encode("latin-1") + (body or b"")
        url = f"{origin.url}{path}"
        loop = asyncio.get_running_loop()
        if self._slots.locked():
            try:
                async with asyncio.timeout(timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise AnswerTimeout(f"no free connection to {origin.url} within {timeout:g} s") from None
        else:
            await self._slots.acquire()
        try:
            answer = await self._exchange(loop, origin, method, data, timeout)
        finally:
            self._slots.release()
        return Response(answer.status, answer.headers, answer.body, url)

    async def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        for connection in self._busy:
            connection.shut()
        self._busy.clear()

    async def _exchange(self, loop: asyncio.AbstractEventLoop, origin: Origin, method: str, data: bytes,
                        timeout: float) -> _Answer:
        connection = self._idle_connection(loop, origin)
        reused = connection is not None
        if connection is None:
            connection = await self._connect(loop, origin, timeout)
        try:
            return await self._ask(loop, origin, connection, method, data, timeout)
        except ConnectionBroken as error:
            if not (reused and method == "GET" and not error.answered):
                raise
        # A GET on a connection the server closed as it went out: once more on a new one.
        connection = await self._connect(loop, origin, timeout)
        return await self._ask(loop, origin, connection, method, data, timeout)

    async def _ask(self, loop: asyncio.AbstractEventLoop, origin: Origin, connection: _Connection, method: str,
                   data: bytes, timeout: float) -> _Answer:
        answer = _Answer(method)
        waiter: asyncio.Future[_Answer] = loop.create_future()
        self._busy.add(connection)
        connection.send(data, answer, waiter)
        timer = loop.call_later(timeout, _time_out, waiter, timeout)
        try:
            await waiter
        except BaseException:
            connection.abandon()
            raise
        finally:
            timer.cancel()
            self._busy.discard(connection)
        if answer.keep_alive and connection.open:
            idle = self._idle.setdefault(origin.url, [])
            if len(idle) < MAX_IDLE_CONNECTIONS:
                connection.idle_since = loop.time()
                idle.append(connection)
                return answer
        connection.close()
        return answer

    def _idle_connection(self, loop: asyncio.AbstractEventLoop, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin.url)
        while idle:
            connection = idle.pop()
            if connection.open and loop.time() - connection.idle_since < self._keepalive and not connection.readable():
                return connection
            connection.close()
        return None

    async def _connect(self, loop: asyncio.AbstractEventLoop, origin: Origin, timeout: float) -> _Connection:
        tls = (self._tls or ssl.create_default_context()) if origin.tls else None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    _Connection, origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None)
        except TimeoutError:
            raise ConnectTimeout(f"no connection to {origin.url} within {timeout:g} s") from None
        except OSError as error:
            raise ConnectFailed(f"{origin.url}: {type(error).__name__}: {error}") from error
        return connection


def _time_out(waiter: asyncio.Future[_Answer], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(AnswerTimeout(f"no whole answer within {timeout:g} s"))
