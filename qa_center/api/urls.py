"""/api/v1/: each app's API is included under its own prefix."""

from django.urls import include, path

from apps.accounts.api import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("accounts/", include("apps.accounts.api_urls")),
    path("", include("apps.scorecards.api_urls")),
    path("", include("apps.complaints.api_urls")),
    path("", include("apps.tqm.api_urls")),
    path("", include("apps.metrics.api_urls")),
    path("", include("apps.reports.api_urls")),
]
