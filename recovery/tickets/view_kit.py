"""What the tickets pages and API share: rate limits on intake and replies, uploaded files, the staff member in
hand, larger request bodies for evidence uploads, and the template helpers (labels, UTC times, countdowns)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import Blueprint, g, request, send_file
from markupsafe import Markup, escape

from recovery.accounts.models import User
from recovery.errors import N_
from recovery.tickets.access import staff_ticket
from recovery.tickets.evidence import Upload, evidence_file
from recovery.tickets.labels import label_of
from recovery.tickets.notes import shown_note
from recovery.web.auth import signed_in_user
from recovery.web.context import runtime, service_context
from recovery.web.form_kit import field
from recovery.web.i18n import request_gettext, request_ngettext
from recovery.web.ratelimit import limit

UPLOAD_SLACK = 256 * 1024  # form fields and multipart framing around the files
FILES_PER_UPLOAD = 3


def limit_intake(scope: str) -> Callable:
    """Per IP and per email address (its HMAC; a recovery request's contact address), shared by the page and the
    API of the same step."""
    return limit(f"{scope}-ip", f"{scope}-email")


# A requester's replies through the status link: the page's form, the JSON reply and the evidence upload
# share one limit per link (`ticket_intake_limits`), and one per IP, so the doors together get exactly it.
limit_requester_reply = limit("evidence-ip", "status-reply")


def uploaded_files(field: str = "evidence") -> list[Upload]:
    """The files of a multipart request; an empty file input (no file chosen) is skipped."""
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist(field) if f and f.filename]


def allow_uploads(bp: Blueprint, endpoints: set[str]) -> None:
    """Upload endpoints accept bodies up to FILES_PER_UPLOAD evidence files; everything else keeps the app's
    MAX_CONTENT_LENGTH. A URL preprocessor runs before every before_request hook (CSRF reads the form)."""

    @bp.url_value_preprocessor
    def _raise_limit(endpoint, _values) -> None:
        if endpoint in endpoints:
            settings = runtime().settings
            request.max_content_length = max(settings.max_content_length,
                                             settings.ticket_evidence_max_bytes * FILES_PER_UPLOAD + UPLOAD_SLACK)


def evidence_download(ticket_id: int, evidence_id: int):
    """A staff member's download of an evidence file: always an attachment, never rendered in our origin
    (an image or PDF from a requester is untrusted content)."""
    ctx = service_context()
    record, path = evidence_file(ctx, staff_ticket(ctx, staff(), ticket_id), evidence_id)
    return send_file(path, mimetype=record.content_type, as_attachment=True, download_name=record.filename,
                     max_age=0)


def staff() -> User:
    """The signed-in staff member (views are already behind role_required)."""
    return signed_in_user()


def ticket_label(kind: str, value: object) -> str:
    """The translated label, remembered for the request: the queue page asks about four per row, and each of
    Flask-Babel's gettext calls looks the locale and catalog up again (most of the page's time)."""
    labels = g.setdefault("ticket_labels", {})
    key = (kind, value)
    if key not in labels:
        labels[key] = request_gettext(label_of(kind, value))
    return labels[key]


def labels_of(**values: Iterable[str]) -> dict[str, dict[str, str]]:
    """Translated labels for whole sets of values ({"queue": QUEUES, ...}), for a page that shows many: the
    queue page's rows look them up as dictionary items instead of calling ticket_label for each cell."""
    return {kind: {value: ticket_label(kind, value) for value in kind_values} for kind, kind_values in values.items()}


def utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def countdown(seconds: int) -> str:
    """`2h 05m`, `-0h 12m` when overdue; `3d 4h` beyond a day."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return f"{sign}{days}d {hours}h" if days else f"{sign}{hours}h {minutes:02d}m"


def nl2br(text: str) -> Markup:
    """Line breaks a requester or agent typed, everything else escaped."""
    return Markup("<br>").join(escape(line) for line in (text or "").split("\n"))


# What a requester is told of where their request stands (recovery/tickets/progress.py names the stages).
# Functions rather than macros of tickets/_parts.html: the status page shows seven of them, and a macro call
# costs about ten times a function's (docs/performance.md, "Cheap pages, fourth session").
_STAGES = {"received": N_("Received"), "in_review": N_("In review"), "waiting_on_you": N_("Waiting on you")}
_DECIDED = N_("Decided")
_STAGE_BADGE = {"waiting_on_you": "warn", "decided": "ok"}


def stage_label(stage: str) -> str:
    return request_gettext(_STAGES.get(stage, _DECIDED))


def stage_badge(stage: str, outcome: str | None = None) -> Markup:
    text = escape(stage_label(stage)) + (f" · {escape(ticket_label('outcome', outcome))}" if outcome else "")
    return Markup(f'<span class="badge {_STAGE_BADGE.get(stage, "info")}">{text}</span>')  # noqa: S704  # escaped


def tracker(steps: Iterable[tuple[str, str]], label: str) -> Markup:
    """The steps of a request as an ordered list, the current one marked (aria-current), the done ones said so
    to a screen reader."""
    done = f'<span class="visually-hidden"> ({escape(request_gettext("done"))})</span>'
    current = ' aria-current="step"'
    items = "".join(
        f'\n    <li class="{escape(state)}"{current if state == "current" else ""}>\n'
        f'      <span>{escape(stage_label(name))}{done if state == "done" else ""}</span>\n    </li>'
        for name, state in steps)
    return Markup(f'<ol class="steps" aria-label="{escape(label)}">{items}\n  </ol>')  # noqa: S704  # escaped


_NEXT_STEPS = {
    "review": N_("Our support team is reviewing your request. We email you as soon as there is news."),
    "security_review": N_("Our security team is checking your account and will help you back in. We email you as "
                          "soon as there is news."),
    "hold": N_("For the account's safety your request waits out a security hold before anyone can approve it. "
               "Every address on the account has been told, so its owner can stop a request that is not theirs."),
    "withdrawn": N_("This request was cancelled. Nothing was changed on the account."),
}
_REPLY_BELOW = N_("We need an answer from you. Reply below, and we carry on as soon as it arrives.")
_REPLY_THERE = N_("We need an answer from you. Open the request to reply.")
_DECIDED_STEP = N_("We have made our decision. We emailed it to you too.")


def next_step_text(key: str, on_status_page: bool = True) -> str:
    """What happens next (recovery/tickets/progress.py::next_step names it), in the reader's language."""
    if key == "reply":
        return request_gettext(_REPLY_BELOW if on_status_page else _REPLY_THERE)
    return request_gettext(_NEXT_STEPS.get(key, _DECIDED_STEP))


def promise_text(promise: Any) -> str:
    """The SLA's promise (progress.promise): urgent cases in hours, others in days or hours."""
    if promise.urgent:
        return request_ngettext("We answer urgent cases within %(num)d hour.",
                                "We answer urgent cases within %(num)d hours.", promise.hours)
    if promise.days:
        return request_ngettext("We answer within %(num)d day.", "We answer within %(num)d days.", promise.days)
    return request_ngettext("We answer within %(num)d hour.", "We answer within %(num)d hours.", promise.hours)


def evidence_field() -> Markup:
    """The evidence upload of the appeal, recovery and status pages (the form kit's file field)."""
    return field(None, None, "evidence", request_gettext("Evidence files (optional)"), type="file",
                 hint=request_gettext("PNG, JPEG or PDF, up to 5 MB each, three at a time. Only our support staff "
                                      "can open them, and they are deleted 30 days after the decision."),
                 accept=".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf", multiple=True)


def message_text(message) -> str:
    """`{{ m|message_text }}`: a ticket message's body as the reader should read it: the service's own notes in
    the page's language (tickets.notes), anyone's words as they wrote them."""
    if message.author_type == "system":
        return shown_note(message.body, request_gettext)
    return message.body


def register_template_helpers(bp: Blueprint) -> None:
    bp.add_app_template_filter(message_text, "message_text")
    bp.add_app_template_global(next_step_text, "ticket_next_step_text")
    bp.add_app_template_global(promise_text, "ticket_promise_text")
    bp.add_app_template_global(evidence_field, "ticket_evidence_field")
    bp.add_app_template_filter(nl2br, "nl2br")
    bp.add_app_template_global(stage_badge, "ticket_stage_badge")
    bp.add_app_template_global(tracker, "ticket_tracker")
    bp.add_app_template_global(ticket_label, "ticket_label")
    bp.add_app_template_filter(utc, "utc")
    bp.add_app_template_filter(countdown, "countdown")
