"""How a claimed outbox message leaves the building, and the one place its transport is chosen from settings.

One module per job: `base` (the message, DeliveryError, the send deadline), `watchdog` (a whole exchange's bound),
`mail` (RFC 5322 building), `mailbox` (local development files, written and read), `smtp`, `webhooks`.

Every transport raises DeliveryError on failure; `retryable=False` means trying again cannot help (a
recipient the mail server refuses for good, a webhook URL that is not an allowed public destination: see
recovery/outbox/destinations.py), so the message fails at once.
Each message carries its idempotency key to the receiver, so a duplicate after a crash can be dropped there.
"""

from __future__ import annotations

from collections.abc import Mapping

from recovery.outbox.destinations import DestinationPolicy
from recovery.outbox.transports.base import Transport
from recovery.outbox.transports.mailbox import MailboxTransport
from recovery.outbox.transports.smtp import SmtpTransport
from recovery.outbox.transports.webhooks import SecretResolver, WebhookTransport, registered_secret_resolver
from recovery.settings import Settings


def build_transports(runtime, *, resolve_secret: SecretResolver | None = None) -> Mapping[str, Transport]:
    """Message kind -> transport, from settings: the local mailbox unless an SMTP host is configured."""
    settings: Settings = runtime.settings
    email_transport: Transport
    if settings.uses_local_mailbox:
        email_transport = MailboxTransport(settings.mailbox_dir, mail_from=settings.mail_from, clock=runtime.clock)
    else:
        email_transport = SmtpTransport(settings, clock=runtime.clock)
    webhook = WebhookTransport(resolve_secret or registered_secret_resolver(runtime), clock=runtime.clock,
                               timeout=settings.webhook_timeout_seconds,
                               policy=DestinationPolicy.from_settings(settings))
    return {"email": email_transport, "webhook": webhook}
