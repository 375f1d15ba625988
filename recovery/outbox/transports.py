"""How a claimed outbox message leaves the building: local mailbox files, SMTP, or a signed webhook POST.

Every transport raises DeliveryError on failure; `retryable=False` means trying again cannot help (a
recipient the mail server refuses for good, a webhook URL that is not an allowed public destination: see
recovery/outbox/destinations.py), so the message fails at once.
Each message carries its idempotency key to the receiver, so a duplicate after a crash can be dropped there.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Protocol

from recovery.clock import Clock
from recovery.outbox.destinations import Destination, DestinationPolicy, UnsafeDestination
from recovery.settings import Settings

WEBHOOK_TIMEOUT_SECONDS = 10.0
# The same value as X-Recovery-Delivery (kept for existing receivers) under the name of the IETF httpapi draft.
IDEMPOTENCY_HEADER = "Idempotency-Key"
WEBHOOK_NETWORK_ERROR = "webhook delivery failed (network error)"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_MAILBOX_NAME = re.compile(r"^[A-Za-z0-9._-]{1,80}\.eml$")
log = logging.getLogger(__name__)

SecretResolver = Callable[[str], "str | None"]


class DeliveryError(Exception):
    """A send that did not happen; the message text is stored as last_error, so it never holds a secret."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class OutgoingMessage:
    """What the worker claimed: a detached copy, so sending needs no database session."""

    id: int
    kind: str
    recipient: str
    idempotency_key: str
    payload: dict = field(default_factory=dict)


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


def send_deadline(transport: object) -> float:
    """The longest one send() on `transport` may take, which a worker's lease must outlast (0: no network)."""
    return float(getattr(transport, "deadline_seconds", 0.0))


@dataclass
class Deadline:
    """One exchange's bound (a monotonic time), and whether it passed; `current()` is its socket, or None."""

    ends: float
    current: Callable[[], socket.socket | None]
    expired: bool = False


class Watchdog:
    """Bounds a whole network exchange, not each read: a peer that trickles a byte every few seconds, or hangs
    between steps, has its socket shut down when the time is up, which fails the blocked call at once.

    One thread per transport (a lane sends one message at a time), started on demand and gone after a second
    idle, so a send costs two uncontended locks rather than a thread. Once a bound has passed, the thread keeps
    shutting down whatever socket `current()` returns until the exchange ends (a socket still being connected,
    or one opened again after a drop), so nothing outlives the bound by more than a tick.
    """

    TICK, IDLE_EXIT = 0.05, 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._bound: Deadline | None = None
        self._thread: threading.Thread | None = None
        self._idle = False

    @contextmanager
    def bound(self, seconds: float, current: Callable[[], socket.socket | None]) -> Iterator[Deadline]:
        deadline = Deadline(time.monotonic() + seconds, current)
        with self._cond:
            self._bound = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="outbox-send-deadline", daemon=True)
                self._thread.start()
            elif self._idle:
                self._cond.notify()
        try:
            yield deadline
        finally:
            with self._cond:
                self._bound = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                bound = self._bound
                if bound is None:
                    self._idle = True
                    woken = self._cond.wait(self.IDLE_EXIT)
                    self._idle = False
                    if not woken and self._bound is None:
                        self._thread = None
                        return
                    continue
                left = bound.ends - time.monotonic()
                if left > 0:
                    self._cond.wait(left)  # an exchange that ends early is not worth a wake-up
                    continue
                bound.expired = True
                _shut_down(bound.current())
                self._cond.wait(self.TICK)


