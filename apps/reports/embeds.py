"""Charts shown on other apps' pages, next to the table they draw (KPIs, the ranking, calibration).

A page asks for a chart's latest snapshot (``embedded_chart``), or for one snapshot per scope of a given
period (``embedded_charts``: the ranking's teams for the month shown), and includes
templates/reports/_chart_embed.html with each answer. Who sees what is access.py's: a chart the reader
may not see is left out before any snapshot is read, and one not drawn yet is simply absent — the page
shows its table as before, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.urls import reverse

from . import access, dashboards, kinds, selectors
from .kinds.base import CALIBRATION, COMPLAINTS, METRICS, QA, TQM, ChartKind
from .models import ChartSnapshot
from .periods import CURRENT
from .scopes import Scope
from .views.cards import image_for

# The dashboard that shows a family's charts ("Open in dashboards").
DASHBOARD_OF_FAMILY = {
    QA: "qa",
    CALIBRATION: "qa",
    COMPLAINTS: "complaints",
    METRICS: "management",
    TQM: "improvement",
}


def embedded_chart(user, kind_name: str, scope_key: str) -> dict | None:
    """The latest snapshot of one chart as the partial shows it; None if not drawn or not the reader's.

    No query when the reader may not see the chart; else one, and one more for the images when
    there is a snapshot.
    """
    return embedded_charts(user, kind_name, [scope_key]).get(scope_key)


def embedded_charts(
    user, kind_name: str, scope_keys: Iterable[str], *, period: str | None = None
) -> dict[str, dict]:
    """Charts of one kind for several scopes, by scope key: the latest, or those of ``period``.

    The same query count as ``embedded_chart`` whatever the number of scopes. Scopes the reader may
    not see, and scopes without a snapshot (for that period), are left out.
    """
    kind = kinds.registry().get(kind_name)
    if kind is None:
        return {}
    keys = [
        scope.key
        for scope in _parsed(scope_keys)
        if kind.accepts(scope) and access.can_view(user, kind, scope)
    ]
    if not keys:
        return {}
    if period is None:
        snapshots = selectors.latest_snapshots(
            user, selectors.charts_condition([(kind_name, key) for key in keys])
        )
    else:
        # A given period, not the newest: the ranking page shows the month the reader chose.
        snapshots = (
            access.visible_snapshots(user)
            .filter(kind=kind_name, scope__in=keys, period=period)
            .prefetch_related("images")
        )
    link = _dashboard_link(user, kind)
    return {snapshot.scope: _embed(kind, snapshot, link) for snapshot in snapshots}


def _parsed(scope_keys: Iterable[str]) -> list[Scope]:
    scopes = []
    for key in scope_keys:
        try:
            scopes.append(Scope.parse(key))
        except ValueError:
            continue  # a page never sends one; a bad key is simply no chart
    return scopes


def _dashboard_link(user, kind: ChartKind) -> str:
    """The URL of the dashboard showing this kind, if the reader has that dashboard (no query)."""
    board = dashboards.BY_KEY.get(DASHBOARD_OF_FAMILY.get(kind.family, ""))
    return board.url if board is not None and board.is_for(user) else ""


def _embed(kind: ChartKind, snapshot: ChartSnapshot, link: str) -> dict:
    image = image_for(snapshot)  # the reader's language, else the site's (prefetched: no query)
    version = str(round(snapshot.generated_at.timestamp() * 1000))  # a redraw changes the image URL
    image_url = ""
    if image is not None:
        query = urlencode({"lang": image.language, "v": version})
        image_url = f"{reverse('reports:chart_svg', args=[snapshot.pk])}?{query}"
    return {
        "kind": kind.name,
        "label": str(kind.label),
        "scope": snapshot.scope,
        "scope_name": snapshot.scope_name,
        "dom_id": f"chart-embed-{kind.name}-{snapshot.scope.replace(':', '-')}",
        "snapshot": snapshot,
        "period": snapshot.period,
        "period_start": snapshot.period_start,
        "period_end": snapshot.period_end,
        "current_data": snapshot.period == CURRENT,
        "generated_at": snapshot.generated_at,
        "image_url": image_url,
        "dashboard_url": f"{link}?{urlencode({'scope': snapshot.scope})}" if link else "",
    }
