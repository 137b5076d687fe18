"""The audit log as a hash chain: each row carries the hash of the one before it, so editing,
removing or slipping in a row breaks the chain at that row, and `shopdesk audit verify` names it.

A row's hash covers its chain position, who, what, about whom, details, address and time. Rows are
chained when their transaction flushes: the chain's head (one row in audit_chain) is read and
locked there, so concurrent writers take turns and never fork the chain (PostgreSQL locks the row;
SQLite's BEGIN IMMEDIATE already serialises writers). Whoever can rewrite the whole table and the
head can forge a chain; `verify` prints the head hash for keeping elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from handoff.clock import aware
from handoff.models import AuditChain, AuditEntry

GENESIS = "0" * 64
_VERSION = "shopdesk-audit-v1"
_PENDING = "audit_pending"
_BATCH = 1000


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, seq: int, agent_id: int | None, action: str, subject: str | None, ticket_id: int | None,
             details: dict[str, Any] | None, address: str | None, created_at: datetime) -> str:
    moment = aware(created_at).astimezone(UTC).isoformat(timespec="microseconds")
    fields = [_VERSION, prev_hash, str(seq), str(agent_id), action, subject, str(ticket_id), canonical_details(details),
              address, moment]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def hash_of(entry: AuditEntry, prev_hash: str) -> str:
    assert entry.chain_seq is not None
    return row_hash(prev_hash, entry.chain_seq, entry.agent_id, entry.action, entry.subject, entry.ticket_id,
                    entry.details, entry.address, entry.created_at)


def enqueue(session: AsyncSession, entry: AuditEntry) -> None:
    """Chains the entry when the session next flushes (in the order entries were recorded)."""
    sync = session.sync_session
    pending: list[AuditEntry] | None = sync.info.get(_PENDING)
    if pending is None:
        pending = sync.info[_PENDING] = []
        event.listen(sync, "before_flush", _seal_pending)
    pending.append(entry)


def _seal_pending(session: Session, _context: object, _instances: object) -> None:
    pending: list[AuditEntry] = session.info.get(_PENDING) or []
    if not pending:
        return
    head = session.execute(select(AuditChain.seq, AuditChain.last_hash).where(AuditChain.id == 1).with_for_update()).one()
    seq, last = head.seq, head.last_hash
    for entry in pending:
        # Stored JSON comes back as parsed JSON: hash exactly that.
        entry.details = json.loads(canonical_details(entry.details))
        seq += 1
        entry.chain_seq, entry.prev_hash = seq, last
        entry.row_hash = last = hash_of(entry, entry.prev_hash)
    session.execute(update(AuditChain).where(AuditChain.id == 1).values(seq=seq, last_hash=last))
    pending.clear()


@dataclass(frozen=True)
class Verdict:
    rows: int
    head: str
    broken_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


async def verify(session: AsyncSession) -> Verdict:
    """Walks the chain in order; the first row that does not fit is named."""
    unchained = (await session.execute(
        select(AuditEntry.id).where(AuditEntry.chain_seq.is_(None)).order_by(AuditEntry.id).limit(1)
    )).scalar_one_or_none()
    if unchained is not None:
        return Verdict(0, "", unchained, f"row {unchained} is not in the chain (inserted behind the hub's back)")
    previous, count, expected_seq = GENESIS, 0, 1
    async for entry in _in_order(session):
        problem = _problem(entry, previous, expected_seq)
        if problem is not None:
            return Verdict(count, previous, entry.id, problem)
        previous, count, expected_seq = entry.row_hash or "", count + 1, expected_seq + 1
    head = (await session.execute(select(AuditChain.seq, AuditChain.last_hash).where(AuditChain.id == 1))).one()
    if head.seq != count or head.last_hash != previous:
        return Verdict(count, previous, None, f"the chain ends at row {count} but its head says {head.seq} rows: "
                                              "rows were removed from the end")
    return Verdict(count, previous)


def _problem(entry: AuditEntry, previous: str, expected_seq: int) -> str | None:
    if entry.chain_seq != expected_seq:
        return f"row {entry.id} is at position {entry.chain_seq}, expected {expected_seq}: a row before it was removed"
    if entry.prev_hash != previous:
        return f"row {entry.id} does not follow the row before it: a row was removed or replaced"
    if entry.row_hash != hash_of(entry, previous):
        return f"row {entry.id} was changed after it was written"
    return None


async def _in_order(session: AsyncSession) -> AsyncIterator[AuditEntry]:
    after = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.chain_seq > after).order_by(AuditEntry.chain_seq).limit(_BATCH)
        batch = list((await session.execute(query)).scalars())
        for entry in batch:
            yield entry
        if len(batch) < _BATCH:
            return
        after = batch[-1].chain_seq or after
        session.expunge_all()
