"""The local development mailbox: one `.eml` file per message, written atomically, and read by the dev pages."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from recovery.clock import Clock
from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, safe_key
from recovery.outbox.transports.mail import build_email

_MAILBOX_NAME = re.compile(r"^[A-Za-z0-9._-]{1,80}\.eml$")


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
