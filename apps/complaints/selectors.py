"""Read-side queries for complaints: lists with their query shape, queues, filters."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from apps.accounts.permissions import department_ids_of, has_role
from apps.accounts.roles import Role

from .access import tickets_for
from .models import Category, Notification, Ticket
from .states import State


def tickets_list(user) -> QuerySet[Ticket]:
    """Tickets the user may see with what lists show: one query (plus the page count)."""
    return (
        tickets_for(user)
        .select_related("category", "assignee", "department", "created_by")
        .order_by("-created_at", "-id")
    )


def filter_tickets(
    queryset: QuerySet[Ticket],
    *,
    state: str | None = None,
    category: int | None = None,
    severity: str | None = None,
    department: int | None = None,
    overdue: bool | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str | None = None,
) -> QuerySet[Ticket]:
    if state:
        queryset = queryset.filter(state=state)
    if category:
        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
    if severity:
        queryset = queryset.filter(severity=severity)
    if department:
        queryset = queryset.filter(department_id=department)
    if overdue is True:
        queryset = queryset.filter(Q(sla_breached_at__isnull=False) | Q(due_at__lt=timezone.now())).exclude(
            state=State.CLOSED
        )
    elif overdue is False:
        queryset = queryset.exclude(Q(sla_breached_at__isnull=False) | Q(due_at__lt=timezone.now()))
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if q:
        q = q.strip()
        queryset = queryset.filter(
            Q(reference__icontains=q) | Q(customer_name__icontains=q) | Q(description__icontains=q)
        )
    return queryset


def queue_for(user) -> QuerySet[Ticket]:
    """The tickets waiting for this user's action, most urgent first.

    Agents: their own open tickets. Experts: the expert pool and theirs. Duty managers: feedback to
    review first, then their stage. Department staff: their departments' tickets in the department stage.
    """
    scope = Q(pk__in=[])
    if has_role(user, Role.AGENT):
        scope |= Q(state=State.OPEN, assignee=user)
    if has_role(user, Role.EXPERT):
        scope |= Q(state=State.WITH_EXPERT) & (Q(assignee__isnull=True) | Q(assignee=user))
    if has_role(user, Role.DUTY_MANAGER):
        scope |= Q(state__in=[State.WITH_DUTY_MANAGER, State.FEEDBACK]) & (
            Q(assignee__isnull=True) | Q(assignee=user)
        )
    if has_role(user, Role.DEPARTMENT_STAFF):
        scope |= Q(state=State.WITH_DEPARTMENT, department_id__in=department_ids_of(user)) & (
            Q(assignee__isnull=True) | Q(assignee=user)
        )
    # Feedback awaiting review comes first for duty managers; then the earliest due.
    return (
        Ticket.objects.filter(scope)
        .select_related("category", "assignee", "department")
        .annotate(
            feedback_first=Case(
                When(state=State.FEEDBACK, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("feedback_first", "due_at", "id")
    )


def categories_tree() -> QuerySet[Category]:
    return Category.objects.select_related("parent", "default_department").order_by("parent__name", "name")


def unread_notifications_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("ticket").order_by("-created_at", "-id")


def category_counts(start: date, end: date) -> list[tuple[str, int]]:
    """Tickets opened in [start, end] per category name, most first: a TQM count source."""
    rows = (
        Ticket.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
    )
    return [(row["category__name"], row["n"]) for row in rows]
