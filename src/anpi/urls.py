from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path

from anpi.engine.webhook import line_webhook


def healthz(request):
    from anpi.engine.health import health_report, track_incident

    report = health_report()
    if report.get("database") == "ok":
        track_incident(report)
    return JsonResponse(report, status=200 if report["ok"] else 503)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("line/webhook/<str:token>/", line_webhook, name="line-webhook"),
    # LINE does not follow redirects: the console's Verify must work without the slash too.
    path("line/webhook/<str:token>", line_webhook, name="line-webhook-no-slash"),
    path(
        "login/", auth_views.LoginView.as_view(template_name="dashboard/login.html"), name="login"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("anpi.individual.urls")),
    path("g/", include("anpi.groups.urls")),
    path("m/", include("anpi.municipal.urls")),
    path("", include("anpi.dashboard.urls")),
]
