"""API: daily rows, CSV imports and their jobs."""

from django.urls import path

from . import api_imports

urlpatterns = [
    path("metrics/daily/", api_imports.DailyRowsView.as_view(), name="metrics-daily"),
    path("metrics/import/", api_imports.ImportUploadView.as_view(), name="metrics-import"),
    path("metrics/import/<int:pk>/", api_imports.ImportJobView.as_view(), name="metrics-import-detail"),
]
