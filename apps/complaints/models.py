"""Complaint tickets, their categories, SLA policies and calendars, the event timeline, notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .states import ACTIVE_STATES, Action, Channel, Severity, State


class BusinessCalendar(models.Model):
    """Working hours and holidays; SLA clocks only run inside them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    always_open = models.BooleanField(_("open 24×7"), default=False)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="complaints_one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="complaints_holiday_once")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Category(models.Model):
    """Business classification (业务分类), a tree. Children inherit department, calendar and SLA."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    default_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("default department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="complaints_category_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Business minutes allowed in one stage, per category (or every category) and severity."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        help_text=_("Empty: the default for every category."),
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    stage = models.CharField(
        _("stage"), max_length=24, choices=[(s, label) for s, label in State.choices if s in ACTIVE_STATES]
    )
    minutes = models.PositiveIntegerField(_("business minutes"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["category", "severity", "stage"], name="complaints_sla_unique"),
            models.UniqueConstraint(
                fields=["severity", "stage"],
                condition=Q(category__isnull=True),
                name="complaints_sla_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} {self.severity} {self.stage}: {self.minutes} min"


class Suggestion(models.Model):
    """Complaint-handling advice (投诉管理建议) shown beside tickets of a category."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="suggestions"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    source_ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title


class TicketQuerySet(models.QuerySet):
    def active(self) -> TicketQuerySet:
        return self.exclude(state=State.CLOSED)

    def overdue(self, now) -> TicketQuerySet:
        return self.active().filter(due_at__lt=now, waiting_for_customer=False)


class Ticket(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer_name = models.CharField(_("customer name"), max_length=100)
    customer_phone = models.CharField(_("customer number"), max_length=32)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    description = models.TextField(_("description"))
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        help_text=_("Empty: the ticket waits in the pool of the stage's role."),
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="created_tickets",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The current stage's SLA clock.
    stage_started_at = models.DateTimeField(_("stage started"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breached at"), null=True, blank=True)
    waiting_for_customer = models.BooleanField(_("waiting for customer"), default=False)
    # While waiting, the business seconds that were left on the clock.
    sla_remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    customer_satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Queues: tickets of a state (and department), oldest due first.
            models.Index(fields=["state", "due_at"], name="complaints_ticket_state_due"),
            models.Index(fields=["department", "state"], name="complaints_ticket_dept_state"),
            models.Index(fields=["assignee", "state"], name="complaints_ticket_assignee"),
            models.Index(fields=["-created_at", "-id"], name="complaints_ticket_created"),
            # Department staff's list: their department's tickets, newest first.
            models.Index(fields=["department", "-created_at", "-id"], name="complaints_ticket_dept_created"),
            # The SLA sweep every minute: active, not yet breached, due in the past.
            models.Index(
                fields=["due_at"],
                condition=Q(sla_breached_at__isnull=True, waiting_for_customer=False) & ~Q(state="closed"),
                name="complaints_ticket_sla_watch",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction_score__isnull=True)
                | Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="complaints_ticket_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class TicketEvent(models.Model):
    """Append-only timeline: every action, by a person or by the system (actor empty)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=24, blank=True)
    to_state = models.CharField(_("to"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]
        indexes = [
            # The expert's scope in access.tickets_for: tickets they acted on.
            models.Index(fields=["actor", "ticket"], name="complaints_event_actor_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="complaints/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=24)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's unread count on every page.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="complaints_notif_unread"),
        ]

    def __str__(self) -> str:
        return self.message
