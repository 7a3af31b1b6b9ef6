"""Pages: scorecards. Each module lists its own urlpatterns; apps/scorecards/urls.py joins them.

A QA manager lists scorecards, creates one, reads any version, and edits the single draft in the
builder. Every builder action is a plain form POST that redirects back to the builder; sent by
htmx (``HX-Request: true``) the same action answers with only the fragment it changed. Views parse,
call a service and render; the services decide what may change and say why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.db.models import Count, F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import role_required
from apps.accounts.roles import Role
from qa_center.errors import DomainError, ValidationFailed
from qa_center.pages import add_domain_error, flash_domain_error

from .. import selectors, services
from ..forms.evaluations import AnswersForm
from ..forms.scorecards import (
    CriterionForm,
    MoveForm,
    PassMarkForm,
    ScorecardCreateForm,
    ScorecardRenameForm,
    SectionForm,
)
from ..models import Criterion, Scorecard, ScorecardVersion, Section, VersionStatus

manager_only = role_required(Role.QA_MANAGER)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- List, create, detail --------------------------------------------------------------------


def _scorecard_rows():
    """Every scorecard with its current version, criteria count and draft: one query, any row count."""
    drafts = ScorecardVersion.objects.filter(scorecard=OuterRef("pk"), status=VersionStatus.DRAFT)
    return (
        Scorecard.objects.select_related("current_version")
        .annotate(
            criteria_count=Count("current_version__criteria"),
            draft_pk=Subquery(drafts.values("pk")[:1]),
            draft_number=Subquery(drafts.values("number")[:1]),
        )
        .order_by(F("archived_at").asc(nulls_first=True), "name")
    )


@manager_only
@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scorecards/scorecard_list.html", {"scorecards": _scorecard_rows()})


@manager_only
@require_http_methods(["GET", "POST"])
def scorecard_create(request: HttpRequest) -> HttpResponse:
    form = ScorecardCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scorecard = services.scorecard_create(
                by=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                pass_mark=form.cleaned_data["pass_mark"],
                sections=[],
                publish=False,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            draft = scorecard.versions.get()
            messages.success(request, _("Scorecard created. Add its sections and criteria, then publish it."))
            return redirect("scorecards:builder", pk=scorecard.pk, version_pk=draft.pk)
    return render(request, "scorecards/scorecard_create.html", {"form": form})


def _detail_page(request: HttpRequest, scorecard: Scorecard, rename_form: forms.Form) -> HttpResponse:
    versions = list(scorecard.versions.select_related("published_by").order_by("-number"))
    current = (
        selectors.version_with_content(scorecard.current_version_id) if scorecard.current_version_id else None
    )
    draft = next((v for v in versions if v.is_draft), None)
    return render(
        request,
        "scorecards/scorecard_detail.html",
        {
            "scorecard": scorecard,
            "current": current,
            "versions": versions,
            "draft": draft,
            "rename_form": rename_form,
        },
    )


@manager_only
@require_GET
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = get_object_or_404(Scorecard, pk=pk)
    form = ScorecardRenameForm(initial={"name": scorecard.name, "description": scorecard.description})
    return _detail_page(request, scorecard, form)


@manager_only
@require_POST
def scorecard_rename(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = get_object_or_404(Scorecard, pk=pk)
    form = ScorecardRenameForm(request.POST)
    if form.is_valid():
        try:
            services.scorecard_update(by=request.user, scorecard=scorecard, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Scorecard renamed."))
            return redirect("scorecards:scorecard_detail", pk=scorecard.pk)
    scorecard.refresh_from_db()  # show the stored name in the heading, not the refused one
    return _detail_page(request, scorecard, form)


def _set_archived(request: HttpRequest, pk: int, *, archived: bool) -> HttpResponse:
    scorecard = get_object_or_404(Scorecard, pk=pk)
    try:
        services.scorecard_set_archived(by=request.user, scorecard=scorecard, archived=archived)
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(request, _("Scorecard archived.") if archived else _("Scorecard restored."))
    return redirect("scorecards:scorecard_detail", pk=scorecard.pk)


@manager_only
@require_POST
def scorecard_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_archived(request, pk, archived=True)


@manager_only
@require_POST
def scorecard_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_archived(request, pk, archived=False)


@manager_only
@require_POST
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the scorecard's draft in the builder, starting one from the current version if needed."""
    scorecard = get_object_or_404(Scorecard, pk=pk)
    try:
        draft = services.scorecard_start_draft(by=request.user, scorecard=scorecard)
    except DomainError as error:
        flash_domain_error(request, error)
        return redirect("scorecards:scorecard_detail", pk=scorecard.pk)
    return redirect("scorecards:builder", pk=scorecard.pk, version_pk=draft.pk)


