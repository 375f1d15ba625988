"""Evidence files: checked by content (PNG, JPEG, PDF) and size, stored outside the web root, shown only to
staff, and deleted a set time after the ticket's decision (each deletion logged in the ticket's audit trail)."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from recovery.context import ServiceContext
from recovery.errors import NotFound
from recovery.settings import Settings
from recovery.tickets.errors import EvidenceEmpty, EvidenceTooLarge, EvidenceTooMany, EvidenceWrongType
from recovery.tickets.lifecycle import audit, log
from recovery.tickets.models import Ticket, TicketEvidence

# Content type -> (magic bytes at offset 0, the extensions a file of that type may carry).
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
    "application/pdf": (b"%PDF-", ("pdf",)),
}
_ORPHAN_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Upload:
    """A file as received, before it is checked."""

    filename: str
    content: bytes


def evidence_dir(settings: Settings) -> Path:
    return Path(settings.instance_dir) / "evidence"


def clean_filename(raw: str) -> str:
    """The last path segment, without control characters, at most 120 characters: safe to show and log."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    return name[-120:] or "file"


def sniff(content: bytes, filename: str) -> str | None:
    """The content type the bytes prove, if the extension names the same type; None otherwise."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for content_type, (magic, extensions) in SIGNATURES.items():
        if content.startswith(magic) and extension in extensions:
            return content_type
    return None


def check_upload(settings: Settings, upload: Upload) -> str:
    name = clean_filename(upload.filename)
    if not upload.content:
        raise EvidenceEmpty(name=name)
    if len(upload.content) > settings.ticket_evidence_max_bytes:
        raise EvidenceTooLarge(name=name, limit=f"{settings.ticket_evidence_max_bytes / (1024 * 1024):g}")
    content_type = sniff(upload.content, name)
    if content_type is None:
        raise EvidenceWrongType(name=name)
    return content_type


def attach_files(ctx: ServiceContext, ticket: Ticket, uploads, *, uploaded_by: str) -> list[TicketEvidence]:
    """Check every file first (so one bad file stores none), then write each under a random name."""
    uploads = list(uploads)
    if not uploads:
        return []
    held = ctx.session.scalar(select(func.count()).select_from(TicketEvidence)
                              .where(TicketEvidence.ticket_id == ticket.id)) or 0
    if held + len(uploads) > ctx.settings.ticket_evidence_max_files:
        raise EvidenceTooMany(limit=ctx.settings.ticket_evidence_max_files)
    checked = [(upload, check_upload(ctx.settings, upload)) for upload in uploads]
    return [_store(ctx, ticket, upload, content_type, uploaded_by) for upload, content_type in checked]


def _store(ctx: ServiceContext, ticket: Ticket, upload: Upload, content_type: str, uploaded_by: str
           ) -> TicketEvidence:
    directory = evidence_dir(ctx.settings)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    storage_name = ctx.tokens.opaque(24)
    fd = os.open(directory / storage_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.content)
    evidence = TicketEvidence(ticket_id=ticket.id, filename=clean_filename(upload.filename),
                              content_type=content_type, size=len(upload.content),
                              sha256=hashlib.sha256(upload.content).hexdigest(), storage_name=storage_name,
                              uploaded_by=uploaded_by, created_at=ctx.clock.now())
    ctx.session.add(evidence)
    audit(ctx, ticket, "evidence.added", filename=evidence.filename, size=evidence.size,
          content_type=content_type, by=uploaded_by)
    return evidence


def evidence_file(ctx: ServiceContext, ticket: Ticket, evidence_id: int) -> tuple[TicketEvidence, Path]:
    """The record and path of a live file of this ticket (the caller has checked the staff member's access)."""
    evidence = ctx.session.get(TicketEvidence, evidence_id)
    if evidence is None or evidence.ticket_id != ticket.id or evidence.deleted_at is not None:
        raise NotFound()
    path = evidence_dir(ctx.settings) / evidence.storage_name
    if not path.is_file():
        raise NotFound()
    return evidence, path


def purge_evidence(ctx: ServiceContext) -> int:
    """Delete the files of tickets decided more than the retention period ago; each deletion is audited."""
    cutoff = ctx.clock.now() - timedelta(days=ctx.settings.ticket_evidence_retention_days)
    query = (select(TicketEvidence, Ticket).join(Ticket, Ticket.id == TicketEvidence.ticket_id)
             .where(TicketEvidence.deleted_at.is_(None), Ticket.decided_at.is_not(None), Ticket.decided_at < cutoff)
             .limit(500))
    rows = ctx.session.execute(query).all()
    for evidence, ticket in rows:
        (evidence_dir(ctx.settings) / evidence.storage_name).unlink(missing_ok=True)
        evidence.deleted_at = ctx.clock.now()
        audit(ctx, ticket, "evidence.deleted", filename=evidence.filename, sha256=evidence.sha256,
              reason="retention")
        log.info("deleted evidence %s of ticket %s (retention)", evidence.id, ticket.id)
    _remove_orphans(ctx)
    return len(rows)


def _remove_orphans(ctx: ServiceContext) -> None:
    """Files whose request was rolled back after they were written have no row: remove them after a day."""
    directory = evidence_dir(ctx.settings)
    if not directory.is_dir():
        return
    cutoff = (ctx.clock.now() - _ORPHAN_AGE).timestamp()
    stale = [p for p in directory.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    if not stale:
        return
    known = set(ctx.session.scalars(select(TicketEvidence.storage_name)
                                    .where(TicketEvidence.storage_name.in_([p.name for p in stale]))))
    for path in stale:
        if path.name not in known:
            path.unlink(missing_ok=True)
            log.info("removed orphan evidence file %s", path.name)
