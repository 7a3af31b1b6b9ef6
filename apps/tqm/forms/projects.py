"""Forms of the project pages: details and team, the list's filters, and the step moves."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from ..steps import Direction, Status, Step

# Counts fit PostgreSQL's integer, like the API's MAX_COUNT.
MAX_COUNT = 2**31 - 1
ISO_DATE = "%Y-%m-%d"  # what <input type="date"> reads and sends, whatever the language


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name


def active_users():
    return User.objects.filter(is_active=True).order_by("display_name", "username")


class ProjectForm(forms.Form):
    """A project's details and team. ``fishbone_effect`` exists only when editing."""

    title = forms.CharField(label=_("Title"), max_length=200)
    problem_statement = forms.CharField(
        label=_("Problem statement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What goes wrong, for whom, how often — in numbers where you can."),
    )
    metric_name = forms.CharField(label=_("Metric"), max_length=200)
    metric_unit = forms.CharField(
        label=_("Unit"), max_length=30, required=False, widget=forms.TextInput(attrs={"placeholder": "%"})
    )
    metric_direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.UP
    )
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    baseline_successes = forms.IntegerField(
        label=_("Baseline successes"), min_value=0, max_value=MAX_COUNT, required=False
    )
    baseline_sample_size = forms.IntegerField(
        label=_("Baseline sample size"),
        min_value=1,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("For a proportion metric: successes out of how many. Enables the z-test at step 5."),
    )
    sponsor = PersonChoiceField(
        label=_("Sponsor"),
        queryset=active_users(),
        empty_label=_("Choose the sponsor"),
        help_text=_("The executive who unblocks the team."),
    )
    leader = PersonChoiceField(label=_("Leader"), queryset=active_users())
    members = PeopleChoiceField(
        label=_("Members"),
        queryset=active_users(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (⌘ on a Mac) to choose several. The leader and the sponsor need not be listed."
        ),
    )
    start_date = forms.DateField(label=_("Start date"), widget=date_input())
    target_date = forms.DateField(label=_("Target date"), required=False, widget=date_input())
    fishbone_effect = forms.CharField(
        label=_("Fishbone effect"),
        max_length=300,
        required=False,
        help_text=_("The head of the fishbone diagram; the project title when empty."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["fishbone_effect"]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["members"] = list(data.get("members") or [])
        return data


def project_initial(project) -> dict:
    """The edit form's initial values: the project's own."""
    names = [name for name in ProjectForm.base_fields if name != "members"]
    initial = {name: getattr(project, name) for name in names}
    initial["sponsor"] = project.sponsor_id
    initial["leader"] = project.leader_id
    initial["members"] = [member.pk for member in project.members.all()]
    return initial


class ProjectFilterForm(forms.Form):
    """Filters of the project list (selectors.filter_projects)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or problem")}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any"))] + Status.choices, required=False)
    step = forms.TypedChoiceField(
        label=_("Step"),
        # format_lazy: the labels are translated when the form renders, not when this module loads.
        choices=[("", _("Any"))]
        + [(value, format_lazy("{} · {}", value, label)) for value, label in Step.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mine = forms.BooleanField(label=_("Only my projects"), required=False)

    def filters(self, user) -> dict:
        """Keyword arguments for selectors.filter_projects; invalid filters are ignored."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "step": data.get("step"),
            "mine_for": user if data.get("mine") else None,
        }


class _ProjectPageForm(forms.Form):
    """A form of the project page: ids prefixed so several forms share the page."""

    id_prefix = "project"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class AdvanceForm(_ProjectPageForm):
    id_prefix = "advance"
    # The step the leader saw: a stale page (someone advanced meanwhile) is refused, not doubled.
    expected_step = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=7)


class StepBackForm(_ProjectPageForm):
    id_prefix = "back"
    expected_step = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=7)
    reason = forms.CharField(
        label=_("Why go back a step?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        # The service requires it and says so next to the field.
        required=False,
    )


class StatusForm(_ProjectPageForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Change to"))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if current == Status.ACTIVE:
            choices.append((Status.ON_HOLD.value, _("Put on hold")))
        if current == Status.ON_HOLD:
            choices.append((Status.ACTIVE.value, _("Resume")))
        if current in (Status.ACTIVE, Status.ON_HOLD):
            choices.append((Status.CANCELLED.value, _("Cancel the project")))
        self.fields["status"].choices = choices
