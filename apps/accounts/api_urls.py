from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("departments", api.DepartmentViewSet, basename="department")

urlpatterns = [path("me/", api.MeView.as_view(), name="me"), *router.urls]
