"""Pages: the CSV import of daily figures, its template, a big file's progress."""

from django.urls import path

from . import views_imports

urlpatterns = [
    path("import/", views_imports.daily_import, name="import"),
    path("import/template.csv", views_imports.daily_import_template, name="import_template"),
    path("import/<int:pk>/", views_imports.daily_import_status, name="import_status"),
    path("import/<int:pk>/progress/", views_imports.daily_import_progress, name="import_progress"),
]
