from django.urls import path

from homework import client_views, views

app_name = "homework"
urlpatterns = [
    # Therapist pages
    path("library/", views.template_list, name="template_list"),
    path("library/<str:code>/", views.template_detail, name="template_detail"),
    path("clients/<str:client_code>/assign/", views.assign_choose, name="assign_choose"),
    path("clients/<str:client_code>/assign/<str:template_code>/", views.assign, name="assign"),
    path("assignments/<str:code>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<str:code>/edit/", views.assignment_edit, name="assignment_edit"),
    path("assignments/<str:code>/review/", views.assignment_review, name="assignment_review"),
    path("entries/<str:code>/", views.entry_detail, name="entry_detail"),
    # Client pages
    path("today/", client_views.client_home, name="client_home"),
    path("my/assignments/<str:code>/", client_views.client_assignment, name="client_assignment"),
    path("my/assignments/<str:code>/log/", client_views.entry_new, name="entry_new"),
    path("my/entries/", client_views.client_history, name="client_history"),
    path("my/entries/<str:code>/", client_views.client_entry, name="client_entry"),
    path("my/entries/<str:code>/edit/", client_views.entry_edit, name="entry_edit"),
]
