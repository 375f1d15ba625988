"""Decisions: recorded apart from the ticket's status, acting on the account in the same transaction.

An outcome (granted, denied, ineligible, withdrawn) with a reason and a public message, and for a granted
request the account actions it carries out (unblock, revoke_sessions, reset_mfa, force_password_reset).
Under four-eyes (settings.ticket_four_eyes), lifting a restriction that two people must end (a ban, the
owner's stolen-account lock, any restriction of a staff account: accounts.restrictions decides) and resetting
MFA need two staff members: the first call records a pending decision (a proposal), and a second, different
staff member carries it out (`approve`, or a matching `decide` call: the API's path) or turns it down
(`reject`, with a reason); its proposer may take it back (`withdraw`). The account change is made with both
names (an accounts Approval), so the accounts capability checks the same rule itself: two different people,
admins for a staff account. A proposal's states: pending -> executed | rejected | withdrawn | superseded.
Every executed decision is a security event and notifies the account's addresses and the requester; a denial
says why and when to appeal again.

The exemptions that proof earns - a second factor reset without a security hold, and the four-eyes unblock of a
stolen-account case - belong only to a case containment opened from the owner's side
(`Ticket.opened_by_containment`), never to a category a requester chose.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from recovery.accounts.models import User
from recovery.accounts.restrictions import check_decider
from recovery.accounts.status import ending_needs_two_staff
from recovery.context import ServiceContext
from recovery.errors import N_, PermissionDenied, ValidationFailed
from recovery.events.service import record_event
from recovery.tickets.access import can_work, require_staff_access
from recovery.tickets.decision_actions import ACTION_RUNNERS
from recovery.tickets.errors import (
    AlreadyDecided,
    HoldActive,
    ProposalChanged,
    ProposalWaiting,
    SecondApproverRequired,
)
from recovery.tickets.lifecycle import audit, notify_requester, on_hold, sync_sla
from recovery.tickets.models import OUTCOMES, Ticket, TicketDecision, TicketMessage

ACTIONS = ("revoke_sessions", "reset_mfa", "unblock", "force_password_reset")  # the order they run in
# What a granted decision does when the staff member names no actions.
DEFAULT_ACTIONS = {
    "unblock_appeal": ["unblock"],
    "stolen_account": ["revoke_sessions", "unblock", "force_password_reset"],
    "account_recovery": ["revoke_sessions", "unblock", "force_password_reset"],
    "mfa_reset": ["reset_mfa"],
    "other": [],
}
def _normalised_actions(ticket: Ticket, outcome: str, actions: list[str] | None) -> list[str]:
    if outcome != "granted":
        if actions:
            raise ValidationFailed({"actions": [N_("Only a granted request acts on the account.")]})
        return []
    chosen = DEFAULT_ACTIONS[ticket.category] if actions is None else list(actions)
    unknown = set(chosen) - set(ACTIONS)
    if unknown:
        raise ValidationFailed({"actions": [N_("Unknown account action.")]})
    if chosen and ticket.user_id is None:
        raise ValidationFailed({"actions": [N_("This ticket has no account to act on.")]})
    if "reset_mfa" in chosen and ticket.hold_until is None and not ticket.opened_by_containment:
        # Removing a second factor is what an attacker with the password and the mailbox wants: only after a
        # request's security hold (its cancel link went to every address on file), or on a case the owner opened
        # by securing the account. A requester's "my account was stolen" is a claim and is held like the rest.
        raise ValidationFailed({"actions": [N_("A second factor is reset only on a request that waited out its "
                                               "security hold, or on a case the owner opened by securing the "
                                               "account.")]})
    return [action for action in ACTIONS if action in chosen]


def _check_decision(ctx: ServiceContext, ticket: Ticket, outcome: str, reason: str) -> None:
    fields: dict[str, list[str]] = {}
    if outcome not in OUTCOMES:
        fields["outcome"] = [N_("Choose granted, denied, ineligible or withdrawn.")]
    if not (reason or "").strip():
        fields["reason"] = [N_("Give the reason for the decision; the requester will see it.")]
    elif len(reason) > 1000:
        fields["reason"] = [N_("Keep the reason under 1,000 characters.")]
    if fields:
        raise ValidationFailed(fields)
    if not ticket.is_open:
        raise AlreadyDecided()
    if outcome == "granted" and on_hold(ctx, ticket):
        raise HoldActive(until=ticket.hold_until.strftime("%Y-%m-%d %H:%M UTC"))  # type: ignore[union-attr]


def needs_second_approval(ctx: ServiceContext, ticket: Ticket, actions: list[str]) -> bool:
    if not ctx.settings.ticket_four_eyes:
        return False
    user = _account(ctx, ticket)
    # By the account's restriction, whatever the ticket's category: a ban, a stolen-account lock or a staff
    # account's restriction needs two staff members under any category (a recovery request, an alert's ticket).
    lifts_ban = "unblock" in actions and user is not None and not user.is_active and (
        ending_needs_two_staff(ctx, user) or ticket.opened_by_containment)
    return lifts_ban or "reset_mfa" in actions


def _account(ctx: ServiceContext, ticket: Ticket) -> User | None:
    return ctx.session.get(User, ticket.user_id) if ticket.user_id else None


def _check_acting_on_account(ctx: ServiceContext, ticket: Ticket, staff: User, actions: list[str]) -> None:
    """Whoever proposes or approves a decision that acts on the account must be someone accounts accepts for it:
    for an unblock, and for ANY action on a staff account (its sessions, second factor or password too), an
    admin who is not its holder. Refused at once, not after a second person has approved."""
    user = _account(ctx, ticket)
    if user is None or not actions:
        return
    if user.is_staff or ("unblock" in actions and not user.is_active):
        check_decider(user, staff, via=f"ticket:{ticket.id}")


def pending_decision(ctx: ServiceContext, ticket: Ticket) -> TicketDecision | None:
    return ctx.session.scalar(select(TicketDecision).where(TicketDecision.ticket_id == ticket.id,
                                                           TicketDecision.status == "pending"))


def decide(ctx: ServiceContext, ticket: Ticket, staff: User, *, outcome: str, reason: str, message: str = "",
           actions: list[str] | None = None, appeal_again_days: int | None = None) -> TicketDecision:
    """Record and (unless it waits for a second staff member) carry out a decision; returns it.

    The returned decision's status says which: "executed" or "pending".
    """
    require_staff_access(staff, ticket)
    _check_decision(ctx, ticket, outcome, reason)
    chosen = _normalised_actions(ticket, outcome, actions)
    _check_acting_on_account(ctx, ticket, staff, chosen)
    pending = pending_decision(ctx, ticket)
    if needs_second_approval(ctx, ticket, chosen):
        if pending is not None and pending.outcome == outcome and pending.actions == chosen:
            if pending.requested_by == staff.id:
                raise SecondApproverRequired()
            # The second person approves what they read (`approve`, with the proposal's id): a decision that only
            # matches it would carry out its reason and message unseen, without the approval's audit and event.
            raise ProposalWaiting(extra={"decision_id": pending.id})
        return _propose(ctx, ticket, staff, pending, outcome=outcome, reason=reason, message=message,
                        actions=chosen, appeal_again_days=appeal_again_days)
    decision = _record(ctx, ticket, staff, outcome=outcome, reason=reason, message=message, actions=chosen,
                       appeal_again_days=appeal_again_days)
    if pending is not None:
        pending.status = "superseded"
    return _execute(ctx, ticket, decision, approver=None)


def _record(ctx: ServiceContext, ticket: Ticket, staff: User, *, outcome: str, reason: str, message: str,
            actions: list[str], appeal_again_days: int | None) -> TicketDecision:
    now = ctx.clock.now()
    wait = appeal_again_days if appeal_again_days is not None else ctx.settings.ticket_appeal_again_days
    decision = TicketDecision(ticket_id=ticket.id, outcome=outcome, actions=actions, reason=reason.strip(),
                              message=(message or "").strip(), status="pending", requested_by=staff.id,
                              appeal_again_after=now + timedelta(days=wait) if outcome == "denied" else None,
                              created_at=now)
    ctx.session.add(decision)
    ctx.session.flush()
    return decision


def _propose(ctx: ServiceContext, ticket: Ticket, staff: User, previous: TicketDecision | None, **fields
             ) -> TicketDecision:
    if previous is not None:
        previous.status = "superseded"
    decision = _record(ctx, ticket, staff, **fields)
    audit(ctx, ticket, "decision.proposed", decision_id=decision.id, outcome=decision.outcome,
          actions=decision.actions)
    record_event(ctx, "ticket.decision.proposed", user_id=ticket.user_id, ticket_id=ticket.id,
                 outcome=decision.outcome, actions=decision.actions)
    ctx.session.flush()
    return decision


def _execute(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, *, approver: User | None
             ) -> TicketDecision:
    now = ctx.clock.now()
    user = _account(ctx, ticket)
    for action in decision.actions:
        ACTION_RUNNERS[action](ctx, ticket, decision, user, approver)
    decision.status, decision.executed_at = "executed", now
    decision.approved_by = approver.id if approver is not None else None
    ticket.outcome, ticket.decided_at, ticket.status, ticket.resolved_at = decision.outcome, now, "resolved", now
    ticket.first_response_at = ticket.first_response_at or now
    if decision.message:
        ctx.session.add(TicketMessage(ticket_id=ticket.id, internal=False, author_type="staff",
                                      author_id=ctx.actor.id, body=decision.message, created_at=now))
    sync_sla(ctx, ticket)
    audit(ctx, ticket, "decision", decision_id=decision.id, outcome=decision.outcome, actions=decision.actions,
          requested_by=decision.requested_by, approved_by=decision.approved_by)
    record_event(ctx, f"ticket.decision.{decision.outcome}", user_id=ticket.user_id, ticket_id=ticket.id,
                 actions=decision.actions, reason=decision.reason, decided_by=decision.requested_by,
                 approved_by=decision.approved_by)
    notify_requester(ctx, ticket, "ticket_decision", also_on_file=True, outcome=decision.outcome,
                     reason=decision.reason, message=decision.message,
                     appeal_again_after=decision.appeal_again_after)
    ctx.session.flush()
    return decision


# --- four-eyes: a proposal approved, rejected or withdrawn -------------------------------------------------

def _proposal(ctx: ServiceContext, ticket: Ticket, staff: User, decision_id: int) -> TicketDecision:
    """The pending proposal the staff member saw (its id): a newer one, or none, is refused so nobody approves
    what they did not read."""
    require_staff_access(staff, ticket)
    if not ticket.is_open:
        raise AlreadyDecided()
    pending = pending_decision(ctx, ticket)
    if pending is None or pending.id != decision_id:
        raise ProposalChanged()
    return pending


def may_review(ctx: ServiceContext, ticket: Ticket, staff: User, proposal: TicketDecision) -> bool:
    """Whether `staff` is offered Approve / Reject: someone other than the proposer whom the one rule
    (accounts.restrictions) accepts for these actions on this account."""
    if proposal.requested_by == staff.id or not can_work(staff, ticket.queue):
        return False
    try:
        _check_acting_on_account(ctx, ticket, staff, proposal.actions)
    except PermissionDenied:
        return False
    return True


def _review(ctx: ServiceContext, ticket: Ticket, staff: User, decision_id: int) -> TicketDecision:
    proposal = _proposal(ctx, ticket, staff, decision_id)
    if proposal.requested_by == staff.id:
        raise SecondApproverRequired()
    _check_acting_on_account(ctx, ticket, staff, proposal.actions)
    return proposal


def approve(ctx: ServiceContext, ticket: Ticket, staff: User, decision_id: int) -> TicketDecision:
    """A second staff member carries out the pending proposal `decision_id` (executed with both names)."""
    proposal = _review(ctx, ticket, staff, decision_id)
    _check_decision(ctx, ticket, proposal.outcome, proposal.reason)  # a hold set since the proposal still holds
    audit(ctx, ticket, "decision.approved", decision_id=proposal.id, requested_by=proposal.requested_by)
    record_event(ctx, "ticket.proposal.approved", user_id=ticket.user_id, ticket_id=ticket.id,
                 decision_id=proposal.id, requested_by=proposal.requested_by, approved_by=staff.id)
    return _execute(ctx, ticket, proposal, approver=staff)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [N_("Say why, so the proposer knows what to change.")]})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": [N_("Keep the reason under 1,000 characters.")]})
    return reason


def _close_proposal(ctx: ServiceContext, ticket: Ticket, staff: User, proposal: TicketDecision, status: str,
                    note: str) -> TicketDecision:
    """The proposal ends without acting: its status, an internal note in the thread (the other staff member
    reads why), the audit trail and a security event; the ticket stays open."""
    proposal.status = status
    if note:
        ctx.session.add(TicketMessage(ticket_id=ticket.id, internal=True, author_type="staff", author_id=staff.id,
                                      body=note, created_at=ctx.clock.now()))
    audit(ctx, ticket, f"decision.{status}", decision_id=proposal.id, requested_by=proposal.requested_by)
    record_event(ctx, "ticket.proposal.rejected" if status == "rejected" else "ticket.proposal.withdrawn",
                 user_id=ticket.user_id, ticket_id=ticket.id, decision_id=proposal.id,
                 requested_by=proposal.requested_by, by=staff.id)
    ctx.session.flush()
    return proposal


def reject(ctx: ServiceContext, ticket: Ticket, staff: User, decision_id: int, *, reason: str) -> TicketDecision:
    """A second staff member turns the proposal down, saying why; nothing happens to the account."""
    reason = _reason(reason)
    proposal = _review(ctx, ticket, staff, decision_id)
    return _close_proposal(ctx, ticket, staff, proposal, "rejected", reason)


def withdraw(ctx: ServiceContext, ticket: Ticket, staff: User, decision_id: int) -> TicketDecision:
    """The proposer takes their proposal back before anyone approved it."""
    proposal = _proposal(ctx, ticket, staff, decision_id)
    if proposal.requested_by != staff.id:
        raise PermissionDenied(N_("Only the staff member who proposed this decision can withdraw it."))
    return _close_proposal(ctx, ticket, staff, proposal, "withdrawn", "")
