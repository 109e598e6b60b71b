from django.urls import include, path, register_converter

from api.api import api
from between import views
from lib.converters import CodeConverter

# Before the patterns below are built: the pages and the API (api.urls) both use <code:...>.
register_converter(CodeConverter, "code")

# No stack trace, setting or path ever reaches the page; the request id does (T-IN-7).
handler500 = views.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/crisis/", views.crisis, name="crisis"),
    # Installing Between as an app: public, the same for everyone (between/views.py).
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("homework.urls")),
    path("", include("insights.urls")),
    path("", include("notifications.urls")),
    path("api/v1/", api.urls),
]
