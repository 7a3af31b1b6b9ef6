"""People and where they sit: users, teams (of agents) and business departments."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserQuerySet(models.QuerySet):
    def with_role(self, role: str) -> UserQuerySet:
        return self.filter(groups__name=role)

    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)


class QAUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Roles are Django groups (see apps.accounts.roles)."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    employee_number = models.CharField(_("employee number"), max_length=32, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )

    objects = QAUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            # Employee numbers are optional, but two people never share one.
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="accounts_user_unique_employee_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What pages call this person: display name, else full name, else username."""
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    """A team of agents with a team lead; QA results and rankings are grouped by team."""

    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    # QA evaluators who score this team's calls: they see its agents' evaluations.
    evaluators = models.ManyToManyField(
        User, verbose_name=_("QA evaluators"), blank=True, related_name="evaluated_teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            # "Team A" and "team a" would be the same team to the people choosing from a list.
            models.UniqueConstraint(Lower("name"), name="accounts_team_unique_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A business department (业务处理部门) that complaint tickets are routed to."""

    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="departments")

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="accounts_department_unique_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name
