from django.urls import path

from . import mailbox

app_name = "demo"
urlpatterns = [
    path("mail/", mailbox.mailbox, name="mailbox"),
]
