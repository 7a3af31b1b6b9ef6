"""Forms of the step pages: one form per action a step page posts to ``tqm:project_act``.

Choices come from :class:`StepOptions`, built once per request from the prefetched project, so a
page that renders a form per row (a rename form per fishbone category, a select form per
countermeasure) runs no query per form. A form that acts on one row (``target_kind``) carries the
row's id in a hidden field of that name; the view resolves it before binding the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from .. import selectors, sources
from ..models import Cause, Countermeasure, Dataset, FishboneCategory, Project, Standard, Topic
from ..steps import ActionStatus, DatasetPhase
from .projects import MAX_COUNT, date_input

# --- What the forms choose from -------------------------------------------------------------


class StepOptions:
    """The project's rows as the step forms offer them, from the prefetched project (no queries,
    except the list of people, read once when a form needs it)."""

    def __init__(self, project: Project):
        self.project = project
        self.topics: list[Topic] = list(project.topics.all())
        self.datasets: list[Dataset] = list(project.datasets.all())
        self.categories: list[FishboneCategory] = list(project.fishbone_categories.all())
        self.top_causes: list[Cause] = []
        self.causes: list[Cause] = []
        for category in self.categories:
            for cause in category.causes.all():
                self.top_causes.append(cause)
                self.causes.append(cause)
                for child in cause.children.all():
                    # The prefetch knows the bone; tell the sub-cause so labels and services
                    # reading ``cause.category`` need no query.
                    child.category = category
                    self.causes.append(child)
        self.countermeasures: list[Countermeasure] = list(project.countermeasures.all())
        self.standards: list[Standard] = list(project.standards.all())

    @cached_property
    def current_standards(self) -> list[Standard]:
        return selectors.current_standards(self.project)

    @cached_property
    def people(self) -> list[User]:
        return list(User.objects.filter(is_active=True).order_by("display_name", "username"))

    def find(self, kind: str, raw_pk) -> object | None:
        """The project's row of ``kind`` with this id, or None (deleted meanwhile, or not ours)."""
        rows = {
            "topic": self.topics,
            "dataset": self.datasets,
            "category": self.categories,
            "cause": self.causes,
            "countermeasure": self.countermeasures,
            "standard": self.standards,
        }[kind]
        return next((row for row in rows if str(row.pk) == str(raw_pk).strip()), None)


def cause_label(cause: Cause) -> str:
    parts = [cause.category.name]
    if cause.parent_id:
        parts.append(cause.parent.text)
    parts.append(cause.text)
    return " › ".join(parts)


def standard_label(standard: Standard) -> str:
    return f"{standard.title} v{standard.version}"


# --- Fields ------------------------------------------------------------------------------------


class ObjectChoiceField(forms.ChoiceField):
    """A select over objects already in memory; cleans to the chosen object (or None)."""

    def __init__(self, *, empty_label=None, **kwargs):
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.objects: dict[str, object] = {}

    def set_objects(self, objects: Iterable, label_from: Callable[[object], str] = str) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [(key, label_from(obj)) for key, obj in self.objects.items()]
        if not self.required or self.empty_label is not None:
            choices.insert(0, ("", self.empty_label or "—"))
        self.choices = choices

    def clean(self, value):
        key = super().clean(value)
        return self.objects.get(key) if key else None


RATING_CHOICES = [("", "—")] + [(value, str(value)) for value in range(1, 6)]


def rating_field(label, help_text) -> forms.TypedChoiceField:
    # Not required in the form: the service refuses a missing rating with its own message.
    return forms.TypedChoiceField(
        label=label, help_text=help_text, choices=RATING_CHOICES, coerce=int, empty_value=None, required=False
    )


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- The base form -----------------------------------------------------------------------------


