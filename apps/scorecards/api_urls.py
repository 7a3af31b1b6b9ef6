from rest_framework.routers import SimpleRouter

from . import api, api_calibration

router = SimpleRouter()
router.register("scorecards", api.ScorecardViewSet, basename="scorecard")
router.register("calls", api.CallViewSet, basename="call")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")
router.register("disputes", api.DisputeViewSet, basename="dispute")
router.register("samples", api.SampleViewSet, basename="sample")
router.register("queue", api.QueueViewSet, basename="queue")
router.register("calibrations", api_calibration.CalibrationViewSet, basename="calibration")
router.register("coaching", api_calibration.CoachingViewSet, basename="coaching")

urlpatterns = router.urls
