"""Browser page of the security event log for staff: filters and newest-first keyset pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from recovery.events import service
from recovery.events.labels import label, own_sentence
from recovery.events.schemas import EventOut, EventQuery
from recovery.web.auth import role_required
from recovery.web.context import service_context
from recovery.web.forms import parse

bp = Blueprint("events", __name__)
bp.add_app_template_filter(label, "label")  # every page and email names codes through the one registry
bp.add_app_template_global(own_sentence, "own_sentence")  # the account holder's history, in sentences


@bp.get("/staff/events")
@role_required("agent", "security")
def staff_events():
    args = {k: v for k, v in request.args.items() if v.strip()}
    query = parse(EventQuery(), args)
    page = service.search_events(service_context(), **query)
    return render_template("events/staff_list.html", events=EventOut(many=True).dump(page.rows),
                           next_cursor=page.next_cursor, filters={k: v for k, v in args.items() if k != "cursor"})
