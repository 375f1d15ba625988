"""The assistant's conversations and messages, deflections counted beside the forms, and the transcript a
ticket keeps of the conversation it was handed off from (issue 20)

Revision ID: 0019
Revises: 0001 (needs 0004's tickets)
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0019"
down_revision = "0001"
branch_labels = None
depends_on = "0004"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    when = recovery.db.UTCDateTime(timezone=True)
    op.create_table(
        "assistant_conversations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("turns", sa.SmallInteger(), nullable=False),
        sa.Column("unanswered", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assistant_conversations_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_conversations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_assistant_conversations_public_id")),
    )
    op.create_index("ix_assistant_conversations_user", "assistant_conversations", ["user_id", "created_at"])
    op.create_table(
        "assistant_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("articles", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["assistant_conversations.id"],
                                name=op.f("fk_assistant_messages_conversation_id_assistant_conversations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_messages")),
    )
    op.create_index("ix_assistant_messages_conversation", "assistant_messages", ["conversation_id", "id"])
    op.create_table(
        "assistant_deflections",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_deflections")),
    )
    op.create_index("ix_assistant_deflections_form", "assistant_deflections", ["form", "created_at"])
    op.create_table(
        "ticket_transcript_lines",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("said_at", when, nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_transcript_lines_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_transcript_lines")),
    )
    op.create_index("ix_ticket_transcript_lines_ticket", "ticket_transcript_lines", ["ticket_id", "position"])


def downgrade() -> None:
    op.drop_table("ticket_transcript_lines")
    op.drop_table("assistant_deflections")
    op.drop_table("assistant_messages")
    op.drop_table("assistant_conversations")
