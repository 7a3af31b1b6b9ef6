"""Metrics pages: import, KPIs and targets, the monthly ranking — one URL module per area."""

from . import urls_imports, urls_kpis, urls_ranking

app_name = "metrics"

urlpatterns = [*urls_kpis.urlpatterns, *urls_imports.urlpatterns, *urls_ranking.urlpatterns]
