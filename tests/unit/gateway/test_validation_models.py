"""Models → one draft-4 schema (references to other models inlined), compiled once; AWS's
validationErrorString lines for the draft-4 keywords."""

from __future__ import annotations

from typing import Any

import pytest

from vpcgate.errors import TemplateError
from vpcgate.gateway.validation.compiled import compile_checker
from vpcgate.gateway.validation.messages import describe, type_name
from vpcgate.gateway.validation.models import DRAFT4, model_schema
from vpcgate.spec.model import Model, freeze_json

URL = "https://apigateway.amazonaws.com/restapis/abc123/models/"


def _models(**schemas: Any) -> dict[str, Model]:
    return {name: Model(name, schema=freeze_json(schema)) for name, schema in schemas.items()}


def test_references_are_inlined_once_even_when_recursive() -> None:
    models = _models(
        Tree={"type": "object", "properties": {"leaf": {"$ref": URL + "Leaf"}, "kids": {
            "type": "array", "items": {"$ref": "#/definitions/Tree"}}}},
        Leaf={"type": "string", "$schema": DRAFT4},
    )  # fmt: skip
    schema = model_schema("Tree", models, "here")
    assert schema["$schema"] == DRAFT4
    assert schema["properties"]["leaf"] == {"$ref": "#/definitions/Leaf"}
    assert schema["definitions"]["Leaf"] == {"type": "string"}
    assert schema["definitions"]["Tree"]["properties"]["kids"]["items"] == {"$ref": "#/definitions/Tree"}
    check = compile_checker(schema, "here")
    assert check({"leaf": "x", "kids": [{"leaf": "y", "kids": []}]})
    assert not check({"leaf": 1})
    assert not check({"kids": [{"leaf": 2}]})


def test_unknown_models_and_bad_schemas_are_template_errors() -> None:
    with pytest.raises(TemplateError, match="no model 'Nope'"):
        model_schema("Nope", {}, "here")
    with pytest.raises(TemplateError, match="names no model"):
        model_schema("A", _models(A={"$ref": URL + "Missing"}), "here")
    with pytest.raises(TemplateError, match="does not compile"):
        compile_checker({"type": "no-such-type"}, "here")


@pytest.mark.parametrize(
    ("schema", "document", "line"),
    [
        ({"required": ["b", "a"]}, {}, 'object has missing required properties (["a","b"])'),
        (
            {"type": "integer"},
            "3",
            'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
        ),
        ({"enum": ["x", "y"]}, "z", 'instance value ("z") not found in enum (possible values: ["x","y"])'),
        ({"minimum": 1}, 0, "numeric instance is lower than the required minimum (minimum: 1, found: 0)"),
        ({"maximum": 1}, 2, "numeric instance is greater than the required maximum (maximum: 1, found: 2)"),
        ({"minLength": 3}, "ab", 'string "ab" is too short (length: 2, required minimum: 3)'),
        ({"maxLength": 1}, "ab", 'string "ab" is too long (length: 2, maximum allowed: 1)'),
        ({"pattern": "^a"}, "b", 'ECMA 262 regex "^a" does not match input string "b"'),
        (
            {"properties": {"a": {}}, "additionalProperties": False},
            {"a": 1, "z": 2},
            'object instance has properties which are not allowed by the schema: ["z"]',
        ),
        (
            {"minItems": 2},
            [1],
            "array is too short: must have at least 2 elements but instance has 1 elements",
        ),
    ],
)
def test_error_lines(schema: dict[str, Any], document: Any, line: str) -> None:
    full = {"$schema": DRAFT4, **schema}
    assert not compile_checker(full, "here")(document)
    assert describe(full, document) == f"[{line}]"


def test_several_violations_are_one_bracketed_list() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"b": {"type": "string"}}}
    text = describe(schema, {"b": 1})
    assert text.startswith("[") and text.endswith("]")
    assert 'object has missing required properties (["a"])' in text
    assert "instance type (integer)" in text


def test_type_names_are_draft4_primitives() -> None:
    values: tuple[Any, ...] = (None, True, 1, 1.0, 1.5, "s", [], {})
    names = [type_name(v) for v in values]
    assert names == ["null", "boolean", "integer", "integer", "number", "string", "array", "object"]
