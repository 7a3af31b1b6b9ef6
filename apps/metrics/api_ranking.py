"""The ranking API (DESIGN.md §9 ``metrics/ranking/``): the month's ranking, its weights, and the
business-ability scores it uses. Parse → selector or service → JSON; rules live in ranking.py,
ranking_services.py and ranking_selectors.py, scope in access.py."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from qa_center.errors import PermissionDenied, ValidationFailed

from . import access, ranking, ranking_selectors, ranking_services


def _decimal(value: Decimal | None) -> float | None:
    """A JSON number with 2 decimals, as the KPI API gives its figures."""
    return None if value is None else float(value.quantize(Decimal("0.01")))


def _raw(values: dict) -> dict:
    """The four components as shown: volume a whole number, the others numbers with 2 decimals."""
    return {
        ranking.VOLUME: values[ranking.VOLUME],
        ranking.QUALITY: _decimal(values[ranking.QUALITY]),
        ranking.ATTENDANCE: _decimal(values[ranking.ATTENDANCE]),
        ranking.ABILITY: _decimal(values[ranking.ABILITY]),
    }


def _agent(user: User) -> dict:
    return {"id": user.pk, "name": user.name}


def ranking_payload(result: ranking_selectors.MonthlyRanking) -> dict:
    """The JSON shape of a MonthlyRanking; the same keys whether or not the month has data."""
    return {
        "month": result.month_text,
        "weights": result.weights.as_dict(),
        "scope": result.scope,
        "detail": None
        if result.has_data
        else _("No daily figures, QA evaluations or ability scores for %(month)s.")
        % {"month": result.month_text},
        "teams": [
            {
                "team": {"id": table.team.pk, "name": table.team.name},
                "ranked_count": table.ranked_count,
                "ranked": [
                    {
                        "rank": row.rank,
                        "agent": _agent(row.agent),
                        "composite": _decimal(row.composite),
                        **_raw(row.raw),
                        "normalised": {name: _decimal(row.normalised[name]) for name in ranking.COMPONENTS},
                    }
                    for row in table.ranked
                ],
                "unranked": [
                    {
                        "agent": _agent(row.agent),
                        "reasons": [
                            {"code": code, "message": message}
                            for code, message in zip(
                                row.reasons, ranking_selectors.reason_messages(row.reasons), strict=True
                            )
                        ],
                        **_raw(row.raw),
                    }
                    for row in table.unranked
                ],
            }
            for table in result.teams
        ],
    }


def _require_metrics_user(user) -> None:
    if not access.may_use_metrics(user):
        raise PermissionDenied(_("Your role does not allow you to see the ranking."))


@extend_schema(
    tags=["metrics"],
    parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM")],
    responses=dict,
)
class RankingView(APIView):
    """The monthly ranking within each team: rank, composite and each component raw and normalised
    (0–100 within the team), plus the agents left out and why. Managers see every team, team
    leads their teams, an agent their own row (``ranked_count`` gives the team's size)."""

    def get(self, request):
        _require_metrics_user(request.user)
        month = ranking_selectors.parse_month(request.query_params.get("month"))
        return Response(ranking_payload(ranking_selectors.monthly_ranking(user=request.user, month=month)))


class WeightsSerializer(serializers.Serializer):
    volume = serializers.IntegerField(min_value=0, max_value=100)
    quality = serializers.IntegerField(min_value=0, max_value=100)
    attendance = serializers.IntegerField(min_value=0, max_value=100)
    ability = serializers.IntegerField(min_value=0, max_value=100)


@extend_schema(tags=["metrics"], request=WeightsSerializer, responses=WeightsSerializer)
class RankingWeightsView(APIView):
    """The ranking weights in percent; PUT (managers) replaces all four, which must add up to 100."""

    def get(self, request):
        _require_metrics_user(request.user)
        return Response(ranking_selectors.weights_current().as_dict())

    def put(self, request):
        if not access.may_manage(request.user):
            raise PermissionDenied(_("Your role does not allow you to change the ranking weights."))
        payload = WeightsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = ranking_services.weights_set(by=request.user, **payload.validated_data)
        return Response({name: getattr(row, name) for name in ranking.COMPONENTS})


class AbilityScoreSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    month = serializers.CharField(help_text="YYYY-MM")
    # Checked by the service (0–100, at most 2 decimals); a string keeps "86.50" exact.
    score = serializers.CharField()


@extend_schema(tags=["metrics"], request=AbilityScoreSerializer, responses=dict)
class AbilityScoresView(APIView):
    """POST one score ``{agent, month: "YYYY-MM", score}`` (201), or a CSV ``file`` with the columns
    month, agent (username), score: all or nothing, a re-imported score replaces the old one (200)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request):
        if not access.may_manage(request.user):
            raise PermissionDenied(_("Your role does not allow you to enter ability scores."))
        upload = request.FILES.get("file")
        if upload is not None:
            return self._import(request, upload)
        payload = AbilityScoreSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        row = ranking_services.ability_score_set(
            by=request.user,
            agent=data["agent"],
            month=ranking_selectors.parse_month(data["month"]),
            score=data["score"],
        )
        body = {
            "id": row.pk,
            "agent": _agent(row.agent),
            "month": f"{row.month:%Y-%m}",
            "score": _decimal(row.score),
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _import(self, request, upload) -> Response:
        if upload.size > ranking_services.MAX_ABILITY_FILE_BYTES:
            raise ValidationFailed(_("The file is larger than 2 MB."), field="file")
        try:
            result = ranking_services.ability_scores_import_csv(by=request.user, raw=upload.read())
        except ranking_services.AbilityImportRejected as rejected:
            body = {"detail": rejected.message, "errors": [error.as_dict() for error in rejected.errors]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"imported": result.total, "created": result.created, "replaced": result.replaced})
