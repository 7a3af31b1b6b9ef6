from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("qa/", views.dashboard, {"key": "qa"}, name="qa"),
    path("complaints/", views.dashboard, {"key": "complaints"}, name="complaints"),
    path("improvement/", views.dashboard, {"key": "improvement"}, name="improvement"),
    path("management/", views.dashboard, {"key": "management"}, name="management"),
    path("mine/", views.dashboard, {"key": "mine"}, name="mine"),
    path("regenerate/", views.regenerate, name="regenerate"),
    path("tasks/<str:task_id>/", views.task_progress, name="task_progress"),
    path("charts/<int:pk>.svg", views.chart_file, {"fmt": "svg"}, name="chart_svg"),
    path("charts/<int:pk>.png", views.chart_file, {"fmt": "png"}, name="chart_png"),
    path("charts/<int:pk>.csv", views.chart_file, {"fmt": "csv"}, name="chart_csv"),
]
