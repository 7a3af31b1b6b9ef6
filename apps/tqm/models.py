"""TQM improvement projects (DESIGN.md §6): the project, its artefacts per step, and its step history."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from . import analysis
from .steps import (
    CLOSED_STATUSES,
    ActionStatus,
    DatasetPhase,
    DatasetSource,
    Direction,
    EventKind,
    Status,
    Step,
)

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def _rating(verbose_name) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose_name, validators=RATING_VALIDATORS)


def _rating_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}), name=name)


class ProjectQuerySet(models.QuerySet):
    def open(self) -> ProjectQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)

    def with_member(self, user) -> ProjectQuerySet:
        """Projects the user works on: as leader, member or sponsor."""
        return self.filter(Q(leader=user) | Q(sponsor=user) | Q(members=user)).distinct()


class Project(models.Model):
    title = models.CharField(_("title"), max_length=200)
    problem_statement = models.TextField(_("problem statement"))
    metric_name = models.CharField(_("metric"), max_length=200)
    metric_unit = models.CharField(_("unit"), max_length=30, blank=True)
    metric_direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    # For a proportion metric: the baseline's successes out of n, so step 5 can run the z-test.
    baseline_successes = models.PositiveIntegerField(_("baseline successes"), null=True, blank=True)
    baseline_sample_size = models.PositiveIntegerField(_("baseline sample size"), null=True, blank=True)

    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        related_name="sponsored_projects",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="tqm_projects"
    )

    start_date = models.DateField(_("start date"))
    target_date = models.DateField(_("target date"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    current_step = models.PositiveSmallIntegerField(
        _("current step"), choices=Step.choices, default=Step.SELECT_TOPIC
    )
    # Step 3's fishbone effect (the "head" of the fish); defaults to the project title.
    fishbone_effect = models.CharField(_("effect"), max_length=300, blank=True)
    # Step 7.
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    next_topic = models.CharField(_("next topic"), max_length=200, blank=True)
    previous_project = models.ForeignKey(
        "self",
        verbose_name=_("follows project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_projects",
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_step__gte=1, current_step__lte=7), name="tqm_project_step_range"
            ),
            models.CheckConstraint(
                condition=Q(baseline_successes__isnull=True)
                | Q(baseline_sample_size__isnull=False, baseline_successes__lte=F("baseline_sample_size")),
                name="tqm_project_baseline_counts",
            ),
        ]
        indexes = [
            # The project list filters by status and step.
            models.Index(fields=["status", "current_step"], name="tqm_project_status_step"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def effect_text(self) -> str:
        return self.fishbone_effect or self.title


class ProjectEvent(models.Model):
    """Append-only step history: who advanced, stepped back or changed the status, and when."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=16, choices=EventKind.choices)
    from_step = models.PositiveSmallIntegerField(null=True, choices=Step.choices)
    to_step = models.PositiveSmallIntegerField(null=True, choices=Step.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.project_id})"


# --- Step 1 ------------------------------------------------------------------------------


class Topic(models.Model):
    """A candidate topic, rated 1–5 on urgency, controllability by the team and time-boundedness."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    urgency = _rating(_("urgency"))
    controllability = _rating(_("controllability"))
    time_bound = _rating(_("time-boundedness"))
    is_chosen = models.BooleanField(_("chosen"), default=False)
    rationale = models.TextField(_("why this topic"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("candidate topic")
        verbose_name_plural = _("candidate topics")
        ordering = ["id"]
        constraints = [
            _rating_check("urgency", "tqm_topic_urgency_1_5"),
            _rating_check("controllability", "tqm_topic_controllability_1_5"),
            _rating_check("time_bound", "tqm_topic_time_bound_1_5"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_chosen=True), name="tqm_one_chosen_topic"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return analysis.topic_score(
            urgency=self.urgency, controllability=self.controllability, time_bound=self.time_bound
        )


# --- Step 2 ------------------------------------------------------------------------------


class DataPlan(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="data_plan")
    source = models.CharField(_("data source"), max_length=300)
    sampling_method = models.CharField(_("sampling method"), max_length=300)
    sample_size = models.PositiveIntegerField(_("sample size"), validators=[MinValueValidator(1)])
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("data plan")
        verbose_name_plural = _("data plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="tqm_data_plan_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.period_start}–{self.period_end})"


class Dataset(models.Model):
    """Counts by cause category: the input of a Pareto analysis."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(_("name"), max_length=200)
    phase = models.CharField(
        _("phase"), max_length=8, choices=DatasetPhase.choices, default=DatasetPhase.BEFORE
    )
    source = models.CharField(_("source"), max_length=8, choices=DatasetSource.choices)
    # For pulled datasets: which registered source, and its period.
    source_key = models.CharField(_("pulled from"), max_length=60, blank=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="tqm_dataset_unique_name")]

    def __str__(self) -> str:
        return self.name

    def pairs(self) -> list[tuple[str, int]]:
        """(label, count) in entry order: what analysis.pareto takes. Uses prefetched items."""
        return [(item.label, item.count) for item in self.items.all()]


