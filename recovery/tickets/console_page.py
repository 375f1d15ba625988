"""The console's ticket page (GET /staff/tickets/<id> and what its forms come back to): the conversation and
its reply and note boxes beside the account's context, the four-eyes state, drafts and collision warnings.

Every form on the page comes back to the page: a refusal (a proposer approving their own proposal, a proposal
that changed meanwhile, a hold) is a message on the ticket, never an error page of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext

from recovery.errors import RecoveryError, ValidationFailed
from recovery.tickets import console, decisions, drafts, presence, queries
from recovery.tickets.access import staff_ticket, visible_queues
from recovery.tickets.labels import LABELS
from recovery.tickets.lifecycle import sla_state
from recovery.tickets.macros import MACROS, macro_variables
from recovery.tickets.models import QUEUES, Ticket
from recovery.tickets.related import related_items, related_tickets
from recovery.tickets.transcript import transcript_of
from recovery.tickets.view_kit import staff
from recovery.web.context import service_context
from recovery.web.errors import discard_and_persist, translate_fields
from recovery.web.messages import translate

SESSION_ROWS = 10
_BOXES = {"reply": "reply", "note": "note", "macro": "reply"}  # the views whose form carries a box's text


def macro_texts(ticket: Ticket) -> dict[str, str]:
    """Each canned response's text in the requester's language, with this ticket's variables filled in."""
    variables = macro_variables(service_context(), ticket, staff())
    with force_locale(ticket.locale):
        return {name: gettext(text) % variables for name, (_title, text) in MACROS.items()}


def _names(ctx, ticket: Ticket, detail: dict, pending) -> dict[int, str]:
    return queries.staff_names(ctx, [ticket.owner_id] + [m.author_id for m in detail["messages"]]
                               + [d.requested_by for d in detail["decisions"]]
                               + [d.approved_by for d in detail["decisions"]]
                               + [e.actor_id for e in detail["audit"] if e.actor_type == "staff"])


def _four_eyes(ctx, ticket: Ticket, me) -> dict:
    pending = decisions.pending_decision(ctx, ticket)
    return {"pending": pending, "is_proposer": pending is not None and pending.requested_by == me.id,
            "may_review": pending is not None and decisions.may_review(ctx, ticket, me, pending)}


def render(ticket_id: int, *, typed: dict | None = None, version: int | None = None,
           collided: presence.Collision | None = None, status: int = 200):
    """The page; `typed`: what a form brought back (the reply box's text, request_info), kept over the drafts;
    `version`: the thread version the agent's page was loaded at (kept across a macro insert)."""
    ctx, me = service_context(), staff()
    ticket = staff_ticket(ctx, me, ticket_id)
    detail = queries.ticket_detail(ctx, ticket)
    presence.see(ctx, ticket, me)
    timeline = detail.pop("timeline")
    boxes = {**drafts.drafts_of(ctx, ticket, me), **(typed or {})}
    page = _four_eyes(ctx, ticket, me)
    context = dict(
        detail, **page, sla=sla_state(ctx, ticket), names=_names(ctx, ticket, detail, page["pending"]),
        macros=MACROS, macro_texts=macro_texts(ticket), boxes=boxes,
        card=console.account_card(ctx, timeline["user"]), timeline=console.timeline_rows(timeline["events"]),
        sessions=timeline["sessions"][:SESSION_ROWS], related=related_items(ctx, ticket.user_id),
        related_tickets=related_tickets(ctx, ticket), workable_queues=set(visible_queues(me)),
        next_id=console.next_ticket_id(ctx, ticket, me),
        viewers=presence.others_viewing(ctx, ticket, me), collided=collided,
        version=version if version is not None else max([0] + [m.id for m in detail["messages"]]),
        ping_seconds=presence.PING_SECONDS, now=ctx.clock.now(), me=me, queues=QUEUES, labels=LABELS,
        actions=decisions.ACTIONS, default_actions=decisions.DEFAULT_ACTIONS[ticket.category],
        appeal_again_days=ctx.settings.ticket_appeal_again_days, audit_label=console.audit_label,
        signal_label=console.signal_label, tag_label=console.tag_label, restrictions=console.RESTRICTIONS,
        transcript=transcript_of(ctx, ticket.id))
    return render_template("tickets/ticket.html", **context), status


def back(ticket_id: int, message: str, category: str = "success", anchor: str | None = None):
    flash(message, category)
    return redirect(url_for("tickets.ticket", ticket_id=ticket_id, _anchor=anchor), 303)


def _said(error: RecoveryError) -> str:
    """The error's message, and its fields' messages after it (a form on this page has no field beside them)."""
    words = [translate(error.message, error.params)]
    if isinstance(error, ValidationFailed):
        for messages in translate_fields(error.fields).values():
            words += [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    return " ".join(words)


def stays_on_ticket(view: Callable) -> Callable:
    """A refused action is said on the ticket page (the change rolled back first); a ticket that does not exist
    or is in a queue the staff member does not work is still the 404 or 403 it is."""

    @wraps(view)
    def wrapper(ticket_id: int, **kwargs):
        staff_ticket(service_context(), staff(), ticket_id)
        try:
            return view(ticket_id=ticket_id, **kwargs)
        except RecoveryError as error:
            if error.status in (401, 429, 503):
                raise
            discard_and_persist(error)
            kind = _BOXES.get(view.__name__)
            if kind is None:
                return back(ticket_id, _said(error), "error")
            # A reply or note refused (too long, the ticket closed meanwhile): the page again, with the text.
            flash(_said(error), "error")
            typed = {kind: request.form.get("body", ""), "request_info": request.form.get("request_info") == "true"}
            return render(ticket_id, typed=typed, status=error.status)

    return wrapper
