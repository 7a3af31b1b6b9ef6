"""Forms of the scorecard pages: create, rename, and the builder's sections, criteria and pass mark.

They check the shape of the input only; the rules (what may be edited, what may be published)
are the services', whose refusals the views put back on these forms with
``qa_center.pages.add_domain_error``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import DEFAULT_PASS_MARK, CriterionKind
from ..services import CriterionInput


def _pass_mark_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Pass mark"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=_("Score (0–100) an evaluation needs to pass."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class ScorecardCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    pass_mark = _pass_mark_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"pass_mark": DEFAULT_PASS_MARK})
        super().__init__(*args, **kwargs)


class ScorecardRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PassMarkForm(forms.Form):
    pass_mark = _pass_mark_field()


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=200)


class CriterionForm(forms.Form):
    text = forms.CharField(label=_("Criterion"), max_length=500)
    guidance = forms.CharField(
        label=_("Guidance for evaluators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CriterionKind.choices, initial=CriterionKind.YES_NO)
    max_points = forms.IntegerField(
        label=_("Max points"),
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    critical = forms.BooleanField(label=_("Critical (a failure sets the score to 0)"), required=False)
    allow_na = forms.BooleanField(label=_("N/A allowed"), required=False)

    @staticmethod
    def initial_from(criterion) -> dict:
        return {
            "text": criterion.text,
            "guidance": criterion.guidance,
            "kind": criterion.kind,
            "max_points": criterion.max_points,
            "critical": criterion.critical,
            "allow_na": criterion.allow_na,
        }

    def to_input(self) -> CriterionInput:
        data = self.cleaned_data
        return CriterionInput(
            text=data["text"],
            guidance=data["guidance"],
            kind=data["kind"],
            max_points=data["max_points"],
            critical=data["critical"],
            allow_na=data["allow_na"],
        )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
