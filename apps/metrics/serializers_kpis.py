"""API shapes for KPIs, targets and the individual assessment (DESIGN.md §9 ``metrics/kpis/``).

Shape checks only: periods.py decides what a valid period is, targets.py what a valid band is.
KPI values are JSON numbers — rates in percent with 2 decimals, times in seconds with 1 — rounded
once, by kpis.value(); ``null`` where the denominator is zero.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from . import kpis, periods, selectors

MAX_ID = 2**63 - 1


def _kpi_value_field(kpi: kpis.Kpi) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=kpi.decimals,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text=kpi.formula,
    )


class _PeriodQuery(serializers.Serializer):
    """``month=YYYY-MM`` or ``start`` and ``end`` (YYYY-MM-DD); neither: this month."""

    month = serializers.CharField(required=False, allow_blank=True)
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        # periods.period_from raises ValidationFailed: a 400 naming the field, as for the pages.
        attrs["period"] = periods.period_from(
            month=attrs.get("month"),
            start=attrs.get("start"),
            end=attrs.get("end"),
            today=timezone.localdate(),
        )
        return attrs


class KpiQuerySerializer(_PeriodQuery):
    group = serializers.ChoiceField(choices=selectors.GROUPS, required=False)
    bucket = serializers.ChoiceField(choices=selectors.BUCKETS, required=False, allow_blank=True)


class AssessmentQuerySerializer(_PeriodQuery):
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


# One field per KPI, named as kpis.KPIS names it.
KpiValuesSerializer = type(
    "KpiValuesSerializer",
    (serializers.Serializer,),
    {kpi.key: _kpi_value_field(kpi) for kpi in kpis.KPIS},
)

_GROUP_FIELDS = {
    "agent": serializers.IntegerField(required=False, help_text="group=agent: the agent's user id"),
    "agent_name": serializers.CharField(required=False),
    "team": serializers.IntegerField(
        required=False, allow_null=True, help_text="group=team, or the agent's team; null: no team"
    ),
    "team_name": serializers.CharField(required=False),
    "queue": serializers.IntegerField(required=False, help_text="group=queue: the queue's id"),
    "queue_name": serializers.CharField(required=False),
    "bucket": serializers.DateField(
        required=False, help_text="with bucket=day|week|month: the first day of the bucket"
    ),
}
KpiResultSerializer = type("KpiResultSerializer", (KpiValuesSerializer,), dict(_GROUP_FIELDS))


def kpi_result(row: selectors.KpiRow) -> dict:
    """One row of ``metrics/kpis/``: the group's fields, the bucket if asked for, every KPI."""
    result: dict = {}
    if row.group == selectors.AGENT:
        result.update(
            agent=row.group_id, agent_name=row.group_name, team=row.team_id, team_name=row.team_name
        )
    elif row.group == selectors.TEAM:
        result.update(team=row.group_id, team_name=row.group_name)
    elif row.group == selectors.QUEUE:
        result.update(queue=row.group_id, queue_name=row.group_name)
    if row.bucket is not None:
        result["bucket"] = row.bucket.isoformat()
    result.update(KpiValuesSerializer(row.values).data)
    return result


class KpiResponseSerializer(serializers.Serializer):
    period = PeriodSerializer()
    group = serializers.ChoiceField(choices=selectors.GROUPS)
    bucket = serializers.ChoiceField(choices=selectors.BUCKETS, allow_null=True)
    count = serializers.IntegerField()
    detail = serializers.CharField(allow_null=True, help_text="Why the results are empty, else null")
    results = KpiResultSerializer(many=True)


# --- Targets ---------------------------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    """A KPI with its band (inclusive bounds; null: no bound), formula and unit."""

    kpi = serializers.CharField(source="kpi.key")
    label = serializers.CharField(source="kpi.label")
    unit = serializers.CharField(source="kpi.unit")
    formula = serializers.CharField(source="kpi.formula")
    better = serializers.CharField(source="kpi.better", allow_null=True)
    minimum = serializers.DecimalField(
        source="target.minimum", max_digits=10, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    maximum = serializers.DecimalField(
        source="target.maximum", max_digits=10, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    is_default = serializers.BooleanField()
    updated_by = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.target is None:  # "target.minimum" cannot be followed through None
            data["minimum"] = data["maximum"] = None
        return data


class TargetWriteSerializer(serializers.Serializer):
    """PUT: both bounds (null: no bound); PATCH: the bounds to change."""

    minimum = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    maximum = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class TargetWriteByKeySerializer(TargetWriteSerializer):
    """The same, on ``metrics/targets/`` itself: the body names the KPI."""

    kpi = serializers.CharField()


# --- Individual assessment ------------------------------------------------------------------


class KpiAssessmentSerializer(serializers.Serializer):
    kpi = serializers.CharField(source="kpi.key")
    label = serializers.CharField(source="kpi.label")
    unit = serializers.CharField(source="kpi.unit")
    better = serializers.CharField(source="kpi.better", allow_null=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)
    team_value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text="The team's KPI from the team's summed figures (each call weighs the same)",
    )
    deviation = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text="value − team_value, in the KPI's unit (percentage points for rates)",
    )
    reading = serializers.CharField(help_text="better, worse or level with the team; empty: no direction")
    rank = serializers.IntegerField(allow_null=True, help_text="1 = best in the team; ties share a rank")
    ranked = serializers.IntegerField(help_text="Team members ranked on this KPI")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Keep each KPI's own precision (1 decimal for times) rather than the field's 2.
        for name in ("value", "team_value", "deviation"):
            number = getattr(instance, name)
            data[name] = None if number is None else number
        return data


class AssessedSerializer(serializers.Serializer):
    """The agent or team assessed: id and name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):
    agent = AssessedSerializer()
    team = AssessedSerializer(allow_null=True)
    period = serializers.SerializerMethodField()
    team_agents = serializers.IntegerField(help_text="Team members with figures in the period")
    results = KpiAssessmentSerializer(source="kpis", many=True)

    def get_period(self, assessment) -> dict:
        return {"start": assessment.start.isoformat(), "end": assessment.end.isoformat()}
