"""Chart cards: one chart's latest snapshot on a page, and "regenerate now" with its progress.

A card shows the image in the reader's language (else the site's default), when it was drawn and
which period it covers, the downloads, and a button that asks services.request_regeneration for a
redraw. While the worker draws, a progress element polls the request (``tasks/<task_id>/``) every
second; when the request is finished the poll answers with the whole card, retargeted onto the card
(HX-Retarget/HX-Reswap), so the new image and generated time replace the old ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from qa_center.errors import DomainError, PermissionDenied

from .. import dashboards, scopes, selectors, services
from ..kinds import ChartKind
from ..models import ChartImage, ChartSnapshot, ChartTask, TaskState
from ..periods import CURRENT
from ..scopes import Scope


@dataclass
class Card:
    kind_name: str
    kind: ChartKind | None
    scope: Scope
    scope_name: str
    snapshot: ChartSnapshot | None = None
    image: ChartImage | None = None
    request: ChartTask | None = None  # a redraw this reader asked for, still waiting or running
    error: str = ""
    section: str = ""

    @property
    def label(self) -> str:
        return str(self.kind.label) if self.kind else self.kind_name

    @property
    def description(self) -> str:
        return str(self.kind.description) if self.kind else ""

    @property
    def dom_id(self) -> str:
        """The card's element id, stable across redraws (the poll retargets it)."""
        return card_dom_id(self.kind_name, self.scope.key)

    @property
    def version(self) -> str:
        """Changes with every redraw, so the browser fetches the new image (cache busting)."""
        return str(round(self.snapshot.generated_at.timestamp() * 1000)) if self.snapshot else ""

    @property
    def working(self) -> bool:
        return self.request is not None and self.request.state in (TaskState.PENDING, TaskState.STARTED)

    @property
    def current_data(self) -> bool:
        """A chart "as the data is now" (TQM projects) has no period to show."""
        return self.snapshot is not None and self.snapshot.period == CURRENT


def card_dom_id(kind_name: str, scope_key: str) -> str:
    return f"card-{kind_name}-{scope_key.replace(':', '-')}"


def image_for(snapshot: ChartSnapshot, language: str | None = None) -> ChartImage | None:
    """The snapshot's image in ``language`` (default: the active one), else the site's default language.

    Reads the prefetched images: no query per card.
    """
    images = {image.language: image for image in snapshot.images.all()}
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    for candidate in (language, settings.LANGUAGE_CODE):
        if candidate in images:
            return images[candidate]
    return next(iter(images.values()), None)


def build_cards(
    user,
    specs: Iterable[dashboards.CardSpec],
    per_snapshot: Iterable[dashboards.PerSnapshot] = (),
    scope_names: Mapping[str, str] | None = None,
) -> list[Card]:
    """Cards for the specs (drawn or not yet), then one per snapshot of the per-snapshot kinds.

    A constant number of queries, whatever the number of cards and of stored snapshots: the latest
    snapshots with their images, and the reader's open requests.
    """
    specs, per_snapshot = list(specs), list(per_snapshot)
    scope_names = scope_names or {}
    pairs = [(spec.kind, spec.scope.key) for spec in specs]
    condition = selectors.charts_condition(pairs, [(each.kind, each.scope_type) for each in per_snapshot])
    snapshots = list(selectors.latest_snapshots(user, condition)) if pairs or per_snapshot else []
    by_chart = {(snapshot.kind, snapshot.scope): snapshot for snapshot in snapshots}

    cards = [
        _card(spec.kind, spec.scope, by_chart.get((spec.kind, spec.scope.key)), scope_names, spec.section)
        for spec in specs
    ]
    for each in per_snapshot:
        for snapshot in snapshots:
            if snapshot.kind == each.kind and snapshot.scope_type == each.scope_type:
                scope = Scope(snapshot.scope_type, snapshot.scope_id)
                cards.append(_card(each.kind, scope, snapshot, scope_names, each.section))

    waiting = selectors.open_requests(user, [(card.kind_name, card.scope.key) for card in cards])
    for card in cards:
        card.request = waiting.get((card.kind_name, card.scope.key))
        if (
            card.request is None
            and card.kind is not None
            and card.scope.type in card.kind.on_view_scope_types
        ):
            # An agent's own chart is drawn when first opened each day, not every night.
            card.request = services.draw_on_view(user, card.kind, card.scope, card.snapshot)
    return cards


