"""Rendered charts (ChartSnapshot + one ChartImage per language) and requests to redraw them (ChartTask)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import scopes


class ChartSnapshot(models.Model):
    """One chart of one kind, scope and period: the data it was drawn from and when it was drawn.

    Unique per (kind, scope, period): regenerating replaces the row and its images, never adds one.
    """

    kind = models.CharField(_("kind"), max_length=40)
    scope = models.CharField(_("scope"), max_length=40, help_text=_('"global" or "<type>:<id>", e.g. team:3'))
    scope_type = models.CharField(_("scope type"), max_length=20)
    scope_id = models.PositiveBigIntegerField(_("scope id"), null=True, blank=True)
    scope_label = models.CharField(_("scope name"), max_length=200, blank=True)
    period = models.CharField(_("period"), max_length=20)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    data = models.JSONField(_("data"), help_text=_("Exactly the figures the chart was drawn from."))
    generated_at = models.DateTimeField(_("generated at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        verbose_name = _("chart snapshot")
        verbose_name_plural = _("chart snapshots")
        ordering = ["kind", "scope", "-period_end", "-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope", "period"], name="reports_snapshot_unique_period"
            ),
        ]
        indexes = [models.Index(fields=["scope_type", "scope_id"], name="reports_snapshot_scope")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.period}"

    @property
    def scope_name(self) -> str:
        return self.scope_label or (scopes.everyone() if self.scope_type == scopes.GLOBAL else self.scope)


class ChartImage(models.Model):
    """A snapshot drawn in one language, as SVG (pages) and PNG (download)."""

    snapshot = models.ForeignKey(ChartSnapshot, on_delete=models.CASCADE, related_name="images")
    language = models.CharField(_("language"), max_length=10)
    svg = models.FileField(_("SVG file"), max_length=255)
    png = models.FileField(_("PNG file"), max_length=255)

    class Meta:
        verbose_name = _("chart image")
        verbose_name_plural = _("chart images")
        ordering = ["snapshot", "language"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "language"], name="reports_image_unique_language"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} ({self.language})"


class TaskState(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    STARTED = "started", _("Drawing")
    SUCCESS = "success", _("Done")
    FAILURE = "failure", _("Failed")


class ChartTask(models.Model):
    """A "regenerate now" request: the Celery task id, who asked, and how far the worker got.

    The worker records its progress here, so the state is known whatever the result backend, and a
    person can only follow their own requests.
    """

    task_id = models.CharField(_("task id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=40)
    scope = models.CharField(_("scope"), max_length=40)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="chart_tasks",
    )
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.PENDING)
    snapshot = models.ForeignKey(
        ChartSnapshot, verbose_name=_("snapshot"), on_delete=models.SET_NULL, null=True, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chart task")
        verbose_name_plural = _("chart tasks")
        ordering = ["-created_at"]
        constraints = [
            # Several people may follow one task; each through a request of their own.
            models.UniqueConstraint(fields=["task_id", "requested_by"], name="reports_task_unique_follower"),
        ]
        indexes = [
            models.Index(fields=["task_id"], name="reports_task_id"),
            models.Index(fields=["kind", "scope", "state"], name="reports_task_open"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} ({self.state})"

    @property
    def error_message(self) -> str:
        """The error in the reader's language (stored as its English message id; see tasks.py)."""
        return gettext(self.error) if self.error else ""
