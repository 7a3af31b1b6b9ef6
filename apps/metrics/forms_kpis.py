"""Forms of the KPI pages: the period (and grouping or trend step) asked for, and a target band.

The period rule is periods.py's, shared with the API; its refusals land next to the field.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qa_center.errors import ValidationFailed

from . import kpis, periods, selectors


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """A month, or a start and end date. Always bound: with nothing asked, this month."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, query, *args, defaults: dict | None = None, **kwargs):
        data = query.copy()
        if not any(data.get(name) for name in ("month", "start", "end")):
            data["month"] = f"{timezone.localdate():%Y-%m}"
        for name, value in (defaults or {}).items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = periods.period_from(
                month=data.get("month"),
                start=data.get("start"),
                end=data.get("end"),
                today=timezone.localdate(),
            )
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data

    @property
    def period(self) -> periods.Period | None:
        return self.cleaned_data.get("period") if self.is_valid() else None


GROUP_LABELS = {
    selectors.TEAM: _("Team"),
    selectors.AGENT: _("Agent"),
    selectors.QUEUE: _("Queue"),
}
BUCKET_LABELS = {
    selectors.DAY: _("Day"),
    selectors.WEEK: _("Week"),
    selectors.MONTH: _("Month"),
}


class OverviewForm(PeriodForm):
    group = forms.ChoiceField(label=_("Group by"))

    def __init__(self, query, *args, groups: tuple[str, ...], **kwargs):
        super().__init__(query, *args, defaults={"group": groups[0]}, **kwargs)
        self.fields["group"].choices = [(group, GROUP_LABELS[group]) for group in groups]


class TrendForm(PeriodForm):
    bucket = forms.ChoiceField(label=_("Trend by"), choices=list(BUCKET_LABELS.items()))

    def __init__(self, query, *args, **kwargs):
        super().__init__(query, *args, defaults={"bucket": selectors.WEEK}, **kwargs)


class TargetForm(forms.Form):
    """One KPI's band; both empty means no target."""

    kpi = forms.ChoiceField(choices=[(kpi.key, kpi.label) for kpi in kpis.KPIS], widget=forms.HiddenInput)
    minimum = forms.DecimalField(label=_("At least"), required=False, max_digits=10, decimal_places=2)
    maximum = forms.DecimalField(label=_("At most"), required=False, max_digits=10, decimal_places=2)
