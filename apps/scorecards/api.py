"""QA API (DESIGN.md §9): parse → call a service or selector → serialise."""

from __future__ import annotations

import django_filters
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.permissions import HasRole, ReadOnlyOrRole
from apps.accounts.roles import Role

from . import selectors, services
from .access import QA_STAFF, QA_USERS
from .models import Assignment, Call, Evaluation, SampleRun
from .serializers import (
    MAX_ID,
    AssignmentSerializer,
    CallSerializer,
    DisputeOpenSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    EvaluationEventSerializer,
    EvaluationSerializer,
    EvaluationUpdateSerializer,
    EvaluationWriteSerializer,
    SampleRunSerializer,
    ScorecardCreateSerializer,
    ScorecardSerializer,
    ScorecardUpdateSerializer,
    VersionSerializer,
    answers_to_inputs,
)

QAStaffReadManagerWrite = type("QAStaffReadManagerWrite", (ReadOnlyOrRole,), {"roles": (Role.QA_MANAGER,)})


class _StaffOnlyRead(HasRole):
    roles = QA_STAFF


@extend_schema(tags=["scorecards"])
class ScorecardViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Scorecards with their current version. POST creates a scorecard and publishes version 1."""

    serializer_class = ScorecardSerializer
    permission_classes = [_StaffOnlyRead, QAStaffReadManagerWrite]
    filterset_fields = {"name": ["icontains"]}
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        queryset = selectors.scorecards_list()
        archived = self.request.query_params.get("archived")
        if archived in ("true", "false"):
            queryset = queryset.filter(archived_at__isnull=archived == "false")
        return queryset

    @extend_schema(request=ScorecardCreateSerializer, responses=ScorecardSerializer)
    def create(self, request, *args, **kwargs):
        payload = ScorecardCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        scorecard = services.scorecard_create(by=request.user, **payload.to_inputs())
        return Response(self._fresh(scorecard.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=ScorecardUpdateSerializer, responses=ScorecardSerializer)
    def partial_update(self, request, *args, **kwargs):
        scorecard = self.get_object()
        current = {"name": scorecard.name, "description": scorecard.description}
        # A JSON body that is not an object goes to the serializer as is, which refuses it (400).
        data = {**current, **dict(request.data.items())} if isinstance(request.data, dict) else request.data
        payload = ScorecardUpdateSerializer(data=data)
        payload.is_valid(raise_exception=True)
        services.scorecard_update(by=request.user, scorecard=scorecard, **payload.validated_data)
        return Response(self._fresh(scorecard.pk))

    @extend_schema(request=None, responses=ScorecardSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        services.scorecard_set_archived(by=request.user, scorecard=self.get_object(), archived=True)
        return Response(self._fresh(pk))

    @extend_schema(request=None, responses=ScorecardSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        services.scorecard_set_archived(by=request.user, scorecard=self.get_object(), archived=False)
        return Response(self._fresh(pk))

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """Every version, newest first, with its sections and criteria (old versions stay readable)."""
        versions = selectors.versions_with_content(self.get_object())
        return Response(VersionSerializer(versions, many=True).data)

    def _fresh(self, pk):
        return ScorecardSerializer(self.get_queryset().get(pk=pk), context=self.get_serializer_context()).data


class CallFilter(django_filters.FilterSet):
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    evaluated = django_filters.BooleanFilter(method="filter_evaluated")

    class Meta:
        model = Call
        fields = ["agent", "queue", "direction", "external_id"]

    def filter_evaluated(self, queryset, name, value):
        return queryset.filter(evaluation_count__gt=0) if value else queryset.filter(evaluation_count=0)


@extend_schema(tags=["calls"])
class CallViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Recorded calls. POST one call object or a list of them (all-or-nothing)."""

    serializer_class = CallSerializer
    permission_classes = [_StaffOnlyRead]
    filterset_class = CallFilter
    ordering_fields = ["started_at", "duration_seconds", "id"]

    def get_queryset(self):
        return selectors.calls_list(self.request.user)

    def create(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        serializer = self.get_serializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        calls = services.calls_create(by=request.user, calls=[CallSerializer().to_input(row) for row in rows])
        fresh = self.get_queryset().filter(pk__in=[c.pk for c in calls]).order_by("pk")
        data = self.get_serializer(fresh, many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED)


class EvaluationFilter(django_filters.FilterSet):
    # Bounded like every id (serializers.MAX_ID): a larger number would crash SQLite, not match nothing.
    team = django_filters.NumberFilter(field_name="agent__team", min_value=0, max_value=MAX_ID)
    scorecard = django_filters.NumberFilter(
        field_name="scorecard_version__scorecard", min_value=0, max_value=MAX_ID
    )
    date_from = django_filters.DateFilter(field_name="call__started_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="call__started_at", lookup_expr="date__lte")

    class Meta:
        model = Evaluation
        fields = ["agent", "evaluator", "scorecard_version", "status", "passed", "call", "critical_failed"]


@extend_schema(tags=["evaluations"])
class EvaluationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Evaluations. QA staff create and edit drafts (``submit: true`` submits); agents see their own."""

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    ordering_fields = ["submitted_at", "score", "id"]

    def get_permissions(self):
        if self.action in ("create", "update", "partial_update", "submit"):
            return [HasRole.of(*QA_STAFF)()]
        if self.action in ("acknowledge", "dispute"):
            return [HasRole.of(Role.AGENT)()]
        return [HasRole.of(*QA_USERS)()]

    def get_queryset(self):
        return selectors.evaluations_list(self.request.user)

    def _fresh(self, pk, code=status.HTTP_200_OK):
        evaluation = selectors.evaluations_list(self.request.user).get(pk=pk)
        return Response(
            EvaluationSerializer(evaluation, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=EvaluationWriteSerializer, responses=EvaluationSerializer)
    def create(self, request, *args, **kwargs):
        payload = EvaluationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        evaluation = services.evaluation_save(
            by=request.user,
            call=data["call"],
            version=data["scorecard_version"],
            answers=answers_to_inputs(data["answers"]),
            comment=data["comment"],
            submit=data["submit"],
            calibration=data.get("calibration"),
        )
        return self._fresh(evaluation.pk, status.HTTP_201_CREATED)

    @extend_schema(request=EvaluationUpdateSerializer, responses=EvaluationSerializer)
    def update(self, request, *args, **kwargs):
        evaluation = self.get_object()
        payload = EvaluationUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.evaluation_save(
            by=request.user,
            call=evaluation.call,
            version=evaluation.scorecard_version,
            answers=answers_to_inputs(data["answers"]),
            comment=data["comment"],
            submit=data["submit"],
            evaluation=evaluation,
        )
        return self._fresh(evaluation.pk)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        evaluation = self.get_object()
        services.evaluation_submit(by=request.user, evaluation=evaluation)
        return self._fresh(evaluation.pk)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        evaluation = self.get_object()
        services.evaluation_acknowledge(by=request.user, evaluation=evaluation)
        return self._fresh(evaluation.pk)

    @extend_schema(request=DisputeOpenSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        evaluation = self.get_object()
        payload = DisputeOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute = services.dispute_open(
            by=request.user,
            evaluation=evaluation,
            reason=payload.validated_data["reason"],
            criterion_ids=payload.validated_data["criteria"],
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EvaluationEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        evaluation = self.get_object()
        events = evaluation.events.select_related("actor")
        return Response(EvaluationEventSerializer(events, many=True).data)


@extend_schema(tags=["evaluations"])
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disputes, oldest open first, with their age. QA managers resolve them."""

    serializer_class = DisputeSerializer
    filterset_fields = ["status", "evaluation"]

    def get_permissions(self):
        if self.action == "resolve":
            return [HasRole.of(Role.QA_MANAGER)()]
        return [HasRole.of(*QA_USERS)()]

    def get_queryset(self):
        return selectors.disputes_for(self.request.user)

    @extend_schema(request=DisputeResolveSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        dispute = self.get_object()
        payload = DisputeResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.dispute_resolve(
            by=request.user,
            dispute=dispute,
            outcome=data["outcome"],
            note=data["note"],
            answers=answers_to_inputs(data["answers"]),
        )
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)


@extend_schema(tags=["sampling"])
class SampleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Sample draws. POST draws k calls per agent and deals them to evaluators' queues."""

    serializer_class = SampleRunSerializer
    permission_classes = [HasRole.of(Role.QA_MANAGER)]

    def get_queryset(self):
        return SampleRun.objects.annotate(assignment_count=Count("assignments")).order_by(
            "-created_at", "-id"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = data["scorecard_version"]
        run = services.sample_draw(
            by=request.user,
            version=version,
            period_start=data["period_start"],
            period_end=data["period_end"],
            per_agent=data["per_agent"],
            per_queue=data.get("per_queue", False),
            evaluator_ids=data["evaluators"],
            seed=data.get("seed"),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=run.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["sampling"])
class QueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in evaluator's calls waiting to be scored."""

    serializer_class = AssignmentSerializer
    permission_classes = [HasRole.of(*QA_STAFF)]
    queryset = Assignment.objects.none()  # for the schema generator, which has no user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.queue_for(self.request.user)
