"""Models of the assistant: conversations, their messages, and the deflections counted beside the forms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class Conversation(Base):
    """One conversation with the assistant. `public_id` is its only name outside (128 random bits): a
    signed-out conversation is reached by it alone; a signed-in one also needs its account's session."""

    __tablename__ = "assistant_conversations"
    __table_args__ = (Index("ix_assistant_conversations_user", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(32))  # the last one recognised
    turns: Mapped[int] = mapped_column(SmallInteger, default=0)
    unanswered: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")  # "open" or "handed_off"
    ticket_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConversationMessage(Base):
    """One line of a conversation: the person's words or the assistant's reply (with its articles and actions)."""

    __tablename__ = "assistant_messages"
    __table_args__ = (Index("ix_assistant_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("assistant_conversations.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))  # "person" or "assistant"
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(32))
    articles: Mapped[list] = mapped_column(JSON, default=list)  # [{slug, title, summary, url}]
    actions: Mapped[list] = mapped_column(JSON, default=list)  # action names (recovery.help.actions)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Deflection(Base):
    """A person who found the answer in a suggested article and left a form ("This solved it") without a ticket."""

    __tablename__ = "assistant_deflections"
    __table_args__ = (Index("ix_assistant_deflections_form", "form", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    form: Mapped[str] = mapped_column(String(16))  # "appeal", "recover", "contact"
    slug: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
