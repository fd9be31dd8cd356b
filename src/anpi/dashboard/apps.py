from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "anpi.dashboard"
    label = "dashboard"
