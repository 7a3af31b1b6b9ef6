"""API shapes for TQM (DESIGN.md §9). Shape checks only; services and analysis.py decide the rules."""

from __future__ import annotations

from django.utils.translation import pgettext
from rest_framework import serializers

from apps.accounts.models import User

from . import gates, selectors
from .models import (
    Cause,
    Countermeasure,
    DataPlan,
    Dataset,
    FishboneCategory,
    Measurement,
    Project,
    ProjectEvent,
    Standard,
    Topic,
    TrainingRecord,
)
from .steps import ActionStatus, DatasetPhase, Direction, Status, Step

MAX_ID = 2**63 - 1
# Completing is advancing from step 7, so it is not a status one can set.
STATUS_CHANGE_CHOICES = [(value, label) for value, label in Status.choices if value != Status.COMPLETED]
MAX_COUNT = 2**31 - 1


def _users():
    return User.objects.filter(is_active=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- Projects ----------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    leader = PersonSerializer(read_only=True)
    sponsor = PersonSerializer(read_only=True)
    current_step_name = serializers.CharField(source="get_current_step_display", read_only=True)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    target = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "status",
            "current_step",
            "current_step_name",
            "metric_name",
            "metric_unit",
            "metric_direction",
            "baseline",
            "target",
            "leader",
            "sponsor",
            "start_date",
            "target_date",
            "completed_on",
            "previous_project",
            "created_at",
            "updated_at",
        ]


class ProjectWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    problem_statement = serializers.CharField()
    metric_name = serializers.CharField(max_length=200)
    metric_unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    metric_direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.UP)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    baseline_successes = serializers.IntegerField(
        min_value=0, max_value=MAX_COUNT, required=False, allow_null=True
    )
    baseline_sample_size = serializers.IntegerField(
        min_value=1, max_value=MAX_COUNT, required=False, allow_null=True
    )
    sponsor = serializers.PrimaryKeyRelatedField(queryset=_users())
    leader = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False)
    members = serializers.PrimaryKeyRelatedField(queryset=_users(), many=True, required=False, default=list)
    start_date = serializers.DateField(required=False)
    target_date = serializers.DateField(required=False, allow_null=True)
    previous_project = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )


class ProjectUpdateSerializer(ProjectWriteSerializer):
    fishbone_effect = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
        self.fields.pop("previous_project")


class TopicSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "title",
            "description",
            "urgency",
            "controllability",
            "time_bound",
            "score",
            "is_chosen",
            "rationale",
        ]
        read_only_fields = ["is_chosen", "rationale"]


class TopicChooseSerializer(serializers.Serializer):
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    rationale = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class DataPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataPlan
        fields = ["source", "sampling_method", "sample_size", "period_start", "period_end", "notes"]
        extra_kwargs = {"notes": {"required": False, "allow_blank": True}}


class CountItemSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    count = serializers.IntegerField(max_value=MAX_COUNT)


class DatasetSerializer(serializers.ModelSerializer):
    items = CountItemSerializer(many=True, read_only=True)

    class Meta:
        model = Dataset
        fields = ["id", "name", "phase", "source", "source_key", "period_start", "period_end", "items"]


class DatasetCreateSerializer(serializers.Serializer):
    """Either ``items`` (entered by hand) or ``source_key`` with a period (pulled from QA Center)."""

    name = serializers.CharField(max_length=200)
    phase = serializers.ChoiceField(choices=DatasetPhase.choices, default=DatasetPhase.BEFORE)
    items = CountItemSerializer(many=True, required=False)
    source_key = serializers.CharField(required=False)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if ("items" in attrs) == ("source_key" in attrs):
            raise serializers.ValidationError({"items": ["Give either items or a source_key."]})
        if "source_key" in attrs and not (attrs.get("period_start") and attrs.get("period_end")):
            raise serializers.ValidationError(
                {"period_start": ["A pulled dataset needs period_start and period_end."]}
            )
        return attrs


class ParetoRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    cumulative_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    vital_few = serializers.BooleanField()
    is_other = serializers.BooleanField()


class ParetoCreateSerializer(serializers.Serializer):
    dataset = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    other_after_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=1, max_value=100
    )


class CauseSerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()

    class Meta:
        model = Cause
        fields = ["id", "text", "is_root_cause", "evidence", "children"]

    def get_children(self, cause) -> list[dict]:
        if cause.parent_id is not None:
            return []
        return CauseSerializer(cause.children.all(), many=True).data


class FishboneCategorySerializer(serializers.ModelSerializer):
    causes = CauseSerializer(many=True, read_only=True)

    class Meta:
        model = FishboneCategory
        fields = ["id", "name", "causes"]


class CauseCreateSerializer(serializers.Serializer):
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    parent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    text = serializers.CharField(max_length=300)
    is_root_cause = serializers.BooleanField(default=False)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class CauseVerifySerializer(serializers.Serializer):
    cause = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    verified = serializers.BooleanField(default=True)
    # Absent: the cause keeps the evidence it has.
    evidence = serializers.CharField(required=False, allow_blank=True)


class CategoryCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class CountermeasureSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Countermeasure
        fields = [
            "id",
            "title",
            "description",
            "cause",
            "controllability",
            "expected_effect",
            "cost",
            "team_decides_alone",
            "priority",
            "selected",
            "owner",
            "due_date",
            "status",
            "done_on",
        ]
        read_only_fields = ["priority", "selected", "owner", "due_date", "status", "done_on"]


class CountermeasureCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    cause = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    controllability = serializers.IntegerField()
    expected_effect = serializers.IntegerField()
    cost = serializers.IntegerField()
    team_decides_alone = serializers.BooleanField(default=False)


