"""``$context.error.validationErrorString`` for a body that failed its model (jsonschema: the one
module that imports it). Called only after the compiled checker said no, so its cost is off the
request path of valid requests.

API Gateway validates with a draft-4 validator whose reports read like
``[object has missing required properties (["name"])]`` — a bracketed, comma-separated list of one
line per violation (the text users quote from ``validationErrorString`` and the execution log,
e.g. RafPe/serverless-reqvalidator-plugin#1; the method-request-validation page,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html,
shows only the ``Invalid request body`` message). The wording of each line is that validator's
message catalogue as recalled (``required`` and ``type`` are the ones seen quoted; the others are
unverified against AWS): values print as compact JSON, types as draft-4 primitive type names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

__all__ = ["describe", "type_name"]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def type_name(value: Any) -> str:
    """The draft-4 primitive type of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type(e: ValidationError) -> str:
    allowed = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
    return (
        f"instance type ({type_name(e.instance)}) does not match any allowed primitive type "
        f"(allowed: {_compact(sorted(allowed))})"
    )


def _required(e: ValidationError) -> str:
    names = [n for n in e.validator_value if isinstance(e.instance, dict) and n not in e.instance]
    return f"object has missing required properties ({_compact(sorted(names))})"


def _additional(e: ValidationError) -> str:
    schema = e.schema if isinstance(e.schema, dict) else {}
    known = set(schema.get("properties", {}))
    extra = sorted(k for k in e.instance if k not in known) if isinstance(e.instance, dict) else []
    return f"object instance has properties which are not allowed by the schema: {_compact(extra)}"


def _minimum(e: ValidationError) -> str:
    if isinstance(e.schema, dict) and e.schema.get("exclusiveMinimum") is True:
        return f"numeric instance is not strictly greater than the required minimum {e.validator_value}"
    return (
        f"numeric instance is lower than the required minimum "
        f"(minimum: {e.validator_value}, found: {e.instance})"
    )


def _maximum(e: ValidationError) -> str:
    if isinstance(e.schema, dict) and e.schema.get("exclusiveMaximum") is True:
        return f"numeric instance is not strictly lower than the required maximum {e.validator_value}"
    return (
        f"numeric instance is greater than the required maximum "
        f"(maximum: {e.validator_value}, found: {e.instance})"
    )


def _length(e: ValidationError) -> str:
    length = len(e.instance) if isinstance(e.instance, str) else 0
    if e.validator == "minLength":
        return (
            f"string {_compact(e.instance)} is too short "
            f"(length: {length}, required minimum: {e.validator_value})"
        )
    return (
        f"string {_compact(e.instance)} is too long (length: {length}, maximum allowed: {e.validator_value})"
    )


def _items(e: ValidationError) -> str:
    count = len(e.instance) if isinstance(e.instance, list) else 0
    if e.validator == "minItems":
        return (
            f"array is too short: must have at least {e.validator_value} elements "
            f"but instance has {count} elements"
        )
    return (
        f"array is too long: must have at most {e.validator_value} elements but instance has {count} elements"
    )


def _properties(e: ValidationError) -> str:
    count = len(e.instance) if isinstance(e.instance, dict) else 0
    if e.validator == "minProperties":
        return (
            f"object has too few properties (found {count} but schema requires at least {e.validator_value})"
        )
    return f"object has too many properties (found {count} but schema requires at most {e.validator_value})"


_MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "type": _type,
    "required": _required,
    "additionalProperties": _additional,
    "minimum": _minimum,
    "maximum": _maximum,
    "minLength": _length,
    "maxLength": _length,
    "minItems": _items,
    "maxItems": _items,
    "minProperties": _properties,
    "maxProperties": _properties,
    "enum": lambda e: (
        f"instance value ({_compact(e.instance)}) not found in enum "
        f"(possible values: {_compact(e.validator_value)})"
    ),
    "pattern": lambda e: (
        f"ECMA 262 regex {_compact(e.validator_value)} does not match input string {_compact(e.instance)}"
    ),
    "uniqueItems": lambda e: "array must not contain duplicate elements",
    "multipleOf": lambda e: f"remainder of division is not zero ({e.instance} / {e.validator_value})",
    "format": lambda e: f"string {_compact(e.instance)} is not a valid {e.validator_value}",
    "anyOf": lambda e: (
        f"instance failed to match at least one required schema among {len(e.validator_value)}"
    ),
    "oneOf": lambda e: (
        f"instance failed to match exactly one schema (matched 0 out of {len(e.validator_value)})"
    ),
    "allOf": lambda e: "instance failed to match all required schemas",
    "not": lambda e: "instance matched a schema which it should not have",
}


def _line(error: ValidationError) -> str:
    build = _MESSAGES.get(str(error.validator))
    return build(error) if build is not None else error.message


def describe(schema: dict[str, Any], document: Any) -> str:
    """``[line, line]``: every violation of ``document`` against the draft-4 ``schema``."""
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    # jsonschema reports each missing required property on its own; the line names them all once
    lines = dict.fromkeys(_line(error) for error in errors)
    return "[" + ", ".join(lines) + "]"
