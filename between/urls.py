from django.urls import include, path, register_converter

from api.api import api
from between import views
from lib.converters import CodeConverter

# Before the patterns below are built: the pages and the API (api.urls) both use <code:...>.
register_converter(CodeConverter, "code")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/crisis/", views.crisis, name="crisis"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("homework.urls")),
    path("", include("insights.urls")),
    path("", include("notifications.urls")),
    path("api/v1/", api.urls),
]
