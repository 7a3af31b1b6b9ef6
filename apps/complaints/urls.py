from django.urls import path  # noqa: F401 - the pages helper fills urlpatterns

app_name = "complaints"

urlpatterns: list = []
