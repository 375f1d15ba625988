"""detection and alerts: sign-in attempts with their signals, known devices, brute-force locks, the buttons of
the "new sign-in" email, emailed step-up codes; alerts, webhook subscriptions and their deliveries

Every query scoring makes is served by an index named here: attempts by (user, outcome, time), (ip, outcome,
time) and (network, outcome, time), so the cost of an attempt does not grow with the table.

Revision ID: 0005
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('secret_ciphertext', sa.Text(), nullable=False),
    sa.Column('min_severity', sa.String(length=8), nullable=False),
    sa.Column('min_severity_rank', sa.SmallInteger(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_alert_webhooks_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_webhooks'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=48), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('severity_rank', sa.SmallInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_alerts_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alerts_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    op.create_index('ix_alerts_dedup', 'alerts', ['dedup_key', 'last_seen_at'], unique=False)
    op.create_index('ix_alerts_status', 'alerts', ['status', 'id'], unique=False)
    op.create_index('ix_alerts_user', 'alerts', ['user_id', 'id'], unique=False)
    op.create_table('known_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('browser', sa.String(length=64), nullable=True),
    sa.Column('os', sa.String(length=64), nullable=True),
    sa.Column('last_ip', sa.String(length=45), nullable=True),
    sa.Column('last_country', sa.String(length=2), nullable=True),
    sa.Column('last_city', sa.String(length=128), nullable=True),
    sa.Column('confirmed_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_devices'))
    )
    op.create_index('uq_known_devices_user_device', 'known_devices', ['user_id', 'device_key'], unique=True)
    op.create_table('signin_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('account_key', sa.String(length=32), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('network', sa.String(length=49), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('asn', sa.String(length=128), nullable=True),
    sa.Column('city', sa.String(length=128), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('device_key', sa.String(length=64), nullable=True),
    sa.Column('browser', sa.String(length=64), nullable=True),
    sa.Column('os', sa.String(length=64), nullable=True),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('action', sa.String(length=8), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signin_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_attempts'))
    )
    op.create_index('ix_signin_attempts_ip_outcome_time', 'signin_attempts', ['ip', 'outcome', 'created_at'], unique=False)
    op.create_index('ix_signin_attempts_network_outcome_time', 'signin_attempts', ['network', 'outcome', 'created_at'], unique=False)
    op.create_index('ix_signin_attempts_time', 'signin_attempts', ['created_at'], unique=False)
    op.create_index('ix_signin_attempts_user_outcome_time', 'signin_attempts', ['user_id', 'outcome', 'created_at'], unique=False)
    op.create_index('ix_signin_attempts_user_time', 'signin_attempts', ['user_id', 'created_at'], unique=False)
    op.create_table('signin_locks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locks', sa.SmallInteger(), nullable=False),
    sa.Column('locked_until', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_disabled_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signin_locks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_signin_locks'))
    )
    op.create_table('alert_webhook_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_webhook_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_alert_webhook_deliveries_message_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['alert_webhooks.id'], name=op.f('fk_alert_webhook_deliveries_subscription_id_alert_webhooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_webhook_deliveries'))
    )
    op.create_index('ix_alert_webhook_deliveries_subscription', 'alert_webhook_deliveries', ['subscription_id', 'id'], unique=False)
    op.create_table('signin_notice_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_digest', sa.String(length=64), nullable=False),
    sa.Column('notice_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('device_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', recovery.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['signin_attempts.id'], name=op.f('fk_signin_notice_links_attempt_id_signin_attempts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signin_notice_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_notice_links')),
    sa.UniqueConstraint('id_digest', name=op.f('uq_signin_notice_links_id_digest'))
    )
    op.create_index('ix_signin_notice_links_notice', 'signin_notice_links', ['notice_id'], unique=False)
    op.create_table('signin_step_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('failures', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', recovery.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['signin_attempts.id'], name=op.f('fk_signin_step_ups_attempt_id_signin_attempts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signin_step_ups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_step_ups')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_signin_step_ups_token_digest'))
    )
    op.create_index('ix_signin_step_ups_user', 'signin_step_ups', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signin_step_ups_user', table_name='signin_step_ups')
    op.drop_table('signin_step_ups')
    op.drop_index('ix_signin_notice_links_notice', table_name='signin_notice_links')
    op.drop_table('signin_notice_links')
    op.drop_index('ix_alert_webhook_deliveries_subscription', table_name='alert_webhook_deliveries')
    op.drop_table('alert_webhook_deliveries')
    op.drop_table('signin_locks')
    op.drop_index('ix_signin_attempts_user_time', table_name='signin_attempts')
    op.drop_index('ix_signin_attempts_user_outcome_time', table_name='signin_attempts')
    op.drop_index('ix_signin_attempts_time', table_name='signin_attempts')
    op.drop_index('ix_signin_attempts_network_outcome_time', table_name='signin_attempts')
    op.drop_index('ix_signin_attempts_ip_outcome_time', table_name='signin_attempts')
    op.drop_table('signin_attempts')
    op.drop_index('uq_known_devices_user_device', table_name='known_devices')
    op.drop_table('known_devices')
    op.drop_index('ix_alerts_user', table_name='alerts')
    op.drop_index('ix_alerts_status', table_name='alerts')
    op.drop_index('ix_alerts_dedup', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('alert_webhooks')
