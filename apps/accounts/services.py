"""Writes to accounts that carry rules: only administrators shape teams and departments."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qa_center.errors import ValidationFailed

from .models import Department, Team, User
from .permissions import require_role
from .roles import Role


def _check_users_exist(user_ids: Sequence[int], field: str) -> list[int]:
    wanted = list(dict.fromkeys(user_ids))  # keep order, drop repeats
    found = set(User.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown user id(s): %(ids)s.") % {"ids": ", ".join(map(str, missing))}, field=field
        )
    return wanted


def _check_name_free(model, name: str, instance) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A name is required."), field="name")
    clash = model.objects.filter(name__iexact=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(_("The name “%(name)s” is already used.") % {"name": name}, field="name")
    return name


def _save_named(obj) -> None:
    """Save a team or department; a concurrent save of the same name loses cleanly."""
    try:
        with transaction.atomic():  # savepoint: the outer transaction stays usable
            obj.save()
    except IntegrityError:
        # Two admins saved the same name at once; the unique index decided.
        raise ValidationFailed(
            _("The name “%(name)s” is already used.") % {"name": obj.name}, field="name"
        ) from None


@transaction.atomic
def team_save(
    *,
    by: User,
    team: Team | None = None,
    name: str,
    lead_id: int | None = None,
    member_ids: Sequence[int] | None = None,
) -> Team:
    """Create or update a team; ``member_ids`` (if given) becomes exactly its membership."""
    require_role(by, Role.ADMIN)
    name = _check_name_free(Team, name, team)
    if lead_id is not None:
        _check_users_exist([lead_id], "lead")
    team = team or Team()
    team.name = name
    team.lead_id = lead_id
    _save_named(team)
    if member_ids is not None:
        member_ids = _check_users_exist(member_ids, "members")
        User.objects.filter(team=team).exclude(pk__in=member_ids).update(team=None)
        User.objects.filter(pk__in=member_ids).update(team=team)
    return team


@transaction.atomic
def department_save(
    *,
    by: User,
    department: Department | None = None,
    name: str,
    member_ids: Sequence[int] | None = None,
) -> Department:
    """Create or update a business department; ``member_ids`` (if given) replaces its members."""
    require_role(by, Role.ADMIN)
    name = _check_name_free(Department, name, department)
    department = department or Department()
    department.name = name
    _save_named(department)
    if member_ids is not None:
        department.members.set(_check_users_exist(member_ids, "members"))
    return department


@transaction.atomic
def team_delete(*, by: User, team: Team) -> None:
    require_role(by, Role.ADMIN)
    team.delete()  # members keep their accounts; their team becomes empty


@transaction.atomic
def department_delete(*, by: User, department: Department) -> None:
    require_role(by, Role.ADMIN)
    department.delete()


def sessions_clear_expired() -> int:
    """Delete expired sessions; returns how many went. Safe to run any number of times."""
    deleted, _per_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
