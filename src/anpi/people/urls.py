from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("s/<str:token>/", views.settings_page, name="settings"),
    path("c/<str:token>/", views.contact_confirm, name="contact-confirm"),
]
