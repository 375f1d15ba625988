"""Every staff page and staff API endpoint is behind the one staff guard (staff need MFA enrolled and a session
that passed it): the URL map is walked, so a new staff route without the guard fails here."""

from __future__ import annotations

import re

import pytest
from helpers.csrf import csrf_from
from helpers.people import Accounts

from recovery.web.auth import STAFF_GUARD

PEOPLE = Accounts  # staff made through the accounts service, MFA or not

# /api/v1 endpoints outside the staff guard, each with why. Everything else under /api/v1 (and all of /staff) is
# staff-only and must carry the guard's mark. Public: anonymous callers, the proof is in the body or the link.
PUBLIC_API = {
    "openapi.openapi_document": "the API's own description",
    "accounts_api.create_account": "sign-up",
    "accounts_api.verify": "email verification by code",
    "accounts_api.resend": "resend the verification code",
    "signin_api.create_session": "sign-in with a password",
    "signin_api.complete_mfa": "sign-in's second factor",
    "signin_api.step_up": "sign-in's emailed step-up code",
    "signin_api.passkey_options": "a passkey sign-in's options",
    "signin_api.create_passkey_session": "sign-in with a passkey",
    "detection_api.secure_account": "'this wasn't me': a signed link or the owner's session",
    "reset_api.request_reset": "forgot password",
    "reset_api.confirm_reset": "reset by signed link",
    "tickets_api.request_appeal": "appeal intake",
    "tickets_api.confirm_appeal": "appeal intake's code",
    "tickets_api.request_recovery": "recovery request intake",
    "tickets_api.confirm_recovery": "recovery request's code",
    "tickets_api.status": "the requester's status page (signed link)",
    "tickets_api.status_reply": "the requester's reply (signed link)",
    "tickets_api.status_evidence": "the requester's evidence (signed link)",
    "tickets_api.rate": "the requester's survey answer (signed link)",
    "assistant_api.start": "the assistant: anyone may ask (a signed-in caller's conversation is its account's)",
    "assistant_api.message": "the assistant: the conversation's unguessable id, or its account's token",
    "assistant_api.contact": "the hand-off's emailed code to the addresses on file",
    "assistant_api.handoff": "the hand-off: the account's token, or the emailed code",
    "help_api.search": "the help centre's search over published articles",
    "help_api.articles": "the help centre's published articles",
}
# The caller's own data: every signed-in user, staff included, even before MFA (staff enroll through these).
OWN_API = {
    "accounts_api.me": "the caller's account",
    "sessions_api.list_sessions": "the caller's sessions",
    "sessions_api.end_current": "sign out",
    "sessions_api.revoke": "end one of the caller's sessions",
    "sessions_api.revoke_others": "sign out everywhere else",
    "mfa_api.status": "the caller's MFA",
    "mfa_api.begin": "enroll TOTP (where staff without MFA must be able to go)",
    "mfa_api.confirm": "confirm the enrollment",
    "mfa_api.disable": "turn MFA off (staff cannot)",
    "mfa_api.regenerate": "new recovery codes",
    "detection_api.my_signins": "the caller's sign-ins",
    "detection_api.forget_device": "forget one of the caller's devices",
    "passkeys_api.registration_options": "register a passkey (staff without MFA may enroll one)",
    "passkeys_api.register": "register a passkey",
    "passkeys_api.list_passkeys": "the caller's passkeys",
    "passkeys_api.rename": "rename one of the caller's passkeys",
    "passkeys_api.remove": "remove one of the caller's passkeys (staff keep a factor)",
}
OUTSIDE_GUARD = PUBLIC_API.keys() | OWN_API.keys()


def _staff_routes(app) -> list:
    """Every (rule, method) of a /staff page or a /api/v1 endpoint that is not listed above as public or own."""
    return [(rule, method) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/staff")
            or (rule.rule.startswith("/api/v1") and rule.endpoint not in OUTSIDE_GUARD)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def _url(rule) -> str:
    return re.sub(r"<(?:int:)?[^<>]+>", "1", rule.rule)


def test_url_map_every_staff_route_is_behind_the_staff_guard(app):
    unguarded = sorted({f"{rule.rule} ({rule.endpoint})" for rule, _ in _staff_routes(app)
                        if not getattr(app.view_functions[rule.endpoint], STAFF_GUARD, None)})
    assert unguarded == []


def test_url_map_allow_list_names_only_routes_that_exist_outside_the_guard(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert OUTSIDE_GUARD - endpoints == set()  # a stale entry would hide a future route of that name
    guarded = {name for name in OUTSIDE_GUARD if getattr(app.view_functions[name], STAFF_GUARD, None)}
    assert guarded == set()


@pytest.fixture
def admin_without_mfa(people) -> str:
    """An admin passes every role check, so only the staff guard can stop them."""
    people.staff("root@example.com", "admin", mfa=False)
    return "root@example.com"


def test_every_staff_api_route_refuses_staff_without_mfa_with_403(app, client, people, admin_without_mfa):
    headers = people.bearer(admin_without_mfa)
    answers = {}
    for rule, method in _staff_routes(app):
        if rule.rule.startswith("/api/"):
            response = client.open(_url(rule), method=method, headers=headers, json={})
            answers[f"{method} {rule.rule}"] = (response.status_code, (response.get_json() or {}).get("error", {})
                                                .get("code"))
    assert answers and set(answers.values()) == {(403, "mfa_enrollment_required")}, answers


def test_every_staff_page_sends_staff_without_mfa_to_enroll(app, client, people, admin_without_mfa):
    people.sign_in(admin_without_mfa)
    token = csrf_from(client.get("/security").get_data(as_text=True))
    answers = {}
    for rule, method in _staff_routes(app):
        if rule.rule.startswith("/staff"):
            response = client.open(_url(rule), method=method, data={"csrf_token": token} if method == "POST" else None)
            answers[f"{method} {rule.rule}"] = (response.status_code, response.headers.get("Location"))
    assert answers and set(answers.values()) == {(302, "/security/mfa/setup")}, answers


@pytest.mark.parametrize(("role", "method", "path"), [
    ("agent", "GET", "/api/v1/events"),
    ("agent", "GET", "/api/v1/events?email=ada@example.com"),
    ("agent", "GET", "/api/v1/tickets"),
    ("agent", "GET", "/api/v1/accounts/{ada}/sessions"),
    ("security", "GET", "/api/v1/events"),
    ("security", "GET", "/api/v1/alerts"),
    ("security", "GET", "/api/v1/outbox"),
    ("security", "PUT", "/api/v1/accounts/{ada}/status"),
])
def test_staff_api_without_mfa_enrolled_answers_403_mfa_enrollment_required(client, people, role, method, path):
    ada = people.user("ada@example.com")
    people.staff("staff@example.com", role, mfa=False)
    response = client.open(path.format(ada=ada), method=method, headers=people.bearer("staff@example.com"),
                           json={"status": "locked", "reason": "x"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "mfa_enrollment_required"
    assert "ada@example.com" not in response.get_data(as_text=True)


def test_staff_event_search_with_a_session_that_skipped_mfa_answers_403_mfa_session_required(client, people):
    people.staff("agent@example.com", "agent", mfa=False)
    headers = people.bearer("agent@example.com")  # a password-only session, then MFA enrolled
    people.enroll("agent@example.com")
    response = client.get("/api/v1/events", headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "mfa_session_required"


def test_own_events_of_a_user_without_mfa_still_answer_200(client, people):
    people.user("ada@example.com")
    response = client.get("/api/v1/events", headers=people.bearer("ada@example.com"))
    assert response.status_code == 200 and response.get_json()["events"]
