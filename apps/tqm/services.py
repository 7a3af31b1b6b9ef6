"""Every TQM write with a rule: projects and their step gates, and each step's artefacts.

One transaction per use case. Artefacts of a step can be written once the project has reached
that step (earlier steps stay editable); a completed or cancelled project is read-only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from qa_center.errors import Conflict, PermissionDenied, ValidationFailed

from . import access, analysis, gates, signals, sources
from .models import (
    Cause,
    Countermeasure,
    DataPlan,
    Dataset,
    DatasetItem,
    FishboneCategory,
    Measurement,
    ParetoAnalysis,
    Project,
    ProjectEvent,
    Standard,
    Topic,
    TrainingRecord,
)
from .steps import (
    DEFAULT_FISHBONE_CATEGORIES,
    ActionStatus,
    DatasetPhase,
    DatasetSource,
    Direction,
    EventKind,
    Status,
    Step,
)

MAX_FISHBONE_CATEGORIES = 8
MAX_DATASET_ROWS = 200
MAX_CSV_BYTES = 1_000_000
# DatasetItem.count is a PositiveIntegerField and DatasetItem.label a CharField(200).
MAX_COUNT = 2**31 - 1
MAX_LABEL_LENGTH = 200


# --- Guards ------------------------------------------------------------------------------


def _lock(project: Project) -> Project:
    # Step changes read the gate and then move the step: lock the row so two clicks (or a
    # leader and a member at once) cannot both pass the gate on stale data.
    return Project.objects.select_for_update().get(pk=project.pk)


def _require_editor(project: Project, by: User, step: int | None = None) -> None:
    """The user may write the project's artefacts (of ``step``, when given) now."""
    if not access.is_team_member(by, project):
        raise PermissionDenied(_("Only the project's leader and members can change it."))
    if project.is_closed:
        raise ValidationFailed(
            _("This project is %(status)s; it can no longer be changed.")
            % {"status": project.get_status_display().lower()}
        )
    if step is not None and project.current_step < step:
        raise ValidationFailed(
            _("Step %(step)s is not open yet: the project is at step %(current)s.")
            % {"step": step, "current": project.current_step}
        )


def _require_leader(project: Project, by: User) -> None:
    if not access.is_leader(by, project):
        raise PermissionDenied(_("Only the project's leader can do this."))
    if project.is_closed:
        raise ValidationFailed(
            _("This project is %(status)s; it can no longer be changed.")
            % {"status": project.get_status_display().lower()}
        )


def _record(project: Project, by: User, kind: str, *, from_step=None, to_step=None, note: str = "") -> None:
    ProjectEvent.objects.create(
        project=project, actor=by, kind=kind, from_step=from_step, to_step=to_step, note=note
    )


def _touch(project: Project) -> None:
    """Mark the project changed (its charts and report depend on every artefact).

    Once the change has committed, listeners (the reports app) redraw the project's stored charts.
    """
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    transaction.on_commit(partial(signals.project_changed.send, sender=Project, project_id=project.pk))


def _rating_errors(**ratings: int) -> dict[str, list[str]]:
    errors = {}
    for name, value in ratings.items():
        if isinstance(value, bool) or not isinstance(value, int) or value not in analysis.RATING_RANGE:
            errors[name] = [_("Rate from 1 to 5.")]
    return errors


def _too_long(model, **values: str | None) -> dict[str, list[str]]:
    """Field errors for text longer than the column holds (the database would refuse it)."""
    errors = {}
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if isinstance(value, str) and limit and len(value.strip()) > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    return errors


def _refuse_too_long(model, **values: str | None) -> None:
    errors = _too_long(model, **values)
    if errors:
        raise ValidationFailed(_("Some texts are too long."), fields=errors)


# --- Projects ----------------------------------------------------------------------------


