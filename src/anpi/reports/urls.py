from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.monthly, name="monthly"),
    path("report.csv", views.monthly_csv, name="csv"),
    path("report.pdf", views.monthly_pdf, name="pdf"),
]
