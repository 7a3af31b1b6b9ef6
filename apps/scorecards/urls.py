from .views import calls, evaluations, scorecards

app_name = "scorecards"

urlpatterns = [*scorecards.urlpatterns, *calls.urlpatterns, *evaluations.urlpatterns]