class StepForm(forms.Form):
    """A form of a step page. ``slug`` is its action in ``tqm:project_act``."""

    slug: ClassVar[str]
    # The kind of row the form acts on (StepOptions.find), carried in a hidden field of that name.
    target_kind: ClassVar[str | None] = None
    # Service error fields that belong to another field of this form (e.g. the rows of a CSV).
    field_aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, data=None, files=None, *, options: StepOptions, target=None, **kwargs):
        key = f"{self.slug}-{target.pk}" if target is not None else self.slug
        kwargs.setdefault("auto_id", f"id_{key}_%s")
        super().__init__(data, files, **kwargs)
        self.options = options
        self.target = target
        if self.target_kind:
            self.fields[self.target_kind] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=target.pk if target is not None else ""
            )
        self.setup()

    def setup(self) -> None:
        """Fill choices from ``self.options`` and initial values from ``self.target``."""


# --- Step 1 ------------------------------------------------------------------------------------


class TopicAddForm(StepForm):
    slug = "topic-add"
    title = forms.CharField(label=_("Topic"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=textarea(2), required=False)
    urgency = rating_field(_("Urgency"), _("5 = most urgent"))
    controllability = rating_field(_("Controllability"), _("5 = fully within the team's control"))
    time_bound = rating_field(_("Time-boundedness"), _("5 = can be solved well within the project's time"))


class TopicChooseForm(StepForm):
    slug = "topic-choose"
    target_kind = "topic"
    rationale = forms.CharField(label=_("Why this topic?"), widget=textarea(2), required=False)

    def setup(self):
        if self.target is not None and self.target.rationale:
            self.fields["rationale"].initial = self.target.rationale


class TopicDeleteForm(StepForm):
    slug = "topic-delete"
    target_kind = "topic"


# --- Step 2 ------------------------------------------------------------------------------------


class DataPlanForm(StepForm):
    slug = "data-plan"
    source = forms.CharField(label=_("Data source"), max_length=300, required=False)
    sampling_method = forms.CharField(label=_("Sampling method"), max_length=300, required=False)
    sample_size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=MAX_COUNT)
    period_start = forms.DateField(label=_("From"), widget=date_input())
    period_end = forms.DateField(label=_("To"), widget=date_input())
    notes = forms.CharField(label=_("Notes"), widget=textarea(2), required=False)

    def setup(self):
        plan = getattr(self.options.project, "data_plan", None)
        if plan is not None:
            for name in ("source", "sampling_method", "sample_size", "period_start", "period_end", "notes"):
                self.fields[name].initial = getattr(plan, name)


class _DatasetForm(StepForm):
    """The name, phase and period every way of making a dataset shares."""

    name = forms.CharField(label=_("Dataset name"), max_length=200, required=False)
    # Set by the page: "before" on step 2, "after" on step 5.
    phase = forms.ChoiceField(
        choices=DatasetPhase.choices, widget=forms.HiddenInput, initial=DatasetPhase.BEFORE
    )
    period_start = forms.DateField(label=_("From"), widget=date_input(), required=False)
    period_end = forms.DateField(label=_("To"), widget=date_input(), required=False)


# "Complaint category, 12" / "投诉类别，12" / tab-separated (pasted from a spreadsheet).
_LINE = re.compile(r"^(?P<label>.*)[,，\t]\s*(?P<count>[^,，\t]*)$")


def parse_count_lines(text: str) -> list[tuple[str, int]]:
    """``label, count`` per line; blank lines skipped. Every bad line is reported."""
    pairs, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if match is None:
            errors.append(
                gettext("Line %(line)s: write the category, a comma, then the count.") % {"line": number}
            )
            continue
        raw_count = match["count"].strip()
        try:
            count = int(raw_count)
        except ValueError:
            errors.append(
                gettext("Line %(line)s: “%(value)s” is not a whole number.")
                % {"line": number, "value": raw_count}
            )
            continue
        pairs.append((match["label"].strip(), count))
    if errors:
        raise ValidationError(errors)
    return pairs


