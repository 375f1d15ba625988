"""JSON API of alerts for security staff tokens: list (filters, cursor), acknowledge, resolve; webhooks."""

from __future__ import annotations

from flask import Blueprint, request
from flask.blueprints import BlueprintSetupState

from recovery.alerts import service, webhooks
from recovery.alerts.schemas import (
    AcknowledgeBody,
    AlertOut,
    AlertPageOut,
    AlertQuery,
    DeliveryListOut,
    ResolveBody,
    WebhookBody,
    WebhookCreatedOut,
    WebhookListOut,
)
from recovery.outbox.destinations import DestinationPolicy
from recovery.web.auth import role_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse, parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("alerts_api", __name__, url_prefix="/api/v1")


def _check_webhook_policy(state: BlueprintSetupState) -> None:
    """Start-up: a webhook allow list of private hosts (tests, development) stops a production app from starting."""
    DestinationPolicy.from_settings(state.app.extensions["recovery"].settings)


bp.record_once(_check_webhook_policy)
TEAM = "security"  # admin passes every role check


@bp.get("/alerts")
@api_doc("List alerts, newest first, with filters and a cursor (security, admin)", query=AlertQuery,
         responses={200: AlertPageOut}, tags=("alerts",))
@role_required(TEAM)
def list_alerts():
    query = parse(AlertQuery(), request.args.to_dict())
    cursor, limit = query.pop("cursor"), query.pop("limit")
    page = service.list_alerts(service_context(), service.AlertFilters(**query), cursor=cursor, limit=limit)
    return AlertPageOut().dump({"alerts": page.alerts, "next_cursor": page.next_cursor})


@bp.get("/alerts/<bigid:alert_id>")
@api_doc("One alert with its evidence (security, admin)", responses={200: AlertOut}, tags=("alerts",))
@role_required(TEAM)
def get_alert(alert_id: int):
    return AlertOut().dump(service.get_alert(service_context(), alert_id))


@bp.post("/alerts/<bigid:alert_id>/acknowledge")
@api_doc("Acknowledge a new alert: an assignee (you by default) and a note (security, admin); 409 once acknowledged",
         body=AcknowledgeBody,
         responses={200: AlertOut}, errors=(409,), tags=("alerts",))
@role_required(TEAM)
def acknowledge(alert_id: int):
    data = parse_json(AcknowledgeBody())
    return AlertOut().dump(service.acknowledge(service_context(), alert_id, signed_in_user(), **data))


@bp.post("/alerts/<bigid:alert_id>/note")
@api_doc("Change an acknowledged alert's note or assignee (security, admin); a new alert is acknowledged instead",
         body=AcknowledgeBody, responses={200: AlertOut}, errors=(409,), tags=("alerts",))
@role_required(TEAM)
def note(alert_id: int):
    data = parse_json(AcknowledgeBody())
    return AlertOut().dump(service.add_note(service_context(), alert_id, signed_in_user(), **data))


@bp.post("/alerts/<bigid:alert_id>/resolve")
@api_doc("Resolve an alert with a note (security, admin)", body=ResolveBody,
         responses={200: AlertOut}, errors=(409,), tags=("alerts",))
@role_required(TEAM)
def resolve(alert_id: int):
    data = parse_json(ResolveBody())
    return AlertOut().dump(service.resolve(service_context(), alert_id, signed_in_user(), **data))


@bp.post("/webhooks")
@api_doc("Subscribe a URL to alerts of at least a severity; the signing secret is returned this once",
         body=WebhookBody, responses={201: WebhookCreatedOut}, tags=("alerts",))
@role_required(TEAM)
def create_webhook():
    data = parse_json(WebhookBody())
    subscription, secret = webhooks.create_subscription(service_context(), signed_in_user(), **data)
    body = WebhookCreatedOut().dump(subscription)
    body["secret"] = secret
    return body, 201


@bp.get("/webhooks")
@api_doc("List webhook subscriptions (secrets are never shown again)", responses={200: WebhookListOut},
         tags=("alerts",))
@role_required(TEAM)
def list_webhooks():
    return WebhookListOut().dump({"webhooks": webhooks.list_subscriptions(service_context())})


@bp.delete("/webhooks/<int:subscription_id>")
@api_doc("Delete a webhook subscription: no further deliveries; its history stays",
         responses={204: None}, tags=("alerts",))
@role_required(TEAM)
def delete_webhook(subscription_id: int):
    webhooks.delete_subscription(service_context(), subscription_id)
    return "", 204


@bp.get("/webhooks/<int:subscription_id>/deliveries")
@api_doc("Delivery history of a subscription, newest first: status, attempts, last error",
         responses={200: DeliveryListOut}, tags=("alerts",))
@role_required(TEAM)
def deliveries(subscription_id: int):
    return DeliveryListOut().dump({"deliveries": webhooks.deliveries(service_context(), subscription_id)})
