"""API shapes for QA (DESIGN.md §9). Shape checks only; rules live in services and scoring."""

from __future__ import annotations

from rest_framework import serializers

from apps.accounts.models import User

from . import services
from .access import mask_phone, sees_full_phone_numbers
from .models import (
    Answer,
    Assignment,
    CalibrationSession,
    Call,
    CallDirection,
    Criterion,
    CriterionKind,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationEvent,
    SampleRun,
    Scorecard,
    ScorecardVersion,
    Section,
)

Score = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)

# The largest id a row can have (BigAutoField). Ids given as plain integers are bounded by it: a larger
# one reaches the database inside `pk__in` or a join, and SQLite raises OverflowError (a 500) on it.
MAX_ID = 2**63 - 1


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "text", "guidance", "kind", "max_points", "critical", "allow_na", "position"]


class SectionSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Section
        fields = ["id", "title", "position", "criteria"]


class VersionSerializer(serializers.ModelSerializer):
    pass_mark = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = ScorecardVersion
        fields = ["id", "number", "status", "pass_mark", "published_at", "sections"]


class ScorecardSerializer(serializers.ModelSerializer):
    """A scorecard with its current version's sections and criteria nested."""

    pass_mark = serializers.SerializerMethodField()
    current_version_number = serializers.IntegerField(
        source="current_version.number", read_only=True, default=None
    )
    sections = serializers.SerializerMethodField()
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "name",
            "description",
            "pass_mark",
            "current_version",
            "current_version_number",
            "archived",
            "sections",
        ]

    def get_pass_mark(self, scorecard) -> float | None:
        version = scorecard.current_version
        return float(version.pass_mark) if version else None

    def get_sections(self, scorecard) -> list[dict]:
        version = scorecard.current_version
        return SectionSerializer(version.sections.all(), many=True).data if version else []


# --- Scorecard creation input --------------------------------------------------------


class CriterionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    guidance = serializers.CharField(required=False, allow_blank=True, default="")
    max_points = serializers.IntegerField(min_value=1, max_value=100)
    kind = serializers.ChoiceField(choices=CriterionKind.choices, default=CriterionKind.YES_NO)
    critical = serializers.BooleanField(default=False)
    allow_na = serializers.BooleanField(default=False)


class SectionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    criteria = CriterionInputSerializer(many=True, allow_empty=False)


class ScorecardCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    pass_mark = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, default=85
    )
    sections = SectionInputSerializer(many=True, allow_empty=False)

    def to_inputs(self) -> dict:
        data = self.validated_data
        return {
            "name": data["name"],
            "description": data["description"],
            "pass_mark": data["pass_mark"],
            "sections": [
                services.SectionInput(
                    title=s["title"], criteria=[services.CriterionInput(**c) for c in s["criteria"]]
                )
                for s in data["sections"]
            ],
        }


class ScorecardUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


# --- Calls ---------------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    agent_name = serializers.CharField(source="agent.name", read_only=True)
    direction = serializers.ChoiceField(choices=CallDirection.choices, default=CallDirection.INBOUND)

    class Meta:
        model = Call
        fields = [
            "id",
            "external_id",
            "agent",
            "agent_name",
            "queue",
            "started_at",
            "duration_seconds",
            "direction",
            "recording_url",
            "customer_phone",
            "imported_at",
        ]
        read_only_fields = ["imported_at"]
        # Uniqueness is checked by the service, all-or-nothing with the rest of the batch.
        extra_kwargs = {"external_id": {"validators": []}}

    def to_representation(self, call):
        data = super().to_representation(call)
        request = self.context.get("request")
        if request is not None and not sees_full_phone_numbers(request.user):
            data["customer_phone"] = mask_phone(call.customer_phone)
        return data

    def to_input(self, data: dict) -> services.CallInput:
        return services.CallInput(
            external_id=data["external_id"],
            agent_id=data["agent"].pk,
            started_at=data["started_at"],
            duration_seconds=data["duration_seconds"],
            queue=data.get("queue", ""),
            direction=data.get("direction", CallDirection.INBOUND),
            recording_url=data.get("recording_url", ""),
            customer_phone=data.get("customer_phone", ""),
        )


# --- Evaluations ---------------------------------------------------------------------


