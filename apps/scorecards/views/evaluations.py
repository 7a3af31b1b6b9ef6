"""Pages: evaluations. Each module lists its own urlpatterns; apps/scorecards/urls.py joins them."""

urlpatterns: list = []
