from django.urls import path

from .views import line_settings, people, platform, queue, staff, tenant

app_name = "dashboard"
urlpatterns = [
    path("", queue.call_queue, name="home"),
    path("tasks/<int:task_id>/outcome/", queue.task_outcome, name="task-outcome"),
    path("people/", people.people_list, name="people"),
    path("people/<int:person_id>/", people.person_detail, name="person"),
    path("contacts/<int:contact_id>/confirm/", people.contact_confirm, name="contact-confirm"),
    path("tenant/", tenant.switch_tenant, name="switch-tenant"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/<int:membership_id>/disable/", staff.staff_disable, name="staff-disable"),
    path("staff/<int:membership_id>/enable/", staff.staff_enable, name="staff-enable"),
    path("settings/line/", line_settings.line_settings, name="line-settings"),
    path("settings/line/friend-qr.svg", line_settings.friend_qr, name="line-friend-qr"),
    path("platform/tenants/", platform.tenants, name="platform-tenants"),
]