class DatasetItem(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("category"), max_length=200)
    count = models.PositiveIntegerField(_("count"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "label"], name="tqm_dataset_item_unique")]

    def __str__(self) -> str:
        return f"{self.label}: {self.count}"


# --- Step 3 ------------------------------------------------------------------------------


class ParetoAnalysis(models.Model):
    """A saved Pareto analysis of one dataset (recomputed from the data whenever it is shown)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="paretos")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="paretos")
    other_after_percent = models.DecimalField(
        _("merge into “Other” after cumulative %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Pareto analysis")
        verbose_name_plural = _("Pareto analyses")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(self.dataset)


class FishboneCategory(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fishbone_categories")
    name = models.CharField(_("category"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("fishbone category")
        verbose_name_plural = _("fishbone categories")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="tqm_fishbone_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Cause(models.Model):
    """A cause on a fishbone bone; a cause may have sub-causes (two levels, no deeper)."""

    category = models.ForeignKey(FishboneCategory, on_delete=models.CASCADE, related_name="causes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    text = models.CharField(_("cause"), max_length=300)
    is_root_cause = models.BooleanField(_("verified root cause"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


# --- Step 4 ------------------------------------------------------------------------------


class Countermeasure(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="countermeasures")
    title = models.CharField(_("action"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cause = models.ForeignKey(
        Cause,
        verbose_name=_("addresses cause"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="countermeasures",
    )
    controllability = _rating(_("controllability"))
    expected_effect = _rating(_("expected effect"))
    cost = _rating(_("cost"))
    team_decides_alone = models.BooleanField(_("the team can decide alone"), default=False)
    # analysis.countermeasure_priority of the ratings, stored so lists sort by it in the database.
    priority = models.PositiveSmallIntegerField(_("priority"))
    selected = models.BooleanField(_("selected"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tqm_actions",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("countermeasure")
        verbose_name_plural = _("countermeasures")
        ordering = ["-priority", "id"]
        constraints = [
            _rating_check("controllability", "tqm_cm_controllability_1_5"),
            _rating_check("expected_effect", "tqm_cm_effect_1_5"),
            _rating_check("cost", "tqm_cm_cost_1_5"),
            # A selected action is a commitment: someone owns it by a date.
            models.CheckConstraint(
                condition=Q(selected=False) | Q(owner__isnull=False, due_date__isnull=False),
                name="tqm_selected_action_has_owner_and_due_date",
            ),
        ]
        indexes = [
            # "My work": a user's open selected actions past their due date.
            models.Index(
                fields=["owner", "due_date"],
                condition=Q(selected=True) & ~Q(status="done"),
                name="tqm_cm_open_by_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- Step 5 ------------------------------------------------------------------------------


class Measurement(models.Model):
    """The metric measured after the countermeasures (optionally as successes out of n)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField(_("measured value"), max_digits=14, decimal_places=2)
    successes = models.PositiveIntegerField(_("successes"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("after-measurement")
        verbose_name_plural = _("after-measurements")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="tqm_measurement_period"
            ),
            models.CheckConstraint(
                condition=Q(successes__isnull=True)
                | Q(sample_size__isnull=False, sample_size__gte=1, successes__lte=F("sample_size")),
                name="tqm_measurement_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.period_start}–{self.period_end})"


# --- Step 6 ------------------------------------------------------------------------------


class Standard(models.Model):
    """A process-manual entry; a new version supersedes the previous one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="standards")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_date = models.DateField(_("effective from"))
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["title", "version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class TrainingRecord(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="trainings")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="+"
    )
    trained_on = models.DateField(_("trained on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["trained_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "trainee"], name="tqm_trained_once_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.standard}"
