"""The seven steps of a TQM (QC-story) project, the project statuses, and the step-history kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.IntegerChoices):
    SELECT_TOPIC = 1, _("Select topic")
    COLLECT_DATA = 2, _("Collect and analyse data")
    CAUSES = 3, _("Cause analysis")
    COUNTERMEASURES = 4, _("Countermeasures, plan and implementation")
    EFFECT = 5, _("Evaluate effect")
    STANDARDIZE = 6, _("Standardize")
    REFLECT = 7, _("Reflect and choose the next problem")


FIRST_STEP = Step.SELECT_TOPIC
LAST_STEP = Step.REFLECT


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# A completed or cancelled project is a record: nothing in it changes any more.
CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)


class Direction(models.TextChoices):
    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ADVANCED = "advanced", _("Advanced")
    STEPPED_BACK = "stepped_back", _("Stepped back")
    COMPLETED = "completed", _("Completed")
    PUT_ON_HOLD = "put_on_hold", _("Put on hold")
    RESUMED = "resumed", _("Resumed")
    CANCELLED = "cancelled", _("Cancelled")


class DatasetPhase(models.TextChoices):
    BEFORE = "before", _("Before (baseline)")
    AFTER = "after", _("After countermeasures")


class DatasetSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("Imported from CSV")
    PULLED = "pulled", _("Pulled from QA Center")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


# The 6M default fishbone categories, created with every project (editable afterwards).
DEFAULT_FISHBONE_CATEGORIES = (
    _("People"),
    _("Method"),
    _("Machine"),
    _("Material"),
    _("Measurement"),
    _("Environment"),
)
