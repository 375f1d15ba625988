"""Decisions: recorded apart from the ticket's status, acting on the account in the same transaction.

An outcome (granted, denied, ineligible, withdrawn) with a reason and a public message, and for a granted
request the account actions it carries out (unblock, revoke_sessions, reset_mfa, force_password_reset).
Under four-eyes (settings.ticket_four_eyes), lifting a restriction that two people must end (a ban, the
owner's stolen-account lock, any restriction of a staff account: accounts.restrictions decides) and resetting
MFA need two staff members: the first call records a pending decision, and a second, different staff member's
matching call carries it out. The account change is made with both names (an accounts Approval), so the
accounts capability checks the same rule itself: two different people, admins for a staff account.
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
from recovery.accounts.service import set_account_status
from recovery.accounts.status import Approval, ending_needs_two_staff
from recovery.context import ServiceContext
from recovery.errors import N_, PermissionDenied, ValidationFailed
from recovery.events.service import record_event
from recovery.mfa.service import reset_mfa
from recovery.reset.service import send_reset_link
from recovery.sessions.service import revoke_all_sessions
from recovery.tickets.access import require_staff_access
from recovery.tickets.errors import AlreadyDecided, HoldActive, SecondApproverRequired
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
            return _execute(ctx, ticket, pending, approver=staff)
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
        _ACTION_RUNNERS[action](ctx, ticket, decision, user, approver)
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


def _unblock(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
             approver: User | None) -> None:
    """The account change carries both names (who proposed, who approved): accounts checks them itself."""
    if user is None or user.is_active:
        return
    decided_by = ctx.session.get(User, decision.requested_by) if decision.requested_by else None
    if decided_by is None:
        raise PermissionDenied()
    set_account_status(ctx, user, status="active", reason=f"Ticket {ticket.id}: {decision.reason}"[:500],
                       approval=Approval(decided_by, approver, via=f"ticket:{ticket.id}"))


def _revoke_sessions(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
                     approver: User | None) -> None:
    if user is not None:
        revoke_all_sessions(ctx, user.id, reason="ticket_decision")


def _reset_mfa(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
               approver: User | None) -> None:
    if user is not None:
        reset_mfa(ctx, user, actor_note=f"ticket {ticket.id}: {decision.reason}")


def _force_password_reset(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
                          approver: User | None) -> None:
    if user is None:
        return
    # A recovery request is for someone who may have lost the mailbox too: the link goes to the new contact
    # they proved by code (the hold has passed uncancelled). Otherwise, to the address on file.
    lost_mailbox = ticket.category == "account_recovery" and ticket.requester_email
    send_reset_link(ctx, user, to=ticket.requester_email if lost_mailbox else None)


_ACTION_RUNNERS = {"unblock": _unblock, "revoke_sessions": _revoke_sessions, "reset_mfa": _reset_mfa,
                   "force_password_reset": _force_password_reset}
