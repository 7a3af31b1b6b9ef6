from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tqm/projects", api.ProjectViewSet, basename="tqm-project")

urlpatterns = [
    path("tqm/pareto/", api.ParetoCalculatorView.as_view(), name="tqm-pareto"),
    path("tqm/p-chart/", api.PChartCalculatorView.as_view(), name="tqm-p-chart"),
    path("tqm/effect-test/", api.EffectTestCalculatorView.as_view(), name="tqm-effect-test"),
    path("tqm/sources/", api.SourcesView.as_view(), name="tqm-sources"),
    *router.urls,
]
