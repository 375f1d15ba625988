"""The alerts console reads like a console: the count of new or changed alerts it polls, the actions that apply
(and the services refusing the others), counts in both languages' plural forms, accounts by masked email,
evidence in words, and the link from an alert to the ticket it opened."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from helpers.csrf import csrf_from

from recovery.accounts.models import User
from recovery.alerts import actions, service
from recovery.alerts.applicable import (
    ACKNOWLEDGE,
    LOCK,
    NOTE,
    OPEN_TICKET,
    RESOLVE,
    REVOKE_SESSIONS,
    AccountFacts,
    ActionNotApplicable,
    applicable_actions,
)
from recovery.alerts.models import Alert
from recovery.tickets.models import Ticket

WATCH = re.compile(r'data-url="([^"]+)"')


@pytest.fixture
def security(people) -> int:
    staff = people.add("sec@example.com", role="security")
    people.sign_in(staff)
    return staff


def _raise(services, **kwargs) -> int:
    kwargs = {"rule": "signin_blocked", "severity": "high", "source": "203.0.113.9", **kwargs}
    with services() as ctx:
        return service.raise_alert(ctx, **kwargs).id


def _zh(client) -> None:
    client.get("/language/zh_Hans?next=/")


# --- the count the console polls ------------------------------------------------------------------------------

def test_changes_counts_new_and_grown_alerts_since_the_page_was_drawn(client, security, services, ada, clock):
    first = _raise(services, user_id=ada)
    watch = html_lib.unescape(WATCH.search(client.get("/staff/alerts").get_data(as_text=True)).group(1))
    assert f"after={first}" in watch
    assert client.get(watch).get_json() == {"new": 0, "changed": 0, "total": 0, "message": "", "offer": ""}
    clock.advance(timedelta(minutes=1))
    _raise(services, user_id=ada)  # the same alert grows
    _raise(services, source="198.51.100.7", rule="credential_stuffing")
    _raise(services, source="198.51.100.8", rule="credential_stuffing")
    assert client.get(watch).get_json() == {"new": 2, "changed": 1, "total": 3,
                                            "message": "2 new alerts, 1 alert changed",
                                            "offer": "2 new alerts, 1 alert changed:"}
    _zh(client)
    assert client.get(watch).get_json()["offer"] == "2 条新警报、1 条警报有变化："


def test_changes_keep_the_pages_filters(client, security, services):
    _raise(services, severity="high")
    watch = html_lib.unescape(WATCH.search(
        client.get("/staff/alerts?min_severity=high").get_data(as_text=True)).group(1))
    assert "min_severity=high" in watch
    _raise(services, severity="low", source="198.51.100.1", rule="credential_stuffing")
    assert client.get(watch).get_json()["total"] == 0
    _raise(services, severity="critical", source="198.51.100.2", rule="credential_stuffing")
    assert client.get(watch).get_json()["new"] == 1


def test_changes_count_only_the_alerts_the_page_shows(client, security, services, clock):
    older = _raise(services, source="198.51.100.1")
    shown = _raise(services, source="198.51.100.2")
    page = client.get("/staff/alerts?limit=1").get_data(as_text=True)
    watch = html_lib.unescape(WATCH.search(page).group(1))
    assert f"after={shown}" in watch and f"oldest={shown}" in watch
    clock.advance(timedelta(minutes=1))
    _raise(services, source="198.51.100.1")  # grows, but is on an older page
    assert client.get(watch).get_json()["total"] == 0
    _raise(services, source="198.51.100.2")
    assert client.get(watch).get_json()["changed"] == 1
    assert older < shown


def test_an_older_page_does_not_watch(client, security, services):
    for n in range(3):
        _raise(services, source=f"198.51.100.{n}")
    html = client.get("/staff/alerts?limit=2").get_data(as_text=True)
    cursor = re.search(r"cursor=([\w-]+)", html).group(1)
    assert "data-url" not in client.get(f"/staff/alerts?cursor={cursor}").get_data(as_text=True)


def test_each_change_count_reads_a_bounded_span_of_ids_whatever_the_query_names(client, security, services, clock,
                                                                                  monkeypatch):
    """A crafted poll (after=0, oldest=0) walks no more than CHANGES_SPAN ids for either count."""
    monkeypatch.setattr(service, "CHANGES_SPAN", 2)
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = [_raise(services, source=f"198.51.100.{n}") for n in range(5)]
    assert ids == list(range(ids[0], ids[0] + 5))
    body = client.get(f"/staff/alerts/changes?after={ids[0] - 1}&oldest=0&since={since}").get_json()
    assert body["new"] == 2  # ids[0] and ids[1]: the span after the page's newest id
    clock.advance(timedelta(minutes=1))
    for n in range(5):
        _raise(services, source=f"198.51.100.{n}")  # every one grows
    body = client.get(f"/staff/alerts/changes?after={ids[-1]}&oldest=0&since={since}").get_json()
    assert body["changed"] == 2 and body["new"] == 0  # only the newest two ids the page claims to show


@pytest.mark.parametrize("query", ["after=1", "after=x&since=2026-01-01T00:00:00Z", "after=1&since=yesterday"])
def test_changes_refuses_a_malformed_query(client, security, query):
    assert client.get(f"/staff/alerts/changes?{query}").status_code == 400


def test_changes_are_for_the_security_team(client, people):
    people.sign_in(people.add("agent@example.com", role="agent"))
    assert client.get("/staff/alerts/changes?after=0&since=2026-01-01T00:00:00Z").status_code == 403


# --- the actions that apply -------------------------------------------------------------------------------------

def _alert(status: str = "new", evidence: dict | None = None):
    return SimpleNamespace(status=status, evidence=evidence or {"samples": []})


ACTIVE = AccountFacts(status="active", may_lock=True, may_end_sessions=True, live_sessions=2)


@pytest.mark.parametrize(("alert", "account", "expected"), [
    (_alert("new"), None, {ACKNOWLEDGE, RESOLVE}),
    (_alert("acknowledged"), None, {NOTE, RESOLVE}),
    (_alert("resolved"), ACTIVE, set()),
    (_alert("new"), ACTIVE, {ACKNOWLEDGE, RESOLVE, LOCK, REVOKE_SESSIONS, OPEN_TICKET}),
    (_alert("new"), AccountFacts("locked", True, True, 0), {ACKNOWLEDGE, RESOLVE, OPEN_TICKET}),
    (_alert("new"), AccountFacts("active", False, False, 3), {ACKNOWLEDGE, RESOLVE, OPEN_TICKET}),
    (_alert("new"), AccountFacts("active", True, True, 0), {ACKNOWLEDGE, RESOLVE, LOCK, OPEN_TICKET}),
    (_alert("new", {"ticket_id": 7, "samples": []}), ACTIVE, {ACKNOWLEDGE, RESOLVE, LOCK, REVOKE_SESSIONS}),
    (_alert("new", {"samples": [{"ticket_id": 7}]}), ACTIVE, {ACKNOWLEDGE, RESOLVE, LOCK, REVOKE_SESSIONS}),
])
def test_applicable_actions(alert, account, expected):
    assert applicable_actions(alert, account) == expected


def test_the_services_refuse_what_does_not_apply(services, people, ada):
    staff = people.add("sec@example.com", role="security")
    alert_id = _raise(services, user_id=ada)

    def refused(call) -> str:
        with services() as ctx, pytest.raises(ActionNotApplicable) as caught:
            call(ctx, ctx.session.get(User, staff))
        return caught.value.message

    assert refused(lambda ctx, me: service.add_note(ctx, alert_id, me, note="x")) == \
        "Acknowledge the alert first; its note goes with the acknowledgement."
    assert refused(lambda ctx, me: actions.revoke_sessions(ctx, alert_id, me)) == \
        "This account has no session to sign out."
    with services() as ctx:
        me = ctx.session.get(User, staff)
        service.acknowledge(ctx, alert_id, me)
        actions.open_alert_ticket(ctx, alert_id, me)
        actions.lock_account(ctx, alert_id, me)
    assert refused(lambda ctx, me: service.acknowledge(ctx, alert_id, me)) == "This alert is already acknowledged."
    assert refused(lambda ctx, me: actions.open_alert_ticket(ctx, alert_id, me)) == \
        "This alert has already opened a ticket."
    assert refused(lambda ctx, me: actions.lock_account(ctx, alert_id, me)) == \
        "This account is not active, so there is nothing to lock."
    with services() as ctx:
        assert service.add_note(ctx, alert_id, ctx.session.get(User, staff), note="still here").note == "still here"
    assert len(people.rows(Ticket, Ticket.user_id == ada)) == 1


def test_the_page_offers_only_what_applies(client, security, services, people, ada):
    people.token(ada)  # a live session: "Revoke sessions" applies
    new, seen, done = (_raise(services, user_id=ada, source=f"203.0.113.{n}") for n in (1, 2, 3))
    with services() as ctx:
        me = ctx.session.get(User, security)
        service.acknowledge(ctx, seen, me)
        service.resolve(ctx, done, me)
    html = client.get("/staff/alerts").get_data(as_text=True)
    cards = {int(i): card for i, card in re.findall(r'<li class="record" id="alert-(\d+)">(.*?)</li>', html, re.S)}
    assert ">Acknowledge</button>" in cards[new] and ">Save note</button>" not in cards[new]
    assert ">Save note</button>" in cards[seen] and ">Acknowledge</button>" not in cards[seen]
    assert "<form" not in cards[done] and "Lock account" not in cards[done]
    assert all(f"/staff/alerts/{i}/revoke-sessions" in cards[i] for i in (new, seen))
    token = csrf_from(html)
    assert client.post(f"/staff/alerts/{new}/lock", data={"csrf_token": token}).status_code == 303
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert "Lock account" not in html and "Revoke sessions" not in html  # locked: no lock, and no sessions left
    response = client.post(f"/staff/alerts/{seen}/acknowledge", data={"csrf_token": token, "note": "typed twice"})
    answer = response.get_data(as_text=True)
    assert response.status_code == 409 and "This alert is already acknowledged." in answer
    assert f'id="note-{seen}" value="typed twice"' in answer  # what was typed is not lost
    response = client.post(f"/staff/alerts/{seen}/note", data={"csrf_token": token, "note": "on it"})
    assert response.status_code == 303 and people.rows(Alert, Alert.id == seen)[0].note == "on it"


def test_the_api_acknowledges_once_and_notes_after(client, people, services):
    headers = people.headers(people.add("sec@example.com", role="security"))
    alert_id = _raise(services)
    assert client.post(f"/api/v1/alerts/{alert_id}/note", headers=headers, json={"note": "x"}).status_code == 409
    assert client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=headers, json={}).status_code == 200
    answer = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=headers, json={})
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "alert_action_not_applicable"
    assert client.post(f"/api/v1/alerts/{alert_id}/note", headers=headers, json={"note": "y"}).get_json()["note"] == "y"


# --- what the page says ------------------------------------------------------------------------------------------

def test_counts_have_plural_forms_in_both_languages(client, security, services, ada, clock):
    once = _raise(services, source="198.51.100.1")
    thrice = _raise(services, source="198.51.100.2")
    for _ in range(2):
        clock.advance(timedelta(seconds=5))
        _raise(services, source="198.51.100.2")
    html = client.get("/staff/alerts").get_data(as_text=True)
    cards = {int(i): card for i, card in re.findall(r'<li class="record" id="alert-(\d+)">(.*?)</li>', html, re.S)}
    assert "1 time " in cards[once] and "1 times" not in cards[once]
    assert "3 times" in cards[thrice]
    _zh(client)
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert "3 次" in html and "1 次" in html and "times" not in html


def test_accounts_are_named_by_masked_email(client, security, services, ada):
    _raise(services, user_id=ada)
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert f'<a href="/staff/accounts/{ada}">a•••@example.com</a>' in html
    assert "ada@example.com" not in html and "timeline" not in html


def test_evidence_reads_in_words_and_leaves_unknowns_out(client, security, services, ada):
    _raise(services, user_id=ada, evidence={"score": 130, "reasons": ["new_device", "new_country"],
                                            "country": "DE", "device": "Firefox 128 · Ubuntu", "asn": None})
    _raise(services, rule="credential_stuffing", source="198.51.100.4",
           evidence={"ip_accounts": 1, "ip": "198.51.100.4", "network": "198.51.100.0/24",
                     "country": None, "asn": "Example Hosting"})
    html = client.get("/staff/alerts").get_data(as_text=True)
    for text in ("<dd>Germany</dd>", "<dd>new device, new country</dd>", "<dd>130 points</dd>",
                 "<dd>Firefox 128 · Ubuntu</dd>", "<dd>Example Hosting (198.51.100.0/24)</dd>",
                 "<dd>1 account tried</dd>"):
        assert text in html
    assert "None" not in html and "[" not in html and "country=" not in html and "asn" not in html
    _zh(client)
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert "<dd>德国</dd>" in html and "<dd>130 分</dd>" in html and "<dd>新设备、新国家/地区</dd>" in html


def test_an_alert_links_to_the_ticket_it_opened(client, security, services, ada, people):
    alert_id = _raise(services, user_id=ada)
    token = csrf_from(client.get("/staff/alerts").get_data(as_text=True))
    response = client.post(f"/staff/alerts/{alert_id}/ticket", data={"csrf_token": token})
    [ticket] = people.rows(Ticket, Ticket.user_id == ada)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/tickets/{ticket.id}")
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert f'<a href="/staff/tickets/{ticket.id}">Ticket #{ticket.id}</a>' in html and "Open a ticket" not in html


def test_the_stolen_account_alert_links_to_the_case_containment_opened(client, security, services, ada):
    _raise(services, rule="account_reported_stolen", user_id=ada, source=None,
           evidence={"source": "email_button", "ticket_id": 42, "ip": "203.0.113.5"})
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert '<a href="/staff/tickets/42">Ticket #42</a>' in html and "Open a ticket" not in html
    assert "<dd>the button in a sign-in email</dd>" in html
