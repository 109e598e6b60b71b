from django.urls import include, path, register_converter

from between import views
from lib.converters import CodeConverter

register_converter(CodeConverter, "code")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/crisis/", views.crisis, name="crisis"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("homework.urls")),
]