def _version(pk: int, version_pk: int) -> ScorecardVersion:
    """The version with its sections and criteria, if it belongs to scorecard ``pk``."""
    get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    return selectors.version_with_content(version_pk)


@manager_only
@require_GET
def version_detail(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = _version(pk, version_pk)
    return render(request, "scorecards/scorecard_version_detail.html", {"version": version})


@manager_only
@require_GET
def version_preview(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    """The version as an evaluator's scoring form, every input disabled."""
    version = _version(pk, version_pk)
    form = AnswersForm(version=version)
    for form_field in form.fields.values():
        form_field.disabled = True
    return render(
        request,
        "scorecards/scorecard_preview.html",
        {"version": version, "form": form, "rows": list(form.bound_rows())},
    )


# --- Builder -----------------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: Criterion
    form: forms.Form
    is_first: bool
    is_last: bool


@dataclass
class SectionRow:
    section: Section
    rename_form: forms.Form
    criterion_form: forms.Form
    is_first: bool
    is_last: bool
    criteria: list[CriterionRow] = field(default_factory=list)


def _section_rows(version: ScorecardVersion, bound: dict[str, forms.Form]) -> list[SectionRow]:
    """The builder's sections and criteria with their forms; ``bound`` (by prefix) keeps refused input."""
    sections = list(version.sections.all())
    rows = []
    for s_index, section in enumerate(sections):
        rename_prefix, new_prefix = f"section-{section.pk}", f"new-criterion-{section.pk}"
        row = SectionRow(
            section=section,
            rename_form=bound.get(rename_prefix)
            or SectionForm(initial={"title": section.title}, prefix=rename_prefix),
            criterion_form=bound.get(new_prefix) or CriterionForm(prefix=new_prefix),
            is_first=s_index == 0,
            is_last=s_index == len(sections) - 1,
        )
        criteria = list(section.criteria.all())
        for c_index, criterion in enumerate(criteria):
            prefix = f"criterion-{criterion.pk}"
            row.criteria.append(
                CriterionRow(
                    criterion=criterion,
                    form=bound.get(prefix)
                    or CriterionForm(initial=CriterionForm.initial_from(criterion), prefix=prefix),
                    is_first=c_index == 0,
                    is_last=c_index == len(criteria) - 1,
                )
            )
        rows.append(row)
    return rows


def _builder_context(version: ScorecardVersion, bound: dict[str, forms.Form] | None = None) -> dict:
    bound = bound or {}
    return {
        "scorecard": version.scorecard,
        "version": version,
        "editable": version.is_draft,
        "sections": _section_rows(version, bound),
        "section_form": bound.get("new-section") or SectionForm(prefix="new-section"),
        "pass_mark_form": bound.get("pass-mark")
        or PassMarkForm(initial={"pass_mark": version.pass_mark}, prefix="pass-mark"),
    }


@manager_only
@require_GET
def builder(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = _version(pk, version_pk)
    if not version.is_draft:
        # The same words the services use when they refuse to change a published version.
        messages.warning(
            request, _("Published versions cannot be changed. Edit the scorecard to start a new draft.")
        )
    return render(request, "scorecards/scorecard_builder.html", _builder_context(version))


def _builder_url(version: ScorecardVersion, anchor: str = "") -> str:
    url = reverse("scorecards:builder", kwargs={"pk": version.scorecard_id, "version_pk": version.pk})
    return f"{url}#{anchor}" if anchor else url


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a redirect, or for htmx a full-page navigation (``HX-Redirect``)."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(request: HttpRequest, version: ScorecardVersion, error: DomainError) -> HttpResponse:
    """A refusal that belongs to no form field (e.g. the version was published meanwhile): a flash
    message on the reloaded builder, since more than one fragment may now be out of date."""
    flash_domain_error(request, error)
    return _go(request, _builder_url(version))


def _answer(
    request: HttpRequest,
    version: ScorecardVersion,
    *,
    fragment: str,
    anchor: str = "",
    bound: dict[str, forms.Form] | None = None,
    section_pk: int | None = None,
    criterion_pk: int | None = None,
    open_form: str = "",
) -> HttpResponse:
    """After an action: htmx gets ``fragment`` re-rendered from fresh data; a plain POST is redirected
    back to the builder, or, when a form was refused, gets the whole builder with the form's errors."""
    if not (_is_htmx(request) or bound) or not version.is_draft:
        # Nothing to show in place, or nothing editable any more: the builder says why.
        return _go(request, _builder_url(version, anchor))
    context = _builder_context(selectors.version_with_content(version.pk), bound)
    if not _is_htmx(request):
        return render(request, "scorecards/scorecard_builder.html", context)
    context["saved"] = not bound
    context["saved_criterion"] = criterion_pk if not bound else None  # "Saved" next to that one only
    context["open_form"] = open_form  # keep "Add a criterion" open to add the next one
    if section_pk is not None:
        context["row"] = next(row for row in context["sections"] if row.section.pk == section_pk)
        if criterion_pk is not None:
            context["item"] = next(
                item for item in context["row"].criteria if item.criterion.pk == criterion_pk
            )
    return render(request, f"scorecards/{fragment}", context)


def _draft_object(model, version: ScorecardVersion, pk: int):
    return get_object_or_404(model.objects.select_related("version"), pk=pk, version=version)


@manager_only
@require_POST
def builder_pass_mark(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    form = PassMarkForm(request.POST, prefix="pass-mark")
    if form.is_valid():
        try:
            services.version_set_pass_mark(by=request.user, version=version, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, version, error)
    refused = {"pass-mark": form} if form.errors else None
    return _answer(request, version, fragment="_scorecard_builder_pass_mark.html", bound=refused)


@manager_only
@require_POST
def builder_section_add(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    form = SectionForm(request.POST, prefix="new-section")
    anchor = "add-section"
    if form.is_valid():
        try:
            section = services.section_add(by=request.user, version=version, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, version, error)
        else:
            anchor = f"section-{section.pk}"
    refused = {"new-section": form} if form.errors else None
    return _answer(
        request, version, fragment="_scorecard_builder_sections.html", anchor=anchor, bound=refused
    )


@manager_only
@require_POST
def builder_section_rename(request: HttpRequest, pk: int, version_pk: int, section_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    section = _draft_object(Section, version, section_pk)
    prefix = f"section-{section.pk}"
    form = SectionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.section_rename(by=request.user, section=section, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, version, error)
    return _answer(
        request,
        version,
        fragment="_scorecard_builder_section.html",
        anchor=prefix,
        bound={prefix: form} if form.errors else None,
        section_pk=section.pk,
    )


@manager_only
@require_POST
def builder_section_delete(request: HttpRequest, pk: int, version_pk: int, section_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    section = _draft_object(Section, version, section_pk)
    try:
        services.section_delete(by=request.user, section=section)
    except DomainError as error:
        return _refused(request, version, error)
    return _answer(request, version, fragment="_scorecard_builder_sections.html", anchor="sections")


@manager_only
@require_POST
def builder_section_move(request: HttpRequest, pk: int, version_pk: int, section_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    section = _draft_object(Section, version, section_pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.item_move(by=request.user, item=section, **form.cleaned_data)
        except DomainError as error:
            return _refused(request, version, error)
    return _answer(
        request, version, fragment="_scorecard_builder_sections.html", anchor=f"section-{section.pk}"
    )


@manager_only
@require_POST
def builder_criterion_add(request: HttpRequest, pk: int, version_pk: int, section_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    section = _draft_object(Section, version, section_pk)
    prefix = f"new-criterion-{section.pk}"
    form = CriterionForm(request.POST, prefix=prefix)
    anchor = prefix
    if form.is_valid():
        try:
            criterion = services.criterion_add(by=request.user, section=section, data=form.to_input())
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, version, error)
        else:
            anchor = f"criterion-{criterion.pk}"
    return _answer(
        request,
        version,
        fragment="_scorecard_builder_section.html",
        anchor=anchor,
        bound={prefix: form} if form.errors else None,
        section_pk=section.pk,
        open_form=prefix,
    )


@manager_only
@require_POST
def builder_criterion_update(
    request: HttpRequest, pk: int, version_pk: int, criterion_pk: int
) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    criterion = _draft_object(Criterion, version, criterion_pk)
    prefix = f"criterion-{criterion.pk}"
    form = CriterionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.criterion_update(by=request.user, criterion=criterion, data=form.to_input())
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, version, error)
    return _answer(
        request,
        version,
        fragment="_scorecard_builder_criterion.html",
        anchor=prefix,
        bound={prefix: form} if form.errors else None,
        section_pk=criterion.section_id,
        criterion_pk=criterion.pk,
    )


@manager_only
@require_POST
def builder_criterion_delete(
    request: HttpRequest, pk: int, version_pk: int, criterion_pk: int
) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    criterion = _draft_object(Criterion, version, criterion_pk)
    try:
        services.criterion_delete(by=request.user, criterion=criterion)
    except DomainError as error:
        return _refused(request, version, error)
    return _answer(
        request,
        version,
        fragment="_scorecard_builder_section.html",
        anchor=f"section-{criterion.section_id}",
        section_pk=criterion.section_id,
    )


@manager_only
@require_POST
def builder_criterion_move(request: HttpRequest, pk: int, version_pk: int, criterion_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    criterion = _draft_object(Criterion, version, criterion_pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.item_move(by=request.user, item=criterion, **form.cleaned_data)
        except DomainError as error:
            return _refused(request, version, error)
    return _answer(
        request,
        version,
        fragment="_scorecard_builder_section.html",
        anchor=f"criterion-{criterion.pk}",
        section_pk=criterion.section_id,
    )


@manager_only
@require_POST
def version_publish(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    try:
        services.version_publish(by=request.user, version=version)
    except DomainError as error:
        return _refused(request, version, error)
    messages.success(
        request,
        _("Version %(number)s is published and is now the current version.") % {"number": version.number},
    )
    return _go(request, reverse("scorecards:scorecard_detail", kwargs={"pk": pk}))


@manager_only
@require_POST
def version_discard(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = get_object_or_404(ScorecardVersion, pk=version_pk, scorecard_id=pk)
    try:
        services.version_discard(by=request.user, version=version)
    except DomainError as error:
        return _refused(request, version, error)
    messages.success(request, _("The draft was discarded."))
    return _go(request, reverse("scorecards:scorecard_detail", kwargs={"pk": pk}))


_VERSION = "scorecards/<int:pk>/versions/<int:version_pk>/"
_EDIT = _VERSION + "edit/"

urlpatterns = [
    path("scorecards/", scorecard_list, name="scorecard_list"),
    path("scorecards/new/", scorecard_create, name="scorecard_create"),
    path("scorecards/<int:pk>/", scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/rename/", scorecard_rename, name="scorecard_rename"),
    path("scorecards/<int:pk>/archive/", scorecard_archive, name="scorecard_archive"),
    path("scorecards/<int:pk>/restore/", scorecard_restore, name="scorecard_restore"),
    path("scorecards/<int:pk>/edit/", scorecard_edit, name="scorecard_edit"),
    path(_VERSION, version_detail, name="version_detail"),
    path(_VERSION + "preview/", version_preview, name="version_preview"),
    path(_VERSION + "publish/", version_publish, name="version_publish"),
    path(_VERSION + "discard/", version_discard, name="version_discard"),
    path(_EDIT, builder, name="builder"),
    path(_EDIT + "pass-mark/", builder_pass_mark, name="builder_pass_mark"),
    path(_EDIT + "sections/", builder_section_add, name="builder_section_add"),
    path(_EDIT + "sections/<int:section_pk>/rename/", builder_section_rename, name="builder_section_rename"),
    path(_EDIT + "sections/<int:section_pk>/delete/", builder_section_delete, name="builder_section_delete"),
    path(_EDIT + "sections/<int:section_pk>/move/", builder_section_move, name="builder_section_move"),
    path(_EDIT + "sections/<int:section_pk>/criteria/", builder_criterion_add, name="builder_criterion_add"),
    path(_EDIT + "criteria/<int:criterion_pk>/", builder_criterion_update, name="builder_criterion_update"),
    path(
        _EDIT + "criteria/<int:criterion_pk>/delete/",
        builder_criterion_delete,
        name="builder_criterion_delete",
    ),
    path(_EDIT + "criteria/<int:criterion_pk>/move/", builder_criterion_move, name="builder_criterion_move"),
]
