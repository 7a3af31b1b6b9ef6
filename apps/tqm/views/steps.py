"""Step pages: one page per step with its artefacts and forms, and ``project_act``, where every
form of those pages posts. Each action names its form and the service it calls; a refused write
comes back as the same page with the errors next to the fields (services are transactional, so
nothing was written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from qa_center.errors import DomainError
from qa_center.pages import add_domain_error

from .. import access, analysis, selectors, services, sources
from ..forms import steps as step_forms
from ..forms.steps import StepForm, StepOptions
from ..models import Project
from ..steps import ActionStatus, DatasetPhase, Status, Step
from .projects import gate_context, stepper, visible_project

# --- Actions: form → service ------------------------------------------------------------------

Run = Callable[[Project, object, StepForm], str]


@dataclass(frozen=True)
class StepAction:
    form_class: type[StepForm]
    step: int  # the page the form is on (and the page a refusal is shown on)
    run: Run  # calls the service with the cleaned form; returns the success message
    # Non-members get the 403 page before their form is read. Progress on a countermeasure is
    # also open to its owner, so the service decides that one.
    team_only: bool = True


def _topic_add(project, by, form):
    data = form.cleaned_data
    topic = services.topic_add(
        project=project,
        by=by,
        title=data["title"],
        description=data["description"],
        urgency=data["urgency"],
        controllability=data["controllability"],
        time_bound=data["time_bound"],
    )
    return _("Topic “%(title)s” added (score %(score)s).") % {"title": topic.title, "score": topic.score}


def _topic_choose(project, by, form):
    topic = services.topic_choose(topic=form.target, by=by, rationale=form.cleaned_data["rationale"])
    return _("“%(title)s” is the chosen topic.") % {"title": topic.title}


def _topic_delete(project, by, form):
    services.topic_delete(topic=form.target, by=by)
    return _("Topic “%(title)s” removed.") % {"title": form.target.title}


def _data_plan(project, by, form):
    services.data_plan_save(project=project, by=by, **form.cleaned_data)
    return _("The data plan is saved.")


def _dataset_saved(dataset) -> str:
    return _("Dataset “%(name)s” saved.") % {"name": dataset.name}


def _dataset_add(project, by, form):
    data = form.cleaned_data
    dataset = services.dataset_create(
        project=project,
        by=by,
        name=data["name"],
        items=data["items"],
        phase=data["phase"],
        period_start=data["period_start"],
        period_end=data["period_end"],
    )
    return _dataset_saved(dataset)


def _dataset_import(project, by, form):
    data = form.cleaned_data
    # One byte past the limit is enough for the service to refuse a large file with its message.
    raw = data["file"].read(services.MAX_CSV_BYTES + 1)
    dataset = services.dataset_import_csv(
        project=project,
        by=by,
        name=data["name"],
        raw=raw,
        phase=data["phase"],
        period_start=data["period_start"],
        period_end=data["period_end"],
    )
    return _dataset_saved(dataset)


def _dataset_pull(project, by, form):
    data = form.cleaned_data
    dataset = services.dataset_pull(
        project=project,
        by=by,
        name=data["name"],
        source_key=data["source_key"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        phase=data["phase"],
    )
    return _dataset_saved(dataset)


def _dataset_delete(project, by, form):
    services.dataset_delete(dataset=form.target, by=by)
    return _("Dataset “%(name)s” removed.") % {"name": form.target.name}


def _pareto_add(project, by, form):
    data = form.cleaned_data
    services.pareto_save(
        project=project, by=by, dataset=data["dataset"], other_after_percent=data["other_after_percent"]
    )
    return _("Pareto analysis of “%(name)s” saved.") % {"name": data["dataset"].name}


def _effect_update(project, by, form):
    services.project_update(project=project, by=by, fishbone_effect=form.cleaned_data["fishbone_effect"])
    return _("The fishbone's effect is saved.")


def _category_add(project, by, form):
    category = services.fishbone_category_add(project=project, by=by, name=form.cleaned_data["name"])
    return _("Category “%(name)s” added.") % {"name": category.name}


def _category_rename(project, by, form):
    old_name = form.target.name
    category = services.fishbone_category_rename(category=form.target, by=by, name=form.cleaned_data["name"])
    return _("“%(old)s” renamed to “%(new)s”.") % {"old": old_name, "new": category.name}


def _category_delete(project, by, form):
    services.fishbone_category_delete(category=form.target, by=by)
    return _("Category “%(name)s” removed with its causes.") % {"name": form.target.name}


def _cause_add(project, by, form):
    data = form.cleaned_data
    cause = services.cause_add(
        category=form.target,
        by=by,
        text=data["text"],
        parent=data["parent"],
        is_root_cause=data["is_root_cause"],
        evidence=data["evidence"],
    )
    return _("Cause “%(text)s” added.") % {"text": cause.text}


def _cause_update(project, by, form):
    data = form.cleaned_data
    cause = services.cause_update(
        cause=form.target,
        by=by,
        text=data["text"],
        is_root_cause=data["is_root_cause"],
        evidence=data["evidence"],
    )
    return _("Cause “%(text)s” saved.") % {"text": cause.text}


def _cause_delete(project, by, form):
    services.cause_delete(cause=form.target, by=by)
    return _("Cause “%(text)s” removed.") % {"text": form.target.text}


def _countermeasure_add(project, by, form):
    data = form.cleaned_data
    measure = services.countermeasure_add(
        project=project,
        by=by,
        title=data["title"],
        description=data["description"],
        cause=data["cause"],
        controllability=data["controllability"],
        expected_effect=data["expected_effect"],
        cost=data["cost"],
        team_decides_alone=data["team_decides_alone"],
    )
    return _("Countermeasure “%(title)s” added (priority %(priority)s).") % {
        "title": measure.title,
        "priority": measure.priority,
    }


def _countermeasure_select(project, by, form):
    data = form.cleaned_data
    measure = services.countermeasure_select(
        measure=form.target, by=by, owner=data["owner"], due_date=data["due_date"]
    )
    return _("“%(title)s” is selected: %(owner)s owns it, due %(due)s.") % {
        "title": measure.title,
        "owner": measure.owner.name,
        "due": measure.due_date.isoformat(),
    }


def _countermeasure_deselect(project, by, form):
    measure = services.countermeasure_deselect(measure=form.target, by=by)
    return _("“%(title)s” is no longer selected.") % {"title": measure.title}


def _countermeasure_status(project, by, form):
    measure = services.countermeasure_set_status(
        measure=form.target, by=by, status=form.cleaned_data["status"]
    )
    return _("“%(title)s” is now “%(status)s”.") % {
        "title": measure.title,
        "status": measure.get_status_display(),
    }


def _countermeasure_delete(project, by, form):
    services.countermeasure_delete(measure=form.target, by=by)
    return _("Countermeasure “%(title)s” removed.") % {"title": form.target.title}


def _measurement_add(project, by, form):
    services.measurement_record(project=project, by=by, **form.cleaned_data)
    return _("The after-measurement is recorded.")


def _standard_add(project, by, form):
    data = form.cleaned_data
    standard = services.standard_create(
        project=project,
        by=by,
        title=data["title"],
        body=data["body"],
        effective_date=data["effective_date"],
        supersedes=data["supersedes"],
    )
    return _("Standard “%(title)s” version %(version)s saved.") % {
        "title": standard.title,
        "version": standard.version,
    }


def _training_add(project, by, form):
    data = form.cleaned_data
    record = services.training_record_add(
        standard=data["standard"],
        by=by,
        trainee=data["trainee"],
        trained_on=data["trained_on"],
        note=data["note"],
    )
    return _("Training of %(name)s recorded.") % {"name": record.trainee.name}


def _reflection(project, by, form):
    data = form.cleaned_data
    services.reflection_save(
        project=project, by=by, lessons_learned=data["lessons_learned"], next_topic=data["next_topic"]
    )
    return _("The reflection is saved.")


ACTIONS: dict[str, StepAction] = {
    action.form_class.slug: action
    for action in (
        StepAction(step_forms.TopicAddForm, Step.SELECT_TOPIC, _topic_add),
        StepAction(step_forms.TopicChooseForm, Step.SELECT_TOPIC, _topic_choose),
        StepAction(step_forms.TopicDeleteForm, Step.SELECT_TOPIC, _topic_delete),
        StepAction(step_forms.DataPlanForm, Step.COLLECT_DATA, _data_plan),
        StepAction(step_forms.DatasetAddForm, Step.COLLECT_DATA, _dataset_add),
        StepAction(step_forms.DatasetImportForm, Step.COLLECT_DATA, _dataset_import),
        StepAction(step_forms.DatasetPullForm, Step.COLLECT_DATA, _dataset_pull),
        StepAction(step_forms.DatasetDeleteForm, Step.COLLECT_DATA, _dataset_delete),
        StepAction(step_forms.ParetoAddForm, Step.CAUSES, _pareto_add),
        StepAction(step_forms.EffectForm, Step.CAUSES, _effect_update),
        StepAction(step_forms.CategoryAddForm, Step.CAUSES, _category_add),
        StepAction(step_forms.CategoryRenameForm, Step.CAUSES, _category_rename),
        StepAction(step_forms.CategoryDeleteForm, Step.CAUSES, _category_delete),
        StepAction(step_forms.CauseAddForm, Step.CAUSES, _cause_add),
        StepAction(step_forms.CauseUpdateForm, Step.CAUSES, _cause_update),
        StepAction(step_forms.CauseDeleteForm, Step.CAUSES, _cause_delete),
        StepAction(step_forms.CountermeasureAddForm, Step.COUNTERMEASURES, _countermeasure_add),
        StepAction(step_forms.CountermeasureSelectForm, Step.COUNTERMEASURES, _countermeasure_select),
        StepAction(step_forms.CountermeasureDeselectForm, Step.COUNTERMEASURES, _countermeasure_deselect),
        StepAction(
            step_forms.CountermeasureStatusForm, Step.COUNTERMEASURES, _countermeasure_status, team_only=False
        ),
        StepAction(step_forms.CountermeasureDeleteForm, Step.COUNTERMEASURES, _countermeasure_delete),
        StepAction(step_forms.MeasurementForm, Step.EFFECT, _measurement_add),
        StepAction(step_forms.StandardAddForm, Step.STANDARDIZE, _standard_add),
        StepAction(step_forms.TrainingAddForm, Step.STANDARDIZE, _training_add),
        StepAction(step_forms.ReflectionForm, Step.REFLECT, _reflection),
    )
}


# --- The forms a page shows -------------------------------------------------------------------


class PageForms:
    """Fresh forms for a step page, or the bound form that was just refused in its place."""

    def __init__(self, options: StepOptions, *, editable: bool, bound: StepForm | None = None):
        self.options = options
        self.editable = editable
        self.bound = bound

    def get(self, form_class: type[StepForm], target=None, *, initial=None, allowed: bool | None = None):
        """The form, or None when the user may not use it on this page."""
        if not (self.editable if allowed is None else allowed):
            return None
        bound = self.bound
        if type(bound) is form_class and (target is None or (bound.target and bound.target.pk == target.pk)):
            return bound
        return form_class(options=self.options, target=target, initial=initial)


# --- What each step page shows ----------------------------------------------------------------


def _step_1(request, project, options, forms) -> dict:
    topics = selectors.ranked_topics(options.topics)
    chosen_locked = project.current_step > Step.SELECT_TOPIC
    for topic in topics:
        topic.choose_form = forms.get(step_forms.TopicChooseForm, topic)
        topic.delete_form = (
            None if (topic.is_chosen and chosen_locked) else forms.get(step_forms.TopicDeleteForm, topic)
        )
    return {"topics": topics, "topic_form": forms.get(step_forms.TopicAddForm)}


def _dataset_rows(datasets, forms) -> list:
    for dataset in datasets:
        dataset.delete_form = forms.get(step_forms.DatasetDeleteForm, dataset)
        dataset.total = sum(item.count for item in dataset.items.all())
        source = sources.get(dataset.source_key) if dataset.source_key else None
        dataset.source_label = source.label if source else dataset.source_key
    return datasets


def _dataset_forms(forms, phase: str) -> dict:
    initial = {"phase": phase}
    return {
        "dataset_phase": phase,
        "dataset_add_form": forms.get(step_forms.DatasetAddForm, initial=initial),
        "dataset_import_form": forms.get(step_forms.DatasetImportForm, initial=initial),
        # Offered only when another app registered a count source.
        "dataset_pull_form": forms.get(step_forms.DatasetPullForm, initial=initial)
        if sources.choices()
        else None,
    }


def _step_2(request, project, options, forms) -> dict:
    datasets = selectors.datasets_by_phase(project, DatasetPhase.BEFORE)
    return {
        "data_plan": getattr(project, "data_plan", None),
        "plan_form": forms.get(step_forms.DataPlanForm),
        "datasets": _dataset_rows(datasets, forms),
        **_dataset_forms(forms, DatasetPhase.BEFORE),
    }


def _step_3(request, project, options, forms) -> dict:
    for category in options.categories:
        category.rename_form = forms.get(step_forms.CategoryRenameForm, category)
        category.delete_form = forms.get(step_forms.CategoryDeleteForm, category)
        category.cause_form = forms.get(step_forms.CauseAddForm, category)
    for cause in options.causes:
        cause.update_form = forms.get(step_forms.CauseUpdateForm, cause)
        cause.delete_form = forms.get(step_forms.CauseDeleteForm, cause)
    return {
        "paretos": selectors.pareto_views(project, other_label=pgettext("pareto", "Other")),
        "pareto_form": forms.get(step_forms.ParetoAddForm) if options.datasets else None,
        "categories": options.categories,
        "root_causes": [cause for cause in options.causes if cause.is_root_cause],
        "effect_form": forms.get(step_forms.EffectForm),
        "category_form": forms.get(step_forms.CategoryAddForm),
    }


def _step_4(request, project, options, forms) -> dict:
    today = timezone.localdate()
    user = request.user
    for measure in options.countermeasures:
        measure.is_overdue = (
            measure.selected
            and measure.due_date is not None
            and measure.due_date < today
            and measure.status != ActionStatus.DONE
        )
        if measure.selected:
            measure.select_form = None
            measure.deselect_form = forms.get(step_forms.CountermeasureDeselectForm, measure)
            owner_may_report = not project.is_closed and measure.owner_id == user.pk
            measure.status_form = forms.get(
                step_forms.CountermeasureStatusForm, measure, allowed=forms.editable or owner_may_report
            )
        else:
            measure.select_form = forms.get(step_forms.CountermeasureSelectForm, measure)
            measure.deselect_form = measure.status_form = None
        measure.delete_form = forms.get(step_forms.CountermeasureDeleteForm, measure)
    return {
        "countermeasures": options.countermeasures,
        "overdue": sum(1 for measure in options.countermeasures if measure.is_overdue),
        "countermeasure_form": forms.get(step_forms.CountermeasureAddForm),
    }


@dataclass(frozen=True)
class EffectTestView:
    """The z-test as the page shows it: rates and differences in percent, and a plain sentence."""

    before_percent: float
    after_percent: float
    difference_points: float
    z: float | None
    p_value: float | None
    p_text: str
    ci_low_points: float
    ci_high_points: float
    confidence_percent: float
    significant: bool
    sentence: str


def _p_text(p_value: float | None) -> str:
    if p_value is None:
        return "—"
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}"


def effect_test_view(test: analysis.EffectTestResult) -> EffectTestView:
    before, after = test.before_rate * 100, test.after_rate * 100
    values = {"before": f"{before:.1f}%", "after": f"{after:.1f}%", "p": _p_text(test.p_value)}
    if test.z is None:
        sentence = _(
            "Both samples are all successes or all failures, so there is no variation to test: "
            "%(before)s before, %(after)s after."
        )
    elif test.difference == 0:
        sentence = _("The rate did not change: %(before)s before and after.")
    elif test.significant and test.difference > 0:
        sentence = _(
            "The rise from %(before)s to %(after)s is statistically significant (%(p)s): "
            "unlikely to be chance."
        )
    elif test.significant:
        sentence = _(
            "The fall from %(before)s to %(after)s is statistically significant (%(p)s): "
            "unlikely to be chance."
        )
    elif test.difference > 0:
        sentence = _(
            "The rise from %(before)s to %(after)s is not statistically significant (%(p)s): "
            "it could be chance."
        )
    else:
        sentence = _(
            "The fall from %(before)s to %(after)s is not statistically significant (%(p)s): "
            "it could be chance."
        )
    return EffectTestView(
        before_percent=before,
        after_percent=after,
        difference_points=test.difference * 100,
        z=test.z,
        p_value=test.p_value,
        p_text=values["p"],
        ci_low_points=test.ci_low * 100,
        ci_high_points=test.ci_high * 100,
        confidence_percent=test.confidence * 100,
        significant=test.significant,
        sentence=sentence % values,
    )


def _step_5(request, project, options, forms) -> dict:
    check = selectors.effect_check(project)
    before, after = selectors.before_after_datasets(project)
    comparison_query = ""
    if before is not None and after is not None:
        comparison_query = f"?before={before.pk}&after={after.pk}"
    return {
        "check": check,
        "effect_test": effect_test_view(check.test) if check and check.test else None,
        "measurements": list(project.measurements.all()),
        "measurement_form": forms.get(step_forms.MeasurementForm),
        "datasets": _dataset_rows(selectors.datasets_by_phase(project, DatasetPhase.AFTER), forms),
        "before_dataset": before,
        "after_dataset": after,
        "comparison_query": comparison_query,
        **_dataset_forms(forms, DatasetPhase.AFTER),
    }


def _step_6(request, project, options, forms) -> dict:
    current = {standard.pk for standard in options.current_standards}
    for standard in options.standards:
        standard.is_current = standard.pk in current
    return {
        "standards": options.standards,
        "trainings": [
            (standard, record) for standard in options.standards for record in standard.trainings.all()
        ],
        "standard_form": forms.get(step_forms.StandardAddForm),
        "training_form": forms.get(step_forms.TrainingAddForm) if options.standards else None,
    }


def _step_7(request, project, options, forms) -> dict:
    start_next_url = ""
    if project.status == Status.COMPLETED and project.next_topic and access.may_create(request.user):
        start_next_url = f"{reverse('tqm:project_create')}?previous={project.pk}"
    return {
        "reflection_form": forms.get(step_forms.ReflectionForm),
        "next_projects": list(project.next_projects.all()),
        "start_next_url": start_next_url,
    }


STEP_PAGES: dict[int, Callable[..., dict]] = {
    Step.SELECT_TOPIC: _step_1,
    Step.COLLECT_DATA: _step_2,
    Step.CAUSES: _step_3,
    Step.COUNTERMEASURES: _step_4,
    Step.EFFECT: _step_5,
    Step.STANDARDIZE: _step_6,
    Step.REFLECT: _step_7,
}


def _step_page(request, project: Project, step: int, *, bound: StepForm | None = None, status: int = 200):
    user = request.user
    options = StepOptions(project)
    reached = step <= project.current_step
    editable = reached and access.may_edit(user, project)
    forms = PageForms(options, editable=editable, bound=bound)
    context = {
        "project": project,
        "step": step,
        "step_label": Step(step).label,
        "steps": stepper(project, viewing=step),
        "reached": reached,
        "editable": editable,
        "is_current": step == project.current_step and not project.is_closed,
        "step_template": f"tqm/_step_{step}.html",
        **gate_context(user, project),
        **STEP_PAGES[step](request, project, options, forms),
    }
    return render(request, "tqm/project_step.html", context, status=status)


@login_required
def project_step(request, pk: int, step: int):
    if step not in Step.values:
        raise Http404(_("A project has seven steps."))
    return _step_page(request, visible_project(request.user, pk), step)


def _page_step(request, action: StepAction) -> int:
    """The page the form was on: its own step, or another that shows it too (datasets on step 5)."""
    raw = request.POST.get("page_step", "")
    return int(raw) if raw.isdigit() and int(raw) in Step.values else action.step


@login_required
@require_POST
def project_act(request, pk: int, action: str):
    """One form of a step page: parse → service → back to the page (or the page with the errors)."""
    step_action = ACTIONS.get(action)
    if step_action is None:
        raise Http404(_("Unknown action."))
    project = visible_project(request.user, pk)
    if step_action.team_only and not access.is_team_member(request.user, project):
        raise PermissionDenied(_("Only the project's leader and members can change it."))
    page_step = _page_step(request, step_action)
    page_url = reverse("tqm:project_step", args=[project.pk, page_step])
    options = StepOptions(project)
    form_class = step_action.form_class
    target = None
    if form_class.target_kind:
        target = options.find(form_class.target_kind, request.POST.get(form_class.target_kind, ""))
        if target is None:
            messages.error(request, _("That item is no longer in the project; the page is up to date now."))
            return redirect(page_url)
    form = form_class(request.POST, request.FILES, options=options, target=target)
    if form.is_valid():
        try:
            message = step_action.run(project, request.user, form)
        except DomainError as error:
            if form_class.field_aliases:
                error.fields = {form_class.field_aliases.get(k, k): v for k, v in error.fields.items()}
            add_domain_error(form, error)  # the 403/404 pages; field messages next to the fields
        else:
            messages.success(request, message)
            return redirect(page_url)
    # Read the project again: a refused service may have changed the objects in memory.
    project = visible_project(request.user, pk)
    shown = page_step <= project.current_step and access.may_edit(request.user, project)
    if not shown and form_class is not step_forms.CountermeasureStatusForm:
        # The form is not on the page for this user now (e.g. the project was closed meanwhile).
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        for error in errors or [_("This change is not possible now.")]:
            messages.error(request, error)
        return redirect(page_url)
    return _step_page(request, project, page_step, bound=form, status=400)
