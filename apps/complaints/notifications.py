"""In-app notifications and their e-mails. E-mail leaves only after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import Role

from .models import Notification, Ticket
from .states import State
from .workflow import STAGE_ROLE


def stage_recipients(ticket: Ticket) -> list[User]:
    """Who must act now: the named assignee, else the stage's pool (department members for a department)."""
    if ticket.state == State.CLOSED:
        return []
    if ticket.assignee_id:
        return [ticket.assignee]
    if ticket.state == State.WITH_DEPARTMENT and ticket.department_id:
        return list(ticket.department.members.filter(is_active=True, groups__name=Role.DEPARTMENT_STAFF))
    return list(User.objects.active().with_role(STAGE_ROLE[ticket.state]))


def notify(users: Iterable[User], *, kind: str, ticket: Ticket | None, message: str) -> int:
    """One in-app notification per user (bulk), and an e-mail to those with an address, after commit."""
    users = {u.pk: u for u in users if u is not None}.values()
    Notification.objects.bulk_create(
        Notification(user=u, ticket=ticket, kind=kind, message=message[:300]) for u in users
    )
    mails = [
        (f"[QA Center] {message[:120]}", message, settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in users
        if u.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return len(users)
