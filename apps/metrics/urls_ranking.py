"""Pages: the monthly ranking, its CSV export, the weights and the business-ability scores."""

from django.urls import path

from . import views_ranking

urlpatterns = [
    path("ranking/", views_ranking.ranking_page, name="ranking"),
    path("ranking/export.csv", views_ranking.ranking_export, name="ranking_export"),
    path("ranking/weights/", views_ranking.ranking_weights, name="ranking_weights"),
    path("ranking/ability-scores/", views_ranking.ability_scores, name="ability_scores"),
    path("ranking/ability-scores/example.csv", views_ranking.ability_template, name="ability_template"),
]
