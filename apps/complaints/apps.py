from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "apps.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # TQM step 2 can pull a dataset from here without importing this app's internals.
        from apps.tqm import sources

        from . import selectors

        sources.register("complaints_by_category", _("Complaints by category"), selectors.category_counts)
