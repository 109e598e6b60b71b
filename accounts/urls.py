from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("welcome/", views.sign_in_link_open, name="sign_in_link_open"),
    path("welcome/<str:token>/", views.sign_in_link, name="sign_in_link"),
]
