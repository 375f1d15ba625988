"""The staff navigation: the console areas a staff member's role may open, in one list for the layout."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_babel import gettext

from recovery.errors import N_
from recovery.web.auth import current_user

# (endpoint, label, roles allowed besides admin). An area whose blueprint is not registered is left out.
STAFF_AREAS = (
    ("tickets.queue", N_("Tickets"), ("agent", "security")),
    ("staff_accounts.index", N_("Accounts"), ("agent", "security")),
    ("events.staff_events", N_("Security events"), ("agent", "security")),
    ("alerts.console", N_("Alerts"), ("security",)),
    ("outbox.staff_outbox", N_("Outbox"), ("security",)),
    ("help_staff.index", N_("Help centre"), ("content",)),
)


def staff_links() -> list[tuple[str, str]]:
    user = current_user()
    if user is None or not user.is_staff:
        return []
    return [(gettext(label), url_for(endpoint)) for endpoint, label, roles in STAFF_AREAS
            if endpoint in current_app.view_functions and (user.role == "admin" or user.role in roles)]


def init_staff_nav(app: Flask) -> None:
    app.jinja_env.globals["staff_links"] = staff_links
