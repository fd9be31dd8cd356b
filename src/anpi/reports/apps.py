from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "anpi.reports"
    label = "reports"
    verbose_name = "Pilot reports"
