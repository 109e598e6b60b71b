from django.urls import path

from homework import client_views, draft_views, views

app_name = "homework"
urlpatterns = [
    # Therapist pages
    path("clients/", views.client_list, name="client_list"),
    path("clients/<code:code>/", views.client_detail, name="client_detail"),
    path("library/", views.template_list, name="template_list"),
    path("library/<code:code>/", views.template_detail, name="template_detail"),
    path("clients/<code:client_code>/assign/", views.assign_choose, name="assign_choose"),
    path("clients/<code:client_code>/assign/<code:template_code>/", views.assign, name="assign"),
    path("assignments/<code:code>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<code:code>/edit/", views.assignment_edit, name="assignment_edit"),
    path("assignments/<code:code>/review/", views.assignment_review, name="assignment_review"),
    path("entries/<code:code>/", views.entry_detail, name="entry_detail"),
    path("entries/<code:code>/risk-seen/", views.risk_seen, name="risk_seen"),
    # Client pages
    path("today/", client_views.client_home, name="client_home"),
    path("my/assignments/<code:code>/", client_views.client_assignment, name="client_assignment"),
    path("my/assignments/<code:code>/log/", client_views.entry_new, name="entry_new"),
    path("my/assignments/<code:code>/quick-log/", client_views.quick_log, name="quick_log"),
    path("my/assignments/<code:code>/self-rating/", client_views.self_rating, name="self_rating"),
    path("my/entries/", client_views.client_history, name="client_history"),
    path("my/entries/<code:code>/", client_views.client_entry, name="client_entry"),
    path("my/entries/<code:code>/edit/", client_views.entry_edit, name="entry_edit"),
    # What the log form holds as the client types (static/js/drafts.js): JSON, POST only
    path("my/assignments/<code:code>/draft/", draft_views.draft, name="draft"),
    path("my/entries/<code:code>/draft/", draft_views.entry_draft, name="entry_draft"),
]