class DatasetAddForm(_DatasetForm):
    slug = "dataset-add"
    items = forms.CharField(
        label=_("Counts by category"),
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": _("Long waiting time, 48\nTransferred too often, 21")}
        ),
        help_text=_("One category per line: the category, a comma, then the count."),
        required=False,
    )

    def clean_items(self) -> list[tuple[str, int]]:
        return parse_count_lines(self.cleaned_data.get("items") or "")


class DatasetImportForm(_DatasetForm):
    slug = "dataset-import"
    field_aliases: ClassVar[dict[str, str]] = {"items": "file"}
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "First line “category,count”, then one category per line. UTF-8 or GB18030 (as Excel saves "
            "Chinese text)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class DatasetPullForm(_DatasetForm):
    slug = "dataset-pull"
    source_key = forms.ChoiceField(label=_("Pull from"))
    period_start = forms.DateField(label=_("From"), widget=date_input())
    period_end = forms.DateField(label=_("To"), widget=date_input())

    def setup(self):
        self.fields["source_key"].choices = sources.choices()


class DatasetDeleteForm(StepForm):
    slug = "dataset-delete"
    target_kind = "dataset"


# --- Step 3 ------------------------------------------------------------------------------------


class ParetoAddForm(StepForm):
    slug = "pareto-add"
    field_aliases: ClassVar[dict[str, str]] = {"items": "dataset"}
    dataset = ObjectChoiceField(label=_("Dataset"), empty_label=_("Choose a dataset"))
    other_after_percent = forms.DecimalField(
        label=_("Merge into “Other” after cumulative %"),
        max_digits=5,
        decimal_places=2,
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Optional: the categories after the one reaching this share become one “Other” bar."),
    )

    def setup(self):
        self.fields["dataset"].set_objects(self.options.datasets, lambda dataset: dataset.name)


class EffectForm(StepForm):
    slug = "effect-update"
    fishbone_effect = forms.CharField(
        label=_("Effect"),
        max_length=300,
        required=False,
        help_text=_("The problem at the head of the fish; the project title when empty."),
    )

    def setup(self):
        self.fields["fishbone_effect"].initial = self.options.project.fishbone_effect


class CategoryAddForm(StepForm):
    slug = "category-add"
    name = forms.CharField(label=_("New category"), max_length=100, required=False)


class CategoryRenameForm(StepForm):
    slug = "category-rename"
    target_kind = "category"
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def setup(self):
        if self.target is not None:
            self.fields["name"].initial = self.target.name


class CategoryDeleteForm(StepForm):
    slug = "category-delete"
    target_kind = "category"


class CauseAddForm(StepForm):
    slug = "cause-add"
    target_kind = "category"
    parent = ObjectChoiceField(label=_("Under"), required=False, empty_label=_("Directly on the bone"))
    text = forms.CharField(label=_("Cause"), max_length=300, required=False)
    is_root_cause = forms.BooleanField(label=_("Verified root cause"), required=False)
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=textarea(2),
        required=False,
        help_text=_("How the root cause was verified (data, observation, test)."),
    )

    def setup(self):
        causes = [c for c in self.options.top_causes if self.target and c.category_id == self.target.pk]
        self.fields["parent"].set_objects(causes, lambda cause: cause.text)


class CauseUpdateForm(StepForm):
    slug = "cause-update"
    target_kind = "cause"
    text = forms.CharField(label=_("Cause"), max_length=300, required=False)
    is_root_cause = forms.BooleanField(label=_("Verified root cause"), required=False)
    evidence = forms.CharField(label=_("Evidence"), widget=textarea(2), required=False)

    def setup(self):
        if self.target is not None:
            self.fields["text"].initial = self.target.text
            self.fields["is_root_cause"].initial = self.target.is_root_cause
            self.fields["evidence"].initial = self.target.evidence


class CauseDeleteForm(StepForm):
    slug = "cause-delete"
    target_kind = "cause"


# --- Step 4 ------------------------------------------------------------------------------------


