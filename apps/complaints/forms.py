"""Complaint page forms. They parse shape; the services decide every rule (required notes,
departments, satisfaction, windows) and their refusals come back through qa_center.pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Department, User
from apps.accounts.roles import Role

from . import workflow
from .models import Category, Ticket
from .states import Action, Channel, Severity, State

# --- Categories as a tree in a select ---------------------------------------------------------


def category_tree(categories) -> list[tuple[Category, int]]:
    """Categories in tree order (each parent followed by its children, by name) with their depth.

    A category whose parent is not in ``categories`` (e.g. an inactive parent) starts a branch.
    """
    categories = list(categories)
    ids = {c.pk for c in categories}
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id if category.parent_id in ids else None, []).append(category)
    ordered: list[tuple[Category, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in sorted(children.get(parent_id, []), key=lambda c: c.name.lower()):
            ordered.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return ordered


class _TreeChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for category, depth in category_tree(self.queryset):
            category.tree_depth = depth
            yield self.choice(category)


class CategoryChoiceField(forms.ModelChoiceField):
    """A select of categories that shows the tree: children indented under their parent."""

    iterator = _TreeChoiceIterator

    def label_from_instance(self, obj: Category) -> str:
        depth = getattr(obj, "tree_depth", 0)
        if depth:
            return "\u2003" * depth + "└ " + obj.name
        if obj.parent_id and obj.parent:  # an active child of an inactive parent
            return f"{obj.parent.name} › {obj.name}"
        return obj.name


# --- Create and filter ------------------------------------------------------------------------


class TicketCreateForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    customer_phone = forms.CharField(
        label=_("Customer number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True).select_related("parent"),
        empty_label=_("Choose a category"),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, what the customer asks for, what was already tried."),
    )


class TicketFilterForm(forms.Form):
    """Filters of the ticket list and its CSV export (selectors.filter_tickets)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Reference, customer, text")}),
    )
    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any"))] + State.choices, required=False)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.select_related("parent"),
        required=False,
        empty_label=_("Any"),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("Any"))] + Severity.choices, required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=_("Any"),
    )
    overdue = forms.TypedChoiceField(
        label=_("Overdue"),
        # The API's values (?overdue=true), so a page URL and an API query read alike.
        choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("On time"))],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )
    date_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        """Keyword arguments for selectors.filter_tickets; invalid filters are ignored."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result = {}
        for name in ("q", "state", "severity", "date_from", "date_to"):
            if data.get(name):
                result[name] = data[name]
        for name in ("category", "department"):
            if data.get(name):
                result[name] = data[name].pk
        if data.get("overdue") is not None:
            result["overdue"] = data["overdue"]
        return result


# --- Actions on one ticket --------------------------------------------------------------------

# What the note carries for each action (DESIGN.md §5, "must carry").
NOTE_LABELS = {
    Action.ESCALATE: _("Why it needs escalating"),
    Action.RESOLVE: _("Resolution"),
    Action.ASSIGN_DEPARTMENT: _("Instructions for the department"),
    Action.TRANSFER: _("Reason for the transfer"),
    Action.RETURN: _("Reason for sending it back"),
    Action.SUBMIT_FEEDBACK: _("Feedback"),
    Action.REJECT_FEEDBACK: _("Why the feedback is not enough"),
    Action.CLOSE: _("Closure note"),
    Action.REOPEN: _("Reason for reopening"),
}


class _StaffChoiceField(forms.ModelChoiceField):
    """People by name; department staff with their departments when those are prefetched."""

    def label_from_instance(self, obj: User) -> str:
        if "departments" in getattr(obj, "_prefetched_objects_cache", {}):
            names = ", ".join(d.name for d in obj.departments.all())
            if names:
                return f"{obj.name} ({names})"
        return obj.name


class TransitionForm(forms.Form):
    """One action of the workflow table with the fields it carries. Empty values go to the service,
    which refuses them with the message shown next to the field."""

    action = forms.ChoiceField(choices=[(a, a) for a in workflow.ACTIONS], widget=forms.HiddenInput)
    expected_state = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "required": True}))

    def __init__(self, *args, transition: workflow.Transition, ticket: Ticket, **kwargs):
        # Several of these forms share a page: unique ids, the same field names.
        kwargs.setdefault("auto_id", f"id_{transition.action}_%s")
        kwargs.setdefault(
            "initial",
            {"action": transition.action, "expected_state": transition.source, "version": ticket.version},
        )
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.fields["note"].label = NOTE_LABELS.get(transition.action, _("Note"))
        if workflow.DEPARTMENT in transition.requires:
            departments = Department.objects.order_by("name")
            if transition.action == Action.TRANSFER and ticket.department_id:
                departments = departments.exclude(pk=ticket.department_id)
            self.fields["department"] = forms.ModelChoiceField(
                label=_("Department"),
                queryset=departments,
                required=False,
                empty_label=_("Choose a department"),
                widget=forms.Select(attrs={"required": True}),
            )
        role = workflow.STAGE_ROLE.get(transition.target)
        if role and transition.target != State.OPEN:  # an open ticket always returns to its creator
            self.fields["assignee"] = _StaffChoiceField(
                label=_("Assign to (optional)"),
                queryset=self._assignees(role, transition, ticket),
                required=False,
                empty_label=_("Anyone in the pool"),
            )
        if workflow.CUSTOMER_SATISFIED in transition.requires:
            self.fields["customer_satisfied"] = forms.TypedChoiceField(
                label=_("Is the customer satisfied?"),
                choices=[("true", _("Yes")), ("false", _("No"))],
                coerce=lambda value: value == "true",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields["satisfaction_score"] = forms.TypedChoiceField(
                label=_("Satisfaction score (optional)"),
                choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 6)],
                coerce=int,
                empty_value=None,
                required=False,
            )

    @property
    def transition_label(self) -> str:
        """The button's text: the action's name from the states vocabulary."""
        return str(Action(self.transition.action).label)

    @staticmethod
    def _assignees(role: str, transition: workflow.Transition, ticket: Ticket):
        users = (
            User.objects.active()
            .with_role(role)
            .only("id", "username", "display_name", "first_name", "last_name")  # enough for User.name
            .order_by("display_name", "username")
        )
        if role != Role.DEPARTMENT_STAFF:
            return users
        if transition.action == Action.REJECT_FEEDBACK and ticket.department_id:
            # Back to the department that answered: only its members.
            return users.filter(departments=ticket.department_id)
        # The department is chosen in the same form: show each person's departments.
        return users.prefetch_related("departments")

    def service_arguments(self) -> dict:
        """Keyword arguments for services.ticket_transition (besides ``by`` and ``ticket_id``)."""
        data = self.cleaned_data
        department = data.get("department")
        assignee = data.get("assignee")
        return {
            "action": data["action"],
            "expected_state": data["expected_state"],
            "expected_version": data.get("version"),
            "note": data.get("note", ""),
            "department_id": department.pk if department else None,
            "assignee_id": assignee.pk if assignee else None,
            "customer_satisfied": data.get("customer_satisfied"),
            "satisfaction_score": data.get("satisfaction_score"),
        }


class WaitingForm(forms.Form):
    waiting = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on", widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class PromoteForm(forms.Form):
    title = forms.CharField(
        label=_("Suggestion title"),
        max_length=200,
        help_text=_("The ticket's resolution becomes the text of a suggestion for its category."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A hint for the phone's file picker; the service decides what is accepted.
        self.fields["file"].widget.attrs["accept"] = ",".join(settings.COMPLAINTS_ATTACHMENT_TYPES)
