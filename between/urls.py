from django.urls import include, path

from between import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/crisis/", views.crisis, name="crisis"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("homework.urls")),
]
