"""JSON API of the security event log: staff search everything; everyone else reads only their own events."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, request
from flask_babel import gettext

from recovery.events import service
from recovery.events.labels import ACTOR_LABELS, own_sentence
from recovery.events.owner import OwnEvent, own_events
from recovery.events.schemas import EVENTS_RESPONSE, EventOut, EventQuery, OwnEventOut
from recovery.web.auth import own_or_staff_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse
from recovery.web.openapi import api_doc

bp = Blueprint("events_api", __name__, url_prefix="/api/v1/events")


@bp.get("")
@api_doc("Security events, newest first: staff see all (filter by type prefix, user id or email, since); a user "
         "sees only their own, as labels and teams without staff IPs, browsers or notes (OwnEventOut)",
         query=EventQuery, responses={200: EVENTS_RESPONSE}, tags=("events",))
@own_or_staff_required
def list_events():
    query = parse(EventQuery(), request.args.to_dict())
    user = signed_in_user()
    if not user.reads_accounts:  # a user, or the content team: their own events only
        query.pop("user")
        own = own_events(service_context(), user.id, **query)
        return {"events": OwnEventOut(many=True).dump([_in_words(event) for event in own.events]),
                "next_cursor": own.next_cursor}
    page = service.search_events(service_context(), **query)
    return {"events": EventOut(many=True).dump(page.rows), "next_cursor": page.next_cursor}


def _in_words(event: OwnEvent) -> dict:
    return {**dataclasses.asdict(event), "label": gettext(event.label),
            "sentence": own_sentence(event.type, event.actor), "actor_label": gettext(ACTOR_LABELS[event.actor])}
