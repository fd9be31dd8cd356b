"""The ``NinjaAPI`` instance: routers, token auth, problem details, the schema.

Served under ``/api/`` (``anpi.urls``): the OpenAPI 3 schema at
``/api/schema/`` and Swagger UI at ``/api/docs/``. The docs page uses
django-ninja's bundled Swagger UI files (``ninja`` is an installed app, so no
CDN): scripts and styles come from anpi's own static files and the page has
no inline script, so it works under anpi's Content-Security-Policy and on a
network without the internet. Swagger UI's online validator badge is off.

Every operation documents its error answers (400, 401, 404, 409, 422) as
``application/problem+json`` with the ``Problem`` schema, so a client (and
the schemathesis test) can rely on the schema for failures too.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger

from . import checks, people, problems, reports, tasks
from .auth import TokenAuth

ERROR_STATUSES = (400, 401, 404, 409, 422)

DESCRIPTION = """\
anpi's JSON API for a tenant's own programs: people and their schedules,
checks, alerts, staff tasks and a monthly summary.

Authenticate with a tenant API token (made by a tenant admin on the dashboard's
**API tokens** page): `Authorization: Bearer anpi_…`. Errors are RFC 9457
problem details (`application/problem+json`). Guide: docs/api.md.
"""


class AnpiAPI(NinjaAPI):
    """A ``NinjaAPI`` whose schema documents the problem-details answers."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = problems.Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        nested = components["Problem"].pop("$defs", {})
        components.update(nested)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status in ERROR_STATUSES:
                    responses[str(status)] = {
                        "description": problems.TITLES[status],
                        "content": {
                            problems.MEDIA_TYPE: {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    }
        return schema


api = AnpiAPI(
    title="anpi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    auth=TokenAuth(),
)
problems.install(api)
api.add_router("", people.router)
api.add_router("", checks.router)
api.add_router("", tasks.router)
api.add_router("", reports.router)
