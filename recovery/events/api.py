"""JSON API of the security event log: staff search everything; everyone else reads only their own events."""

from __future__ import annotations

from flask import Blueprint, request

from recovery.events import service
from recovery.events.schemas import OWN_EVENT_EXCLUDE, EventOut, EventPageOut, EventQuery
from recovery.web.auth import own_or_staff_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse
from recovery.web.openapi import api_doc

bp = Blueprint("events_api", __name__, url_prefix="/api/v1/events")


@bp.get("")
@api_doc("Security events, newest first: staff see all (filter by type prefix, user id or email, since); "
         "a user sees only their own", query=EventQuery, responses={200: EventPageOut}, tags=("events",))
@own_or_staff_required
def list_events():
    query = parse(EventQuery(), request.args.to_dict())
    user = signed_in_user()
    if user.is_staff:
        page = service.search_events(service_context(), **query)
        events = EventOut(many=True).dump(page.rows)
    else:
        query.pop("user")
        page = service.events_of_user(service_context(), user.id, **query)
        events = EventOut(many=True, exclude=OWN_EVENT_EXCLUDE).dump(page.rows)
    return {"events": events, "next_cursor": page.next_cursor}
