"""tickets: tickets, their thread, audit trail, decisions, evidence, queue members, intake codes

The queue's order (priority, SLA deadline, id) is served by partial indexes over open tickets only, so
closed tickets (most of the table) cost the console nothing.

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_intake_challenges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('lookup_email', sa.String(length=320), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_intake_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_intake_challenges'))
    )
    op.create_index('ix_ticket_intake_challenges_lookup', 'ticket_intake_challenges', ['kind', 'lookup_email', 'created_at'], unique=False)
    op.create_table('ticket_queue_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('turn', sa.Integer(), nullable=False),
    sa.Column('last_assigned_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_queue_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_queue_members'))
    )
    op.create_index('uq_ticket_queue_members_queue_user', 'ticket_queue_members', ['queue', 'user_id'], unique=True)
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('requester_email', sa.String(length=320), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('identity_checks', sa.JSON(), nullable=False),
    sa.Column('access_nonce', sa.String(length=64), nullable=False),
    sa.Column('hold_until', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('first_response_due_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution_due_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sla_paused_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sla_warned_due_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_response_breached', sa.Boolean(), nullable=False),
    sa.Column('resolution_breached', sa.Boolean(), nullable=False),
    sa.Column('survey_sent_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('satisfaction_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tickets_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tickets_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets'))
    )
    op.create_index('ix_tickets_created', 'tickets', ['created_at'], unique=False)
    op.create_index('ix_tickets_open_due', 'tickets', ['due_at'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.create_index('ix_tickets_open_order', 'tickets', ['priority', 'due_at', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.create_index('ix_tickets_open_owner_order', 'tickets', ['owner_id', 'priority', 'due_at', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.create_index('ix_tickets_open_queue_order', 'tickets', ['queue', 'priority', 'due_at', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.create_index('ix_tickets_resolved', 'tickets', ['resolved_at'], unique=False)
    op.create_index('ix_tickets_user_status', 'tickets', ['user_id', 'status'], unique=False)
    op.create_table('ticket_decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('appeal_again_after', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('executed_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_ticket_decisions_approved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_ticket_decisions_requested_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_decisions_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_decisions'))
    )
    op.create_index('ix_ticket_decisions_ticket', 'ticket_decisions', ['ticket_id', 'status'], unique=False)
    op.create_table('ticket_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=48), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    op.create_index('ix_ticket_events_ticket', 'ticket_events', ['ticket_id', 'id'], unique=False)
    op.create_table('ticket_evidence',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_name', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=16), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_evidence_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_evidence')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_ticket_evidence_storage_name'))
    )
    op.create_index('ix_ticket_evidence_ticket', 'ticket_evidence', ['ticket_id', 'deleted_at'], unique=False)
    op.create_table('ticket_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('author_type', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ticket_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages'))
    )
    op.create_index('ix_ticket_messages_ticket', 'ticket_messages', ['ticket_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_messages_ticket', table_name='ticket_messages')
    op.drop_table('ticket_messages')
    op.drop_index('ix_ticket_evidence_ticket', table_name='ticket_evidence')
    op.drop_table('ticket_evidence')
    op.drop_index('ix_ticket_events_ticket', table_name='ticket_events')
    op.drop_table('ticket_events')
    op.drop_index('ix_ticket_decisions_ticket', table_name='ticket_decisions')
    op.drop_table('ticket_decisions')
    op.drop_index('ix_tickets_user_status', table_name='tickets')
    op.drop_index('ix_tickets_resolved', table_name='tickets')
    op.drop_index('ix_tickets_open_queue_order', table_name='tickets', postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.drop_index('ix_tickets_open_owner_order', table_name='tickets', postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.drop_index('ix_tickets_open_order', table_name='tickets', postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.drop_index('ix_tickets_open_due', table_name='tickets', postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_user')"))
    op.drop_index('ix_tickets_created', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('uq_ticket_queue_members_queue_user', table_name='ticket_queue_members')
    op.drop_table('ticket_queue_members')
    op.drop_index('ix_ticket_intake_challenges_lookup', table_name='ticket_intake_challenges')
    op.drop_table('ticket_intake_challenges')