def _validate_project_fields(
    *,
    sponsor: User,
    leader: User,
    direction: str,
    baseline: Decimal,
    target: Decimal,
    start_date: date,
    target_date: date | None,
    baseline_successes: int | None,
    baseline_sample_size: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if sponsor.pk == leader.pk:
        errors["sponsor"] = [_("The sponsor and the leader must be different people.")]
    if direction not in Direction.values:
        errors["metric_direction"] = [_("Choose whether higher or lower is better.")]
    elif direction == Direction.UP and target <= baseline:
        errors["target"] = [_("Higher is better for this metric, so the target must be above the baseline.")]
    elif direction == Direction.DOWN and target >= baseline:
        errors["target"] = [_("Lower is better for this metric, so the target must be below the baseline.")]
    if target_date is not None and target_date < start_date:
        errors["target_date"] = [_("The target date cannot be before the start date.")]
    if (baseline_successes is None) != (baseline_sample_size is None):
        errors["baseline_sample_size"] = [
            _("Give both the baseline successes and its sample size, or neither.")
        ]
    elif baseline_sample_size is not None:
        if baseline_sample_size < 1:
            errors["baseline_sample_size"] = [_("The sample size must be at least 1.")]
        elif baseline_successes > baseline_sample_size:
            errors["baseline_successes"] = [_("Successes cannot exceed the sample size.")]
    for name, person in (("sponsor", sponsor), ("leader", leader)):
        if not person.is_active:
            errors.setdefault(name, []).append(_("This account is inactive."))
    if errors:
        raise ValidationFailed(_("Please correct the project's details."), fields=errors)


@transaction.atomic
def project_create(
    *,
    by: User,
    title: str,
    problem_statement: str,
    metric_name: str,
    baseline: Decimal,
    target: Decimal,
    sponsor: User,
    leader: User,
    start_date: date,
    metric_unit: str = "",
    metric_direction: str = Direction.UP,
    members: Iterable[User] = (),
    target_date: date | None = None,
    baseline_successes: int | None = None,
    baseline_sample_size: int | None = None,
    previous_project: Project | None = None,
) -> Project:
    """Open a project at step 1 with the 6M fishbone categories ready to fill."""
    if not access.may_create(by):
        raise PermissionDenied(_("Your role does not allow you to start improvement projects."))
    if previous_project is not None and not access.can_see(by, previous_project):
        raise ValidationFailed(_("The previous project does not exist."), field="previous_project")
    _refuse_too_long(Project, title=title, metric_name=metric_name, metric_unit=metric_unit)
    _validate_project_fields(
        sponsor=sponsor,
        leader=leader,
        direction=metric_direction,
        baseline=baseline,
        target=target,
        start_date=start_date,
        target_date=target_date,
        baseline_successes=baseline_successes,
        baseline_sample_size=baseline_sample_size,
    )
    project = Project.objects.create(
        title=title.strip(),
        problem_statement=problem_statement.strip(),
        metric_name=metric_name.strip(),
        metric_unit=metric_unit.strip(),
        metric_direction=metric_direction,
        baseline=baseline,
        target=target,
        baseline_successes=baseline_successes,
        baseline_sample_size=baseline_sample_size,
        sponsor=sponsor,
        leader=leader,
        start_date=start_date,
        target_date=target_date,
        previous_project=previous_project,
        created_by=by,
    )
    project.members.set([m for m in members if m.pk not in (leader.pk, sponsor.pk)])
    FishboneCategory.objects.bulk_create(
        FishboneCategory(project=project, name=str(name), position=i)
        for i, name in enumerate(DEFAULT_FISHBONE_CATEGORIES)
    )
    _record(project, by, EventKind.CREATED, to_step=Step.SELECT_TOPIC)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, **changes) -> Project:
    """Change the project's details or team (leader and members)."""
    project = _lock(project)
    _require_editor(project, by)
    members = changes.pop("members", None)
    allowed = {
        "title",
        "problem_statement",
        "metric_name",
        "metric_unit",
        "metric_direction",
        "baseline",
        "target",
        "baseline_successes",
        "baseline_sample_size",
        "sponsor",
        "leader",
        "start_date",
        "target_date",
        "fishbone_effect",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    texts = ("title", "metric_name", "metric_unit", "fishbone_effect")
    _refuse_too_long(Project, **{name: changes[name] for name in texts if name in changes})
    if (
        "leader" in changes
        and changes["leader"].pk != project.leader_id
        and not access.is_leader(by, project)
    ):
        raise PermissionDenied(_("Only the current leader can hand the project to a new leader."))
    for name, value in changes.items():
        setattr(project, name, value.strip() if isinstance(value, str) else value)
    _validate_project_fields(
        sponsor=project.sponsor,
        leader=project.leader,
        direction=project.metric_direction,
        baseline=project.baseline,
        target=project.target,
        start_date=project.start_date,
        target_date=project.target_date,
        baseline_successes=project.baseline_successes,
        baseline_sample_size=project.baseline_sample_size,
    )
    project.save()
    if members is not None:
        project.members.set([m for m in members if m.pk not in (project.leader_id, project.sponsor_id)])
    return project


@transaction.atomic
def project_advance(*, project: Project, by: User, expected_step: int | None = None) -> Project:
    """Move to the next step if the current step's gate is open; from step 7 this completes it."""
    project = _lock(project)
    _require_leader(project, by)
    if expected_step is not None and expected_step != project.current_step:
        raise Conflict(
            _("The project has moved on: it is at step %(current)s, not %(expected)s. Reload and try again.")
            % {"current": project.current_step, "expected": expected_step}
        )
    if project.status == Status.ON_HOLD:
        raise Conflict(_("The project is on hold; resume it before advancing."))
    missing = gates.missing_for(project)
    if missing:
        raise ValidationFailed(
            _("Step %(step)s is not finished yet.") % {"step": project.current_step},
            fields={"step": missing},
        )
    from_step = project.current_step
    if from_step == Step.REFLECT:
        project.status = Status.COMPLETED
        project.completed_on = timezone.localdate()
        project.save(update_fields=["status", "completed_on", "updated_at"])
        _record(project, by, EventKind.COMPLETED, from_step=from_step)
    else:
        project.current_step = from_step + 1
        project.save(update_fields=["current_step", "updated_at"])
        _record(project, by, EventKind.ADVANCED, from_step=from_step, to_step=project.current_step)
    return project


@transaction.atomic
def project_step_back(
    *, project: Project, by: User, reason: str, expected_step: int | None = None
) -> Project:
    """The leader goes back one step (e.g. the data did not confirm the cause), with a reason."""
    project = _lock(project)
    _require_leader(project, by)
    if expected_step is not None and expected_step != project.current_step:
        raise Conflict(
            _("The project has moved on: it is at step %(current)s, not %(expected)s. Reload and try again.")
            % {"current": project.current_step, "expected": expected_step}
        )
    if not reason or not reason.strip():
        raise ValidationFailed(_("Say why the project goes back a step."), field="reason")
    if project.current_step == Step.SELECT_TOPIC:
        raise ValidationFailed(_("The project is at the first step; there is no step to go back to."))
    from_step = project.current_step
    project.current_step = from_step - 1
    project.save(update_fields=["current_step", "updated_at"])
    _record(
        project,
        by,
        EventKind.STEPPED_BACK,
        from_step=from_step,
        to_step=project.current_step,
        note=reason.strip(),
    )
    return project


_STATUS_CHANGES = {
    # target status: (allowed from, event kind)
    Status.ON_HOLD: ((Status.ACTIVE,), EventKind.PUT_ON_HOLD),
    Status.ACTIVE: ((Status.ON_HOLD,), EventKind.RESUMED),
    Status.CANCELLED: ((Status.ACTIVE, Status.ON_HOLD), EventKind.CANCELLED),
}


@transaction.atomic
def project_set_status(*, project: Project, by: User, status: str, note: str) -> Project:
    """Put on hold, resume or cancel (leader or sponsor, with a note). Completing is advancing from step 7."""
    project = _lock(project)
    if not access.may_manage_status(by, project):
        raise PermissionDenied(_("Only the project's leader or sponsor can change its status."))
    if status not in _STATUS_CHANGES:
        raise ValidationFailed(_("A project is completed by finishing step 7."), field="status")
    allowed_from, kind = _STATUS_CHANGES[status]
    if project.status not in allowed_from:
        raise Conflict(
            _("A project that is %(status)s cannot be changed this way.")
            % {"status": project.get_status_display().lower()}
        )
    if not note or not note.strip():
        raise ValidationFailed(_("Add a note saying why."), field="note")
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    _record(
        project, by, kind, from_step=project.current_step, to_step=project.current_step, note=note.strip()
    )
    return project


# --- Step 1: topics ----------------------------------------------------------------------


@transaction.atomic
def topic_add(
    *,
    project: Project,
    by: User,
    title: str,
    urgency: int,
    controllability: int,
    time_bound: int,
    description: str = "",
) -> Topic:
    _require_editor(project, by, Step.SELECT_TOPIC)
    _refuse_too_long(Topic, title=title)
    errors = _rating_errors(urgency=urgency, controllability=controllability, time_bound=time_bound)
    if not title or not title.strip():
        errors["title"] = [_("Give the topic a title.")]
    if errors:
        raise ValidationFailed(_("Please correct the topic."), fields=errors)
    topic = Topic.objects.create(
        project=project,
        title=title.strip(),
        description=description.strip(),
        urgency=urgency,
        controllability=controllability,
        time_bound=time_bound,
    )
    _touch(project)
    return topic


@transaction.atomic
def topic_delete(*, topic: Topic, by: User) -> None:
    _require_editor(topic.project, by, Step.SELECT_TOPIC)
    if topic.is_chosen and topic.project.current_step > Step.SELECT_TOPIC:
        raise ValidationFailed(_("The chosen topic of a project past step 1 cannot be removed."))
    topic.delete()
    _touch(topic.project)


@transaction.atomic
def topic_choose(*, topic: Topic, by: User, rationale: str) -> Topic:
    """Choose this topic (and un-choose any other), with the reason."""
    project = _lock(topic.project)
    _require_editor(project, by, Step.SELECT_TOPIC)
    if not rationale or not rationale.strip():
        raise ValidationFailed(_("Say why this topic was chosen."), field="rationale")
    Topic.objects.filter(project=project, is_chosen=True).exclude(pk=topic.pk).update(is_chosen=False)
    topic.is_chosen = True
    topic.rationale = rationale.strip()
    topic.save(update_fields=["is_chosen", "rationale"])
    _touch(project)
    return topic


# --- Step 2: data plan and datasets ------------------------------------------------------


@transaction.atomic
def data_plan_save(
    *,
    project: Project,
    by: User,
    source: str,
    sampling_method: str,
    sample_size: int,
    period_start: date,
    period_end: date,
    notes: str = "",
) -> DataPlan:
    _require_editor(project, by, Step.COLLECT_DATA)
    _refuse_too_long(DataPlan, source=source, sampling_method=sampling_method)
    errors: dict[str, list[str]] = {}
    if not source.strip():
        errors["source"] = [_("Say where the data comes from.")]
    if not sampling_method.strip():
        errors["sampling_method"] = [_("Describe how the sample is drawn.")]
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1:
        errors["sample_size"] = [_("The sample size must be a whole number of at least 1.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if errors:
        raise ValidationFailed(_("Please correct the data plan."), fields=errors)
    plan, _created = DataPlan.objects.update_or_create(
        project=project,
        defaults={
            "source": source.strip(),
            "sampling_method": sampling_method.strip(),
            "sample_size": sample_size,
            "period_start": period_start,
            "period_end": period_end,
            "notes": notes.strip(),
        },
    )
    _touch(project)
    return plan


def _checked_items(items: Sequence) -> list[tuple[str, int]]:
    """Items as (label, count) after the Pareto rules' checks (the message names the bad row)."""
    pairs = []
    for item in items:
        if isinstance(item, dict):
            pairs.append((item.get("label"), item.get("count")))
        else:
            pairs.append(tuple(item))
    if len(pairs) > MAX_DATASET_ROWS:
        raise ValidationFailed(
            _("A dataset has at most %(n)s categories.") % {"n": MAX_DATASET_ROWS}, field="items"
        )
    try:
        analysis.pareto(pairs)
    except analysis.AnalysisError as error:
        raise ValidationFailed(analysis_message(error), field=error.field or "items") from error
    pairs = [(label.strip(), count) for label, count in pairs]
    # What the columns can hold (beyond them the insert itself would fail).
    for label, count in pairs:
        if count > MAX_COUNT:
            raise ValidationFailed(
                _("The count of “%(label)s” is too large.") % {"label": label}, field="items"
            )
        if len(label) > MAX_LABEL_LENGTH:
            raise ValidationFailed(
                _("The category “%(label)s…” is longer than %(n)s characters.")
                % {"label": label[:40], "n": MAX_LABEL_LENGTH},
                field="items",
            )
    return pairs


def analysis_message(error: analysis.AnalysisError) -> str:
    """analysis.py's message in the user's language (its templates are in the catalogue)."""
    params = {key: _(value) if key == "what" else value for key, value in error.params.items()}
    return _(error.template) % params if params else _(error.template)


def _validate_dataset_header(project: Project, name: str, phase: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    errors.update(_too_long(Dataset, name=name))
    if not name or not name.strip():
        errors["name"] = [_("Give the dataset a name.")]
    elif Dataset.objects.filter(project=project, name=name.strip()).exists():
        errors["name"] = [_("This project already has a dataset with this name.")]
    if phase not in DatasetPhase.values:
        errors["phase"] = [_("Choose before or after.")]
    elif phase == DatasetPhase.AFTER and project.current_step < Step.EFFECT:
        errors["phase"] = [_("“After” data belongs to step 5 (evaluate effect).")]
    return errors


def _create_dataset(
    *,
    project: Project,
    by: User,
    name: str,
    phase: str,
    source: str,
    pairs: list[tuple[str, int]],
    source_key: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
) -> Dataset:
    dataset = Dataset.objects.create(
        project=project,
        name=name.strip(),
        phase=phase,
        source=source,
        source_key=source_key,
        period_start=period_start,
        period_end=period_end,
        created_by=by,
    )
    DatasetItem.objects.bulk_create(
        DatasetItem(dataset=dataset, label=label, count=count, position=i)
        for i, (label, count) in enumerate(pairs)
    )
    _touch(project)
    return dataset


@transaction.atomic
def dataset_create(
    *,
    project: Project,
    by: User,
    name: str,
    items: Sequence,
    phase: str = DatasetPhase.BEFORE,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Dataset:
    """A dataset entered by hand: [{label, count}] or [(label, count)]."""
    _require_editor(project, by, Step.COLLECT_DATA)
    errors = _validate_dataset_header(project, name, phase)
    if errors:
        raise ValidationFailed(_("Please correct the dataset."), fields=errors)
    pairs = _checked_items(items)
    return _create_dataset(
        project=project,
        by=by,
        name=name,
        phase=phase,
        source=DatasetSource.MANUAL,
        pairs=pairs,
        period_start=period_start,
        period_end=period_end,
    )


def parse_counts_csv(raw: bytes) -> list[tuple[str, int]]:
    """Rows of a ``category,count`` CSV (header required; UTF-8, UTF-8 with BOM or GB18030 as
    Chinese Excel saves it). Every bad row is reported, with its line number."""
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed(_("The file is larger than 1 MB."), field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationFailed(_("The file is not UTF-8 or GB18030 text."), field="file")
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    label_col = next((i for i, h in enumerate(header) if h in ("category", "label", "类别", "原因")), None)
    count_col = next((i for i, h in enumerate(header) if h in ("count", "数量", "次数")), None)
    if label_col is None or count_col is None:
        raise ValidationFailed(_("The first line must be the header “category,count”."), field="file")
    pairs, errors, seen = [], [], set()
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(label_col, count_col):
            errors.append(_("Line %(line)s: expected a category and a count.") % {"line": line_number})
            continue
        label, raw_count = row[label_col].strip(), row[count_col].strip()
        try:
            count = int(raw_count)
        except ValueError:
            errors.append(
                _("Line %(line)s: “%(value)s” is not a whole number.")
                % {"line": line_number, "value": raw_count}
            )
            continue
        # Every bad line is reported here, with its number, rather than only the first one by
        # the Pareto checks; a count beyond the column's range would otherwise fail on insert.
        line = {"line": line_number, "value": raw_count, "label": label}
        if count < 0:
            errors.append(_("Line %(line)s: the count cannot be negative.") % line)
        elif count > MAX_COUNT:
            errors.append(_("Line %(line)s: “%(value)s” is too large.") % line)
        elif not label:
            errors.append(_("Line %(line)s: the category is empty.") % line)
        elif len(label) > MAX_LABEL_LENGTH:
            errors.append(
                _("Line %(line)s: the category is longer than %(n)s characters.")
                % {**line, "n": MAX_LABEL_LENGTH}
            )
        elif label in seen:
            errors.append(_("Line %(line)s: “%(label)s” appears more than once.") % line)
        else:
            seen.add(label)
            pairs.append((label, count))
    if errors:
        raise ValidationFailed(_("The file has errors; nothing was imported."), fields={"file": errors})
    return pairs


@transaction.atomic
def dataset_import_csv(
    *,
    project: Project,
    by: User,
    name: str,
    raw: bytes,
    phase: str = DatasetPhase.BEFORE,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Dataset:
    _require_editor(project, by, Step.COLLECT_DATA)
    errors = _validate_dataset_header(project, name, phase)
    if errors:
        raise ValidationFailed(_("Please correct the dataset."), fields=errors)
    pairs = _checked_items(parse_counts_csv(raw))
    return _create_dataset(
        project=project,
        by=by,
        name=name,
        phase=phase,
        source=DatasetSource.CSV,
        pairs=pairs,
        period_start=period_start,
        period_end=period_end,
    )


@transaction.atomic
def dataset_pull(
    *,
    project: Project,
    by: User,
    name: str,
    source_key: str,
    period_start: date,
    period_end: date,
    phase: str = DatasetPhase.BEFORE,
) -> Dataset:
    """A dataset pulled from QA Center itself (a registered count source) for a period."""
    _require_editor(project, by, Step.COLLECT_DATA)
    errors = _validate_dataset_header(project, name, phase)
    source = sources.get(source_key)
    if source is None:
        errors["source_key"] = [_("Unknown data source.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if errors:
        raise ValidationFailed(_("Please correct the dataset."), fields=errors)
    pairs = source.fetch(period_start, period_end)
    if not pairs:
        raise ValidationFailed(
            _("%(source)s has no data between %(start)s and %(end)s.")
            % {"source": source.label, "start": period_start, "end": period_end},
            field="period_start",
        )
    # A QA criterion's text may be longer than a dataset label: shorten it rather than refuse the pull.
    pairs = _checked_items(
        [
            (label if len(label) <= MAX_LABEL_LENGTH else label[: MAX_LABEL_LENGTH - 1] + "…", count)
            for label, count in pairs
        ]
    )
    return _create_dataset(
        project=project,
        by=by,
        name=name,
        phase=phase,
        source=DatasetSource.PULLED,
        pairs=pairs,
        source_key=source_key,
        period_start=period_start,
        period_end=period_end,
    )


@transaction.atomic
def dataset_delete(*, dataset: Dataset, by: User) -> None:
    _require_editor(dataset.project, by, Step.COLLECT_DATA)
    dataset.delete()
    _touch(dataset.project)


# --- Step 3: Pareto and fishbone ---------------------------------------------------------


@transaction.atomic
def pareto_save(
    *, project: Project, by: User, dataset: Dataset, other_after_percent: Decimal | None = None
) -> ParetoAnalysis:
    _require_editor(project, by, Step.CAUSES)
    if dataset.project_id != project.pk:
        raise ValidationFailed(_("The dataset belongs to another project."), field="dataset")
    try:
        analysis.pareto(dataset.pairs(), other_after_percent=other_after_percent)
    except analysis.AnalysisError as error:
        raise ValidationFailed(analysis_message(error), field=error.field or "dataset") from error
    pareto = ParetoAnalysis.objects.create(
        project=project, dataset=dataset, other_after_percent=other_after_percent, created_by=by
    )
    _touch(project)
    return pareto


@transaction.atomic
def fishbone_category_add(*, project: Project, by: User, name: str) -> FishboneCategory:
    _require_editor(project, by, Step.CAUSES)
    _refuse_too_long(FishboneCategory, name=name)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the category a name."), field="name")
    existing = FishboneCategory.objects.filter(project=project)
    if existing.count() >= MAX_FISHBONE_CATEGORIES:
        raise ValidationFailed(
            _("A fishbone has at most %(n)s categories.") % {"n": MAX_FISHBONE_CATEGORIES}, field="name"
        )
    if existing.filter(name=name).exists():
        raise ValidationFailed(_("This category is already on the diagram."), field="name")
    position = (existing.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    category = FishboneCategory.objects.create(project=project, name=name, position=position)
    _touch(project)
    return category


@transaction.atomic
def fishbone_category_rename(*, category: FishboneCategory, by: User, name: str) -> FishboneCategory:
    _require_editor(category.project, by, Step.CAUSES)
    _refuse_too_long(FishboneCategory, name=name)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the category a name."), field="name")
    if FishboneCategory.objects.filter(project=category.project, name=name).exclude(pk=category.pk).exists():
        raise ValidationFailed(_("This category is already on the diagram."), field="name")
    category.name = name
    category.save(update_fields=["name"])
    _touch(category.project)
    return category


@transaction.atomic
def fishbone_category_delete(*, category: FishboneCategory, by: User) -> None:
    """Remove a category with its causes."""
    _require_editor(category.project, by, Step.CAUSES)
    category.delete()
    _touch(category.project)


@transaction.atomic
def cause_add(
    *,
    category: FishboneCategory,
    by: User,
    text: str,
    parent: Cause | None = None,
    is_root_cause: bool = False,
    evidence: str = "",
) -> Cause:
    """A cause on a bone, or a sub-cause of one (two levels, no deeper)."""
    _require_editor(category.project, by, Step.CAUSES)
    _refuse_too_long(Cause, text=text)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Describe the cause."), field="text")
    if parent is not None:
        if parent.category_id != category.pk:
            raise ValidationFailed(_("The parent cause is on another bone."), field="parent")
        if parent.parent_id is not None:
            raise ValidationFailed(_("Causes nest two levels deep at most."), field="parent")
    if is_root_cause and not evidence.strip():
        raise ValidationFailed(_("Say how the root cause was verified."), field="evidence")
    siblings = Cause.objects.filter(category=category, parent=parent)
    cause = Cause.objects.create(
        category=category,
        parent=parent,
        text=text,
        is_root_cause=is_root_cause,
        evidence=evidence.strip(),
        position=siblings.count(),
    )
    _touch(category.project)
    return cause


@transaction.atomic
def cause_update(
    *,
    cause: Cause,
    by: User,
    text: str | None = None,
    is_root_cause: bool | None = None,
    evidence: str | None = None,
) -> Cause:
    """Edit a cause; marking it a verified root cause needs the evidence that verified it."""
    _require_editor(cause.category.project, by, Step.CAUSES)
    _refuse_too_long(Cause, text=text)
    if text is not None:
        if not text.strip():
            raise ValidationFailed(_("Describe the cause."), field="text")
        cause.text = text.strip()
    if evidence is not None:
        cause.evidence = evidence.strip()
    if is_root_cause is not None:
        cause.is_root_cause = is_root_cause
    if cause.is_root_cause and not cause.evidence:
        raise ValidationFailed(_("Say how the root cause was verified."), field="evidence")
    cause.save()
    _touch(cause.category.project)
    return cause


@transaction.atomic
def cause_delete(*, cause: Cause, by: User) -> None:
    _require_editor(cause.category.project, by, Step.CAUSES)
    cause.delete()
    _touch(cause.category.project)


# --- Step 4: countermeasures -------------------------------------------------------------


@transaction.atomic
def countermeasure_add(
    *,
    project: Project,
    by: User,
    title: str,
    controllability: int,
    expected_effect: int,
    cost: int,
    team_decides_alone: bool = False,
    description: str = "",
    cause: Cause | None = None,
) -> Countermeasure:
    _require_editor(project, by, Step.COUNTERMEASURES)
    _refuse_too_long(Countermeasure, title=title)
    errors = _rating_errors(controllability=controllability, expected_effect=expected_effect, cost=cost)
    if not title or not title.strip():
        errors["title"] = [_("Describe the action.")]
    if cause is not None and cause.category.project_id != project.pk:
        errors["cause"] = [_("The cause belongs to another project.")]
    if errors:
        raise ValidationFailed(_("Please correct the countermeasure."), fields=errors)
    measure = Countermeasure.objects.create(
        project=project,
        title=title.strip(),
        description=description.strip(),
        cause=cause,
        controllability=controllability,
        expected_effect=expected_effect,
        cost=cost,
        team_decides_alone=bool(team_decides_alone),
        priority=analysis.countermeasure_priority(
            controllability=controllability,
            expected_effect=expected_effect,
            cost=cost,
            team_decides_alone=bool(team_decides_alone),
        ),
    )
    _touch(project)
    return measure


@transaction.atomic
def countermeasure_select(
    *, measure: Countermeasure, by: User, owner: User, due_date: date
) -> Countermeasure:
    """Commit to an action: it gets an owner and a due date."""
    _require_editor(measure.project, by, Step.COUNTERMEASURES)
    errors: dict[str, list[str]] = {}
    if owner is None or not owner.is_active:
        errors["owner"] = [_("Choose an active person to own the action.")]
    if due_date is None:
        errors["due_date"] = [_("Give the action a due date.")]
    if errors:
        raise ValidationFailed(_("A selected action needs an owner and a due date."), fields=errors)
    measure.selected, measure.owner, measure.due_date = True, owner, due_date
    measure.save(update_fields=["selected", "owner", "due_date"])
    _touch(measure.project)
    return measure


@transaction.atomic
def countermeasure_deselect(*, measure: Countermeasure, by: User) -> Countermeasure:
    _require_editor(measure.project, by, Step.COUNTERMEASURES)
    measure.selected = False
    measure.save(update_fields=["selected"])
    _touch(measure.project)
    return measure


@transaction.atomic
def countermeasure_set_status(*, measure: Countermeasure, by: User, status: str) -> Countermeasure:
    """Planned → in progress → done; the team or the action's owner reports progress."""
    project = measure.project
    if not (access.is_team_member(by, project) or measure.owner_id == by.pk):
        raise PermissionDenied(_("Only the project team or the action's owner can report progress."))
    if project.is_closed:
        raise ValidationFailed(
            _("This project is %(status)s; it can no longer be changed.")
            % {"status": project.get_status_display().lower()}
        )
    if not measure.selected:
        raise ValidationFailed(_("Select the action (owner and due date) before reporting progress."))
    if status not in ActionStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    measure.status = status
    measure.done_on = timezone.localdate() if status == ActionStatus.DONE else None
    measure.save(update_fields=["status", "done_on"])
    _touch(project)
    return measure


@transaction.atomic
def countermeasure_delete(*, measure: Countermeasure, by: User) -> None:
    _require_editor(measure.project, by, Step.COUNTERMEASURES)
    measure.delete()
    _touch(measure.project)


# --- Step 5: effect ----------------------------------------------------------------------


@transaction.atomic
def measurement_record(
    *,
    project: Project,
    by: User,
    value: Decimal,
    period_start: date,
    period_end: date,
    successes: int | None = None,
    sample_size: int | None = None,
    note: str = "",
) -> Measurement:
    _require_editor(project, by, Step.EFFECT)
    errors: dict[str, list[str]] = {}
    if period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if (successes is None) != (sample_size is None):
        errors["sample_size"] = [_("Give both the successes and the sample size, or neither.")]
    elif sample_size is not None:
        if sample_size < 1:
            errors["sample_size"] = [_("The sample size must be at least 1.")]
        elif successes < 0 or successes > sample_size:
            errors["successes"] = [_("Successes must be between 0 and the sample size.")]
    if errors:
        raise ValidationFailed(_("Please correct the measurement."), fields=errors)
    measurement = Measurement.objects.create(
        project=project,
        value=value,
        successes=successes,
        sample_size=sample_size,
        period_start=period_start,
        period_end=period_end,
        note=note.strip(),
        recorded_by=by,
    )
    _touch(project)
    return measurement


# --- Step 6: standards and training ------------------------------------------------------


@transaction.atomic
def standard_create(
    *,
    project: Project,
    by: User,
    title: str,
    body: str,
    effective_date: date,
    supersedes: Standard | None = None,
) -> Standard:
    """A process-manual entry; superseding one makes this its next version."""
    _require_editor(project, by, Step.STANDARDIZE)
    _refuse_too_long(Standard, title=title)
    errors: dict[str, list[str]] = {}
    if not title or not title.strip():
        errors["title"] = [_("Give the standard a title.")]
    if not body or not body.strip():
        errors["body"] = [_("Write the standard's text.")]
    version = 1
    if supersedes is not None:
        # Lock the old version: two people superseding it at once would both take version n+1.
        supersedes = Standard.objects.select_for_update().get(pk=supersedes.pk)
        # Another project's standard is that project's record (read-only once it is closed).
        if supersedes.project_id != project.pk:
            errors["supersedes"] = [_("The standard belongs to another project.")]
        elif Standard.objects.filter(supersedes=supersedes).exists():
            errors["supersedes"] = [_("This version has already been superseded.")]
        elif effective_date < supersedes.effective_date:
            errors["effective_date"] = [_("A new version cannot take effect before the version it replaces.")]
        version = supersedes.version + 1
    if errors:
        raise ValidationFailed(_("Please correct the standard."), fields=errors)
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                project=project,
                title=title.strip(),
                body=body.strip(),
                version=version,
                effective_date=effective_date,
                supersedes=supersedes,
                created_by=by,
            )
    except IntegrityError as error:  # the one-successor constraint, if a race slipped past the lock
        raise ValidationFailed(_("This version has already been superseded."), field="supersedes") from error
    _touch(project)
    return standard


@transaction.atomic
def training_record_add(
    *, standard: Standard, by: User, trainee: User, trained_on: date, note: str = ""
) -> TrainingRecord:
    _require_editor(standard.project, by, Step.STANDARDIZE)
    _refuse_too_long(TrainingRecord, note=note)
    if TrainingRecord.objects.filter(standard=standard, trainee=trainee).exists():
        raise ValidationFailed(
            _("%(name)s is already recorded as trained on this standard.") % {"name": trainee.name},
            field="trainee",
        )
    if trained_on > timezone.localdate():
        raise ValidationFailed(_("A training date cannot be in the future."), field="trained_on")
    record = TrainingRecord.objects.create(
        standard=standard, trainee=trainee, trained_on=trained_on, note=note.strip(), recorded_by=by
    )
    _touch(standard.project)
    return record


# --- Step 7: reflect ---------------------------------------------------------------------


@transaction.atomic
def reflection_save(*, project: Project, by: User, lessons_learned: str, next_topic: str = "") -> Project:
    _require_editor(project, by, Step.REFLECT)
    _refuse_too_long(Project, next_topic=next_topic)
    if not lessons_learned or not lessons_learned.strip():
        raise ValidationFailed(_("Write the lessons learned."), field="lessons_learned")
    project.lessons_learned = lessons_learned.strip()
    project.next_topic = (next_topic or "").strip()
    project.save(update_fields=["lessons_learned", "next_topic", "updated_at"])
    return project
