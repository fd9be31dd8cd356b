from django.contrib.auth import views as auth_views
from django.urls import include, path

from anpi.dashboard.views import account
from anpi.dashboard.views.assets import favicon
from anpi.dashboard.views.health import healthz
from anpi.engine.webhook import line_webhook

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("demo/", include("anpi.demo.urls")),
    path("line/webhook/<str:token>/", line_webhook, name="line-webhook"),
    # LINE does not follow redirects: the console's Verify must work without the slash too.
    path("line/webhook/<str:token>", line_webhook, name="line-webhook-no-slash"),
    path(
        "login/", auth_views.LoginView.as_view(template_name="dashboard/login.html"), name="login"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Reachable with a password but no second factor yet (tenants.access).
    path("account/2fa/setup/", account.two_factor_setup, name="two-factor-setup"),
    path("account/2fa/verify/", account.two_factor_verify, name="two-factor-verify"),
    path("account/2fa/recovery/", account.two_factor_recovery, name="two-factor-recovery"),
    path("join/<str:token>/", account.staff_invite, name="staff-invite"),
    # The JSON API (/api/, docs/api.md) and its token page for tenant admins.
    path("", include("anpi.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("anpi.individual.urls")),
    path("g/", include("anpi.groups.urls")),
    path("m/", include("anpi.municipal.urls")),
    path("reports/", include("anpi.reports.urls")),
    path("", include("anpi.dashboard.urls")),
]
