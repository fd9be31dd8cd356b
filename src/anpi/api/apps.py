from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API: its tokens (models) and the token page's template."""

    name = "anpi.api"
    label = "api"
    verbose_name = "JSON API"
