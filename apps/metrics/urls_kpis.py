"""Pages: the KPI overview, a team's and an agent's KPIs, an agent's assessment, targets, glossary."""

from django.urls import path

from . import views_kpis

urlpatterns = [
    path("kpis/", views_kpis.kpi_overview, name="kpi_overview"),
    path("kpis/teams/<int:pk>/", views_kpis.kpi_team, name="kpi_team"),
    path("kpis/agents/<int:pk>/", views_kpis.kpi_agent, name="kpi_agent"),
    path("kpis/agents/<int:pk>/assessment/", views_kpis.kpi_assessment, name="kpi_assessment"),
    path("kpis/targets/", views_kpis.kpi_targets, name="kpi_targets"),
    path("kpis/glossary/", views_kpis.kpi_glossary, name="kpi_glossary"),
]
