"""The form of the import page: one CSV file of daily figures."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .imports import MAX_FILE_BYTES


class DailyFiguresImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 or GB18030 text; in Excel, save as “CSV UTF-8 (Comma delimited)”. The columns are below."
        ),
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
