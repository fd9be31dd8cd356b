from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "anpi.tenants"
    label = "tenants"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="anpi-stamp-sign-in")
