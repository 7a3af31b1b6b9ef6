"""/api/v1/metrics/…: daily rows and import, KPIs and targets, the ranking."""

from . import api_urls_imports, api_urls_kpis, api_urls_ranking

urlpatterns = [*api_urls_imports.urlpatterns, *api_urls_kpis.urlpatterns, *api_urls_ranking.urlpatterns]
