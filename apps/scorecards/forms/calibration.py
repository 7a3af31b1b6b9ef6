"""The form of a new calibration session. The rules (who may take part, the reference is one of
them, the deadline is ahead) are the service's: its messages are shown next to these fields."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import Role

from ..calibration import DEFAULT_DEADLINE
from ..models import DEFAULT_TOLERANCE, Call, ScorecardVersion, VersionStatus

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _scorers():
    return (
        User.objects.active()
        .filter(groups__name__in=[Role.QA_EVALUATOR, Role.QA_MANAGER])
        .distinct()
        .order_by("display_name", "username")
    )


def default_deadline():
    """Now plus the service's default, to the minute (what a datetime-local input shows)."""
    return timezone.localtime(timezone.now() + DEFAULT_DEADLINE).replace(second=0, microsecond=0)


class CalibrationForm(forms.Form):
    # Calls are many: the manager types the call's external id (from the call list or the
    # telephony system) instead of choosing from a list of thousands.
    call = forms.CharField(
        label=_("Call (external id)"),
        max_length=100,
        help_text=_("The call's id as shown in the call list, e.g. CALL-000123."),
    )
    scorecard_version = forms.ModelChoiceField(label=_("Scorecard"), queryset=ScorecardVersion.objects.none())
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("QA evaluators and QA managers who score the call blind."),
    )
    reference = forms.ModelChoiceField(
        label=_("Reference evaluator"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No reference"),
        help_text=_("Optional: the participant whose answers count as the benchmark."),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    tolerance = forms.DecimalField(
        label=_("Tolerance (± points)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=DEFAULT_TOLERANCE,
        help_text=_(
            "Evaluators whose score is further than this from the reference (or the mean) are flagged."
        ),
    )
    note = forms.CharField(
        label=_("Note for the participants"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = default_deadline
        self.fields["scorecard_version"].queryset = (
            ScorecardVersion.objects.filter(status=VersionStatus.PUBLISHED)
            .filter(Q(scorecard__archived_at__isnull=True))
            .select_related("scorecard")
            .order_by("scorecard__name", "-number")
        )
        self.fields["scorecard_version"].label_from_instance = lambda v: f"{v.scorecard.name} (v{v.number})"
        self.fields["participants"].queryset = _scorers()
        self.fields["reference"].queryset = _scorers()
        for name in ("participants", "reference"):
            self.fields[name].label_from_instance = lambda u: u.name

    def clean_call(self) -> Call:
        external_id = self.cleaned_data["call"].strip()
        call = Call.objects.select_related("agent").filter(external_id=external_id).first()
        if call is None:
            raise forms.ValidationError(
                _("No call has the id “%(id)s”. Copy it from the call list."), params={"id": external_id}
            )
        return call
