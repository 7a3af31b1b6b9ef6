from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "apps.scorecards"
    label = "scorecards"
    verbose_name = _("Quality assurance")

    def ready(self) -> None:
        # TQM step 2 can pull a dataset from here without importing this app's internals.
        from apps.tqm import sources

        from . import selectors

        sources.register("failed_qa_criteria", _("Failed QA criteria"), selectors.failed_criteria_counts)
