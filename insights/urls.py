from django.urls import path

from insights import client_views, home_views, views

app_name = "insights"
urlpatterns = [
    # The therapist's start page and their feedback on their own assigning.
    path("home/", home_views.home, name="home"),
    path("home/my-assigning/", home_views.assigning_feedback, name="assigning_feedback"),
    # The pre-session brief of one appointment, as a page and as a PDF.
    path("appointments/<code:code>/brief/", views.brief, name="brief"),
    path("appointments/<code:code>/brief.pdf", views.brief_pdf, name="brief_pdf"),
    path("topics/<code:code>/discussed/", views.topic_discussed, name="topic_discussed"),
    # The client's topics for next time and their progress.
    path("my/topics/", client_views.topics, name="topics"),
    path("my/progress/", client_views.progress, name="progress"),
]
