"""/api/v1/reports/…: chart snapshots and their files, the kinds, "regenerate now" and its progress."""

from django.urls import path

from . import api


def _also_with_slash(view_class):
    """The same file endpoint under ``…/png/``; left out of the schema, which documents ``…/png``."""
    return type(f"{view_class.__name__}WithSlash", (view_class,), {"schema": None}).as_view()


urlpatterns = [
    path("reports/charts/", api.ChartListView.as_view(), name="reports-charts"),
    path("reports/charts/kinds/", api.KindListView.as_view(), name="reports-kinds"),
    path("reports/charts/regenerate/", api.RegenerateView.as_view(), name="reports-regenerate"),
    path("reports/charts/<int:pk>/", api.ChartDetailView.as_view(), name="reports-chart"),
    path("reports/charts/<int:pk>/png", api.ChartPngView.as_view(), name="reports-chart-png"),
    path("reports/charts/<int:pk>/svg", api.ChartSvgView.as_view(), name="reports-chart-svg"),
    path("reports/charts/<int:pk>/csv", api.ChartCsvView.as_view(), name="reports-chart-csv"),
    path("reports/charts/<int:pk>/png/", _also_with_slash(api.ChartPngView)),
    path("reports/charts/<int:pk>/svg/", _also_with_slash(api.ChartSvgView)),
    path("reports/charts/<int:pk>/csv/", _also_with_slash(api.ChartCsvView)),
    path("reports/tasks/<str:task_id>/", api.TaskView.as_view(), name="reports-task"),
]
