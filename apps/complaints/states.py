"""Ticket states, severities, channels and actions: the vocabulary of the escalation chain."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    OPEN = "open", _("Open (first line)")
    WITH_EXPERT = "with_expert", _("With difficult-case expert")
    WITH_DUTY_MANAGER = "with_duty_manager", _("With duty manager")
    WITH_DEPARTMENT = "with_department", _("With business department")
    FEEDBACK = "feedback", _("Feedback to review")
    CLOSED = "closed", _("Closed")


# Stages whose clock runs (a closed ticket has no SLA).
ACTIVE_STATES = [s for s in State.values if s != State.CLOSED]


class Severity(models.TextChoices):
    # A context of their own: "Critical" is also a scorecard criterion's auto-fail flag (致命项).
    LOW = "low", pgettext_lazy("severity", "Low")
    MEDIUM = "medium", pgettext_lazy("severity", "Medium")
    HIGH = "high", pgettext_lazy("severity", "High")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    WECHAT = "wechat", _("WeChat")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    ESCALATE = "escalate", _("Escalate")
    RESOLVE = "resolve", _("Resolve")
    ASSIGN_DEPARTMENT = "assign_department", _("Assign to department")
    TRANSFER = "transfer", _("Transfer to another department")
    RETURN = "return", _("Send back")
    SUBMIT_FEEDBACK = "submit_feedback", _("Submit feedback")
    REJECT_FEEDBACK = "reject_feedback", _("Reject feedback")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    # Events that are not transitions a person chooses:
    WAITING_ON = "waiting_on", _("Waiting for customer")
    WAITING_OFF = "waiting_off", _("Customer replied")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    AUTO_ESCALATE = "auto_escalate", _("Escalated automatically (SLA)")
    ATTACHMENT = "attachment", _("Attachment added")
