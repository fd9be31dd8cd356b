from django.urls import path

from . import contact_report, views

app_name = "individual"
urlpatterns = [
    path("s/<str:token>/", views.settings_page, name="settings"),
    path("s/<str:token>/withdraw/", views.settings_withdraw, name="settings-withdraw"),
    path("s-done/", views.settings_done, name="settings-done"),
    path("terms/", views.terms, name="terms"),
    path("c/<str:token>/", views.contact_confirm, name="contact-confirm"),
    path("r/<str:token>/", contact_report.contact_report, name="contact-report"),
]
