from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "anpi.demo"
    label = "demo"
