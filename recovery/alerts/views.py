"""The security team's alert console (/staff/alerts): filters, readable evidence, the actions that apply, and a
count of new or changed alerts that console-alerts.js polls (the page never reloads under an analyst's typing;
without script it is a normal page with a Refresh link); and the webhook subscriptions page with each one's
delivery history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from recovery.alerts import actions, labels, service, view_kit, webhooks
from recovery.alerts import related as _related  # noqa: F401  (the ticket page lists the account's alerts)
from recovery.alerts.models import SEVERITIES, STATUSES
from recovery.alerts.schemas import AcknowledgeBody, ChangesQuery, ConsoleQuery, ResolveBody, WebhookBody
from recovery.emails import mask_email
from recovery.web.auth import role_required, signed_in_user
from recovery.web.context import runtime, service_context
from recovery.web.forms import form_page, parse, parse_form

bp = Blueprint("alerts", __name__)
labels.register(bp)
TEAM = "security"


def _filters(query: dict) -> service.AlertFilters:
    return service.AlertFilters(**{k: (v or None) for k, v in query.items()})


def _console() -> dict:
    query = parse(ConsoleQuery(), request.args.to_dict())
    cursor, limit = query.pop("cursor"), query.pop("limit")
    ctx = service_context()
    page = service.list_alerts(ctx, _filters(query), cursor=cursor, limit=limit)
    shown = {k: v for k, v in query.items() if v}
    # The first page watches for what arrives above it (console-alerts.js); an older page stays as it is.
    ids = [a.id for a in page.alerts]
    watch = None if cursor else url_for("alerts.changes", after=max(ids, default=0), oldest=min(ids, default=0),
                                        since=ctx.clock.now().isoformat(), **shown)
    return {"page": page, "rows": view_kit.console_rows(ctx, page.alerts, signed_in_user()), "filters": query,
            "statuses": STATUSES, "severities": SEVERITIES, "watch": watch,
            "poll_seconds": runtime().settings.alert_console_refresh_seconds,
            "refresh": url_for("alerts.console", **shown)}


@bp.get("/staff/alerts")
@role_required(TEAM)
def console():
    return render_template("alerts/console.html", form={}, errors={}, **_console())


@bp.get("/staff/alerts/changes")
@role_required(TEAM)
def changes():
    """JSON for console-alerts.js: how many alerts are new or changed since the console was drawn."""
    query = parse(ChangesQuery(), request.args.to_dict())
    bounds = {key: query.pop(key) for key in ("after", "oldest", "since")}
    query.pop("cursor"), query.pop("limit")
    found = service.count_changes(service_context(), _filters(query), **bounds)
    message = changes_message(found)
    return {"new": found.new, "changed": found.changed, "total": found.total, "message": message,
            "offer": gettext("%(changes)s:", changes=message) if message else ""}


def _back():
    """Back to the console with the filters it had (only ever a console path)."""
    target = request.form.get("back") or ""
    ok = target.startswith("/staff/alerts") and "//" not in target and "\\" not in target
    return redirect(target if ok else url_for("alerts.console"), 303)


@bp.post("/staff/alerts/<bigid:alert_id>/acknowledge")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def acknowledge(alert_id: int):
    data = parse_form(AcknowledgeBody())
    service.acknowledge(service_context(), alert_id, signed_in_user(), **data)
    flash(gettext("Alert %(id)d acknowledged.", id=alert_id), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/note")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def note(alert_id: int):
    data = parse_form(AcknowledgeBody())
    service.add_note(service_context(), alert_id, signed_in_user(), **data)
    flash(gettext("Note saved on alert %(id)d.", id=alert_id), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/resolve")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def resolve(alert_id: int):
    data = parse_form(ResolveBody())
    service.resolve(service_context(), alert_id, signed_in_user(), **data)
    flash(gettext("Alert %(id)d resolved.", id=alert_id), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/lock")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def lock(alert_id: int):
    user = actions.lock_account(service_context(), alert_id, signed_in_user())
    flash(gettext("The account of %(email)s is locked. Its holder has been told.", email=mask_email(user.email)),
          "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/revoke-sessions")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def revoke_sessions(alert_id: int):
    count = actions.revoke_sessions(service_context(), alert_id, signed_in_user())
    flash(ngettext("%(num)d session signed out.", "%(num)d sessions signed out.", count), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/ticket")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def open_ticket(alert_id: int):
    ticket = actions.open_alert_ticket(service_context(), alert_id, signed_in_user())
    return redirect(url_for("tickets.ticket", ticket_id=ticket.id), 303)


def changes_message(found: service.Changes) -> str:
    """"3 new alerts, 1 changed" in the page's language (the offer console-alerts.js shows)."""
    parts = []
    if found.new:
        parts.append(ngettext("%(num)d new alert", "%(num)d new alerts", found.new))
    if found.changed:
        parts.append(ngettext("%(num)d alert changed", "%(num)d alerts changed", found.changed))
    return gettext(", ").join(parts)


def _webhooks_page() -> dict:
    ctx = service_context()
    subscriptions = webhooks.list_subscriptions(ctx)
    return {"subscriptions": subscriptions, "severities": SEVERITIES,
            "deliveries": {s.id: webhooks.deliveries(ctx, s.id, limit=10) for s in subscriptions}}


@bp.route("/staff/alerts/webhooks", methods=["GET", "POST"])
@role_required(TEAM)
@form_page("alerts/webhooks.html", _webhooks_page)
def webhooks_page():
    if request.method == "GET":
        return render_template("alerts/webhooks.html", form={}, errors={}, **_webhooks_page())
    data = parse_form(WebhookBody())
    subscription, secret = webhooks.create_subscription(service_context(), signed_in_user(), **data)
    # The one time the secret is shown: this response only (never stored in a flash cookie).
    return render_template("alerts/webhooks.html", form={}, errors={}, created=subscription, secret=secret,
                           **_webhooks_page())


@bp.post("/staff/alerts/webhooks/<int:subscription_id>/delete")
@role_required(TEAM)
def delete_webhook(subscription_id: int):
    webhooks.delete_subscription(service_context(), subscription_id)
    flash(gettext("The webhook is deleted. Nothing more will be sent to it."), "success")
    return redirect(url_for("alerts.webhooks_page"), 303)
