"""Requester pages (no sign-in): appeal, account-recovery request, their code steps, the status page, cancel."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.tickets import deflection, intake, requester
from recovery.tickets.access import status_token, ticket_for_cancel_token, ticket_for_status_token
from recovery.tickets.labels import LABELS
from recovery.tickets.schemas import (
    AppealConfirm,
    AppealForm,
    ContactConfirm,
    ContactRequest,
    Rating,
    RecoveryConfirm,
    RecoveryForm,
    RequesterReply,
)
from recovery.tickets.view_kit import (
    allow_uploads,
    limit_intake,
    limit_requester_reply,
    register_template_helpers,
    uploaded_files,
)
from recovery.web.auth import current_user
from recovery.web.context import runtime, service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import form_page, parse_form
from recovery.web.headers import mark_token_page
from recovery.web.ratelimit import limit

bp = Blueprint("tickets_intake", __name__)
register_template_helpers(bp)
allow_uploads(bp, {"tickets_intake.appeal_confirm", "tickets_intake.recovery_confirm",
                   "tickets_intake.status_reply"})


def _reasons() -> dict:
    return {"reasons": LABELS["reason"]}


@bp.route("/appeal", methods=["GET", "POST"])
@limit_intake("appeal")
@equal_time("appeal")
@form_page("tickets/appeal.html", _reasons)
def appeal():
    if request.method == "GET":  # the front door and the sign-in page may name the reason: chosen for them
        form = {"email": request.args.get("email", ""), "reason": request.args.get("reason", "")}
        return render_template("tickets/appeal.html", form=form, errors={}, **_reasons())
    data = parse_form(AppealForm())
    data.pop("step")
    shown = deflection.preview("tickets/appeal.html", "appeal", data["message"], **_reasons())
    if shown is not None:
        return shown
    intake.request_appeal(service_context(), **data)
    # The same page for every address: whether an account exists is not revealed here.
    return render_template("tickets/appeal_confirm.html", form={"email": data["email"]}, errors={}, sent=True)


@bp.route("/appeal/confirm", methods=["GET", "POST"])
@limit_intake("appeal-confirm")
@equal_time("appeal-confirm")  # a wrong code for a known address counts a try; an unknown one has nothing to count
@form_page("tickets/appeal_confirm.html")
def appeal_confirm():
    if request.method == "GET":
        return render_template("tickets/appeal_confirm.html", form={}, errors={})
    data = parse_form(AppealConfirm())
    ticket = intake.confirm_appeal(service_context(), **data, uploads=uploaded_files)  # read after the code
    return redirect(url_for(".status", token=status_token(service_context(), ticket)), 303)


def _hold() -> dict:
    return {"config_hold_hours": runtime().settings.ticket_recovery_hold_hours}


@bp.route("/recover", methods=["GET", "POST"])
@limit_intake("recover")
@equal_time("recover")
@form_page("tickets/recover.html", _hold)
def recovery_request():
    if request.method == "GET":
        return render_template("tickets/recover.html", form={}, errors={}, **_hold())
    data = parse_form(RecoveryForm())
    data.pop("step")
    shown = deflection.preview("tickets/recover.html", "recover", data["message"], **_hold())
    if shown is not None:
        return shown
    answers = {key: data.pop(key) for key in ("last_signin_place", "last_signin_date", "devices",
                                              "recent_activity")}
    intake.request_recovery(service_context(), answers=answers, **data)
    return render_template("tickets/recover_confirm.html", form={"contact_email": data["contact_email"]},
                           errors={}, sent=True)


@bp.route("/recover/confirm", methods=["GET", "POST"])
@limit_intake("recover-confirm")
@form_page("tickets/recover_confirm.html")
def recovery_confirm():
    if request.method == "GET":
        return render_template("tickets/recover_confirm.html", form={}, errors={})
    data = parse_form(RecoveryConfirm())
    ticket = intake.confirm_recovery(service_context(), **data, uploads=uploaded_files)  # read after the code
    return redirect(url_for(".status", token=status_token(service_context(), ticket)), 303)


@bp.route("/contact", methods=["GET", "POST"])
@limit("contact-ip", "contact-email", "contact-user")
@equal_time(lambda: "contact-signed-in" if current_user() else "contact")
@form_page("tickets/contact.html")
def contact():
    """Contact support: signed in, the ticket opens at once; signed out, a code goes to the account's addresses."""
    if request.method == "GET":
        return render_template("tickets/contact.html", form={"email": request.args.get("email", "")}, errors={})
    data = parse_form(ContactRequest())
    data.pop("step")
    shown = deflection.preview("tickets/contact.html", "contact", data["message"])
    if shown is not None:
        return shown
    ctx, user = service_context(), current_user()
    if user is not None:
        ticket = intake.open_contact(ctx, user=user, message=data["message"])
        return redirect(url_for(".status", token=status_token(ctx, ticket)), 303)
    intake.request_support_code(ctx, kind="contact", email=data["email"], payload={"message": data["message"]})
    return render_template("tickets/contact_confirm.html", form={"email": data["email"]}, errors={}, sent=True)


