from .views import calibration, calls, coaching, evaluations, scorecards

app_name = "scorecards"

urlpatterns = [
    *scorecards.urlpatterns,
    *calls.urlpatterns,
    *evaluations.urlpatterns,
    *calibration.urlpatterns,
    *coaching.urlpatterns,
]
