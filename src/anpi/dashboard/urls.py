from django.urls import path

from .views import audit, line_settings, pauses, people, platform, privacy, queue, staff, tenant

app_name = "dashboard"
urlpatterns = [
    path("", queue.call_queue, name="home"),
    path("tasks/<int:task_id>/outcome/", queue.task_outcome, name="task-outcome"),
    path("tasks/<int:task_id>/decide/", queue.task_decision, name="task-decide"),
    path("people/", people.people_list, name="people"),
    path("people/<int:person_id>/", people.person_detail, name="person"),
    path("people/<int:person_id>/notes/", privacy.person_notes, name="person-notes"),
    path(
        "people/<int:person_id>/withdraw-consent/",
        privacy.person_withdraw_consent,
        name="person-withdraw-consent",
    ),
    path("people/<int:person_id>/pause/", pauses.person_pause, name="person-pause"),
    path("people/<int:person_id>/pause/end/", pauses.person_pause_end, name="person-pause-end"),
    path("people/<int:person_id>/export/", privacy.person_export, name="person-export"),
    path("people/<int:person_id>/erase/", privacy.person_erase, name="person-erase"),
    path("contacts/<int:contact_id>/confirm/", people.contact_confirm, name="contact-confirm"),
    path("tenant/", tenant.switch_tenant, name="switch-tenant"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/<int:membership_id>/disable/", staff.staff_disable, name="staff-disable"),
    path("staff/<int:membership_id>/enable/", staff.staff_enable, name="staff-enable"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit-export"),
    path("settings/line/", line_settings.line_settings, name="line-settings"),
    path("settings/quiet-hours/", pauses.quiet_hours, name="quiet-hours"),
    path("settings/line/friend-qr.svg", line_settings.friend_qr, name="line-friend-qr"),
    path("platform/tenants/", platform.tenants, name="platform-tenants"),
]
