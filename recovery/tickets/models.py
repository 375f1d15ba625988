"""Models of the tickets capability: tickets, their thread, audit trail, decisions, evidence, queues, intake codes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")

CATEGORIES = ("stolen_account", "unblock_appeal", "account_recovery", "mfa_reset", "other")
QUEUES = ("support-l1", "support-l2", "security")
# The sources of a request a person made themselves (through the front door), not one staff or the service
# opened about their account.
REQUESTER_SOURCES = ("appeal", "recovery_request", "assistant", "contact")
PRIORITIES = (1, 2, 3, 4)
STATUSES = ("new", "open", "waiting_on_user", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "waiting_on_user")
OUTCOMES = ("granted", "denied", "ineligible", "withdrawn")
# The queue orders on one non-null key: a ticket whose SLA clock is paused or stopped sorts after every
# running deadline of its priority, so keyset pages stay on one index without NULL handling.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
# Written out as SQL (not bound parameters) so PostgreSQL proves a query's use of the partial indexes even
# under a generic prepared plan.
OPEN_CONDITION = "status IN ('new', 'open', 'waiting_on_user')"
_OPEN = text(OPEN_CONDITION)


def _open_index(name: str, *columns: str) -> Index:
    """A partial index over open tickets only: the console reads them, and closed ones are most of the table."""
    return Index(name, *columns, postgresql_where=_OPEN, sqlite_where=_OPEN)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        _open_index("ix_tickets_open_order", "priority", "due_at", "id"),
        _open_index("ix_tickets_open_queue_order", "queue", "priority", "due_at", "id"),
        _open_index("ix_tickets_open_owner_order", "owner_id", "priority", "due_at", "id"),
        _open_index("ix_tickets_open_due", "due_at"),
        Index("ix_tickets_user_status", "user_id", "status"),
        Index("ix_tickets_resolved", "resolved_at"),
        Index("ix_tickets_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20), default="new")
    queue: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A new contact proved by code (account recovery): it hears about the ticket besides the addresses on file.
    requester_email: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))
    # A fact fixed at creation: containment opened this case from the owner's side ("this wasn't me", or a
    # signed-in session securing the account). Only that earns the exemptions of proof (decisions.py); a
    # requester's chosen reason never sets it, and a merge never moves it between tickets.
    opened_by_containment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    signals: Mapped[list] = mapped_column(JSON, default=list)
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # linked records (e.g. suspicious sign-ins)
    identity_checks: Mapped[list] = mapped_column(JSON, default=list)
    access_nonce: Mapped[str] = mapped_column(String(64))  # keys the status link; rotating it voids old links
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    # SLA: current deadlines (moved later by every pause), the pause in progress, and what was flagged.
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sla_warned_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    survey_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketMessage(Base):
    """The thread: public messages (requester, staff, system) and internal notes only staff see."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    author_type: Mapped[str] = mapped_column(String(16))  # "requester", "staff" or "system"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketEvent(Base):
    """The ticket's audit trail: every change of owner, queue, priority, status, SLA flag and decision."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(48))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketDecision(Base):
    """A decision, kept apart from the ticket's status: pending (awaiting a second staff member) or executed."""

    __tablename__ = "ticket_decisions"
    __table_args__ = (Index("ix_ticket_decisions_ticket", "ticket_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    actions: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(1000))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # "pending", "executed", "superseded", "rejected", "withdrawn"
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appeal_again_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TicketEvidence(Base):
    """A file a requester or agent attached; the bytes live under instance/evidence, never in the web root."""

    __tablename__ = "ticket_evidence"
    __table_args__ = (Index("ix_ticket_evidence_ticket", "ticket_id", "deleted_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(16))  # "requester" or "staff"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QueueMember(Base):
    """A staff member working a queue: available for round-robin assignment or not, and whether they lead it."""

    __tablename__ = "ticket_queue_members"
    __table_args__ = (Index("uq_ticket_queue_members_queue_user", "queue", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    turn: Mapped[int] = mapped_column(Integer, default=0)  # round-robin position: the lowest turn goes next
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IntakeChallenge(Base):
    """A request waiting for its code: the code went to an address on file (appeal) or to a new contact
    (account recovery); only its HMAC is kept, it is single use, short-lived and allows a few attempts."""

    __tablename__ = "ticket_intake_challenges"
    __table_args__ = (Index("ix_ticket_intake_challenges_lookup", "kind", "lookup_email", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "appeal" or "recovery"
    lookup_email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TranscriptLine(Base):
    """A line of the assistant conversation a ticket was handed off from: the tickets capability's own copy,
    written once at the hand-off, read by staff beside the thread (and by the ticket API)."""

    __tablename__ = "ticket_transcript_lines"
    __table_args__ = (Index("ix_ticket_transcript_lines_ticket", "ticket_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(16))  # "person" or "assistant"
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(32))
    said_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketDraft(Base):
    """What a staff member was typing on a ticket (a reply or a note), kept while they work elsewhere: saved by
    the console's script as they type and by the no-script macro insert, shown again when the page loads,
    deleted when the reply or note is sent."""

    __tablename__ = "ticket_drafts"
    __table_args__ = (Index("uq_ticket_drafts_ticket_staff_kind", "ticket_id", "staff_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "reply" or "note"
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketViewer(Base):
    """Who has a ticket open (collision detection): one row per (ticket, staff member), its time refreshed by
    each page load and by the console's script while the page stays open."""

    __tablename__ = "ticket_viewers"
    __table_args__ = (Index("uq_ticket_viewers_ticket_staff", "ticket_id", "staff_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