class AnswerSerializer(serializers.ModelSerializer):
    na = serializers.BooleanField(source="is_na")
    criterion_text = serializers.CharField(source="criterion.text", read_only=True)
    max_points = serializers.IntegerField(source="criterion.max_points", read_only=True)

    class Meta:
        model = Answer
        fields = ["criterion", "criterion_text", "max_points", "points", "na", "comment"]


class AnswerInputSerializer(serializers.Serializer):
    criterion = id_field()
    points = serializers.IntegerField(required=False, allow_null=True)
    na = serializers.BooleanField(default=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, data):
        if data["na"] and data.get("points") is not None:
            raise serializers.ValidationError("Give points or “na”: true, not both.")
        if not data["na"] and data.get("points") is None:
            raise serializers.ValidationError("Give points, or “na”: true.")
        return data


def answers_to_inputs(rows: list[dict]) -> list[services.AnswerInput]:
    return [
        services.AnswerInput(
            criterion_id=r["criterion"], points=r.get("points"), na=r["na"], comment=r["comment"]
        )
        for r in rows
    ]


class EvaluationSerializer(serializers.ModelSerializer):
    score = Score
    call_external_id = serializers.CharField(source="call.external_id", read_only=True)
    call_started_at = serializers.DateTimeField(source="call.started_at", read_only=True)
    agent_name = serializers.CharField(source="agent.name", read_only=True)
    evaluator_name = serializers.CharField(source="evaluator.name", read_only=True)
    scorecard = serializers.IntegerField(source="scorecard_version.scorecard_id", read_only=True)
    scorecard_name = serializers.CharField(source="scorecard_version.scorecard.name", read_only=True)
    pass_mark = serializers.DecimalField(
        source="scorecard_version.pass_mark",
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
    )
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "call",
            "call_external_id",
            "call_started_at",
            "agent",
            "agent_name",
            "evaluator",
            "evaluator_name",
            "scorecard",
            "scorecard_name",
            "scorecard_version",
            "pass_mark",
            "status",
            "score",
            "passed",
            "critical_failed",
            "comment",
            "submitted_at",
            "acknowledged_at",
            "calibration",
            "answers",
        ]
        read_only_fields = fields


class EvaluationWriteSerializer(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    scorecard_version = serializers.PrimaryKeyRelatedField(
        queryset=ScorecardVersion.objects.select_related("scorecard")
    )
    answers = AnswerInputSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    submit = serializers.BooleanField(default=False)
    # A participant's blind scoring in a calibration session.
    calibration = serializers.PrimaryKeyRelatedField(
        queryset=CalibrationSession.objects.all(), required=False, allow_null=True
    )


class EvaluationUpdateSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    submit = serializers.BooleanField(default=False)


class EvaluationEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True)

    class Meta:
        model = EvaluationEvent
        fields = [
            "action",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "note",
            "previous",
            "created_at",
        ]


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    criteria = serializers.ListField(child=id_field(), required=False, default=list)


class DisputeSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="raised_by.name", read_only=True)
    age_days = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "evaluation",
            "raised_by",
            "agent_name",
            "reason",
            "criteria",
            "status",
            "resolved_by",
            "resolution_note",
            "created_at",
            "resolved_at",
            "age_days",
        ]
        read_only_fields = fields

    def get_age_days(self, dispute) -> int:
        from django.utils import timezone

        end = dispute.resolved_at or timezone.now()
        return (end - dispute.created_at).days


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[DisputeStatus.UPHELD, DisputeStatus.REJECTED])
    note = serializers.CharField(max_length=5000)
    answers = AnswerInputSerializer(many=True, required=False, default=list)


# --- Sampling ------------------------------------------------------------------------


class SampleRunSerializer(serializers.ModelSerializer):
    evaluators = serializers.ListField(child=id_field(), write_only=True, allow_empty=False)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**62)
    per_agent = serializers.IntegerField(min_value=1, max_value=100)
    assignment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SampleRun
        fields = [
            "id",
            "scorecard_version",
            "period_start",
            "period_end",
            "per_agent",
            "per_queue",
            "seed",
            "evaluators",
            "assignment_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class AssignmentSerializer(serializers.ModelSerializer):
    call = CallSerializer(read_only=True)
    scorecard_version = serializers.IntegerField(source="sample.scorecard_version_id", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "call", "evaluator", "status", "scorecard_version", "created_at"]