def _shut_down(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's method: never touches TLS state
    except OSError:
        pass


def safe_key(idempotency_key: str) -> str:
    """The key as it appears in headers and file names: itself when plain, else a stable digest of it."""
    if _SAFE_KEY.match(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


# -- email ---------------------------------------------------------------------------------------------


def build_email(message: OutgoingMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    """RFC 5322 message with a text and an HTML part; Message-ID carries the idempotency key.

    A header that cannot be written (a line break in an address: header injection) fails for good.
    """
    try:
        return _build_email(message, mail_from=mail_from, now=now)
    except (ValueError, TypeError) as exc:
        raise DeliveryError(f"the message cannot be written as email: {type(exc).__name__}",
                            retryable=False) from exc


def _build_email(message: OutgoingMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    key = safe_key(message.idempotency_key)
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = message.recipient
    mail["Subject"] = message.payload.get("subject", "")
    mail["Date"] = email.utils.format_datetime(now)
    mail["Message-ID"] = f"<{key}@recovery>"
    mail["X-Recovery-Idempotency-Key"] = key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.payload.get("text", ""))
    if message.payload.get("html"):
        mail.add_alternative(message.payload["html"], subtype="html")
    return mail


class MailboxTransport:
    """Development mail: one `.eml` file per message in settings.mailbox_dir, written atomically.

    The file is named after the idempotency key, so delivering the same message twice leaves one file.
    """

    def __init__(self, directory: Path, *, mail_from: str, clock: Clock) -> None:
        self.directory = Path(directory)
        self.mail_from = mail_from
        self.clock = clock

    def send(self, message: OutgoingMessage) -> None:
        mail = build_email(message, mail_from=self.mail_from, now=self.clock.now())
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(mail.as_bytes(policy=policy.SMTP))
            os.replace(tmp, self.directory / f"{safe_key(message.idempotency_key)}.eml")
        except OSError as exc:
            raise DeliveryError(f"mailbox not writable: {exc.strerror or type(exc).__name__}") from exc


class SmtpTransport:
    """SMTP with STARTTLS (verified certificate) and login when configured; one message's whole exchange
    (connecting included) takes at most smtp_timeout_seconds.

    One connection serves a delivery batch (deliver_due calls close() at its end): connecting, EHLO, STARTTLS
    and login cost more round trips than the message itself. A connection the server dropped between two
    messages is opened again once; after any error the connection is not reused.
    """

    def __init__(self, settings: Settings, *, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._smtp: smtplib.SMTP | None = None
        self._connecting: smtplib.SMTP | None = None
        self._greeting: socket.socket | None = None  # connected, the server's greeting not read yet
        self.deadline_seconds = float(settings.smtp_timeout_seconds)
        self._watchdog = Watchdog()

    def send(self, message: OutgoingMessage) -> None:
        s = self.settings
        mail = build_email(message, mail_from=s.mail_from, now=self.clock.now())
        try:
            with self._watchdog.bound(self.deadline_seconds, self._socket) as deadline:
                try:
                    self._send(mail, deadline)
                finally:
                    if deadline.expired:  # shut down under it: never reused
                        self.close()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            raise DeliveryError(f"recipient refused (SMTP {codes})",
                                retryable=not all(code >= 500 for code in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500
            raise DeliveryError(f"SMTP {exc.smtp_code} from {s.smtp_host}", retryable=not permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, reset, TLS failure, DNS
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port} unreachable: {_describe(exc)}") from exc

    def _socket(self) -> socket.socket | None:
        smtp = self._smtp or self._connecting
        return getattr(smtp, "sock", None) if smtp is not None else self._greeting

    def _send(self, mail, deadline: Deadline) -> None:
        if self._smtp is not None:
            try:
                self._smtp.send_message(mail)
                return
            except (smtplib.SMTPServerDisconnected, ConnectionError):  # the server closed it while idle
                self.close()
                if deadline.expired:
                    raise TimeoutError("the SMTP exchange outlasted its deadline") from None
        self._smtp = self._connect()
        try:
            self._smtp.send_message(mail)
        except BaseException:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp = self._connecting = _WatchedSMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                                                   seen=self._seen)
            try:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
            except BaseException:
                smtp.close()
                raise
        finally:
            self._connecting, self._greeting = None, None
        return smtp

    def _seen(self, sock: socket.socket) -> None:
        self._greeting = sock

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class _WatchedSMTP(smtplib.SMTP):
    """smtplib.SMTP that shows its socket as soon as it is connected, so a Deadline can end the greeting too."""

    def __init__(self, host: str, port: int, *, timeout: float, seen: Callable[[socket.socket], None]) -> None:
        self._seen = seen
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]  # a private hook
        self._seen(sock)
        return sock


def _describe(exc: BaseException | str) -> str:
    if isinstance(exc, str):
        return exc[:200]
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return getattr(exc, "strerror", None) or type(exc).__name__


# -- webhooks ------------------------------------------------------------------------------------------


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
                        destination.address, _describe(exc))
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


# -- the one place the transport is chosen -------------------------------------------------------------


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


# -- reading the local mailbox (the dev-only pages) ----------------------------------------------------


@dataclass(frozen=True)
class MailboxEntry:
    name: str
    date: datetime | None
    to: str
    subject: str


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(EmailMessage, policy=policy.default).parse(handle)


def list_mailbox(directory: Path, limit: int = 200) -> list[MailboxEntry]:
    """The newest messages first (by Date header, then file time)."""
    if not Path(directory).is_dir():
        return []
    paths = sorted(Path(directory).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True)[:limit]
    entries = []
    for path in paths:
        mail = _parse(path)
        date = mail["Date"].datetime if mail["Date"] else None
        entries.append((date, path.stat().st_mtime_ns, MailboxEntry(path.name, date, str(mail["To"] or ""),
                                                                      str(mail["Subject"] or ""))))
    entries.sort(key=lambda e: (e[0].timestamp() if e[0] else 0, e[1]), reverse=True)
    return [entry for _date, _mtime, entry in entries]


def read_mailbox_message(directory: Path, name: str) -> EmailMessage | None:
    """One message by file name; None for a name that is not a plain .eml file in the mailbox."""
    if not _MAILBOX_NAME.match(name):
        return None
    path = Path(directory) / name
    return _parse(path) if path.is_file() else None
