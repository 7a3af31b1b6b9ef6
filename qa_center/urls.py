from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts import views as account_views

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("apps.accounts.urls")),
    path("qa/", include("apps.scorecards.urls")),
    path("complaints/", include("apps.complaints.urls")),
    path("tqm/", include("apps.tqm.urls")),
    path("metrics/", include("apps.metrics.urls")),
    path("reports/", include("apps.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("qa_center.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "qa_center.views.permission_denied"
handler404 = "qa_center.views.page_not_found"
handler500 = "qa_center.views.server_error"
