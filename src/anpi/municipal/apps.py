from django.apps import AppConfig


class MunicipalConfig(AppConfig):
    name = "anpi.municipal"
    verbose_name = "安否通知（自治体）"
