from django.urls import path

from . import views

app_name = "tqm"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create, name="project_create"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/step/<int:step>/", views.project_step, name="project_step"),
    path("<int:pk>/advance/", views.project_advance, name="project_advance"),
    path("<int:pk>/back/", views.project_back, name="project_back"),
    path("<int:pk>/status/", views.project_status, name="project_status"),
    # Every form of the step pages posts here; ``action`` names the service it calls.
    path("<int:pk>/act/<slug:action>/", views.project_act, name="project_act"),
    path("<int:pk>/charts/pareto/<int:pareto_id>.<str:fmt>", views.pareto_chart, name="pareto_chart"),
    path("<int:pk>/charts/fishbone.<str:fmt>", views.fishbone_chart, name="fishbone_chart"),
    path("<int:pk>/charts/before-after.<str:fmt>", views.before_after_chart, name="before_after_chart"),
    path("<int:pk>/report/", views.project_report, name="project_report"),
    path("<int:pk>/report.pdf", views.project_report_pdf, name="project_report_pdf"),
    path("tools/", views.calculators, name="calculators"),
    path("tools/pareto/", views.pareto_calculator, name="pareto_calculator"),
    path("tools/p-chart/", views.p_chart_calculator, name="p_chart_calculator"),
    path("tools/effect-test/", views.effect_test_calculator, name="effect_test_calculator"),
]
