"""Forms of the scoring page, the agent's dispute, the arbitration, the sample draw and the list filters."""

from __future__ import annotations

from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Team, User
from apps.accounts.roles import Role

from ..models import (
    CriterionKind,
    DisputeStatus,
    EvaluationStatus,
    Scorecard,
    ScorecardVersion,
    VersionStatus,
)
from ..services import AnswerInput

NA = "na"


def _value_choices(criterion) -> list[tuple[str, str]]:
    if criterion.kind == CriterionKind.YES_NO:
        choices = [
            (str(criterion.max_points), _("Yes (%(points)s)") % {"points": criterion.max_points}),
            ("0", _("No (0)")),
        ]
    else:
        choices = [(str(points), str(points)) for points in range(criterion.max_points, -1, -1)]
    if criterion.allow_na:
        choices.append((NA, _("N/A")))
    return choices


class AnswersForm(forms.Form):
    """One value field and one comment field per criterion of a scorecard version.

    Values are optional here: a draft may be incomplete. Whether a submitted
    form is complete is the service's rule, and its message is shown.
    """

    comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, version: ScorecardVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.rows = []  # (section, [(criterion, value field, comment field)]) for the template
        for section in version.sections.all():
            items = []
            for criterion in section.criteria.all():
                value_name, comment_name = f"value_{criterion.pk}", f"comment_{criterion.pk}"
                widget = forms.RadioSelect if criterion.kind == CriterionKind.YES_NO else forms.Select
                choices = _value_choices(criterion)
                if widget is forms.Select:
                    choices = [("", "—"), *choices]
                self.fields[value_name] = forms.ChoiceField(
                    label=criterion.text, choices=choices, required=False, widget=widget
                )
                self.fields[comment_name] = forms.CharField(
                    label=_("Comment"), required=False, max_length=2000, widget=forms.TextInput()
                )
                items.append((criterion, value_name, comment_name))
            self.rows.append((section, items))

    @staticmethod
    def initial_from(evaluation) -> dict:
        initial = {"comment": evaluation.comment}
        for answer in evaluation.answers.all():
            initial[f"value_{answer.criterion_id}"] = NA if answer.is_na else str(answer.points)
            initial[f"comment_{answer.criterion_id}"] = answer.comment
        return initial

    def answers(self) -> list[AnswerInput]:
        """The answered criteria, as service input (unanswered ones are left out)."""
        result = []
        for _section, items in self.rows:
            for criterion, value_name, comment_name in items:
                value = self.cleaned_data.get(value_name)
                if not value:
                    continue
                comment = self.cleaned_data.get(comment_name, "")
                if value == NA:
                    result.append(AnswerInput(criterion.pk, None, True, comment))
                else:
                    result.append(AnswerInput(criterion.pk, int(value), False, comment))
        return result

    def bound_rows(self):
        for section, items in self.rows:
            yield section, [(criterion, self[value], self[comment]) for criterion, value, comment in items]


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you disagree?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    criteria = forms.MultipleChoiceField(
        label=_("Disputed criteria (leave empty to dispute the whole evaluation)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [
            (str(a.criterion_id), a.criterion.text) for a in evaluation.answers.all()
        ]

    def criterion_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["criteria"]]


class ArbitrationForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DisputeStatus.UPHELD, _("Uphold: correct the answers")),
            (DisputeStatus.REJECTED, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Explanation for the agent"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.corrections = []
        for answer in evaluation.answers.all():
            name = f"correct_{answer.criterion_id}"
            choices = [("", _("keep (%(value)s)") % {"value": _("N/A") if answer.is_na else answer.points})]
            choices += _value_choices(answer.criterion)
            self.fields[name] = forms.ChoiceField(
                label=answer.criterion.text, choices=choices, required=False
            )
            self.corrections.append((answer, name))

    def corrected_answers(self) -> list[AnswerInput]:
        result = []
        for answer, name in self.corrections:
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if value == NA:
                result.append(AnswerInput(answer.criterion_id, None, True, answer.comment))
            else:
                result.append(AnswerInput(answer.criterion_id, int(value), False, answer.comment))
        return result

    def correction_fields(self):
        return [(answer, self[name]) for answer, name in self.corrections]


class EvaluationFilterForm(forms.Form):
    """Filters of the evaluation list and its CSV exports."""

    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=User.objects.none(), required=False)
    scorecard = forms.ModelChoiceField(label=_("Scorecard"), queryset=Scorecard.objects.all(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + EvaluationStatus.choices, required=False
    )
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("", _("Any")), ("true", _("Passed")), ("false", _("Failed"))],
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )
    date_from = forms.DateField(
        label=_("Calls from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Calls to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["agent"].queryset = User.objects.with_role(Role.AGENT).order_by("username")
            self.fields["evaluator"].queryset = (
                User.objects.filter(groups__name__in=[Role.QA_EVALUATOR, Role.QA_MANAGER])
                .distinct()
                .order_by("username")
            )
        else:
            # An agent filters only their own list: by status, result and dates.
            for name in ("agent", "team", "evaluator", "scorecard"):
                del self.fields[name]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result = {}
        for name in ("agent", "team", "evaluator", "scorecard"):
            if data.get(name):
                result[name] = data[name].pk
        for name in ("status", "date_from", "date_to"):
            if data.get(name):
                result[name] = data[name]
        if data.get("passed") is not None:
            result["passed"] = data["passed"]
        return result


class SampleForm(forms.Form):
    scorecard_version = forms.ModelChoiceField(
        label=_("Scorecard"),
        queryset=ScorecardVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            scorecard__archived_at__isnull=True,
            scorecard__current_version=F("pk"),
        ),
    )
    period_start = forms.DateField(label=_("Calls from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Calls to"), widget=forms.DateInput(attrs={"type": "date"}))
    per_agent = forms.IntegerField(label=_("Calls per agent"), min_value=1, max_value=100, initial=3)
    per_queue = forms.BooleanField(label=_("Per agent and queue"), required=False)
    evaluators = forms.ModelMultipleChoiceField(
        label=_("Evaluators"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        help_text=_("Leave empty for a new random draw; reuse a seed to repeat one."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluators"].queryset = User.objects.with_role(Role.QA_EVALUATOR).order_by("username")
        self.fields["scorecard_version"].label_from_instance = lambda v: f"{v.scorecard.name} (v{v.number})"
