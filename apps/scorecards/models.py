"""QA data: scorecards and their versions, calls, evaluations with answers, disputes, samples.

Invariants that the database can hold are constraints here; the rest (who may
do what, when) lives in services.py. Scoring arithmetic lives in scoring.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_PASS_MARK = Decimal("85")


class Scorecard(models.Model):
    """A named scorecard; its content lives in versions, the newest published one is current."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    current_version = models.ForeignKey(
        "scorecards.ScorecardVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ScorecardVersion(models.Model):
    """One version of a scorecard. Published versions never change; evaluations pin one."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_PASS_MARK,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecards_version_unique_number"),
            # Editing happens in a single draft per scorecard.
            models.UniqueConstraint(
                fields=["scorecard"], condition=Q(status="draft"), name="scorecards_version_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0) & Q(pass_mark__lte=100),
                name="scorecards_version_pass_mark_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard.name} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Section(models.Model):
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.title


class CriterionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no (0 or all points)")
    SCALE = "scale", _("Scale (0 to max points)")


class Criterion(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    # Denormalised from section.version: answers are checked against their version in one query.
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(_("text"), max_length=500)
    guidance = models.TextField(_("guidance"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CriterionKind.choices, default=CriterionKind.YES_NO
    )
    max_points = models.PositiveSmallIntegerField(
        _("max points"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    critical = models.BooleanField(_("critical (auto-fail)"), default=False)
    allow_na = models.BooleanField(_("N/A allowed"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["section__position", "section_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_points__gte=1) & Q(max_points__lte=100),
                name="scorecards_criterion_max_points_range",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallQuerySet(models.QuerySet):
    def not_evaluated(self) -> CallQuerySet:
        return self.exclude(evaluations__isnull=False)


class Call(models.Model):
    """A recorded interaction imported from telephony."""

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="calls"
    )
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    direction = models.CharField(
        _("direction"), max_length=16, choices=CallDirection.choices, default=CallDirection.INBOUND
    )
    recording_url = models.URLField(_("recording URL"), max_length=500, blank=True)
    customer_phone = models.CharField(_("customer number"), max_length=32, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [
            # Sampling and the agent's call list: calls of one agent in a period.
            models.Index(fields=["agent", "started_at"], name="scorecards_call_agent_start"),
            models.Index(fields=["started_at"], name="scorecards_call_started"),
        ]

    def __str__(self) -> str:
        return self.external_id


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPUTED = "disputed", _("Disputed")
    DISPUTE_UPHELD = "dispute_upheld", _("Dispute upheld")
    DISPUTE_REJECTED = "dispute_rejected", _("Dispute rejected")


# Statuses the agent may see: everything once submitted.
VISIBLE_TO_AGENT = [s for s in EvaluationStatus.values if s != EvaluationStatus.DRAFT]


class EvaluationQuerySet(models.QuerySet):
    def submitted(self) -> EvaluationQuerySet:
        """Evaluations that count: submitted, whatever happened afterwards, outside calibration."""
        return self.filter(status__in=VISIBLE_TO_AGENT, calibration__isnull=True)

    def regular(self) -> EvaluationQuerySet:
        """Not part of a calibration session: what agents, lists and results see."""
        return self.filter(calibration__isnull=True)

    def drafts(self) -> EvaluationQuerySet:
        return self.filter(status=EvaluationStatus.DRAFT)


class Evaluation(models.Model):
    """One evaluator's scoring of one call with one scorecard version."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="evaluations"
    )
    scorecard_version = models.ForeignKey(
        ScorecardVersion,
        verbose_name=_("scorecard version"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # Denormalised from call.agent (which never changes): lists filter and scope by agent and team.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="evaluations_received",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="evaluations_made",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    comment = models.TextField(_("overall comment"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)
    critical_failed = models.BooleanField(_("critical failure"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # Set for a participant's scoring in a calibration session: it never counts in the agent's
    # results, lists or charts, and the agent never sees it.
    calibration = models.ForeignKey(
        "CalibrationSession",
        verbose_name=_("calibration session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # A call is evaluated once per scorecard version (calibration sessions are the exception:
            # there each participant scores it once).
            models.UniqueConstraint(
                fields=["call", "scorecard_version"],
                condition=Q(calibration__isnull=True),
                name="scorecards_evaluation_once_per_call_version",
            ),
            models.UniqueConstraint(
                fields=["calibration", "evaluator"],
                condition=Q(calibration__isnull=False),
                name="scorecards_calibration_one_per_participant",
            ),
        ]
        indexes = [
            # The agent's own list and per-agent results.
            models.Index(fields=["agent", "-submitted_at"], name="scorecards_eval_agent_sub"),
            # The evaluator's drafts and lists.
            models.Index(fields=["evaluator", "status"], name="scorecards_eval_evaluator"),
            models.Index(fields=["status", "-submitted_at"], name="scorecards_eval_status_sub"),
            # The default order of every list (QA managers see all rows): newest submitted first.
            models.Index(fields=["-submitted_at", "-id"], name="scorecards_eval_submitted"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.call}"


class Answer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    points = models.PositiveSmallIntegerField(_("points"), null=True, blank=True)
    is_na = models.BooleanField(_("N/A"), default=False)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="scorecards_answer_once"),
            # Either points or N/A, never both, never neither.
            models.CheckConstraint(
                condition=(Q(is_na=True) & Q(points__isnull=True))
                | (Q(is_na=False) & Q(points__isnull=False)),
                name="scorecards_answer_points_xor_na",
            ),
        ]

    def __str__(self) -> str:
        return "N/A" if self.is_na else str(self.points)


class EvaluationEvent(models.Model):
    """Append-only history of an evaluation: who did what, and the answers before a re-score."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPUTED = "disputed", _("Disputed")
        DISPUTE_UPHELD = "dispute_upheld", _("Dispute upheld and re-scored")
        DISPUTE_REJECTED = "dispute_rejected", _("Dispute rejected")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(_("note"), blank=True)
    # For a re-score: {"score", "passed", "critical_failed", "answers": [{criterion, points, na, comment}]}
    previous = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} #{self.evaluation_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """An agent's challenge of an evaluation (whole, or specific answers), arbitrated by a QA manager."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    # Empty: the whole evaluation is disputed.
    criteria = models.ManyToManyField(
        Criterion, verbose_name=_("disputed criteria"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"], condition=Q(status="open"), name="scorecards_dispute_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} ({self.status})"


class SampleRun(models.Model):
    """One draw of calls to score: k per agent (optionally per queue) in a period, with its seed."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scorecard_version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    per_agent = models.PositiveSmallIntegerField(_("calls per agent"))
    per_queue = models.BooleanField(_("per queue"), default=False)
    seed = models.BigIntegerField(_("seed"))
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Sample {self.period_start}–{self.period_end} (seed {self.seed})"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("To score")
    DONE = "done", _("Scored")


class Assignment(models.Model):
    """A sampled call in an evaluator's queue."""

    sample = models.ForeignKey(SampleRun, on_delete=models.CASCADE, related_name="assignments")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_assignments"
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A call waits in at most one queue at a time.
            models.UniqueConstraint(
                fields=["call"], condition=Q(status="pending"), name="scorecards_assignment_one_pending"
            ),
        ]
        indexes = [models.Index(fields=["evaluator", "status"], name="scorecards_assign_queue")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.evaluator_id}"


class CallImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Rejected")


class CallImportQuerySet(models.QuerySet):
    def unfinished(self) -> CallImportQuerySet:
        return self.exclude(status__in=CallImport.FINISHED)


class CallImport(models.Model):
    """A CSV file of calls too big to import during the upload request; a Celery task imports it.

    The file's text is kept in the database, not as a FileField under MEDIA_ROOT: workers may run on
    other machines than the web process (README, production), and the database is the one store they
    all share; the job row and its content are also created in the same transaction, so a task can
    never find a job without its file. Files are at most a few megabytes (the upload form's limit).
    """

    FINISHED = (CallImportStatus.DONE, CallImportStatus.FAILED)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="call_imports",
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    csv_text = models.TextField(_("CSV content"))
    # The uploader's language: the worker writes the row errors in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CallImportStatus.choices, default=CallImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    imported_count = models.PositiveIntegerField(_("calls imported"), default=0)
    # [{"row": 12, "field": "agent", "message": "..."}]; row 1 is the header, null for the whole file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = CallImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("call import")
        verbose_name_plural = _("call imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename or _('Call import')} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent_done(self) -> int:
        if self.status == CallImportStatus.DONE:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


# --- Calibration ---------------------------------------------------------------------------


class CalibrationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


DEFAULT_TOLERANCE = Decimal("5")


class CalibrationSession(models.Model):
    """Several evaluators score the same call blind; closing it computes how well they agree."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="calibrations"
    )
    scorecard_version = models.ForeignKey(
        ScorecardVersion, verbose_name=_("scorecard version"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), related_name="calibration_sessions"
    )
    # The benchmark evaluator (one of the participants), whose answers count as right.
    reference = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reference evaluator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateTimeField(_("deadline"))
    tolerance = models.DecimalField(
        _("tolerance (± points)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_TOLERANCE,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CalibrationStatus.choices, default=CalibrationStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Computed once at closing (agreement.calibration_result), kept as it was then.
    alpha_interval = models.FloatField(_("Krippendorff's alpha (interval)"), null=True, blank=True)
    mean_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    spread = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    criteria_results = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The "past the deadline with missing participants" list reads open sessions by deadline.
            models.Index(fields=["deadline"], condition=Q(status="open"), name="scorecards_calib_open_due"),
        ]

    def __str__(self) -> str:
        return f"Calibration #{self.pk} · {self.call}"

    @property
    def is_closed(self) -> bool:
        return self.status == CalibrationStatus.CLOSED


class CalibrationScore(models.Model):
    """One participant's result in a closed session: the history page reads these."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluator"), on_delete=models.PROTECT, related_name="+"
    )
    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="calibration_score")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True)
    deviation_from_reference = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    deviation_from_mean = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    alignment = models.DecimalField(_("alignment"), max_digits=5, decimal_places=4, null=True)
    outside_tolerance = models.BooleanField(_("outside tolerance"), default=False)

    class Meta:
        verbose_name = _("calibration result")
        verbose_name_plural = _("calibration results")
        ordering = ["session", "evaluator_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "evaluator"], name="scorecards_calib_score_once")
        ]
        indexes = [
            # An evaluator's calibration history, newest first.
            models.Index(fields=["evaluator", "session"], name="scorecards_calib_history"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.evaluator_id}: {self.score}"


# --- Coaching ------------------------------------------------------------------------------


class CoachingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SIGNED_OFF = "signed_off", _("Signed off by the agent")


class CoachingSession(models.Model):
    """A coach and an agent go through evaluations, agree actions and a follow-up date."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="coaching_received",
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coach"),
        on_delete=models.PROTECT,
        related_name="coaching_given",
    )
    evaluations = models.ManyToManyField(
        Evaluation, verbose_name=_("evaluations discussed"), blank=True, related_name="coaching_sessions"
    )
    held_on = models.DateField(_("held on"))
    observations = models.TextField(_("observations"))
    follow_up_on = models.DateField(_("follow-up date"))
    status = models.CharField(
        _("status"), max_length=12, choices=CoachingStatus.choices, default=CoachingStatus.OPEN
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-held_on", "-id"]
        indexes = [
            # The agent's own list.
            models.Index(fields=["agent", "-held_on"], name="scorecards_coach_agent"),
            # "My work": a coach's follow-ups that are due and not done.
            models.Index(
                fields=["coach", "follow_up_on"],
                condition=Q(followed_up_at__isnull=True),
                name="scorecards_coach_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"Coaching #{self.pk} · {self.agent_id}"


class CoachingAction(models.Model):
    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("agreed action"), max_length=300)
    due_on = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("coaching action")
        verbose_name_plural = _("coaching actions")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


class CoachingComment(models.Model):
    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching comment")
        verbose_name_plural = _("coaching comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.body[:40]}"
