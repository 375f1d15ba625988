"""Webhooks: a signed JSON POST to a checked public address, and the resolvers that find its secrets."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
from collections.abc import Callable

from recovery.clock import Clock
from recovery.outbox.destinations import Destination, DestinationPolicy, UnsafeDestination
from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, describe, safe_key
from recovery.outbox.transports.watchdog import Watchdog

WEBHOOK_TIMEOUT_SECONDS = 10.0
# The same value as X-Recovery-Delivery (kept for existing receivers) under the name of the IETF httpapi draft.
IDEMPOTENCY_HEADER = "Idempotency-Key"
WEBHOOK_NETWORK_ERROR = "webhook delivery failed (network error)"
log = logging.getLogger(__name__)

SecretResolver = Callable[[str], "str | None"]


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Recovery-Signature value: HMAC-SHA256 over f"{timestamp}.{body}" (Stripe's scheme)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Speaks to `host` (Host header) but connects to the address that was checked, never a fresh lookup."""

    def __init__(self, host: str, port: int, address: str, *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above over TLS: SNI and certificate verification are for the URL's host name, not the address."""

    def __init__(self, host: str, port: int, address: str, *, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _connection(destination: Destination, timeout: float) -> http.client.HTTPConnection:
    kind = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    return kind(destination.host, destination.port, destination.address, timeout=timeout)


class WebhookTransport:
    """JSON POST with the delivery key and, when the message names a secret_ref, a timestamped signature.

    The URL is checked again at every delivery (`policy`: public addresses only) and the connection goes to the
    checked address. Redirects are not followed: they would re-send the signed body somewhere unnamed. What is
    stored as last_error (shown to staff) says only "network error" or the HTTP status; the cause is logged.
    `timeout` bounds the whole POST, from connecting to the last byte of the answer (a Watchdog).
    """

    def __init__(self, resolve_secret: SecretResolver, *, clock: Clock,
                 timeout: float = WEBHOOK_TIMEOUT_SECONDS, policy: DestinationPolicy | None = None) -> None:
        self.resolve_secret = resolve_secret
        self.clock = clock
        self.timeout = timeout
        self.deadline_seconds = timeout
        self.policy = policy or DestinationPolicy()
        self._watchdog = Watchdog()

    def send(self, message: OutgoingMessage) -> None:
        try:
            destination = self.policy.check(message.recipient)
        except UnsafeDestination as exc:
            log.warning("webhook message %s not sent: destination refused (%s: %s)", message.id, exc.reason, exc)
            if exc.reason == "unresolvable":  # DNS may be down for a moment
                raise DeliveryError(WEBHOOK_NETWORK_ERROR) from exc
            raise DeliveryError("webhook destination not allowed", retryable=False) from exc
        body = json.dumps(message.payload.get("body", {}), separators=(",", ":"), sort_keys=True).encode()
        headers = self._headers(message, body)
        connection = _connection(destination, self.timeout)
        try:
            with self._watchdog.bound(self.timeout, lambda: connection.sock):
                connection.request("POST", destination.target, body=body, headers=headers)
                response = connection.getresponse()
                status = response.status
                response.read(65536)
        except (OSError, http.client.HTTPException) as exc:  # refused, timeout, reset, TLS failure, garbled answer
            log.warning("webhook message %s to %s (%s) failed: %s", message.id, destination.host,
                        destination.address, describe(exc))
            raise DeliveryError(WEBHOOK_NETWORK_ERROR) from exc
        finally:
            connection.close()
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered HTTP {status}")

    def _headers(self, message: OutgoingMessage, body: bytes) -> dict[str, str]:
        key = safe_key(message.idempotency_key)
        headers = {"Content-Type": "application/json", "User-Agent": "recovery-webhooks/1",
                   "X-Recovery-Delivery": key, IDEMPOTENCY_HEADER: key}
        secret_ref = message.payload.get("secret_ref")
        if secret_ref:
            secret = self.resolve_secret(secret_ref)
            if not secret:
                raise DeliveryError("webhook secret not found for its secret_ref", retryable=False)
            headers["X-Recovery-Signature"] = sign_webhook(secret, int(self.clock.now().timestamp()), body)
        return headers


# Webhook secrets belong to the capability that owns subscriptions: it registers a resolver for its scheme
# ("subscription:42" -> resolvers["subscription"](runtime, "42")), so the outbox never stores a secret.
_SECRET_RESOLVERS: dict[str, Callable[[object, str], str | None]] = {}


def register_secret_resolver(scheme: str, resolve: Callable[[object, str], str | None]) -> None:
    """`resolve(runtime, rest_of_ref)` returns the signing secret for secret_ref f"{scheme}:{rest}", or None."""
    _SECRET_RESOLVERS[scheme] = resolve


def registered_secret_resolver(runtime: object) -> SecretResolver:
    def resolve(secret_ref: str) -> str | None:
        scheme, _, rest = secret_ref.partition(":")
        resolver = _SECRET_RESOLVERS.get(scheme)
        return resolver(runtime, rest) if resolver else None

    return resolve
