"""Calibration and coaching API (DESIGN.md §9 ``calibrations/``, ``coaching/``): shapes and views.

Parse → call calibration.py / coaching.py → serialise. A session's results appear only once it
is closed: until then the response says who has submitted, never what they scored.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.permissions import HasRole
from apps.accounts.roles import Role
from qa_center.errors import ValidationFailed

from . import calibration, coaching, selectors
from .models import (
    CalibrationSession,
    Call,
    CoachingAction,
    CoachingSession,
    Evaluation,
    ScorecardVersion,
)

MAX_ID = 2**63 - 1


class CoachingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- Calibration ---------------------------------------------------------------------------


class CalibrationCreateSerializer(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    scorecard_version = serializers.PrimaryKeyRelatedField(queryset=ScorecardVersion.objects.all())
    participants = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    reference = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    deadline = serializers.DateTimeField(required=False)
    tolerance = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class EvaluatorResultSerializer(serializers.Serializer):
    evaluator = serializers.IntegerField(source="evaluator_id")
    evaluator_name = serializers.CharField(source="evaluator.name")
    score = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True)
    deviation = serializers.SerializerMethodField()
    deviation_from_reference = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    deviation_from_mean = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    alignment = serializers.DecimalField(
        max_digits=5, decimal_places=4, coerce_to_string=False, allow_null=True
    )
    outside_tolerance = serializers.BooleanField()

    def get_deviation(self, row) -> float | None:
        """From the reference when the session has one, else from the mean."""
        value = (
            row.deviation_from_reference
            if row.deviation_from_reference is not None
            else row.deviation_from_mean
        )
        return None if value is None else float(value)


class CalibrationSerializer(serializers.ModelSerializer):
    participants = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta:
        model = CalibrationSession
        fields = [
            "id",
            "call",
            "scorecard_version",
            "reference",
            "deadline",
            "tolerance",
            "status",
            "note",
            "created_by",
            "created_at",
            "closed_at",
            "participants",
            "results",
        ]

    def get_participants(self, session) -> list[dict]:
        """Who takes part and whether they have submitted — never what they scored."""
        submitted = {e.evaluator_id for e in session.evaluations.all() if e.submitted_at is not None}
        return [
            {"id": p.pk, "name": p.name, "submitted": p.pk in submitted} for p in session.participants.all()
        ]

    def get_results(self, session) -> dict | None:
        if not session.is_closed:
            return None
        return {
            "alpha_interval": session.alpha_interval,
            "alpha_reading": calibration.alpha_reading(session.alpha_interval),
            "mean_score": None if session.mean_score is None else float(session.mean_score),
            "spread": None if session.spread is None else float(session.spread),
            "evaluators": EvaluatorResultSerializer(session.scores.all(), many=True).data,
            "criteria": session.criteria_results,
        }


@extend_schema(tags=["qa"])
class CalibrationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Calibration sessions: QA managers create and close them; participants score through
    ``evaluations/`` with ``calibration: <id>``. Blind until closed."""

    serializer_class = CalibrationSerializer
    queryset = CalibrationSession.objects.none()
    filterset_fields = ["status", "call"]
    ordering_fields = ["created_at", "deadline", "id"]

    def get_permissions(self):
        if self.action in ("create", "close"):
            return [HasRole.of(Role.QA_MANAGER)()]
        return [HasRole.of(Role.QA_EVALUATOR, Role.QA_MANAGER)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalibrationSession.objects.none()
        return selectors.calibrations_list(self.request.user)

    def _fresh(self, pk, code=status.HTTP_200_OK):
        session = selectors.calibrations_list(self.request.user).get(pk=pk)
        return Response(
            CalibrationSerializer(session, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=CalibrationCreateSerializer, responses=CalibrationSerializer)
    def create(self, request, *args, **kwargs):
        payload = CalibrationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        session = calibration.calibration_create(
            by=request.user,
            call=data.pop("call"),
            version=data.pop("scorecard_version"),
            **{k: v for k, v in data.items() if v is not None or k == "reference"},
        )
        return self._fresh(session.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CalibrationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Compute and store the results. 400 with fewer than two submissions, 409 if already closed."""
        session = self.get_object()
        calibration.calibration_close(session=session, by=request.user)
        return self._fresh(session.pk)


# --- Coaching ------------------------------------------------------------------------------


class CoachingActionSerializer(serializers.ModelSerializer):
    done = serializers.SerializerMethodField()

    class Meta:
        model = CoachingAction
        fields = ["id", "text", "due_on", "done", "done_at"]

    def get_done(self, row) -> bool:
        return row.done_at is not None


class CoachingCommentSerializer(serializers.Serializer):
    author = CoachingPersonSerializer(read_only=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField(read_only=True)


class CoachingSerializer(serializers.ModelSerializer):
    agent = CoachingPersonSerializer(read_only=True)
    coach = CoachingPersonSerializer(read_only=True)
    actions = CoachingActionSerializer(many=True, read_only=True)
    comments = CoachingCommentSerializer(many=True, read_only=True)
    evaluations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "agent",
            "coach",
            "held_on",
            "observations",
            "follow_up_on",
            "status",
            "signed_off_at",
            "followed_up_at",
            "evaluations",
            "actions",
            "comments",
            "created_at",
        ]


class ActionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, allow_blank=True)
    due_on = serializers.DateField(allow_null=True)


class CoachingCreateSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    held_on = serializers.DateField()
    observations = serializers.CharField(allow_blank=True)
    follow_up_on = serializers.DateField()
    evaluations = serializers.PrimaryKeyRelatedField(
        queryset=Evaluation.objects.all(), many=True, required=False, default=list
    )
    actions = ActionInputSerializer(many=True, required=False, default=list)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, max_length=5000)


class ActionDoneSerializer(serializers.Serializer):
    action = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    done = serializers.BooleanField(default=True)


class FollowUpSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


@extend_schema(tags=["qa"])
class CoachingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Coaching sessions. Agents see their own; coaches the agents of teams they cover; QA managers all."""

    serializer_class = CoachingSerializer
    queryset = CoachingSession.objects.none()
    filterset_fields = ["status", "agent", "coach"]
    ordering_fields = ["held_on", "follow_up_on", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CoachingSession.objects.none()
        return selectors.coaching_list(self.request.user)

    def _fresh(self, pk, code=status.HTTP_200_OK):
        # Not scoped: the service has authorised the write.
        session = selectors.coaching_list(self.request.user, scoped=False).get(pk=pk)
        return Response(CoachingSerializer(session, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CoachingCreateSerializer, responses=CoachingSerializer)
    def create(self, request, *args, **kwargs):
        payload = CoachingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        actions = [coaching.ActionInput(a["text"], a["due_on"]) for a in data.pop("actions")]
        session = coaching.coaching_create(by=request.user, actions=actions, **data)
        return self._fresh(session.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ActionInputSerializer, responses=CoachingSerializer)
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        session = self.get_object()
        payload = ActionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        coaching.coaching_add_action(session=session, by=request.user, **payload.validated_data)
        return self._fresh(session.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ActionDoneSerializer, responses=CoachingSerializer)
    @action(detail=True, methods=["post"], url_path="action-done")
    def action_done(self, request, pk=None):
        session = self.get_object()
        payload = ActionDoneSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        found = session.actions.filter(pk=payload.validated_data["action"]).first()
        if found is None:
            raise ValidationFailed(_("This session has no action with this id."), field="action")
        coaching.coaching_action_set_done(action=found, by=request.user, done=payload.validated_data["done"])
        return self._fresh(session.pk)

    @extend_schema(request=CommentInputSerializer, responses=CoachingSerializer)
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        session = self.get_object()
        payload = CommentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        coaching.coaching_comment(session=session, by=request.user, **payload.validated_data)
        return self._fresh(session.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CoachingSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        session = self.get_object()
        coaching.coaching_sign_off(session=session, by=request.user)
        return self._fresh(session.pk)

    @extend_schema(request=FollowUpSerializer, responses=CoachingSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        session = self.get_object()
        payload = FollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        coaching.coaching_follow_up_done(session=session, by=request.user, **payload.validated_data)
        return self._fresh(session.pk)