@bp.route("/contact/confirm", methods=["GET", "POST"])
@limit_intake("contact-confirm")
@equal_time("contact-confirm")  # as /appeal/confirm: the time must not tell a known address from an unknown one
@form_page("tickets/contact_confirm.html")
def contact_confirm():
    if request.method == "GET":
        return render_template("tickets/contact_confirm.html", form={}, errors={})
    ctx = service_context()
    data = parse_form(ContactConfirm())
    user, payload = intake.redeem_support_code(ctx, kind="contact", email=data["email"], code=data["code"])
    ticket = intake.open_contact(ctx, user=user, message=payload.get("message", ""))
    return redirect(url_for(".status", token=status_token(ctx, ticket)), 303)


def _status_context(token: str) -> dict:
    return {"token": token, "view": requester.status_page(service_context(), token)}


@bp.get("/appeal/status/<token>")
def status(token: str):
    mark_token_page()  # the link is the requester's only key: no referrer, no cache
    return render_template("tickets/status.html", form={}, errors={}, **_status_context(token))


@bp.post("/appeal/status/<token>/reply")
@limit_requester_reply
@form_page("tickets/status.html", _status_context)
def status_reply(token: str):
    mark_token_page()
    ctx = service_context()
    data = parse_form(RequesterReply())
    intake.requester_reply_by_token(ctx, token, data["message"], uploaded_files)  # read after the link checks
    flash(gettext("Thank you. We added this to your request."), "success")
    return redirect(url_for(".status", token=token), 303)


@bp.post("/appeal/status/<token>/rate")
@form_page("tickets/status.html", _status_context)
def rate(token: str):
    mark_token_page()
    ctx = service_context()
    intake.rate_ticket(ctx, ticket_for_status_token(ctx, token), parse_form(Rating())["score"])
    flash(gettext("Thank you for your answer."), "success")
    return redirect(url_for(".status", token=token), 303)


@bp.get("/requests")
def my_requests():
    """The signed-in account holder's requests; signed out, where a request's status is found instead."""
    user = current_user()
    requests = requester.my_requests(service_context(), user.id) if user is not None else None
    return render_template("tickets/my_requests.html", requests=requests)


@bp.route("/recover/cancel/<token>", methods=["GET", "POST"])
def cancel(token: str):
    mark_token_page()
    ctx = service_context()
    ticket = ticket_for_cancel_token(ctx, token)
    if request.method == "GET":  # mail scanners open links: only the button cancels
        return render_template("tickets/cancel.html", ticket=ticket, token=token, done=not ticket.is_open)
    intake.cancel_recovery(ctx, ticket)
    return render_template("tickets/cancel.html", ticket=ticket, token=token, done=True)
