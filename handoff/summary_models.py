"""The reports' per-conversation summaries (beside handoff/models.py, on the same Base), kept by
handoff/report_summaries.py off the request path. A summary holds what the bot and topics reports
read of one conversation: whether the shopper wrote, whether it was handed to a person, and its
facets (each intent the bot read in it, each product and carrier the shopper named).

A summary counts only while it is fresh: its copy of the conversation's `last_seq`, `updated_at`,
`contact_id` and `erased_at` equals the conversation's own. Every write that can change what a
summary says moves one of them (a message: `last_seq`; a ticket opened, taken or resolved: a state
transition, `updated_at`; a contact linked or merged: `contact_id`; an erasure: `erased_at`), so a
stale summary is never read: the reports compute those conversations from their messages instead.
No foreign key: an orphaned summary is never fresh, and the next pass deletes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

INTENT, PRODUCT, CARRIER = "intent", "product", "carrier"


class ConversationSummary(Base):
    __tablename__ = "conversation_summaries"
    __table_args__ = (Index("ix_conversation_summaries_created", "created_at"),)

    conversation_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    wrote: Mapped[bool] = mapped_column(Boolean)
    handed: Mapped[int] = mapped_column(Integer)


class ConversationFacet(Base):
    """`created_at` is the conversation's, so a period's facets are read by the index alone."""

    __tablename__ = "conversation_facets"
    __table_args__ = (Index("ix_conversation_facets_period", "kind", "created_at", "conversation_id", "value"),)

    conversation_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime]
