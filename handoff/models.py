"""The hub's tables. Schema changes go through Alembic (handoff/migrations), never create_all."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from handoff.clock import utcnow
from handoff.states import CsatState, State, TicketStatus


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    teams: Mapped[list[Any]] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(20), default="offline")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Agents always take tickets while online; supervisors and admins only when they opt in.
    takes_tickets: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None]
    last_assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Every login attempt, with the address it came from: throttling reads the recent failures."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email", "email", "created_at"),
        Index("ix_login_attempts_address", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_channel_user", "channel", "channel_user_id"),
                      Index("ix_conversations_created", "created_at"),
                      Index("ix_conversations_updated_at", "updated_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(40))
    channel_user_id: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(20), default=State.BOT)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # When the shopper was told that card, bank and ID numbers are removed (once per conversation).
    redaction_notice_at: Mapped[datetime | None]
    # Who the shopper is across channels (handoff/contacts.py); set when they first write.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    # When its personal data was erased (the shopper asked, or the retention period passed).
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_WAITING = text("handled_at IS NULL AND author_kind = 'shopper'")
_HAS_INTENT = text("intent IS NOT NULL")
_FROM_SHOPPER = text("author_kind = 'shopper'")
_SHOPPER_INTENT = text("author_kind = 'shopper' AND intent IS NOT NULL")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "external_id"),
        Index("ix_messages_waiting", "conversation_id", "seq", sqlite_where=_WAITING, postgresql_where=_WAITING),
        Index("ix_messages_intent", "created_at", "conversation_id", "intent", sqlite_where=_HAS_INTENT,
              postgresql_where=_HAS_INTENT),
        Index("ix_messages_shopper", "created_at", "conversation_id", sqlite_where=_FROM_SHOPPER,
              postgresql_where=_FROM_SHOPPER),
        Index("ix_messages_shopper_by_conversation", "conversation_id", "created_at", sqlite_where=_FROM_SHOPPER,
              postgresql_where=_FROM_SHOPPER),
        Index("ix_messages_shopper_intent", "created_at", "intent", sqlite_where=_SHOPPER_INTENT,
              postgresql_where=_SHOPPER_INTENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))
    author_kind: Mapped[str] = mapped_column(String(10))
    author_name: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    custom: Mapped[dict[str, Any] | None]
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    external_id: Mapped[str | None] = mapped_column(String(200))
    # What the shopper attached (handoff/attachments.py summaries); the files are in `attachments`.
    attachments: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A shopper message is handled once its bot turn is stored, or once people have it; until
    # then it waits for the bot (handoff/turns.py), across crashes of any process.
    handled_at: Mapped[datetime | None]
    # A hub asking the bot about this message holds it until then; a crashed hub's hold lapses.
    bot_claimed_until: Mapped[datetime | None]
    # The seq of the shopper message a bot or hub message answers.
    reply_to: Mapped[int | None] = mapped_column(Integer)
    # What the bot read in a shopper message (its NLU intent, `nlu_fallback` included), for reports.
    intent: Mapped[str | None] = mapped_column(String(80))


# The two hot tables as Core Tables (typed), for the message path's statements on the tables
# themselves (handoff/conversations.py, handoff/turns.py: cheaper than the ORM's bulk paths).
CONVERSATIONS = cast(Table, Conversation.__table__)
MESSAGES = cast(Table, Message.__table__)


class Attachment(Base):
    """A photo a shopper sent, re-encoded by the hub (hub/images.py); stored first, then claimed by
    the message it came with. Served only to that conversation's shopper and to agents."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transition(Base):
    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_queue", "status", "severity_rank", "tier_rank", "queued_at"),
                      Index("ix_tickets_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.QUEUED)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    severity: Mapped[str] = mapped_column(String(10))
    severity_rank: Mapped[int] = mapped_column(Integer)
    severity_cues: Mapped[list[Any]] = mapped_column(default=list)
    tier: Mapped[str | None] = mapped_column(String(20))
    tier_rank: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer)
    team: Mapped[str | None] = mapped_column(String(20))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    trigger_text: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    anger: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    first_response_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    csat_state: Mapped[str] = mapped_column(String(20), default=CsatState.NONE)
    csat_rating: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None]
    # The answer to the optional "would you recommend us, 0-10?" after the rating (a shop setting).
    nps_score: Mapped[int | None] = mapped_column(Integer)
    nps_at: Mapped[datetime | None]
    # Opened because Rasa could not be reached: it goes back to the bot when Rasa is back, unless
    # an agent took it meanwhile.
    bot_outage: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedReply(Base):
    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One audited act, chained to the one before it (handoff/audit_chain.py)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"), UniqueConstraint("chain_seq", name="uq_audit_log_chain_seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a login attempt with an email no account has.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    # Customers appear as "contact:<id>", never by email or name: an erased contact leaves no trace here.
    subject: Mapped[str | None] = mapped_column(String(320))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # What changed, for admin changes and exports (field names and new values; never a password).
    details: Mapped[dict[str, Any] | None]
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChain(Base):
    """The chain's head: how many rows it holds and the last row's hash (one row, id 1)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class Team(Base):
    """A team tickets can be routed to; `intents` are the bot's intents whose tickets it takes."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    intents: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLabel(Base):
    __tablename__ = "ticket_labels"
    __table_args__ = (Index("ix_ticket_labels_label", "label"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)


class PresencePeriod(Base):
    """One stretch of an agent being online: from going online to going away, offline or gone."""

    __tablename__ = "presence_periods"
    __table_args__ = (Index("ix_presence_periods_agent", "agent_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Contact(Base):
    """One shopper across channels and conversations: a guest until they prove who they are, then
    the shop's customer. A contact merged into another keeps its row, pointing at the survivor."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_email", "email"), Index("ix_contacts_tier", "tier"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(400))  # the latest order's delivery address
    shop_customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    shop_tier: Mapped[str | None] = mapped_column(String(20))  # the shop's own classification
    tier: Mapped[str | None] = mapped_column(String(20))  # ours, from the tier rules
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    lifetime_value_cents: Mapped[int] = mapped_column(Integer, default=0)
    last_order_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactIdentity(Base):
    """A way a shopper is recognised again: a proven email, the shop's customer id, a Telegram chat."""

    __tablename__ = "contact_identities"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # email | shop_customer | telegram
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactMerge(Base):
    """A contact learnt who it is (`identified`) or absorbed another (`merged`), and the proof."""

    __tablename__ = "contact_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    merged_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # signed_identity | bot_verified_order | order_and_contact
    proof: Mapped[str] = mapped_column(String(40))
    order_number: Mapped[str | None] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactTag(Base):
    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "tag"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # manual | rule
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactNote(Base):
    __tablename__ = "contact_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacySetting(Base):
    """Settings admins change in the console for customer records and personal data (tier and tag
    rules, who sees personal data, who needs a second factor, how long transcripts are kept)."""

    __tablename__ = "privacy_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentSecondFactor(Base):
    """An agent's TOTP second factor (handoff/second_factor.py): the app's secret, waiting for its
    first code until `enrolled_at`; the last time step used (a code counts once); the hashes of the
    recovery codes still unused."""

    __tablename__ = "agent_second_factors"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_hashes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceLevelSetting(Base):
    """The SLA settings admins change in the console (handoff/sla_settings.py): `targets` (minutes
    per severity) and `business_hours` (time zone and opening hours per weekday)."""

    __tablename__ = "service_level_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackSetting(Base):
    """What the hub asks shoppers after an agent resolved (handoff/feedback_settings.py): `nps`
    (whether the "would you recommend us, 0-10?" question follows the rating)."""

    __tablename__ = "feedback_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