class CountermeasureAddForm(StepForm):
    slug = "countermeasure-add"
    title = forms.CharField(label=_("Action"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), widget=textarea(2), required=False)
    cause = ObjectChoiceField(
        label=_("Addresses cause"), required=False, empty_label=_("No particular cause")
    )
    controllability = rating_field(_("Controllability"), _("5 = fully within the team's control"))
    expected_effect = rating_field(_("Expected effect"), _("5 = largest effect"))
    cost = rating_field(pgettext_lazy("countermeasure rating", "Cost"), _("5 = most expensive"))
    team_decides_alone = forms.BooleanField(label=_("The team can decide alone"), required=False)

    def setup(self):
        self.fields["cause"].set_objects(self.options.causes, cause_label)


class CountermeasureSelectForm(StepForm):
    slug = "countermeasure-select"
    target_kind = "countermeasure"
    # Not required here: the service says what a selected action needs, next to each field.
    owner = ObjectChoiceField(label=_("Owner"), required=False, empty_label=_("Choose an owner"))
    due_date = forms.DateField(label=_("Due date"), widget=date_input(), required=False)

    def setup(self):
        self.fields["owner"].set_objects(self.options.people, lambda person: person.name)
        if self.target is not None:
            self.fields["owner"].initial = self.target.owner_id
            self.fields["due_date"].initial = self.target.due_date


class CountermeasureDeselectForm(StepForm):
    slug = "countermeasure-deselect"
    target_kind = "countermeasure"


class CountermeasureStatusForm(StepForm):
    slug = "countermeasure-status"
    target_kind = "countermeasure"
    status = forms.ChoiceField(label=pgettext_lazy("countermeasure", "Status"), choices=ActionStatus.choices)

    def setup(self):
        if self.target is not None:
            self.fields["status"].initial = self.target.status


class CountermeasureDeleteForm(StepForm):
    slug = "countermeasure-delete"
    target_kind = "countermeasure"


# --- Step 5 ------------------------------------------------------------------------------------


class MeasurementForm(StepForm):
    slug = "measurement-add"
    value = forms.DecimalField(label=_("Measured value"), max_digits=14, decimal_places=2)
    successes = forms.IntegerField(label=_("Successes"), min_value=0, max_value=MAX_COUNT, required=False)
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("For a proportion metric: successes out of how many. Enables the z-test."),
    )
    period_start = forms.DateField(label=_("From"), widget=date_input())
    period_end = forms.DateField(label=_("To"), widget=date_input())
    note = forms.CharField(label=_("Note"), widget=textarea(2), required=False)


# --- Step 6 ------------------------------------------------------------------------------------


class StandardAddForm(StepForm):
    slug = "standard-add"
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=textarea(5), required=False)
    effective_date = forms.DateField(label=_("Effective from"), widget=date_input())
    supersedes = ObjectChoiceField(
        label=_("Replaces"), required=False, empty_label=_("Nothing: a new standard")
    )

    def setup(self):
        self.fields["supersedes"].set_objects(self.options.current_standards, standard_label)


class TrainingAddForm(StepForm):
    slug = "training-add"
    standard = ObjectChoiceField(label=_("Standard"), empty_label=_("Choose a standard"))
    trainee = ObjectChoiceField(label=_("Trainee"), empty_label=_("Choose a person"))
    trained_on = forms.DateField(label=_("Trained on"), widget=date_input())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def setup(self):
        self.fields["standard"].set_objects(self.options.standards, standard_label)
        self.fields["trainee"].set_objects(self.options.people, lambda person: person.name)


# --- Step 7 ------------------------------------------------------------------------------------


class ReflectionForm(StepForm):
    slug = "reflection"
    lessons_learned = forms.CharField(label=_("Lessons learned"), widget=textarea(5), required=False)
    next_topic = forms.CharField(
        label=_("Next topic"),
        max_length=200,
        required=False,
        help_text=_("The next problem to work on; it can start a new project once this one is completed."),
    )

    def setup(self):
        self.fields["lessons_learned"].initial = self.options.project.lessons_learned
        self.fields["next_topic"].initial = self.options.project.next_topic
