from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # A TQM project's charts are redrawn after its data changes (see receivers.py).
        from . import receivers  # noqa: F401
