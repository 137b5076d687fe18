"""The quality review's tables (beside handoff/models.py, on the same Base): a supervisor's sample
of resolved conversations, and one review per conversation, scored on the rubric of
docs/METRICS.md (resolved, correct, tone 1-5, a note). A review row is made when a sample draws
its conversation, so no other sample draws it again; it counts as reviewed once it is scored."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.clock import utcnow
from handoff.models import Base

BOT, HUMAN, BOTH = "bot", "human", "both"
KINDS = (BOT, HUMAN)


class ReviewSample(Base):
    __tablename__ = "review_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    seed: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    team: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_occurred", "occurred_at"), Index("ix_reviews_agent", "agent_id", "occurred_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("review_samples.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), unique=True)
    # The ticket a person resolved (a human review); none for a conversation the bot handled alone.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # Who handled it, its team and channel, and when it was done (the bot conversation's opening,
    # the ticket's resolution), as they were when it was drawn: the figures do not move later.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    team: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    tone: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
