"""Read-side queries for accounts."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from .models import Department, Team, User

# Enough of a member to show their name (User.name) without loading the whole row.
_MEMBER_FIELDS = ("id", "username", "display_name", "first_name", "last_name", "team_id")


def teams_with_members() -> QuerySet[Team]:
    """Teams with lead, member count and members: three queries whatever the row count."""
    return (
        Team.objects.select_related("lead")
        .annotate(member_count=Count("members", distinct=True))
        .prefetch_related(Prefetch("members", queryset=User.objects.only(*_MEMBER_FIELDS)))
        .order_by("name")
    )


def departments_with_members() -> QuerySet[Department]:
    """Departments with member count and members: two queries whatever the row count."""
    return (
        Department.objects.annotate(member_count=Count("members", distinct=True))
        .prefetch_related(Prefetch("members", queryset=User.objects.only(*_MEMBER_FIELDS[:-1])))
        .order_by("name")
    )


def users_without_role() -> QuerySet[User]:
    """Active accounts that hold no role: they can sign in but see nothing useful."""
    return User.objects.active().filter(groups__isnull=True, is_superuser=False).order_by("username")
