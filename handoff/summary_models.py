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

A day's rollup (`ReportDay`, `ReportDayCount`, kept by handoff/reports_rollup.py) holds what the
bot and topics reports' statements answered for the conversations opened on one UTC day, with the
signature of the conversations of that day and the 7 after it (the came-back check looks that far),
read before them; it counts only while the signature is unchanged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, Conversation

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


class ReportDay(Base):
    """A rolled-up UTC day and the signature of the conversations opened from it to 7 days after:
    how many, the sum of their `last_seq` (a message raises it), the latest `updated_at` (a state
    transition), how many have a contact and the sum of the contacts' ids (linking, merging), and
    how many were erased."""

    __tablename__ = "report_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    built_at: Mapped[datetime]
    conversations: Mapped[int] = mapped_column(Integer)
    seq_total: Mapped[int] = mapped_column(BigInteger)
    last_change: Mapped[datetime | None]
    contacts: Mapped[int] = mapped_column(Integer)
    contact_total: Mapped[int] = mapped_column(BigInteger)
    erased: Mapped[int] = mapped_column(Integer)


class ReportDayCount(Base):
    """One row a report's statement answered for a day's conversations: `scope` is the channel it
    was narrowed to ('' for all), `kind` and `key` the grouping (handoff/reports_rollup.py)."""

    __tablename__ = "report_day_counts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)
    handed: Mapped[int] = mapped_column(Integer)


class ReportDayExample(Base):
    """Where one of the latest negative answers of a day's conversations is (handoff/reports_answers.py):
    per scope and `key` (the message's day and intent) the `rank`-th newest; texts are read from the
    messages when shown, so none is kept here."""

    __tablename__ = "report_day_examples"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    next_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


# The day signatures read from the index alone (handoff/reports_rollup.py).
Index("ix_conversations_report_day", Conversation.created_at, Conversation.channel, Conversation.last_seq,
      Conversation.updated_at, Conversation.contact_id, Conversation.erased_at)
