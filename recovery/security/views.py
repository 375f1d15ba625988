"""The security page (`/security`) and the forms that answer on it (a password change, a contact address's
code, the time zone times are shown in): above the capabilities whose parts it shows, so none of them imports
another for it (the history's places come from detection's geo lookup through events' `locate` seam)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext

from recovery.accounts import service as accounts
from recovery.accounts.schemas import ChangePasswordForm, ContactVerifyForm, TimeZoneForm
from recovery.accounts.view_kit import (
    account_errors,
    limit_password_change,
    limit_password_confirmation,
    limit_per_user,
)
from recovery.detection import service as detection
from recovery.detection.geo import geo_lookup
from recovery.events.owner import own_events
from recovery.mfa import service as mfa
from recovery.passkeys import service as passkeys
from recovery.times import zone_choices
from recovery.web.auth import login_required, signed_in_session, signed_in_user
from recovery.web.context import service_context
from recovery.web.display import request_zone
from recovery.web.forms import form_page, parse_form

bp = Blueprint("security", __name__)


def _page() -> dict:
    ctx = service_context()
    user = signed_in_user()
    lookup = geo_lookup(ctx.settings)

    def locate(ip: str) -> tuple[str | None, str | None]:
        found = lookup.lookup(ip)
        return found.city, found.country

    return {"overview": accounts.security_overview(ctx, user, events=0),
            "own_events": own_events(ctx, user.id, locate=locate).events,
            "mfa": mfa.mfa_status(ctx, user), "current_session_id": signed_in_session().id,
            "detection": detection.security_view(ctx, user), "passkeys": passkeys.list_passkeys(ctx, user),
            "time_zones": zone_choices(str(get_locale() or "en")), "time_zone": request_zone()}


@bp.get("/security")
@login_required
def page():
    return render_template("accounts/security.html", form={}, errors={}, **_page())


@bp.post("/security/password")
@limit_password_change
@limit_password_confirmation
@login_required
@form_page("accounts/security.html", _page)
@account_errors
def change_password():
    data = parse_form(ChangePasswordForm())
    accounts.change_password(service_context(), signed_in_user(), data["current_password"], data["new_password"],
                             keep_session_id=signed_in_session().id)
    flash(gettext("Your password is changed, and your other sessions are signed out."), "success")
    return redirect(url_for("security.page"))


@bp.post("/security/contacts/verify")
@limit_per_user("contact-verify")
@login_required
@form_page("accounts/security.html", _page)
@account_errors
def verify_contact():
    data = parse_form(ContactVerifyForm())
    contact = accounts.verify_contact_address(service_context(), signed_in_user(), data["email"], data["code"])
    flash(gettext("Security notices now also go to %(email)s.", email=contact.email), "success")
    return redirect(url_for("security.page"))


@bp.post("/security/time-zone")
@login_required
@form_page("accounts/security.html", _page)
def choose_time_zone():
    """The holder's own choice (also the way without JavaScript): it replaces whatever the browser reported."""
    zone = parse_form(TimeZoneForm())["time_zone"]
    accounts.set_time_zone(service_context(), signed_in_user(), zone)
    flash(gettext("Times are now shown in %(zone)s time.", zone=zone), "success")
    return redirect(url_for("security.page"))
