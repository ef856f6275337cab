from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path(
        "notifications/<int:notification_id>/open/",
        views.open_notification,
        name="notification-open",
    ),
    path("notifications/read/", views.mark_all_read, name="notifications-read"),
    path("profile/", views.profile, name="profile"),
]
