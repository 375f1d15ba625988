"""The console's queue pages: the queue and its saved views, bulk claim and route, queues and availability.

Registered on the tickets blueprint (`register`), apart from the ticket page's views in views.py. The queue page
is the console's busiest: its rows come from one statement (`queries.console_page`) and are turned into plain
values here once, so the template does no lookup, translation or URL building per row (docs/performance.md).
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from markupsafe import Markup

from recovery.errors import N_, ValidationFailed
from recovery.numbers import parse_id
from recovery.tickets import approvals, assignment, bulk, queries, sla
from recovery.tickets.labels import label_of, ticket_subject
from recovery.tickets.lifecycle import clock_of, warn_before
from recovery.tickets.models import CATEGORIES, QUEUES, STATUSES
from recovery.tickets.schemas import Availability, BulkAction, Membership, QueueQuery
from recovery.tickets.view_kit import staff
from recovery.times import format_utc, format_when
from recovery.web.auth import role_required
from recovery.web.context import request_g, service_context
from recovery.web.display import request_zone
from recovery.web.forms import parse, parse_form
from recovery.web.i18n import request_translations
from recovery.web.locales import locale_name

STAFF = ("agent", "security")
LANGUAGES = ("en", "zh_Hans")
SLA_STATES = ("ok", "due_soon", "breached", "paused")
# What one row of the queue shows, every value ready to print.
QueueRow = namedtuple("QueueRow", "id href priority sla sla_label sla_text deadline subject category queue status "
                                  "language owner mine proposer hold")
# The page's words a row uses (column names for the phone's stacked rows, "me", ...), in the page's language.
Words = namedtuple("Words", "ticket priority sla subject queue language status owner me unassigned awaiting hold")
WORDS = Words(N_("Ticket"), N_("Priority"), N_("SLA"), N_("Subject"), N_("Queue"), N_("Requester's language"),
              N_("Status"), N_("Owner"), N_("me"), N_("unassigned"), N_("Awaiting approval"), N_("hold"))
# The query's schema, built once (a marshmallow Schema copies its declared fields as it is made; loading does
# not change it, so every request may use the same one), and what it loads from no query at all (the queue as
# the console's navigation links it), which a request without one copies instead of loading again.
QUERY = QueueQuery()
DEFAULT_QUERY = QUERY.load({})
# The deadline as _display.html's `when` shows it (the reader's zone and language, UTC on hover), its three texts
# made here by the same functions, so the template calls no macro per row.
Deadline = namedtuple("Deadline", "iso utc local")


def queue_filter(args: dict, viewer) -> queries.QueueFilter:
    owner = args.get("owner")
    owner_id = viewer.id if owner == "me" else parse_id(owner)
    if owner and owner_id is None:  # neither "me" nor a possible staff id: say so rather than list everyone's
        raise ValidationFailed({"owner": [N_("Not a valid integer.")]})
    return queries.QueueFilter(queue=args.get("queue"), category=args.get("category"), status=args.get("status"),
                               owner_id=owner_id, view=args.get("view") or "all")


def translator():
    """gettext with the request's catalog taken once and each msgid remembered: the page asks for the same few
    again and again (Flask-Babel's gettext looks the locale and the catalog up at every call)."""
    known = request_g().setdefault("queue_msgids", {})
    catalog = request_translations()

    def translate(msgid: str) -> str:
        found = known.get(msgid)
        if found is None:
            found = known[msgid] = catalog.ugettext(msgid)
        return found

    return translate


def page_labels(translate) -> dict[str, dict[str, str]]:
    """The labels the page shows, by kind (tickets.labels.LABELS), translated."""
    kinds = {"queue": QUEUES, "category": CATEGORIES, "status": STATUSES, "language": LANGUAGES,
             "view": queries.VIEWS, "sla": SLA_STATES}
    return {kind: {value: translate(label_of(kind, value)) for value in values} for kind, values in kinds.items()}


@role_required(*STAFF)
def queue():
    args = parse(QUERY, request.args.to_dict()) if request.args else dict(DEFAULT_QUERY)
    ctx, viewer = service_context(), staff()
    page = queries.console_page(ctx, viewer, queue_filter(args, viewer), cursor=args["cursor"], limit=args["limit"])
    found = page.rows
    if args["view"] == "approval":  # someone else's proposal, and the decisions rule accepts this viewer for it
        allowed = approvals.approvable(ctx, viewer, [row.id for row in found])
        found = [row for row in found if row.id in allowed]
    translate, locale = translator(), locale_name()
    labels, words = page_words(locale)
    rows = _rows_html(ctx, viewer, found, labels, translate, locale, words)
    parts = page_parts(locale, *(args[k] for k in PART_KEYS))
    # Each row is Markup from _queue_row.html, so their text joined is too (Markup's join escapes each again).
    row_html = Markup("\n".join(rows))  # noqa: S704  # rendered markup only (_rows_html)
    return render_template("tickets/queue.html", row_html=row_html, args=args,
                           next_cursor=page.next_cursor, labels=labels, page_query=_query(args), parts=parts)


@lru_cache(maxsize=8)
def page_words(locale: str) -> tuple[dict[str, dict[str, str]], Words]:
    """The page's labels and words in the request's language (`locale` is the key: the catalogs do not change
    while the process runs)."""
    translate = translator()
    return page_labels(translate), Words(*map(translate, WORDS))


PART_KEYS = ("view", "queue", "category", "status", "owner")
Parts = namedtuple("Parts", "top head actions")


@lru_cache(maxsize=1024)
def page_parts(locale: str, *filters: str | None) -> Parts:
    """The page's parts that only the language and the filters decide (templates/tickets/_queue_parts.html),
    rendered in the request's language (`locale` is its key) and kept for the next request that asks for them."""
    args = dict(zip(PART_KEYS, filters, strict=True))
    labels, words = page_words(locale)
    module: Any = current_app.jinja_env.get_template("tickets/_queue_parts.html").module  # its macros
    return Parts(module.top(args, labels, queries.VIEWS, QUEUES, CATEGORIES, STATUSES),
                 module.head(args, labels, words), module.actions(labels, QUEUES))


def _query(args: dict, **changes) -> str:
    """The view's query string (its filters, without the cursor), for the next page and the bulk form."""
    kept = {k: v for k, v in {**args, **changes}.items() if k in ("view", "queue", "category", "status", "owner")
            and v}
    if kept.get("view") == "all":
        kept.pop("view")
    return urlencode(kept)


# Each row's HTML by what decides it: the database row (every value the page reads), and for that row the SLA
# state and the countdown's whole minutes, the hold, the viewer (their "me" and "you"), the language and the time
# zone. A reload within the minute renders no row and builds no QueueRow. Kept by ticket id with the row it was
# made from, which must equal the row read now (hashing the row's six datetimes cost 4 us a row, comparing them
# next to nothing); with it, what is the row's alone: its SLA clock, whether a deadline was missed. Bounded: the
# tickets are forgotten when KEPT_ROWS_MAX are kept, a row's renderings when it has KEPT_VARIANTS_MAX (a dict's
# operations are atomic under the GIL, so threads share them safely).
_KEPT_ROWS: dict[int, tuple[tuple, sla.SlaClock, bool, dict[tuple, Markup]]] = {}
KEPT_ROWS_MAX = 2048
KEPT_VARIANTS_MAX = 8


def _rows_html(ctx, viewer, found, labels, translate, locale: str, words: Words) -> list[Markup]:
    now, warn, zone = ctx.clock.now(), warn_before(ctx), request_zone()
    made = []
    for row in found:  # queries.ConsoleRow: a named tuple
        kept = _KEPT_ROWS.get(row.id)
        if kept is None or kept[0] != row:
            if len(_KEPT_ROWS) >= KEPT_ROWS_MAX:
                _KEPT_ROWS.clear()
            breached = row.resolution_breached or (row.first_response_breached and row.first_response_at is None)
            kept = _KEPT_ROWS[row.id] = (row, clock_of(row), breached, {})
        _, clock, breached, variants = kept
        state = sla.state(clock, now, warn_before=warn, breached=breached)
        left = int(sla.remaining(clock, now).total_seconds())
        hold = row.hold_until is not None and now < row.hold_until
        key = (state, left >= 0, abs(left) // 60, hold, viewer.id, locale, zone)
        html = variants.get(key)
        if html is None:
            html = row_html(_row(row, viewer, labels, translate, locale, zone, clock, state, left, hold), words)
            if len(variants) >= KEPT_VARIANTS_MAX:
                variants.clear()
            variants[key] = html
        made.append(html)
    return made


def _row(row, viewer, labels, translate, locale, zone, clock, state, left, hold) -> QueueRow:
    proposer = None
    if row.pending_id is not None:
        name = translate(N_("you")) if row.pending_by == viewer.id else (row.pending_by_email or "?")
        proposer = translate(N_("proposed by %(name)s")) % {"name": name}
    return QueueRow(row.id, url_for("tickets.ticket", ticket_id=row.id), row.priority, state, labels["sla"][state],
                    None if state == "paused" else sla.countdown_text(left, translate),
                    _deadline(sla.next_deadline(clock), zone, locale),
                    ticket_subject(row.source, row.subject, translate),
                    labels["category"].get(row.category, row.category), labels["queue"].get(row.queue, row.queue),
                    labels["status"].get(row.status, row.status), labels["language"].get(row.locale, row.locale),
                    row.owner_email, row.owner_id == viewer.id, proposer, hold)


def row_html(row: QueueRow, words: Words) -> Markup:
    """The row's HTML (templates/tickets/_queue_row.html), made of these values alone."""
    module: Any = current_app.jinja_env.get_template("tickets/_queue_row.html").module  # its `row` macro
    return module.row(row, words)


@lru_cache(maxsize=8192)
def _deadline(value, zone: str, locale: str) -> Deadline | None:
    """The texts _display.html's `when` shows (web.display.local_time's: the reader's zone and language)."""
    if value is None:
        return None
    return Deadline(value.isoformat(), format_utc(value), format_when(value, zone=zone, locale=locale, format="short"))


@role_required(*STAFF)
def bulk_action():
    """One form for the queue's checked rows: claim them, or route them to a queue with a reason."""
    form: dict = {k: v for k, v in request.form.items() if k not in ("csrf_token", "ticket_ids")}
    form["ticket_ids"] = request.form.getlist("ticket_ids")
    data = parse(BulkAction(), form)
    ctx = service_context()
    if data["action"] == "claim":
        result = bulk.bulk_claim(ctx, staff(), data["ticket_ids"])
    else:
        if data["queue"] is None:
            raise ValidationFailed({"queue": [N_("Choose one of the queues.")]})
        result = bulk.bulk_route(ctx, staff(), data["ticket_ids"], queue=data["queue"], reason=data["reason"],
                                 priority=data["priority"])
    _report(data["action"], result)
    return redirect(url_for("tickets.queue") + ("?" + _query({"view": data["view"]}) if data["view"] != "all"
                                                 else ""), 303)


def _report(action: str, result: bulk.BulkResult) -> None:
    if result.changed:
        done = (ngettext("You own %(num)d ticket now.", "You own %(num)d tickets now.", len(result.changed))
                if action == "claim" else
                ngettext("%(num)d ticket moved.", "%(num)d tickets moved.", len(result.changed)))
        flash(done, "success")
    for ticket_id, msgid, params in result.refused:
        reason = gettext(msgid, **params) if params else gettext(msgid)
        flash(gettext("Ticket #%(id)s was not changed: %(reason)s", id=ticket_id, reason=reason), "error")


@role_required(*STAFF)
def queues():
    members = assignment.queue_members(service_context())
    return render_template("tickets/queues.html", members=members, queues=QUEUES, form={}, errors={})


@role_required(*STAFF)
def availability():
    available = parse_form(Availability())["available"]
    assignment.set_availability(service_context(), staff(), available)
    flash(gettext("You are available for new tickets.") if available
          else gettext("You will not get new tickets until you are available again."), "success")
    return redirect(url_for("tickets.queues"), 303)


@role_required("admin")
def add_member():
    data = parse_form(Membership())
    assignment.add_member_by_email(service_context(), **data)
    flash(gettext("Queue membership saved."), "success")
    return redirect(url_for("tickets.queues"), 303)


@role_required("admin")
def remove_member():
    data = parse_form(Membership())
    assignment.remove_member_by_email(service_context(), queue=data["queue"], email=data["email"])
    flash(gettext("Removed from the queue."), "success")
    return redirect(url_for("tickets.queues"), 303)


def subject_of(ticket) -> str:
    """`{{ ticket|ticket_subject }}`: what the ticket is about in the page's language (tickets.labels.SUBJECTS);
    the stored English `Ticket.subject` stays what the API and the emails carry."""
    return ticket_subject(ticket.source, ticket.subject, gettext)


def register(bp: Blueprint) -> None:
    """The queue pages' URLs on the tickets blueprint (endpoints tickets.queue, tickets.bulk_action, ...), and
    the `ticket_subject` filter every console page may use."""
    bp.add_app_template_filter(subject_of, "ticket_subject")
    bp.add_url_rule("", "queue", queue, methods=["GET"])
    bp.add_url_rule("/bulk", "bulk_action", bulk_action, methods=["POST"])
    bp.add_url_rule("/queues", "queues", queues, methods=["GET"])
    bp.add_url_rule("/queues/availability", "availability", availability, methods=["POST"])
    bp.add_url_rule("/queues/members", "add_member", add_member, methods=["POST"])
    bp.add_url_rule("/queues/members/remove", "remove_member", remove_member, methods=["POST"])
