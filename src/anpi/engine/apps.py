from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "anpi.engine"
    label = "engine"
