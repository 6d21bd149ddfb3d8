"""A method's request model → one self-contained JSON Schema (draft 4), ready to compile.

A model may reference another model of the same API
(https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html):

- ``{"$ref": "https://apigateway.amazonaws.com/restapis/{api id}/models/{name}"}`` (the form the
  console and CloudFormation use);
- ``{"$ref": "#/definitions/{name}"}`` (Swagger 2) or ``#/components/schemas/{name}`` (OpenAPI 3),
  the forms an imported definition keeps.

Each referenced model is copied under ``definitions`` of the root and the reference rewritten to
``#/definitions/{name}``, recursively, so the compiled schema needs no resolver. A schema without
``$schema`` is read as draft 4, the draft API Gateway implements.

Errors::

    TemplateError    a reference to a model the API does not have
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vpcgate.errors import TemplateError
from vpcgate.spec.model import Model, thaw_json

__all__ = ["DRAFT4", "model_schema"]

DRAFT4 = "http://json-schema.org/draft-04/schema#"

_MODEL_REF = re.compile(
    r"^(?:https://apigateway\.amazonaws\.com/restapis/[^/]+/models/|#/definitions/|#/components/schemas/)"
    r"([A-Za-z0-9_.-]+)$"
)


def model_schema(name: str, models: Mapping[str, Model], where: str) -> dict[str, Any]:
    """The schema of model ``name`` with every model it reaches inlined under ``definitions``."""
    model = models.get(name)
    if model is None:
        raise TemplateError(f"{where}: no model {name!r} in the API")
    inlined: dict[str, Any] = {}
    root = _rewrite(thaw_json(model.schema) if model.schema is not None else {}, models, inlined, where)
    if not isinstance(root, dict):
        raise TemplateError(f"{where}: model {name!r} is not a JSON schema object")
    if inlined:
        own = root.get("definitions")
        root["definitions"] = {**inlined, **(own if isinstance(own, dict) else {})}
    root.setdefault("$schema", DRAFT4)
    return root


def _rewrite(value: Any, models: Mapping[str, Model], inlined: dict[str, Any], where: str) -> Any:
    if isinstance(value, list):
        return [_rewrite(item, models, inlined, where) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _rewrite(item, models, inlined, where) for key, item in value.items()}
    ref = out.get("$ref")
    if isinstance(ref, str):
        match = _MODEL_REF.match(ref)
        if match is not None:
            out["$ref"] = "#/definitions/" + _inline(match.group(1), models, inlined, where, ref)
    return out


def _inline(name: str, models: Mapping[str, Model], inlined: dict[str, Any], where: str, ref: str) -> str:
    if name in inlined:
        return name
    model = models.get(name)
    if model is None:
        raise TemplateError(f"{where}: schema reference {ref!r} names no model of the API")
    inlined[name] = {}  # placeholder: a model may reference itself
    schema = _rewrite(thaw_json(model.schema) if model.schema is not None else {}, models, inlined, where)
    if isinstance(schema, dict):
        schema.pop("$schema", None)
    inlined[name] = schema
    return name
