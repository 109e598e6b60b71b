from django.urls import path

from practices import audit_views, views

app_name = "practices"
urlpatterns = [
    path("clients/new/", views.client_add, name="client_add"),
    path("clients/<code:code>/edit/", views.client_edit, name="client_edit"),
    path("clients/<code:code>/goals/new/", views.goal_add, name="goal_add"),
    path("goals/<code:code>/edit/", views.goal_edit, name="goal_edit"),
    path("clients/<code:code>/appointments/new/", views.appointment_add, name="appointment_add"),
    path("appointments/<code:code>/edit/", views.appointment_edit, name="appointment_edit"),
    path("team/", views.team, name="team"),
    path("team/audit/", audit_views.audit_search, name="audit_search"),
    path("team/crisis/", views.crisis_settings, name="crisis_settings"),
    path("my/access/", audit_views.access_history, name="access_history"),
    path("invitations/<code:code>/", views.care_invitation, name="care_invitation"),
]
