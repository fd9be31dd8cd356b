"""The JSON API (``/api/``: schema ``/api/schema/``, docs ``/api/docs/``) and
the tenant admin's token page (``/api-tokens/``)."""

from django.urls import path

from .main import api
from .token_views import token_list, token_revoke

urlpatterns = [
    path("api/", api.urls),
    path("api-tokens/", token_list, name="api-tokens"),
    path("api-tokens/<int:token_id>/revoke/", token_revoke, name="api-token-revoke"),
]
