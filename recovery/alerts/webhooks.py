"""Webhook subscriptions of the security team and the fan-out of alerts to them through the outbox.

The subscription's secret is generated (or given) once, shown once, and kept encrypted with the service's
rotating keys (recovery/crypto.py); the outbox row names it only as `secret_ref="alert-webhook:<id>"`,
which the resolver registered here turns back into the secret at delivery time. The outbox transport signs
the JSON body with HMAC-SHA256 over "<timestamp>.<body>" (header X-Recovery-Signature: t=...,v1=...), so a
receiver checks both and rejects old timestamps (replays). Retries with backoff are the outbox's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from recovery import crypto
from recovery.accounts.models import User
from recovery.alerts.models import SEVERITIES, Alert, WebhookDelivery, WebhookSubscription, severity_rank
from recovery.context import ServiceContext
from recovery.errors import N_, NotFound, ValidationFailed
from recovery.events.service import record_event
from recovery.numbers import parse_id
from recovery.outbox.destinations import DestinationPolicy, UnsafeDestination
from recovery.outbox.service import OutboxMessage, messages_by_id, queue_webhook
from recovery.outbox.transports.webhooks import register_secret_resolver

SECRET_SCHEME = "alert-webhook"  # noqa: S105 - a secret_ref scheme, not a secret
_MIN_SECRET = 24
_MAX_SUBSCRIPTIONS = 50
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    delivery: WebhookDelivery
    message: OutboxMessage | None  # None once the outbox pruned a sent message (after 30 days)


_URL_MESSAGES = {
    "url": N_("Give an https:// URL without credentials in it."),
    "not_public": N_("Webhooks go only to public internet addresses, not to private, loopback, link-local or "
                     "reserved ones."),
}


def _check(ctx: ServiceContext, url: str, min_severity: str, secret: str | None) -> None:
    """The URL must be well formed and resolve only to public addresses. A name that does not resolve yet is
    kept: the transport checks (and pins) the address again at every delivery, which is where it is enforced."""
    fields: dict[str, list[str]] = {}
    try:
        DestinationPolicy.from_settings(ctx.settings).check(url or "")
    except UnsafeDestination as exc:
        log.info("webhook subscription URL %s: %s", "unresolved" if exc.reason == "unresolvable" else "refused", exc)
        if exc.reason != "unresolvable":
            fields["url"] = [_URL_MESSAGES[exc.reason]]
    if min_severity not in SEVERITIES:
        fields["min_severity"] = [N_("Choose low, medium, high or critical.")]
    if secret is not None and not (_MIN_SECRET <= len(secret) <= 256):
        fields["secret"] = [N_("A secret needs 24 to 256 characters; leave it out and we generate one.")]
    if fields:
        raise ValidationFailed(fields)


def create_subscription(ctx: ServiceContext, staff: User, *, url: str, min_severity: str = "medium",
                        secret: str | None = None, description: str | None = None
                        ) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned this once; only its ciphertext is kept)."""
    _check(ctx, url, min_severity, secret)
    if len(list_subscriptions(ctx)) >= _MAX_SUBSCRIPTIONS:
        raise ValidationFailed({"url": [N_("There are already 50 webhooks; delete one first.")]})
    secret = secret or ctx.tokens.opaque(32)
    now = ctx.clock.now()
    subscription = WebhookSubscription(url=url, secret_ciphertext=crypto.seal(ctx.settings, secret, now),
                                       min_severity=min_severity, min_severity_rank=severity_rank(min_severity),
                                       description=(description or "").strip()[:200] or None,
                                       created_by=staff.id, created_at=now)
    ctx.session.add(subscription)
    ctx.session.flush()
    record_event(ctx, "alert.webhook.created", user_id=None, subscription_id=subscription.id,
                 min_severity=min_severity, host=urlsplit(url).hostname)
    return subscription, secret