class CountermeasureSelectSerializer(serializers.Serializer):
    countermeasure = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    owner = serializers.PrimaryKeyRelatedField(queryset=_users())
    due_date = serializers.DateField()


class CountermeasureStatusSerializer(serializers.Serializer):
    countermeasure = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class MeasurementSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    successes = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True)
    sample_size = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True)

    class Meta:
        model = Measurement
        fields = ["id", "value", "successes", "sample_size", "period_start", "period_end", "note"]
        extra_kwargs = {"note": {"required": False, "allow_blank": True}}


class TrainingRecordSerializer(serializers.ModelSerializer):
    trainee = PersonSerializer(read_only=True)

    class Meta:
        model = TrainingRecord
        fields = ["id", "standard", "trainee", "trained_on", "note"]


class StandardSerializer(serializers.ModelSerializer):
    trainings = TrainingRecordSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "title", "body", "version", "effective_date", "supersedes", "trainings"]
        read_only_fields = ["version"]
        extra_kwargs = {
            # No unique validator: the service says "already superseded" in its own words.
            "supersedes": {
                "required": False,
                "allow_null": True,
                "queryset": Standard.objects.all(),
                "validators": [],
            }
        }


class TrainingCreateSerializer(serializers.Serializer):
    standard = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    trainee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    trained_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReflectionSerializer(serializers.Serializer):
    lessons_learned = serializers.CharField(allow_blank=True)
    next_topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    expected_step = serializers.ChoiceField(choices=Step.choices, required=False)


class StepBackSerializer(StepSerializer):
    reason = serializers.CharField(allow_blank=True)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s, label) for s, label in Status.choices if s != Status.COMPLETED]
    )
    note = serializers.CharField(allow_blank=True)


class ProjectEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True)

    class Meta:
        model = ProjectEvent
        fields = ["kind", "from_step", "to_step", "note", "actor", "created_at"]


class EffectTestSerializer(serializers.Serializer):
    before_rate = serializers.FloatField()
    after_rate = serializers.FloatField()
    difference = serializers.FloatField()
    pooled_rate = serializers.FloatField()
    z = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    confidence = serializers.FloatField()
    significant = serializers.BooleanField()


class ProjectDetailSerializer(ProjectSerializer):
    """One project with every artefact, what its current step still lacks, and derived results."""

    members = PersonSerializer(many=True, read_only=True)
    topics = serializers.SerializerMethodField()
    data_plan = serializers.SerializerMethodField()
    datasets = DatasetSerializer(many=True, read_only=True)
    paretos = serializers.SerializerMethodField()
    fishbone = serializers.SerializerMethodField()
    countermeasures = CountermeasureSerializer(many=True, read_only=True)
    measurements = MeasurementSerializer(many=True, read_only=True)
    effect = serializers.SerializerMethodField()
    standards = StandardSerializer(many=True, read_only=True)
    events = ProjectEventSerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "problem_statement",
            "baseline_successes",
            "baseline_sample_size",
            "members",
            "topics",
            "data_plan",
            "datasets",
            "paretos",
            "fishbone",
            "countermeasures",
            "measurements",
            "effect",
            "standards",
            "lessons_learned",
            "next_topic",
            "events",
            "missing",
        ]

    def get_topics(self, project) -> list[dict]:
        return TopicSerializer(selectors.ranked_topics(project.topics.all()), many=True).data

    def get_data_plan(self, project) -> dict | None:
        plan = getattr(project, "data_plan", None)  # the reverse one-to-one raises AttributeError when absent
        return DataPlanSerializer(plan).data if plan else None

    def get_paretos(self, project) -> list[dict]:
        return [
            {
                "id": view.pareto.pk,
                "dataset": view.pareto.dataset_id,
                "other_after_percent": view.pareto.other_after_percent,
                "total": view.result.total,
                "rows": ParetoRowSerializer(view.result.rows, many=True).data,
            }
            for view in selectors.pareto_views(project, other_label=str(_other_label()))
        ]

    def get_fishbone(self, project) -> dict:
        return {
            "effect": project.effect_text,
            "categories": FishboneCategorySerializer(project.fishbone_categories.all(), many=True).data,
        }

    def get_effect(self, project) -> dict | None:
        check = selectors.effect_check(project)
        if check is None:
            return None
        return {
            "value": check.value,
            "baseline": check.baseline,
            "target": check.target,
            "change": check.change,
            "met": check.met,
            "test": EffectTestSerializer(check.test).data if check.test else None,
        }

    def get_missing(self, project) -> list[str]:
        return [] if project.is_closed else gates.missing_for(project)


def _other_label():
    return pgettext("pareto", "Other")


# --- Stateless calculators ---------------------------------------------------------------


class ParetoInputSerializer(serializers.Serializer):
    items = CountItemSerializer(many=True, allow_empty=True)
    other_after_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )


class PChartSampleSerializer(serializers.Serializer):
    defectives = serializers.IntegerField(max_value=MAX_COUNT)
    size = serializers.IntegerField(max_value=MAX_COUNT)


class PChartInputSerializer(serializers.Serializer):
    samples = PChartSampleSerializer(many=True, allow_empty=True)
    revise = serializers.BooleanField(default=False)


class EffectTestInputSerializer(serializers.Serializer):
    before_successes = serializers.IntegerField(max_value=MAX_COUNT)
    before_n = serializers.IntegerField(max_value=MAX_COUNT)
    after_successes = serializers.IntegerField(max_value=MAX_COUNT)
    after_n = serializers.IntegerField(max_value=MAX_COUNT)
    confidence = serializers.FloatField(required=False, default=0.95)
