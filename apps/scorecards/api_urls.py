from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("scorecards", api.ScorecardViewSet, basename="scorecard")
router.register("calls", api.CallViewSet, basename="call")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")
router.register("disputes", api.DisputeViewSet, basename="dispute")
router.register("samples", api.SampleViewSet, basename="sample")
router.register("queue", api.QueueViewSet, basename="queue")

urlpatterns = router.urls
