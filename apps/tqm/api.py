"""TQM API (DESIGN.md §9): projects with their step actions, and the stateless calculators.

Parse → call a service (or analysis.py) → serialise. Each artefact of a step is written through an
action on its project, so every write passes the project's permission and step checks.
"""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from qa_center.errors import NotFound, ValidationFailed

from . import access, analysis, selectors, services
from .models import Cause, Countermeasure, Dataset, FishboneCategory, Project, Standard, Topic
from .serializers import (
    CategoryCreateSerializer,
    CauseCreateSerializer,
    CauseSerializer,
    CauseVerifySerializer,
    CountermeasureCreateSerializer,
    CountermeasureSelectSerializer,
    CountermeasureSerializer,
    CountermeasureStatusSerializer,
    DataPlanSerializer,
    DatasetCreateSerializer,
    DatasetSerializer,
    EffectTestInputSerializer,
    EffectTestSerializer,
    FishboneCategorySerializer,
    MeasurementSerializer,
    ParetoCreateSerializer,
    ParetoInputSerializer,
    ParetoRowSerializer,
    PChartInputSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
    ReflectionSerializer,
    StandardSerializer,
    StatusChangeSerializer,
    StepBackSerializer,
    StepSerializer,
    TopicChooseSerializer,
    TopicSerializer,
    TrainingCreateSerializer,
    TrainingRecordSerializer,
    _other_label,
)
from .steps import Status, Step


def _analysis_failed(error: analysis.AnalysisError) -> ValidationFailed:
    return ValidationFailed(services.analysis_message(error), field=error.field or "items")


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    step = django_filters.TypedChoiceFilter(field_name="current_step", choices=Step.choices, coerce=int)
    mine = django_filters.BooleanFilter(method="filter_mine")
    q = django_filters.CharFilter(method="filter_text")

    class Meta:
        model = Project
        fields = ["status", "step", "leader", "sponsor"]

    def filter_mine(self, queryset, name, value):
        return selectors.filter_projects(queryset, mine_for=self.request.user) if value else queryset

    def filter_text(self, queryset, name, value):
        return selectors.filter_projects(queryset, q=value)


