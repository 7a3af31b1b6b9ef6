"""Dashboard pages: /reports/ opens the reader's first dashboard; each dashboard shows its cards for
the scope chosen in its filter (a team, a department, a project), as dashboards.py lays them out."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import dashboards
from ..scopes import Scope
from .cards import build_cards


class ScopeForm(forms.Form):
    """The dashboard's filter: one of the scopes offered (by key, e.g. ``team:3``); the first by default."""

    scope = forms.ChoiceField()

    def __init__(self, query, *, choices: list[dashboards.Choice], label: str):
        data = query.copy()
        if not data.get("scope") and choices:
            data["scope"] = choices[0].scope.key
        super().__init__(data)
        self.by_key = {choice.scope.key: choice for choice in choices}
        field = self.fields["scope"]
        field.label = label
        field.choices = _grouped(choices)

    @property
    def chosen(self) -> Scope | None:
        return self.by_key[self.cleaned_data["scope"]].scope if self.is_valid() else None


def _grouped(choices: list[dashboards.Choice]) -> list:
    """Flat choices, or option groups when the choices name groups ("My projects", …)."""
    groups: dict[str, list] = {}
    for choice in choices:
        groups.setdefault(str(choice.group), []).append((choice.scope.key, choice.label))
    if list(groups) == [""]:
        return groups[""]
    return [(group, options) for group, options in groups.items()]


def _no_dashboard() -> PermissionDenied:
    return PermissionDenied(_("Your role has no dashboard of charts."))


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The first dashboard meant for the reader."""
    boards = dashboards.dashboards_for(request.user)
    if not boards:
        raise _no_dashboard()
    return redirect(boards[0].url)


@login_required
@require_safe
def dashboard(request: HttpRequest, key: str) -> HttpResponse:
    board = dashboards.BY_KEY[key]
    boards = dashboards.dashboards_for(request.user)
    if board not in boards:
        raise _no_dashboard()
    form, scope, status, nothing_to_choose = None, None, 200, False
    if board.choices is not None:
        choices = board.choices(request.user)
        nothing_to_choose = not choices
        form = ScopeForm(request.GET, choices=choices, label=str(board.filter_label))
        scope = form.chosen
        if choices and scope is None:
            status = 400  # a scope that is not on offer: the page says so next to the filter
    cards, elsewhere = [], []
    if board.choices is None or scope is not None:
        layout = board.layout(request.user, scope)
        names = {key: choice.label for key, choice in form.by_key.items()} if form else {}
        cards = build_cards(request.user, layout.cards, layout.per_snapshot, names)
        elsewhere = [str(kind.label) for kind in layout.elsewhere]
    context = {
        "board": board,
        "boards": boards,
        "form": None if nothing_to_choose else form,
        "nothing_to_choose": nothing_to_choose,
        "scope": scope,
        "cards": cards,
        "elsewhere": elsewhere,
        "next": request.get_full_path(),
    }
    return render(request, "reports/dashboard.html", context, status=status)
