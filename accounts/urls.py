from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("welcome/<str:token>/", views.sign_in_link, name="sign_in_link"),
]
