"""Email over SMTP: STARTTLS with a verified certificate, login when configured, one connection per batch."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable

from recovery.clock import Clock
from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, describe
from recovery.outbox.transports.mail import build_email
from recovery.outbox.transports.watchdog import Deadline, Watchdog
from recovery.settings import Settings


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
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port} unreachable: {describe(exc)}") from exc

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