def _card(
    kind_name: str,
    scope: Scope,
    snapshot: ChartSnapshot | None,
    scope_names: Mapping[str, str],
    section: str = "",
) -> Card:
    if snapshot is not None:
        scope_name = snapshot.scope_name
    elif scope.type == scopes.GLOBAL:
        scope_name = scopes.everyone()  # as a drawn snapshot names it (not the filter's "All teams")
    else:
        scope_name = scope_names.get(scope.key) or scopes.label(scope)
    return Card(
        kind_name=kind_name,
        kind=dashboards.kind_named(kind_name),
        scope=scope,
        scope_name=scope_name,
        snapshot=snapshot,
        image=image_for(snapshot) if snapshot else None,
        section=str(section),
    )


def single_card(
    user, kind_name: str, scope: Scope, *, error: str = "", request: ChartTask | None = None
) -> Card:
    """One chart's card with its latest snapshot, for the regenerate and poll answers."""
    card = _card(kind_name, scope, selectors.latest_snapshot(user, kind_name, scope.key), {})
    card.error = error
    card.request = request
    return card


# --- Regenerate now ---------------------------------------------------------------------------


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _return_url(request: HttpRequest) -> str:
    """Where the card's page is: the form's ``next``, htmx's current URL, else the first dashboard."""
    for candidate in (request.POST.get("next"), request.headers.get("HX-Current-URL")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("reports:index")


def render_card(request: HttpRequest, card: Card, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "reports/_chart_card.html",
        {"card": card, "next": _return_url(request)},
        status=status,
    )


def _failure_text(request: ChartTask) -> str:
    return _("The chart could not be drawn: %(reason)s") % {
        "reason": request.error_message or _("the worker gave no reason.")
    }


def answer_for(http_request: HttpRequest, request: ChartTask, *, poll: bool) -> HttpResponse:
    """The answer to a regenerate request or a poll, by the request's state.

    Waiting or running: a poll gets its progress element again, the regenerate press the card in its
    working state. Finished: the whole card, fresh from the database (the new snapshot, or the error
    and the button again); a poll's answer is retargeted onto the card.
    """
    scope = Scope.parse(request.scope)
    if request.state in (TaskState.PENDING, TaskState.STARTED):
        if poll:
            return render(http_request, "reports/_chart_progress.html", {"request": request})
        return render_card(http_request, single_card(http_request.user, request.kind, scope, request=request))
    error = _failure_text(request) if request.state == TaskState.FAILURE else ""
    response = render_card(http_request, single_card(http_request.user, request.kind, scope, error=error))
    if poll:
        response["HX-Retarget"] = f"#{card_dom_id(request.kind, request.scope)}"
        response["HX-Reswap"] = "outerHTML"
    return response


def _refused(http_request: HttpRequest, error: DomainError) -> HttpResponse:
    """A refused regenerate: the message in the card (htmx) or on a page, with the error's status."""
    kind_name = http_request.POST.get("kind", "")
    try:
        scope = Scope.parse(http_request.POST.get("scope") or scopes.GLOBAL)
    except ValueError:
        scope = None
    kind = dashboards.kind_named(kind_name)
    if is_htmx(http_request) and kind is not None and scope is not None and kind.accepts(scope):
        text = " ".join(
            [error.message, *(message for messages in error.fields.values() for message in messages)]
        )
        card = single_card(http_request.user, kind_name, scope, error=text)
        return render_card(http_request, card, status=error.status_code)
    if isinstance(error, PermissionDenied) and not is_htmx(http_request):
        raise DjangoPermissionDenied(error.message)
    template = (
        "reports/_regenerate_refused.html" if is_htmx(http_request) else "reports/regenerate_refused.html"
    )
    context = {"error": error, "next": _return_url(http_request)}
    return render(http_request, template, context, status=error.status_code)


@login_required
@require_POST
def regenerate(request: HttpRequest) -> HttpResponse:
    """Ask for a chart to be redrawn now (``kind``, ``scope``); htmx gets the card, a form a redirect."""
    try:
        chart_request = services.request_regeneration(
            request.user, request.POST.get("kind", ""), request.POST.get("scope") or None
        )
    except DomainError as error:
        return _refused(request, error)
    # The request was queued on commit; in eager mode (no broker) it may already be finished, and
    # a broker that cannot be reached marks it failed: read what happened.
    chart_request.refresh_from_db()
    if is_htmx(request):
        return answer_for(request, chart_request, poll=False)
    if chart_request.state == TaskState.FAILURE:
        messages.error(request, _failure_text(chart_request))
    else:
        messages.success(request, _("The chart is being redrawn; it appears here when it is ready."))
    return redirect(_return_url(request))


@login_required
@require_safe
def task_progress(request: HttpRequest, task_id: str) -> HttpResponse:
    """The state of one of the reader's own redraw requests (404 for anyone else's)."""
    try:
        chart_request = services.task_for(request.user, task_id)
    except ChartTask.DoesNotExist:
        raise Http404(_("No such request.")) from None
    return answer_for(request, chart_request, poll=True)
