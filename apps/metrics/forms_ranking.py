"""Page forms of the monthly ranking: the month picker, the weights, one ability score, a CSV of
ability scores. They parse shape; the rules (weights add up to 100, scores 0–100, who is an agent)
are ranking_services.py's, whose refusals come back through qa_center.pages.add_domain_error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from qa_center.errors import ValidationFailed

from . import ranking_selectors


class MonthField(forms.CharField):
    """``YYYY-MM`` (the browser's month input) → the first day of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2024-03", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return ranking_selectors.parse_month(text)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message, code="month") from error

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "strftime") else value


class RankingMonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class WeightsForm(forms.Form):
    volume = forms.IntegerField(label=_("Volume (answered calls)"), min_value=0, max_value=100)
    quality = forms.IntegerField(label=_("Quality (mean QA score)"), min_value=0, max_value=100)
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0, max_value=100)
    ability = forms.IntegerField(label=_("Business ability"), min_value=0, max_value=100)


class AbilityScoreForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none())
    month = MonthField(label=_("Month"))
    score = forms.DecimalField(label=_("Score"), help_text=_("From 0 to 100."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            User.objects.active()
            .with_role(Role.AGENT)
            .select_related("team")
            .order_by("display_name", "username")
        )
        self.fields["agent"].label_from_instance = lambda user: f"{user.name} ({user.username})"


class AbilityImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns month (YYYY-MM), agent (username) and score (0–100).")
    )