def list_subscriptions(ctx: ServiceContext) -> list[WebhookSubscription]:
    return list(ctx.session.scalars(select(WebhookSubscription).where(WebhookSubscription.deleted_at.is_(None))
                                    .order_by(WebhookSubscription.id)))


def get_subscription(ctx: ServiceContext, subscription_id: int) -> WebhookSubscription:
    subscription = ctx.session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.deleted_at is not None:
        raise NotFound()
    return subscription


def delete_subscription(ctx: ServiceContext, subscription_id: int) -> None:
    """Stop deliveries (queued ones fail for want of a secret); the history stays visible."""
    subscription = get_subscription(ctx, subscription_id)
    subscription.deleted_at = ctx.clock.now()
    record_event(ctx, "alert.webhook.deleted", user_id=None, subscription_id=subscription.id)
    ctx.session.flush()


def deliveries(ctx: ServiceContext, subscription_id: int, *, limit: int = 50) -> list[Delivery]:
    if ctx.session.get(WebhookSubscription, subscription_id) is None:  # a deleted one keeps its history
        raise NotFound()
    rows = list(ctx.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                                    .order_by(WebhookDelivery.id.desc()).limit(limit)))
    messages = messages_by_id(ctx, [row.message_id for row in rows if row.message_id is not None])
    return [Delivery(row, messages.get(row.message_id) if row.message_id is not None else None) for row in rows]


def alert_body(alert: Alert, event: str) -> dict:
    return {"type": event, "alert": {
        "id": alert.id, "rule": alert.rule, "severity": alert.severity, "status": alert.status,
        "user_id": alert.user_id, "source": alert.source, "count": alert.count,
        "first_seen_at": alert.first_seen_at.isoformat(), "last_seen_at": alert.last_seen_at.isoformat(),
        "evidence": alert.evidence.get("samples", [])[-1:]}}


def fan_out(ctx: ServiceContext, alert: Alert, event: str) -> int:
    """Queue one signed POST per subscription whose minimum severity the alert meets; returns how many."""
    subscriptions = ctx.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.deleted_at.is_(None),
                                          WebhookSubscription.min_severity_rank <= alert.severity_rank))
    body = alert_body(alert, event)
    queued = 0
    for subscription in subscriptions:
        message = queue_webhook(ctx, url=subscription.url, body=body,
                                secret_ref=f"{SECRET_SCHEME}:{subscription.id}",
                                idempotency_key=f"alert:{alert.id}:{event}:{alert.count}:{subscription.id}")
        ctx.session.flush()
        ctx.session.add(WebhookDelivery(subscription_id=subscription.id, alert_id=alert.id, message_id=message.id,
                                        event=event, created_at=ctx.clock.now()))
        queued += 1
    return queued


def _resolve_secret(runtime, rest: str) -> str | None:
    """The outbox worker asks for a subscription's secret at delivery time; deleted ones have none."""
    subscription_id = parse_id(rest)
    if subscription_id is None:
        return None
    session = runtime.db.new_session()
    try:
        subscription = session.get(WebhookSubscription, subscription_id)
        if subscription is None or subscription.deleted_at is not None:
            return None
        return crypto.unseal(runtime.settings, subscription.secret_ciphertext)
    except crypto.InvalidToken:
        return None
    finally:
        session.close()


register_secret_resolver(SECRET_SCHEME, _resolve_secret)


def rotate_secrets(ctx: ServiceContext) -> tuple[int, int]:
    """Re-encrypt every subscription's secret under the newest key: (done, unreadable). For key rotation,
    beside recovery.mfa.service.rotate_encryption_keys."""
    done = unreadable = 0
    for subscription in ctx.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)):
        try:
            subscription.secret_ciphertext = crypto.reencrypt(ctx.settings, subscription.secret_ciphertext,
                                                              ctx.clock.now())
            done += 1
        except crypto.InvalidToken:
            unreadable += 1
    ctx.session.flush()
    return done, unreadable
