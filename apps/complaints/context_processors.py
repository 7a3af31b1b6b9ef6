"""The notification bell in base.html's top bar."""

from __future__ import annotations

from functools import cached_property

from apps.accounts.permissions import has_role

from . import selectors
from .access import TICKET_ROLES


class NotificationBell:
    """The unread count, read on first use: one COUNT query on pages that show the bell,
    none on fragments that do not render base.html."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        return selectors.unread_notifications_count(self._user)


def notification_bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_role(user, *TICKET_ROLES):
        return {"notification_bell": None}
    return {"notification_bell": NotificationBell(user)}
