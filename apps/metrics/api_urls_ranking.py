"""API: the monthly ranking, its weights and the business-ability scores."""

from django.urls import path

from . import api_ranking

urlpatterns = [
    path("metrics/ranking/", api_ranking.RankingView.as_view(), name="metrics-ranking"),
    path(
        "metrics/ranking/weights/", api_ranking.RankingWeightsView.as_view(), name="metrics-ranking-weights"
    ),
    path("metrics/ability-scores/", api_ranking.AbilityScoresView.as_view(), name="metrics-ability-scores"),
]
