from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TqmConfig(AppConfig):
    name = "apps.tqm"
    label = "tqm"
    verbose_name = _("Improvement projects")
