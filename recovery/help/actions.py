"""The self-service actions an article offers as buttons (and the assistant with them): each name of the
contract (docs/help.md) mapped to its label and its page. `action_link(name)` needs an app context (url_for)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext

from recovery.errors import N_


@dataclass(frozen=True)
class Action:
    label: str  # a msgid, translated when the link is built
    endpoint: str  # the page, when its blueprint is registered
    path: str  # the page's path otherwise (an area another branch adds: /contact, /help/start)
    anchor: str = ""


ACTIONS: dict[str, Action] = {
    "reset": Action(N_("Reset my password"), "reset.forgot", "/forgot"),
    "recovery-codes": Action(N_("Sign in with a recovery code"), "signin.password", "/signin"),
    "secure": Action(N_("Secure my account"), "detection.secure_account", "/secure-account"),
    "appeal": Action(N_("Appeal a locked or banned account"), "tickets_intake.appeal", "/appeal"),
    "recover": Action(N_("Recover my account"), "tickets_intake.recovery_request", "/recover"),
    "requests": Action(N_("Check my requests"), "tickets_intake.my_requests", "/requests"),
    "mfa-setup": Action(N_("Set up two-step verification"), "mfa.setup", "/security/mfa/setup"),
    "passkeys": Action(N_("Add a passkey"), "security_passkeys.new", "/security/passkeys/new"),
    "security": Action(N_("Open my security page"), "security.page", "/security"),
    "contact": Action(N_("Contact support"), "tickets_intake.contact", "/contact"),
    "assistant": Action(N_("Ask the assistant"), "assistant.new", "/help/assistant"),
    "start": Action(N_("Find what fits my problem"), "guide.step", "/help/start"),
}


def action_link(name: str) -> tuple[str, str]:
    """(label in the request's language, root-relative URL); KeyError for a name not in the contract."""
    action = ACTIONS[name]
    path = url_for(action.endpoint) if action.endpoint in current_app.view_functions else action.path
    return gettext(action.label), path + (f"#{action.anchor}" if action.anchor else "")


def action_links(names: list[str]) -> list[tuple[str, str]]:
    """The buttons of an article: unknown names are skipped (an article may name an action a later branch adds)."""
    return [action_link(name) for name in names if name in ACTIONS]
