from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("export.csv", views.ticket_export, name="ticket_export"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/transition/", views.ticket_transition, name="ticket_transition"),
    path("<int:pk>/waiting/", views.ticket_waiting, name="ticket_waiting"),
    path("<int:pk>/promote/", views.ticket_promote, name="ticket_promote"),
    path("<int:pk>/attachments/", views.ticket_attach, name="ticket_attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
