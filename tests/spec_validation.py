"""Validation against LINE's OpenAPI specs that follows discriminators.

JSON-Schema validators do not descend through OpenAPI 3.0 ``discriminator``
mappings: ``{"type": "text"}`` passes as a ``Message`` although a text message
needs ``text``. This walker validates each object against the schema its
discriminator maps to, all the way down (messages, Flex components, actions,
webhook events, sources, message contents).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "line-openapi"


@lru_cache(maxsize=4)
def load_spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))


class SpecValidator:
    def __init__(self, spec_name: str) -> None:
        self.spec = load_spec(spec_name)
        self.components = self.spec.get("components", {})

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.components["schemas"][name]
        return schema

    def _check(self, instance: Any, ref: str, where: str) -> None:
        validator = OAS30Validator({"$ref": ref, "components": self.components})
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            path = where + "".join(f"[{p!r}]" for p in first.path)
            raise ValidationError(f"{path}: {first.message}")

    def validate(self, instance: Any, schema_name: str, where: str = "body") -> None:
        ref = f"#/components/schemas/{schema_name}"
        self._check(instance, ref, where)
        self._walk(instance, {"$ref": ref}, where)

    def _walk(self, instance: Any, schema: dict[str, Any], where: str) -> None:
        resolved = self._resolve(schema)
        discriminator = resolved.get("discriminator")
        if discriminator and isinstance(instance, dict):
            tag = instance.get(discriminator["propertyName"])
            target = discriminator.get("mapping", {}).get(tag)
            if target is None:
                raise ValidationError(f"{where}: unknown {discriminator['propertyName']} {tag!r}")
            self._check(instance, target, where)
            self._walk_properties(instance, {"$ref": target}, where)
        else:
            self._walk_properties(instance, schema, where)

    def _walk_properties(self, instance: Any, schema: dict[str, Any], where: str) -> None:
        if not isinstance(instance, dict):
            return
        resolved = self._resolve(schema)
        parts = [resolved, *(self._resolve(s) for s in resolved.get("allOf", []))]
        for part in parts:
            for name, sub in part.get("properties", {}).items():
                if name in instance:
                    self._walk_value(instance[name], sub, f"{where}.{name}")

    def _walk_value(self, value: Any, schema: dict[str, Any], where: str) -> None:
        resolved = self._resolve(schema)
        if resolved.get("type") == "array" and isinstance(value, list):
            for i, item in enumerate(value):
                self._walk(item, resolved.get("items", {}), f"{where}[{i}]")
        elif isinstance(value, dict):
            self._walk(value, schema, where)

    def request_schema_name(self, method: str, path: str) -> str | None:
        operation = self.spec["paths"].get(path, {}).get(method.lower(), {})
        content = operation.get("requestBody", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref")
        return ref.rsplit("/", 1)[-1] if ref else None
