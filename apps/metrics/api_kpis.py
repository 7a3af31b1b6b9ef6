"""KPI API (DESIGN.md §9): ``metrics/kpis/``, ``metrics/targets/``, ``metrics/assessment/``.

Parse → selector or service → serialise. Who may read what is access.py's; which groupings a
user may ask for is selectors.kpi_groups_for; bad periods are refused by periods.py (400).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from qa_center.errors import NotFound, PermissionDenied, ValidationFailed

from . import access, kpis, selectors, targets
from .serializers_kpis import (
    AssessmentQuerySerializer,
    AssessmentSerializer,
    KpiQuerySerializer,
    KpiResponseSerializer,
    TargetSerializer,
    TargetWriteByKeySerializer,
    TargetWriteSerializer,
    kpi_result,
)


class UsesMetrics(BasePermission):
    """Managers, team leads and agents; everyone else is refused (403)."""

    message = selectors.NO_METRICS

    def has_permission(self, request, view) -> bool:
        return access.may_use_metrics(request.user)


class ManagesMetricsToWrite(BasePermission):
    """Writes (targets) are for QA managers, duty managers and administrators: a 403 before any
    field is checked. The service checks again; this only orders the answers."""

    message = targets.NOT_A_MANAGER

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or access.may_manage(request.user)


_PERIOD_PARAMETERS = [
    OpenApiParameter("month", str, description="YYYY-MM; or give start and end; neither: this month"),
    OpenApiParameter("start", str, description="YYYY-MM-DD, with end"),
    OpenApiParameter("end", str, description="YYYY-MM-DD (inclusive), with start"),
]


@extend_schema(tags=["metrics"])
class KpiView(APIView):
    """KPIs per agent, team or queue for a period, optionally per day, week or month."""

    permission_classes = [UsesMetrics]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group", str, enum=list(selectors.GROUPS), description="default: team (agent for agents)"
            ),
            OpenApiParameter("bucket", str, enum=list(selectors.BUCKETS)),
            *_PERIOD_PARAMETERS,
        ],
        responses=KpiResponseSerializer,
    )
    def get(self, request):
        query = KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        allowed = selectors.kpi_groups_for(request.user)
        group = query.validated_data.get("group") or allowed[0]
        if group not in allowed:
            raise PermissionDenied(_("Agents see their own figures only: ask for group=agent."))
        bucket = query.validated_data.get("bucket") or None
        period = query.validated_data["period"]
        rows = selectors.kpi_rows(
            user=request.user, group=group, start=period.start, end=period.end, bucket=bucket
        )
        return Response(
            {
                "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                "group": group,
                "bucket": bucket,
                "count": len(rows),
                "detail": None if rows else _("No figures for this period."),
                "results": [kpi_result(row) for row in rows],
            }
        )


@extend_schema(tags=["metrics"])
class AssessmentView(APIView):
    """An agent's KPIs beside their team's, with the deviation and their rank in the team."""

    permission_classes = [UsesMetrics]

    @extend_schema(
        parameters=[OpenApiParameter("agent", int, required=True), *_PERIOD_PARAMETERS],
        responses=AssessmentSerializer,
    )
    def get(self, request):
        query = AssessmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        agent = User.objects.select_related("team").filter(pk=query.validated_data["agent"]).first()
        if agent is None:
            raise NotFound(_("No such agent."))
        period = query.validated_data["period"]
        result = selectors.assessment(user=request.user, agent=agent, start=period.start, end=period.end)
        return Response(AssessmentSerializer(result).data)


def _target_info(kpi: str) -> targets.TargetInfo:
    return next(info for info in targets.target_list() if info.kpi.key == kpi)


def _write_target(request, kpi: str | None, *, partial: bool) -> Response:
    """Set a band: ``kpi`` from the URL, or (None) from the body. PATCH keeps the bound it does not
    name; the service refuses an unknown KPI and a band out of order."""
    serializer_class = TargetWriteSerializer if kpi else TargetWriteByKeySerializer
    payload = serializer_class(data=request.data, partial=partial)
    payload.is_valid(raise_exception=True)
    if kpi is None:
        kpi = payload.validated_data.get("kpi")
        if not kpi:
            raise ValidationFailed(_("Name the KPI to change."), field="kpi")
    current = targets.target_for(kpi) if partial and kpi in kpis.BY_KEY else None
    minimum = payload.validated_data.get("minimum", current.minimum if current else None)
    maximum = payload.validated_data.get("maximum", current.maximum if current else None)
    targets.target_set(by=request.user, kpi=kpi, minimum=minimum, maximum=maximum)
    return Response(TargetSerializer(_target_info(kpi)).data)


@extend_schema(tags=["metrics"])
class TargetListView(APIView):
    """Every KPI with its target band, formula and unit. Managers set a band with PUT/PATCH and
    ``kpi`` in the body, or on ``metrics/targets/{kpi}/``."""

    permission_classes = [UsesMetrics, ManagesMetricsToWrite]

    @extend_schema(responses=TargetSerializer(many=True))
    def get(self, request):
        return Response(TargetSerializer(targets.target_list(), many=True).data)

    @extend_schema(
        request=TargetWriteByKeySerializer, responses=TargetSerializer, operation_id="v1_metrics_targets_set"
    )
    def put(self, request):
        return _write_target(request, None, partial=False)

    @extend_schema(
        request=TargetWriteByKeySerializer,
        responses=TargetSerializer,
        operation_id="v1_metrics_targets_change",
    )
    def patch(self, request):
        return _write_target(request, None, partial=True)


@extend_schema(tags=["metrics"])
class TargetDetailView(APIView):
    """One KPI's band. PUT sets both bounds (null: no bound; both null: no target), PATCH the ones
    named, DELETE goes back to the operating manual's default. Managers only."""

    permission_classes = [UsesMetrics, ManagesMetricsToWrite]

    def _known(self, kpi: str) -> str:
        if kpi not in kpis.BY_KEY:
            raise NotFound(_("No such KPI."))
        return kpi

    @extend_schema(responses=TargetSerializer)
    def get(self, request, kpi):
        return Response(TargetSerializer(_target_info(self._known(kpi))).data)

    @extend_schema(request=TargetWriteSerializer, responses=TargetSerializer)
    def put(self, request, kpi):
        return _write_target(request, self._known(kpi), partial=False)

    @extend_schema(request=TargetWriteSerializer, responses=TargetSerializer)
    def patch(self, request, kpi):
        return _write_target(request, self._known(kpi), partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request, kpi):
        targets.target_reset(by=request.user, kpi=self._known(kpi))
        return Response(status=status.HTTP_204_NO_CONTENT)
