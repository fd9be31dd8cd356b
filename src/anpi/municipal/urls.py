from django.urls import path

from . import views, watch

app_name = "municipal"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("channel/", views.channel_settings, name="channel"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("policies/new/", views.policy_new, name="policy-new"),
    path("teams/new/", views.team_new, name="team-new"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("teams/<int:team_id>/invites/", views.invite_new, name="invite-new"),
    path("invites/<int:invite_id>/qr.svg", views.invite_qr, name="invite-qr"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("groups/<int:group_id>/", views.group_detail, name="group"),
    path("watch/", watch.watcher_home, name="watch"),
]
