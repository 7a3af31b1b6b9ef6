from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("complaints/categories", api.CategoryViewSet, basename="category")
router.register("tickets", api.TicketViewSet, basename="ticket")
# The same tickets under the app's prefix, for clients that group resources by app.
router.register("complaints/tickets", api.TicketViewSet, basename="complaints-ticket")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
