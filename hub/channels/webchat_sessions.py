"""The open widget sockets of each conversation, and the `webchat` delivery channel over them.

Every socket receives its conversation's messages in seq order, each exactly once: a message
that arrives ahead of one the socket has not seen yet pulls the missing ones from storage first.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any, Protocol

from handoff.delivery import ConversationNotice, OutboundMessage

log = logging.getLogger(__name__)
CHANNEL_NAME = "webchat"
_REPLAY_PAGE = 100


class Socket(Protocol):
    async def send(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class MessageStore(Protocol):
    async def messages_after(self, conversation_id: str, after_seq: int, limit: int = 100) -> list[dict[str, Any]]: ...


def frame(type_: str, **data: Any) -> str:
    return json.dumps({"type": type_, **data})


class Connection:
    """One widget socket: what it has been sent (by seq) and the conversation state it knows."""

    def __init__(self, socket: Socket, conversation_id: str, last_seq: int, state: str, store: MessageStore) -> None:
        self.socket = socket
        self.conversation_id = conversation_id
        self.last_seq = last_seq
        self.state = state
        self._store = store
        self._lock = asyncio.Lock()

    async def send(self, type_: str, **data: Any) -> None:
        await self.socket.send(frame(type_, **data))

    async def push(self, messages: list[dict[str, Any]]) -> None:
        """Sends the messages this socket has not had yet, filling any gap before them from storage."""
        async with self._lock:
            for message in sorted(messages, key=lambda m: m["seq"]):
                if message["seq"] > self.last_seq + 1:
                    # Seqs of internal messages (never shown to shoppers) also leave gaps.
                    await self._replay_until(message["seq"] - 1)
                if message["seq"] > self.last_seq:
                    await self._send_message(message)

    async def catch_up(self) -> None:
        """Sends everything stored after what the socket has (used on connect)."""
        async with self._lock:
            await self._replay_until(None)

    async def _replay_until(self, last: int | None) -> None:
        while last is None or self.last_seq < last:
            page = await self._store.messages_after(self.conversation_id, self.last_seq, _REPLAY_PAGE)
            for message in page:
                if last is not None and message["seq"] > last:
                    return
                await self._send_message(message)
            if len(page) < _REPLAY_PAGE:
                return

    async def _send_message(self, message: dict[str, Any]) -> None:
        await self.send("message", message=message)
        self.last_seq = message["seq"]


class WebchatChannel:
    """The hub's delivery registry hands this channel every outbound `webchat` message and notice."""

    def __init__(self, store: MessageStore) -> None:
        self._store = store
        self._connections: dict[str, set[Connection]] = defaultdict(set)

    def connect(self, socket: Socket, conversation_id: str, last_seq: int, state: str) -> Connection:
        connection = Connection(socket, conversation_id, last_seq, state, self._store)
        self._connections[conversation_id].add(connection)
        return connection

    def disconnect(self, connection: Connection) -> None:
        open_ = self._connections.get(connection.conversation_id)
        if open_ is not None:
            open_.discard(connection)
            if not open_:
                del self._connections[connection.conversation_id]

    def connections(self, conversation_id: str) -> list[Connection]:
        return list(self._connections.get(conversation_id, ()))

    async def deliver(self, message: OutboundMessage) -> None:
        payload = {
            "conversation_id": message.conversation_id, "seq": message.seq, "direction": "out",
            "author_kind": message.author_kind, "author_name": message.author_name, "text": message.text,
            "buttons": message.buttons, "custom": message.custom, "created_at": message.created_at,
        }
        await self.push(message.conversation_id, [payload])

    async def notify(self, notice: ConversationNotice) -> None:
        for connection in self.connections(notice.conversation_id):
            if notice.kind == "state":
                connection.state = notice.data["state"]
            await self._guarded(connection, connection.send(notice.kind, **notice.data))

    async def push(self, conversation_id: str, messages: list[dict[str, Any]]) -> None:
        for connection in self.connections(conversation_id):
            await self._guarded(connection, connection.push(messages))

    async def typing(self, conversation_id: str, active: bool) -> None:
        for connection in self.connections(conversation_id):
            await self._guarded(connection, connection.send("typing", active=active))

    async def close_all(self, conversation_id: str, code: int = 1012) -> None:
        """Closes the conversation's sockets (the widget reconnects and replays what it missed)."""
        for connection in self.connections(conversation_id):
            await connection.socket.close(code=code, reason="closed by the hub")

    async def _guarded(self, connection: Connection, sending: Any) -> None:
        """A socket that cannot be written to is gone; its widget replays on reconnect."""
        try:
            await sending
        except Exception as error:
            log.info("webchat socket of %s dropped: %s", connection.conversation_id, error)
            self.disconnect(connection)
