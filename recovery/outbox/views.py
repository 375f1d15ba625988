"""Browser pages of the outbox: the staff list with Retry, and the dev-only mailbox of locally written mail."""

from __future__ import annotations

import ipaddress
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.errors import NotFound
from recovery.outbox import service
from recovery.outbox.models import STATUSES
from recovery.outbox.schemas import OutboxListQuery, OutboxMessageOut
from recovery.outbox.transports.mailbox import list_mailbox, read_mailbox_message
from recovery.web.auth import role_required
from recovery.web.context import client_ip, runtime, service_context
from recovery.web.forms import parse
from recovery.web.headers import mark_token_page

bp = Blueprint("outbox", __name__)
_LINK = re.compile(r"https?://[^\s<>\"']+")


@bp.get("/staff/outbox")
@role_required("security")
def staff_outbox():
    query = parse(OutboxListQuery(), {k: v for k, v in request.args.items() if v})
    page = service.list_messages(service_context(), **query)
    return render_template("outbox/staff_list.html", messages=OutboxMessageOut(many=True).dump(page.messages),
                           next_cursor=page.next_cursor, status=query["status"], statuses=STATUSES)


@bp.post("/staff/outbox/<bigid:message_id>/retry")
@role_required("security")
def staff_retry(message_id: int):
    try:
        service.retry_message(service_context(), message_id)
    except service.NotRetryable as error:
        flash(gettext(error.message), "error")
    else:
        flash(gettext("The message is queued again and will be sent shortly."), "ok")
    return redirect(url_for("outbox.staff_outbox", status="failed"))


def _mailbox_dir():
    """The dev mailbox exists only when asked for (RECOVERY_DEV_MAILBOX, which only development accepts), while
    mail is written locally, and for a browser on this machine. Loopback alone proved nothing: behind a proxy on
    the same host with RECOVERY_TRUSTED_PROXIES=0 every client is loopback, and a staging host that forgot
    RECOVERY_ENV published everyone's reset links."""
    settings = runtime().settings
    if not (settings.dev_mailbox and settings.uses_local_mailbox and not settings.is_production
            and _from_this_machine()):
        raise NotFound()
    return settings.mailbox_dir


_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")
_LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


def _from_this_machine() -> bool:
    """A loopback client, asking for a local host name, through no proxy: a forwarding header or a public
    Host gives away a proxy on this host (which makes every visitor loopback when no hop is trusted)."""
    if any(header in request.headers for header in _FORWARDING_HEADERS):
        return False
    if request.host.rsplit(":", 1)[0].lower() not in _LOCAL_NAMES and request.host.lower() not in _LOCAL_NAMES:
        return False
    try:
        return ipaddress.ip_address(client_ip() or "").is_loopback
    except ValueError:
        return False


@bp.get("/dev/mailbox")
def mailbox():
    return render_template("dev/mailbox.html", entries=list_mailbox(_mailbox_dir()))


@bp.get("/dev/mailbox/<name>")
def mailbox_message(name: str):
    mail = read_mailbox_message(_mailbox_dir(), name)
    if mail is None:
        raise NotFound()
    mark_token_page()  # the links carry live tokens: no referrer, no cache
    body = mail.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return render_template("dev/message.html", name=name, mail=mail, segments=link_segments(text))


def link_segments(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_link) so the template escapes everything and links only http(s) URLs."""
    segments: list[tuple[str, bool]] = []
    position = 0
    for match in _LINK.finditer(text):
        segments.append((text[position:match.start()], False))
        segments.append((match.group(0), True))
        position = match.end()
    segments.append((text[position:], False))
    return [segment for segment in segments if segment[0]]
