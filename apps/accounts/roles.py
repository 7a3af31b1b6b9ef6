"""The eight roles of DESIGN.md §3. Each is a Django group of the same name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    QA_EVALUATOR = "qa_evaluator", _("QA evaluator")
    QA_MANAGER = "qa_manager", _("QA manager")
    EXPERT = "expert", _("Difficult-case expert")
    DUTY_MANAGER = "duty_manager", _("Duty manager")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    IMPROVEMENT_MEMBER = "improvement_member", _("Improvement team member")
    ADMIN = "admin", _("Administrator")
