"""Forms of the coaching pages: a new session (with a few rows of agreed actions), a comment, one
more action, the follow-up note and the list filters. The rules are coaching.py's."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..coaching import ActionInput
from ..models import CoachingStatus

# Blank action rows on the new-session form; more can be added on the session page.
ACTION_ROWS = 3
DEFAULT_FOLLOW_UP = timedelta(days=14)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE_INPUT, input_formats=["%Y-%m-%d"], **kwargs)


class AgentChoiceForm(forms.Form):
    """Step one of a new session: which agent (only agents of the teams the coach covers)."""

    agent = forms.ModelChoiceField(label=_("Agent"), queryset=None)

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents.select_related("team").order_by("display_name", "username")
        self.fields["agent"].label_from_instance = lambda u: f"{u.name} · {u.team.name}" if u.team else u.name


class CoachingForm(forms.Form):
    """Step two: the session with the chosen agent."""

    evaluations = forms.ModelMultipleChoiceField(
        label=_("Evaluations discussed"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    held_on = _date_field(_("Held on"))
    observations = forms.CharField(
        label=_("Observations"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    follow_up_on = _date_field(_("Follow-up date"))

    def __init__(self, *args, evaluations, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["held_on"].initial = today
        self.fields["follow_up_on"].initial = today + DEFAULT_FOLLOW_UP
        self.fields["evaluations"].queryset = evaluations
        self.action_rows = []
        for number in range(1, ACTION_ROWS + 1):
            text, due = f"action_{number}_text", f"action_{number}_due"
            self.fields[text] = forms.CharField(
                label=_("Agreed action %(n)s") % {"n": number}, max_length=300, required=False
            )
            self.fields[due] = _date_field(pgettext_lazy("coaching action", "Due date"), required=False)
            self.action_rows.append((text, due))

    def actions(self) -> list[ActionInput]:
        """The rows filled in (text or date): an incomplete row is the service's to refuse."""
        rows = []
        for text, due in self.action_rows:
            value, due_on = (self.cleaned_data.get(text) or "").strip(), self.cleaned_data.get(due)
            if value or due_on:
                rows.append(ActionInput(value, due_on))
        return rows

    def bound_action_rows(self):
        return [(self[text], self[due]) for text, due in self.action_rows]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    text = forms.CharField(label=_("Agreed action"), max_length=300)
    due_on = _date_field(pgettext_lazy("coaching action", "Due date"))


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Follow-up note (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CoachingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *CoachingStatus.choices], required=False
    )
    due = forms.BooleanField(label=_("Follow-up due"), required=False)
