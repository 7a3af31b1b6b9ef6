"""API: KPIs per group and period, KPI targets, an agent's assessment against their team."""

from django.urls import path

from . import api_kpis

urlpatterns = [
    path("metrics/kpis/", api_kpis.KpiView.as_view(), name="metrics-kpis"),
    path("metrics/assessment/", api_kpis.AssessmentView.as_view(), name="metrics-assessment"),
    path("metrics/targets/", api_kpis.TargetListView.as_view(), name="metrics-targets"),
    path("metrics/targets/<str:kpi>/", api_kpis.TargetDetailView.as_view(), name="metrics-target"),
]
