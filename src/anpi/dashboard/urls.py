from django.urls import path

from .views import people, platform, queue, staff, tenant

app_name = "dashboard"
urlpatterns = [
    path("", queue.call_queue, name="home"),
    path("tasks/<int:task_id>/outcome/", queue.task_outcome, name="task-outcome"),
    path("tasks/<int:task_id>/decide/", queue.task_decision, name="task-decide"),
    path("people/", people.people_list, name="people"),
    path("people/<int:person_id>/", people.person_detail, name="person"),
    path("contacts/<int:contact_id>/confirm/", people.contact_confirm, name="contact-confirm"),
    path("tenant/", tenant.switch_tenant, name="switch-tenant"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/<int:membership_id>/disable/", staff.staff_disable, name="staff-disable"),
    path("staff/<int:membership_id>/enable/", staff.staff_enable, name="staff-enable"),
    path("platform/tenants/", platform.tenants, name="platform-tenants"),
]
