from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "anpi.tenants"
    label = "tenants"