@extend_schema(tags=["tqm"])
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Improvement projects. Steps move only through ``advance/`` and ``back/``."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    queryset = Project.objects.none()  # for the schema generator; see get_queryset
    ordering_fields = ["created_at", "updated_at", "current_step", "id"]
    # PUT: data-plan/ and reflection/ take it (on the project itself it is a partial update).
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.projects_list(self.request.user)

    def get_object(self) -> Project:
        try:
            return selectors.project_detail(self.request.user, int(self.kwargs["pk"]))
        except (Project.DoesNotExist, TypeError, ValueError):
            raise NotFound("Not found.") from None

    def _detail(self, pk: int, code=status.HTTP_200_OK) -> Response:
        project = selectors.project_detail(self.request.user, pk)
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data, status=code
        )

    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        return Response(ProjectDetailSerializer(project, context=self.get_serializer_context()).data)

    @extend_schema(request=ProjectWriteSerializer, responses=ProjectDetailSerializer)
    def create(self, request, *args, **kwargs):
        payload = ProjectWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        previous_id = data.pop("previous_project", None)
        previous = None
        if previous_id is not None:
            previous = access.projects_for(request.user).filter(pk=previous_id).first()
            if previous is None:
                raise ValidationFailed("The previous project does not exist.", field="previous_project")
        data.setdefault("leader", request.user)
        data.setdefault("start_date", timezone.localdate())
        project = services.project_create(by=request.user, previous_project=previous, **data)
        return self._detail(project.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        payload = ProjectUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.project_update(project=project, by=request.user, **payload.validated_data)
        return self._detail(project.pk)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    # --- step moves ---------------------------------------------------------------------

    @extend_schema(request=StepSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Next step if the current step's gate is open (400 lists what is missing); from step 7 it
        completes the project. 409 if ``expected_step`` is stale."""
        project = self.get_object()
        payload = StepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.project_advance(
            project=project, by=request.user, expected_step=payload.validated_data.get("expected_step")
        )
        return self._detail(project.pk)

    @extend_schema(request=StepBackSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def back(self, request, pk=None):
        """The leader goes back one step, with a reason."""
        project = self.get_object()
        payload = StepBackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.project_step_back(project=project, by=request.user, **payload.validated_data)
        return self._detail(project.pk)

    @extend_schema(request=StatusChangeSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Put on hold, resume (``active``) or cancel, with a note."""
        project = self.get_object()
        payload = StatusChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.project_set_status(project=project, by=request.user, **payload.validated_data)
        return self._detail(project.pk)

    # --- step artefacts -----------------------------------------------------------------

    def _child(self, model, pk: int, **scope):
        found = model.objects.filter(pk=pk, **scope).first()
        if found is None:
            raise ValidationFailed(
                gettext("This project has no %(what)s with this id.") % {"what": model._meta.verbose_name}
            )
        return found

    @extend_schema(request=TopicSerializer, responses=TopicSerializer)
    @action(detail=True, methods=["post"])
    def topics(self, request, pk=None):
        """Step 1: add a candidate topic rated 1–5 on urgency, controllability and time-boundedness."""
        project = self.get_object()
        payload = TopicSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        topic = services.topic_add(project=project, by=request.user, **payload.validated_data)
        return Response(TopicSerializer(topic).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TopicChooseSerializer, responses=TopicSerializer)
    @action(detail=True, methods=["post"], url_path="choose-topic")
    def choose_topic(self, request, pk=None):
        """Step 1: choose ``topic`` with a ``rationale``."""
        project = self.get_object()
        payload = TopicChooseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        topic = self._child(Topic, payload.validated_data["topic"], project=project)
        topic = services.topic_choose(
            topic=topic, by=request.user, rationale=payload.validated_data["rationale"] or ""
        )
        return Response(TopicSerializer(topic).data)

    @extend_schema(request=DataPlanSerializer, responses=DataPlanSerializer)
    @action(detail=True, methods=["post", "put"], url_path="data-plan")
    def data_plan(self, request, pk=None):
        """Step 2: the data plan (source, sampling method, sample size, period)."""
        project = self.get_object()
        payload = DataPlanSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.data_plan_save(project=project, by=request.user, **payload.validated_data)
        return Response(DataPlanSerializer(plan).data)

    @extend_schema(request=DatasetCreateSerializer, responses=DatasetSerializer)
    @action(detail=True, methods=["post"])
    def datasets(self, request, pk=None):
        """Step 2: a dataset of counts by category — ``items`` by hand, or ``source_key`` + period
        to pull from QA Center (see ``tqm/sources/``). Step 5 adds ``phase: after`` datasets."""
        project = self.get_object()
        payload = DatasetCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "source_key" in data:
            dataset = services.dataset_pull(
                project=project,
                by=request.user,
                name=data["name"],
                phase=data["phase"],
                source_key=data["source_key"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        else:
            dataset = services.dataset_create(
                project=project,
                by=request.user,
                name=data["name"],
                phase=data["phase"],
                items=[(item["label"], item["count"]) for item in data["items"]],
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
            )
        dataset = Dataset.objects.prefetch_related("items").get(pk=dataset.pk)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ParetoCreateSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def paretos(self, request, pk=None):
        """Step 3: save a Pareto analysis of one of the project's datasets."""
        project = self.get_object()
        payload = ParetoCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dataset = self._child(Dataset, payload.validated_data["dataset"], project=project)
        services.pareto_save(
            project=project,
            by=request.user,
            dataset=dataset,
            other_after_percent=payload.validated_data.get("other_after_percent"),
        )
        return self._detail(project.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CategoryCreateSerializer, responses=FishboneCategorySerializer)
    @action(detail=True, methods=["post"], url_path="fishbone-categories")
    def fishbone_categories(self, request, pk=None):
        """Step 3: add a fishbone category (the 6M are there from the start)."""
        project = self.get_object()
        payload = CategoryCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        category = services.fishbone_category_add(project=project, by=request.user, **payload.validated_data)
        return Response(FishboneCategorySerializer(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CauseCreateSerializer, responses=CauseSerializer)
    @action(detail=True, methods=["post"])
    def causes(self, request, pk=None):
        """Step 3: add a cause (``parent`` for a sub-cause); ``is_root_cause`` needs ``evidence``."""
        project = self.get_object()
        payload = CauseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        category = self._child(FishboneCategory, data["category"], project=project)
        parent = None
        if data.get("parent"):
            parent = self._child(Cause, data["parent"], category__project=project)
        cause = services.cause_add(
            category=category,
            by=request.user,
            text=data["text"],
            parent=parent,
            is_root_cause=data["is_root_cause"],
            evidence=data["evidence"],
        )
        return Response(CauseSerializer(cause).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CauseVerifySerializer, responses=CauseSerializer)
    @action(detail=True, methods=["post"], url_path="verify-cause")
    def verify_cause(self, request, pk=None):
        """Step 3: mark ``cause`` as a verified root cause (``verified``: true/false) with ``evidence``."""
        project = self.get_object()
        payload = CauseVerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        cause = self._child(Cause, data["cause"], category__project=project)
        cause = services.cause_update(
            cause=cause, by=request.user, is_root_cause=data["verified"], evidence=data.get("evidence")
        )
        return Response(CauseSerializer(cause).data)

    @extend_schema(request=CountermeasureCreateSerializer, responses=CountermeasureSerializer)
    @action(detail=True, methods=["post"])
    def countermeasures(self, request, pk=None):
        """Step 4: a candidate action rated 1–5; the priority is computed."""
        project = self.get_object()
        payload = CountermeasureCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        cause_id = data.pop("cause", None)
        cause = self._child(Cause, cause_id, category__project=project) if cause_id else None
        measure = services.countermeasure_add(project=project, by=request.user, cause=cause, **data)
        return Response(CountermeasureSerializer(measure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CountermeasureSelectSerializer, responses=CountermeasureSerializer)
    @action(detail=True, methods=["post"], url_path="select-countermeasure")
    def select_countermeasure(self, request, pk=None):
        """Step 4: select an action, with its owner and due date."""
        project = self.get_object()
        payload = CountermeasureSelectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        measure = self._child(Countermeasure, data["countermeasure"], project=project)
        measure = services.countermeasure_select(
            measure=measure, by=request.user, owner=data["owner"], due_date=data["due_date"]
        )
        return Response(CountermeasureSerializer(measure).data)

    @extend_schema(request=CountermeasureStatusSerializer, responses=CountermeasureSerializer)
    @action(detail=True, methods=["post"], url_path="countermeasure-status")
    def countermeasure_status(self, request, pk=None):
        """Step 4: report an action planned, in progress or done."""
        project = self.get_object()
        payload = CountermeasureStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        measure = self._child(Countermeasure, payload.validated_data["countermeasure"], project=project)
        measure = services.countermeasure_set_status(
            measure=measure, by=request.user, status=payload.validated_data["status"]
        )
        return Response(CountermeasureSerializer(measure).data)

    @extend_schema(request=MeasurementSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def measurements(self, request, pk=None):
        """Step 5: the after-measurement (``successes``/``sample_size`` for a proportion: z-test)."""
        project = self.get_object()
        payload = MeasurementSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.measurement_record(project=project, by=request.user, **payload.validated_data)
        return self._detail(project.pk, status.HTTP_201_CREATED)

    @extend_schema(request=StandardSerializer, responses=StandardSerializer)
    @action(detail=True, methods=["post"])
    def standards(self, request, pk=None):
        """Step 6: a standard (process-manual entry); ``supersedes`` makes it the next version."""
        project = self.get_object()
        payload = StandardSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        standard = services.standard_create(project=project, by=request.user, **payload.validated_data)
        return Response(StandardSerializer(standard).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TrainingCreateSerializer, responses=TrainingRecordSerializer)
    @action(detail=True, methods=["post"])
    def trainings(self, request, pk=None):
        """Step 6: who was trained on which of the project's standards, and when."""
        project = self.get_object()
        payload = TrainingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        standard = self._child(Standard, data.pop("standard"), project=project)
        record = services.training_record_add(standard=standard, by=request.user, **data)
        return Response(TrainingRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReflectionSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post", "put"])
    def reflection(self, request, pk=None):
        """Step 7: lessons learned and the next topic."""
        project = self.get_object()
        payload = ReflectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.reflection_save(project=project, by=request.user, **payload.validated_data)
        return self._detail(project.pk)


# --- Stateless calculators ---------------------------------------------------------------


@extend_schema(tags=["tqm"], request=ParetoInputSerializer, responses=ParetoRowSerializer(many=True))
class ParetoCalculatorView(APIView):
    """Pareto analysis of ``items`` (DESIGN.md §6 rules): rows with count, percent, cumulative
    percent and ``vital_few``; ``other_after_percent`` merges the tail into "Other", drawn last."""

    def post(self, request):
        payload = ParetoInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            result = analysis.pareto(
                [(item["label"], item["count"]) for item in data["items"]],
                other_after_percent=data.get("other_after_percent"),
                other_label=str(_other_label()),
            )
        except analysis.AnalysisError as error:
            raise _analysis_failed(error) from error
        return Response(
            {
                "total": result.total,
                "rows": ParetoRowSerializer(result.rows, many=True).data,
                "vital_few": result.vital_few_labels,
            }
        )


@extend_schema(tags=["tqm"], request=PChartInputSerializer, responses=dict)
class PChartCalculatorView(APIView):
    """p-chart limits: centre line Σd/Σn, per-sample limits with each sample's n (LCL ≥ 0),
    out-of-control samples; ``revise: true`` recomputes without them."""

    def post(self, request):
        payload = PChartInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            result = analysis.p_chart(
                [(sample["defectives"], sample["size"]) for sample in data["samples"]], revise=data["revise"]
            )
        except analysis.AnalysisError as error:
            raise _analysis_failed(error) from error
        return Response(p_chart_payload(result))


def _points(points) -> list[dict]:
    return [
        {
            "index": p.index,
            "defectives": p.defectives,
            "size": p.size,
            "proportion": round(p.proportion, 6),
            "lcl": round(p.lcl, 6),
            "ucl": round(p.ucl, 6),
            "out_of_control": p.out_of_control,
        }
        for p in points
    ]


def p_chart_payload(result: analysis.PChartResult) -> dict:
    revised = None
    if result.revised is not None:
        revised = {
            "center_line": round(result.revised.center_line, 6),
            "points": _points(result.revised.points),
            "out_of_control": result.revised.out_of_control_indices,
        }
    return {
        "center_line": round(result.center_line, 6),
        "points": _points(result.points),
        "out_of_control": result.out_of_control_indices,
        "excluded": list(result.excluded),
        "revised": revised,
    }


@extend_schema(tags=["tqm"], request=EffectTestInputSerializer, responses=EffectTestSerializer)
class EffectTestCalculatorView(APIView):
    """Two-proportion z-test, before vs after: difference, pooled z, two-sided p-value and the
    confidence interval of the difference (unpooled standard errors)."""

    def post(self, request):
        payload = EffectTestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = analysis.two_proportion_test(**payload.validated_data)
        except analysis.AnalysisError as error:
            raise _analysis_failed(error) from error
        return Response(EffectTestSerializer(result).data)


@extend_schema(tags=["tqm"], responses=dict)
class SourcesView(APIView):
    """Where a dataset can be pulled from (``source_key`` for ``projects/{id}/datasets/``)."""

    def get(self, request):
        from . import sources

        return Response([{"key": s.key, "label": str(s.label)} for s in sources.all_sources()])
