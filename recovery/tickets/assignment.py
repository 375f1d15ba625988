"""Who works a ticket: queue membership, round-robin assignment among available members, claiming."""

from __future__ import annotations

from sqlalchemy import func, select

from recovery.accounts.models import User
from recovery.accounts.service import get_user_by_email
from recovery.context import ServiceContext
from recovery.errors import N_, NotFound, ValidationFailed
from recovery.tickets.access import can_work, require_staff_access
from recovery.tickets.lifecycle import audit
from recovery.tickets.models import QUEUES, QueueMember, Ticket


def assign_round_robin(ctx: ServiceContext, ticket: Ticket) -> int | None:
    """Give the ticket to the available member of its queue whose turn is lowest; None when nobody is on.

    The member rows are locked (FOR UPDATE on PostgreSQL) so two tickets opened at once go to two people.
    """
    query = (select(QueueMember, User).join(User, User.id == QueueMember.user_id)
             .where(QueueMember.queue == ticket.queue, QueueMember.available.is_(True), User.status == "active")
             .order_by(QueueMember.turn, QueueMember.id).with_for_update(of=QueueMember))
    for member, user in ctx.session.execute(query).all():
        if not can_work(user, ticket.queue):
            continue
        last_turn = ctx.session.scalar(select(func.max(QueueMember.turn)).where(QueueMember.queue == ticket.queue))
        member.turn = (last_turn or 0) + 1
        member.last_assigned_at = ctx.clock.now()
        ticket.owner_id = user.id
        audit(ctx, ticket, "assigned", owner_id=user.id, by="round_robin")
        return user.id
    ticket.owner_id = None
    return None


def claim(ctx: ServiceContext, ticket: Ticket, staff: User) -> Ticket:
    """The staff member takes the ticket, whoever held it."""
    require_staff_access(staff, ticket)
    previous = ticket.owner_id
    ticket.owner_id = staff.id
    audit(ctx, ticket, "claimed", owner_id=staff.id, previous_owner_id=previous)
    ctx.session.flush()
    return ticket


def queue_members(ctx: ServiceContext, queue: str | None = None) -> list[tuple[QueueMember, User]]:
    query = select(QueueMember, User).join(User, User.id == QueueMember.user_id).order_by(QueueMember.queue,
                                                                                          User.email)
    if queue is not None:
        query = query.where(QueueMember.queue == queue)
    return [tuple(row) for row in ctx.session.execute(query).all()]


def set_membership(ctx: ServiceContext, *, queue: str, user: User, available: bool = True,
                   is_lead: bool = False) -> QueueMember:
    """Add a staff member to a queue (or update them); their role must allow working that queue."""
    if queue not in QUEUES:
        raise ValidationFailed({"queue": [N_("Choose one of the queues.")]})
    if not can_work(user, queue):
        raise ValidationFailed({"user": [N_("This person's role does not work this queue.")]})
    member = ctx.session.scalar(select(QueueMember).where(QueueMember.queue == queue,
                                                          QueueMember.user_id == user.id))
    if member is None:
        lowest = ctx.session.scalar(select(func.min(QueueMember.turn)).where(QueueMember.queue == queue))
        member = QueueMember(queue=queue, user_id=user.id, turn=lowest or 0)  # joins at the current round
        ctx.session.add(member)
    member.available, member.is_lead = available, is_lead
    ctx.session.flush()
    return member


def set_availability(ctx: ServiceContext, user: User, available: bool) -> int:
    """A staff member goes on or off round-robin in every queue they belong to; returns how many queues."""
    members = list(ctx.session.scalars(select(QueueMember).where(QueueMember.user_id == user.id)))
    for member in members:
        member.available = available
    ctx.session.flush()
    return len(members)


def remove_membership(ctx: ServiceContext, *, queue: str, user_id: int) -> None:
    member = ctx.session.scalar(select(QueueMember).where(QueueMember.queue == queue,
                                                          QueueMember.user_id == user_id))
    if member is None:
        raise NotFound()
    ctx.session.delete(member)
    ctx.session.flush()


def queue_leads(ctx: ServiceContext, queue: str) -> list[User]:
    query = (select(User).join(QueueMember, QueueMember.user_id == User.id)
             .where(QueueMember.queue == queue, QueueMember.is_lead.is_(True), User.status == "active"))
    return list(ctx.session.scalars(query))


def add_member_by_email(ctx: ServiceContext, *, queue: str, email: str, is_lead: bool = False) -> QueueMember:
    return set_membership(ctx, queue=queue, user=get_user_by_email(ctx, email), is_lead=is_lead)


def remove_member_by_email(ctx: ServiceContext, *, queue: str, email: str) -> None:
    remove_membership(ctx, queue=queue, user_id=get_user_by_email(ctx, email).id)
