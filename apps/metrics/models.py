"""Operations metrics (DESIGN.md §7): queues, daily figures per agent and queue, context tags,
KPI targets, monthly business-ability scores, ranking weights, and CSV import jobs."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from . import kpis


class Queue(models.Model):
    """A call queue (skill group) the figures are reported for."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="metrics_queue_unique_name_ci")]

    def __str__(self) -> str:
        return self.name


def _count(label) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class DailyFigure(models.Model):
    """One agent's day on one queue, as the telephony and WFM systems report it."""

    date = models.DateField(_("date"))
    # No single-column indexes on agent and queue: (agent, date) and (queue, date) below serve those
    # look-ups, and every index slows the million-row imports.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="daily_figures",
        db_index=False,
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.PROTECT, related_name="figures", db_index=False
    )
    calls_offered = _count(_("calls offered"))
    calls_answered = _count(_("calls answered"))
    calls_abandoned = _count(_("calls abandoned"))
    answered_within_sl = _count(_("answered within the service-level threshold"))
    talk_seconds = _count(_("talk (s)"))
    hold_seconds = _count(_("hold (s)"))
    acw_seconds = _count(_("after-call work (s)"))
    not_ready_seconds = _count(_("not ready (s)"))
    idle_seconds = _count(_("idle (s)"))
    logged_in_seconds = _count(_("logged in (s)"))
    fcr_count = _count(_("first-call resolutions"))
    survey_responses = _count(_("survey responses"))
    survey_satisfied = _count(_("satisfied responses"))
    scheduled_minutes = _count(_("scheduled minutes"))
    worked_minutes = _count(_("worked minutes"))
    # Free context tags (weather, holiday, incident, campaign), ";"-separated as imported.
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        ordering = ["-date", "agent_id", "queue_id"]
        constraints = [
            # Re-importing a day replaces its row: the import upserts on this key.
            models.UniqueConstraint(fields=["date", "agent", "queue"], name="metrics_daily_once"),
            models.CheckConstraint(
                condition=Q(calls_answered__lte=F("calls_offered")), name="metrics_answered_le_offered"
            ),
            models.CheckConstraint(
                condition=Q(survey_satisfied__lte=F("survey_responses")),
                name="metrics_satisfied_le_responses",
            ),
        ]
        indexes = [
            # KPI queries filter a period and group by agent/team/queue.
            models.Index(fields=["date", "agent"], name="metrics_daily_date_agent"),
            models.Index(fields=["agent", "date"], name="metrics_daily_agent_date"),
            models.Index(fields=["queue", "date"], name="metrics_daily_queue_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.agent_id} {self.queue_id}"


class DayTag(models.Model):
    """A context tag on a day for the whole centre (from imported rows or typed on a KPI page)."""

    date = models.DateField(_("date"))
    label = models.CharField(_("tag"), max_length=60)

    class Meta:
        verbose_name = _("day tag")
        verbose_name_plural = _("day tags")
        ordering = ["date", "label"]
        constraints = [models.UniqueConstraint(fields=["date", "label"], name="metrics_day_tag_once")]

    def __str__(self) -> str:
        return f"{self.date}: {self.label}"


class KpiTarget(models.Model):
    """A KPI's target band; a KPI without a row uses kpis.DEFAULT_TARGETS."""

    kpi = models.CharField(
        _("KPI"), max_length=30, choices=[(k.key, k.label) for k in kpis.KPIS], unique=True
    )
    minimum = models.DecimalField(_("at least"), max_digits=10, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("at most"), max_digits=10, decimal_places=2, null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=F("maximum")),
                name="metrics_target_band_order",
            )
        ]

    def __str__(self) -> str:
        return self.get_kpi_display()


class AbilityScore(models.Model):
    """An agent's monthly business-ability (test) score, 0–100: one input of the ranking."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="ability_scores",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business ability score")
        verbose_name_plural = _("business ability scores")
        ordering = ["-month", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "month"], name="metrics_ability_once_a_month"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="metrics_ability_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.month:%Y-%m}: {self.score}"


class RankingWeights(models.Model):
    """The monthly ranking's weights in percent (one row; defaults 30/40/15/15)."""

    volume = models.PositiveSmallIntegerField(_("volume (answered calls)"), default=30)
    quality = models.PositiveSmallIntegerField(_("quality (QA score)"), default=40)
    attendance = models.PositiveSmallIntegerField(_("attendance"), default=15)
    ability = models.PositiveSmallIntegerField(_("business ability"), default=15)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ranking weights")
        verbose_name_plural = _("ranking weights")
        constraints = [
            # The weights are shares of 100%.
            models.CheckConstraint(
                condition=Exact(F("volume") + F("quality") + F("attendance") + F("ability"), 100),
                name="metrics_weights_sum_to_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volume}/{self.quality}/{self.attendance}/{self.ability}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Checking and importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Rejected")


class MetricsImport(models.Model):
    """A CSV upload of daily figures; big files are checked and written by a worker with progress."""

    file = models.FileField(_("file"), upload_to="metrics-imports/")
    original_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("metrics import")
        verbose_name_plural = _("metrics imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.status})"
