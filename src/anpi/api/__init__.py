"""The JSON API (OpenAPI 3, django-ninja): ``/api/``, docs at ``/api/docs/``.

A tenant's programs call it with a per-tenant token (``models.ApiToken``,
managed by tenant admins on the dashboard page ``/api-tokens/``). Everything
is scoped by the token's tenant; writes go through the actions layer with an
``Actor.api`` and leave an audit row; reads of personal data are audited too.
docs/api.md is the user's guide.
"""
