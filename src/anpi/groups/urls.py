from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("s/<str:token>/", views.group_settings, name="settings"),
]
