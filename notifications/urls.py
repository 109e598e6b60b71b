from django.urls import path

from notifications import client_views, operator_views, therapist_views

app_name = "notifications"
urlpatterns = [
    # The client's reminder settings and calendar feed.
    path("my/reminders/", client_views.settings_page, name="settings"),
    path("my/reminders/calendar/", client_views.feed_manage, name="feed_manage"),
    # Signed links that work without signing in.
    path("reminders/pause/<str:token>/", client_views.pause, name="pause"),
    path("calendar/<str:token>.ics", client_views.feed, name="feed"),
    # The therapist's notices and when they hear of them.
    path("notices/", therapist_views.notices, name="notices"),
    path("notices/settings/", therapist_views.notice_settings, name="notice_settings"),
    # The practice owner: deliveries that failed, and a retry.
    path("team/deliveries/", operator_views.failed_deliveries, name="failed_deliveries"),
]
