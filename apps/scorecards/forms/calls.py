"""Forms of the call pages: the list filters and the CSV upload."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..import_jobs import MAX_FILE_BYTES
from ..models import Call, Evaluation


class CallFilterForm(forms.Form):
    """GET filters of the call list; an invalid value is ignored rather than refused."""

    agent = forms.CharField(label=_("Agent"), required=False, max_length=150)
    queue = forms.CharField(label=_("Queue"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    evaluated = forms.ChoiceField(
        label=_("Evaluated"),
        required=False,
        choices=[("", _("All")), ("yes", _("Yes")), ("no", _("No"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].widget.attrs.update(placeholder=_("Username"), autocomplete="off")

    def filter(self, queryset: QuerySet[Call]) -> QuerySet[Call]:
        """Apply the filters that are valid."""
        # Invalid fields are left out of cleaned_data: one bad date does not hide the other filters.
        self.is_valid()
        data = self.cleaned_data
        if data.get("agent"):
            queryset = queryset.filter(agent__username__icontains=data["agent"].strip())
        if data.get("queue"):
            queryset = queryset.filter(queue__icontains=data["queue"].strip())
        # Whole local days as a range on started_at, so the (started_at) index is used.
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            queryset = queryset.filter(started_at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, zone)
            queryset = queryset.filter(started_at__lt=end)
        if data.get("evaluated"):
            has_evaluation = Exists(Evaluation.objects.regular().filter(call=OuterRef("pk")))
            queryset = queryset.filter(has_evaluation if data["evaluated"] == "yes" else ~has_evaluation)
        return queryset


class CallImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 text; in Excel, save as “CSV UTF-8 (Comma delimited)”. The format is below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(max)s can be imported at once. Split it into parts."),
                params={"size": filesizeformat(upload.size), "max": filesizeformat(MAX_FILE_BYTES)},
            )
        return upload
