"""Mobile pages reached from LINE (being written: settings form, contact consent)."""

from django.http import HttpResponse


def settings_page(request, token):
    return HttpResponse(status=501)


def contact_confirm(request, token):
    return HttpResponse(status=501)
