"""A requester's "my account was stolen" is a claim: it is held with a cancel notice to every address on file like
any risky request. Only a case containment opened from the owner's side may reset a second factor without the
hold, and a merge never moves that standing between tickets."""

from __future__ import annotations

import pytest
from helpers.mail import cancel_token_in, code_in
from helpers.phone import enroll_totp
from helpers.tickets import approve
from sqlalchemy import select

from recovery.accounts.models import ContactAddress, User
from recovery.context import Actor
from recovery.detection.containment import secure_account
from recovery.mfa.service import totp_enabled
from recovery.tickets import decisions, intake
from recovery.tickets.errors import HoldActive
from recovery.tickets.models import Ticket


@pytest.fixture
def protected_ada(ada, services) -> int:
    """Ada (tests/conftest.py) with a verified backup address and TOTP enrolled."""
    with services() as ctx:
        now = ctx.clock.now()
        ctx.session.add(ContactAddress(user_id=ada, email="ada.backup@example.com", verified_at=now, created_at=now))
        enroll_totp(ctx, ctx.session.get(User, ada))
    return ada


def _claim_stolen(services, outbox) -> int:
    """The appeal form with the reason "Someone else took over my account", confirmed by the emailed code."""
    with services() as ctx:
        intake.request_appeal(ctx, email="ada@example.com", reason="account_stolen", message="Not me!")
    with services() as ctx:
        code = code_in(outbox(template="appeal_code")[-1])
        return intake.confirm_appeal(ctx, email="ada@example.com", code=code).id


def _secure(services, user_id: int) -> int:
    """The owner, signed in, secures the account (containment)."""
    with services(Actor("user", user_id, "192.0.2.10")) as ctx:
        return secure_account(ctx, ctx.session.get(User, user_id), source="security_page").id


def _reset_mfa(services, people, staff_id: int, ticket_id: int):
    with services(Actor("staff", staff_id)) as ctx:
        return decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(staff_id), outcome="granted",
                                reason="Owner verified", actions=["reset_mfa"])


def _has_totp(services, user_id: int) -> bool:
    with services() as ctx:
        return totp_enabled(ctx, ctx.session.get(User, user_id))


def test_self_declared_stolen_appeal_is_held_and_every_address_gets_the_cancel_link(services, people, protected_ada,
                                                                                     outbox):
    ticket = people.ticket(_claim_stolen(services, outbox))
    assert ticket.category == "stolen_account" and ticket.hold_until is not None
    notices = outbox(template="appeal_recovery_notice")
    assert {m.recipient for m in notices} == {"ada@example.com", "ada.backup@example.com"}
    assert all(cancel_token_in(m) for m in notices)
    assert not people.ticket(ticket.id).opened_by_containment


def test_reset_mfa_on_a_self_declared_stolen_appeal_waits_out_the_hold(services, people, protected_ada, outbox, clock):
    ticket_id = _claim_stolen(services, outbox)
    first, second = people.staff("sec1@example.com", "security"), people.staff("sec2@example.com", "security")
    with pytest.raises(HoldActive):
        _reset_mfa(services, people, first, ticket_id)
    with pytest.raises(HoldActive):
        _reset_mfa(services, people, second, ticket_id)
    assert _has_totp(services, protected_ada)
    clock.advance(hours=73)  # the hold passed and no one cancelled it
    assert _reset_mfa(services, people, first, ticket_id).status == "pending"
    assert approve(services, people, second, ticket_id).status == "executed"
    assert not _has_totp(services, protected_ada)


def test_reset_mfa_on_a_containment_case_needs_no_hold(services, people, protected_ada):
    ticket_id = _secure(services, protected_ada)
    ticket = people.ticket(ticket_id)
    assert ticket.opened_by_containment and ticket.hold_until is None
    first, second = people.staff("sec1@example.com", "security"), people.staff("sec2@example.com", "security")
    assert _reset_mfa(services, people, first, ticket_id).status == "pending"
    assert approve(services, people, second, ticket_id).status == "executed"
    assert not _has_totp(services, protected_ada)


def test_self_declared_appeal_after_containment_opens_its_own_held_ticket(services, people, protected_ada, outbox):
    contained = _secure(services, protected_ada)
    claimed = _claim_stolen(services, outbox)
    assert claimed != contained
    assert people.ticket(claimed).hold_until is not None and people.ticket(contained).hold_until is None
    assert people.ticket(contained).opened_by_containment and not people.ticket(claimed).opened_by_containment


def test_containment_after_a_self_declared_appeal_opens_its_own_case_and_the_claim_keeps_its_hold(
        services, people, protected_ada, outbox):
    claimed = _claim_stolen(services, outbox)
    contained = _secure(services, protected_ada)
    assert claimed != contained
    assert people.ticket(claimed).hold_until is not None and people.ticket(contained).hold_until is None
    assert people.ticket(contained).opened_by_containment and not people.ticket(claimed).opened_by_containment
    with services() as ctx:
        assert len(ctx.session.scalars(select(Ticket).where(Ticket.user_id == protected_ada)).all()) == 2
