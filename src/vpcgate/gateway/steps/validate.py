"""Validate: a method's request validator checks required request parameters, then the body
against the model for its content type, before any integration work.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html

- The validator is the method's (``RequestValidatorId`` / ``x-amazon-apigateway-request-validator``),
  else the API's default; a method whose validator checks nothing has no validate step.
- ``validateRequestParameters``: every ``method.request.{path|querystring|header|multivaluequerystring|
  multivalueheader}.NAME`` marked required must be present (headers case-insensitively); missing →
  400 BAD_REQUEST_PARAMETERS ``Missing required request parameters: [a, b]``, names in the order the
  method declares them.
- ``validateRequestBody``: the model for the request's media type (a request without Content-Type
  counts as ``application/json``, as for templates), else the ``$default`` model, else nothing to
  check. A body that is not JSON, or fails the model → 400 BAD_REQUEST_BODY ``Invalid request body``
  with ``$context.error.validationErrorString`` saying why
  (:mod:`vpcgate.gateway.validation.messages`). An empty body is checked as ``{}`` (AWS is silent;
  a required property is then reported missing, which is what a user expects).

Parameters are checked before the body (LocalStack's AWS-validated tests show that order).

Errors::

    BadRequestParametersError    a required parameter is missing
    BadRequestBodyError          the body is not JSON, or does not match its model
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vpcgate.errors import TemplateError
from vpcgate.gateway.context import Invocation
from vpcgate.gateway.errors import BadRequestBodyError, BadRequestParametersError
from vpcgate.gateway.validation.compiled import Checker, compile_checker
from vpcgate.gateway.validation.messages import describe
from vpcgate.gateway.validation.models import model_schema
from vpcgate.spec.model import Method, Model, RequestValidator

__all__ = ["BodyModel", "ValidateStep", "build_validate_step"]

_DEFAULT_MODEL = "$default"
_JSON = "application/json"
_WHERE = {
    "path": "path",
    "querystring": "query",
    "multivaluequerystring": "query",
    "header": "header",
    "multivalueheader": "header",
}


@dataclass(frozen=True)
class BodyModel:
    schema: dict[str, Any]
    check: Checker


class ValidateStep:
    def __init__(self, required: tuple[tuple[str, str], ...], bodies: Mapping[str, BodyModel]) -> None:
        self._required = required  # (where, name)
        self._bodies = bodies  # lower-case media type (or "$default"): model

    async def __call__(self, inv: Invocation) -> None:
        if self._required:
            missing = [name for where, name in self._required if not _present(inv, where, name)]
            if missing:
                raise BadRequestParametersError.missing(missing)
        if self._bodies:
            self._check_body(inv)

    def _check_body(self, inv: Invocation) -> None:
        value = inv.header("content-type")
        media = (value.split(";", 1)[0].strip().lower() if value else "") or _JSON
        model = self._bodies.get(media) or self._bodies.get(_DEFAULT_MODEL)
        if model is None:
            return
        try:
            document = json.loads(inv.request.body) if inv.request.body.strip() else {}
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequestBodyError(validation_error=f"[Invalid JSON: {error}]") from None
        if not model.check(document):
            raise BadRequestBodyError(validation_error=describe(model.schema, document))


def _present(inv: Invocation, where: str, name: str) -> bool:
    if where == "header":
        return inv.header(name) is not None
    if where == "query":
        return name in inv.query
    return name in inv.path_parameters


def build_validate_step(
    method: Method,
    validator: RequestValidator | None,
    models: Mapping[str, Model],
    where: str,
    compiled: dict[str, Checker] | None = None,
) -> ValidateStep | None:
    """The method's validate step, or None when its validator checks nothing. ``compiled`` shares
    checkers between methods of one stage (keyed by the schema's JSON)."""
    if validator is None:
        return None
    required: tuple[tuple[str, str], ...] = ()
    if validator.validate_parameters:
        required = tuple(_required_parameters(method, where))
    bodies: dict[str, BodyModel] = {}
    if validator.validate_body:
        cache = {} if compiled is None else compiled
        for media, name in method.request_models.items():
            if name == "Empty":
                continue
            schema = model_schema(name, models, where)
            key = json.dumps(schema, sort_keys=True)
            check = cache.get(key)
            if check is None:
                check = cache[key] = compile_checker(schema, f"{where} model {name}")
            bodies[media.lower()] = BodyModel(schema, check)
    if not required and not bodies:
        return None
    return ValidateStep(required, bodies)


def _required_parameters(method: Method, where: str) -> list[tuple[str, str]]:
    out = []
    for expression, required in method.request_parameters.items():
        if not required:
            continue
        parts = expression.split(".", 3)
        if len(parts) != 4 or parts[:2] != ["method", "request"] or parts[2] not in _WHERE:
            raise TemplateError(f"{where}: request parameter {expression!r} is not method.request.*.NAME")
        out.append((_WHERE[parts[2]], parts[3]))
    return out
