"""API Gateway's template variables: $input, $util, $context, overrides, and JSONPath."""

from __future__ import annotations

import json

import pytest

from vpcgate.gateway.mapping import (
    CONTEXT_VARIABLES,
    JsonPathError,
    MappingInput,
    context_map,
    escape_javascript,
    render_request,
    render_response,
)
from vpcgate.gateway.mapping.jsonpath import MISSING, evaluate
from vpcgate.vtl import VtlRenderError, parse_template


def _render(source: str, **fields: object) -> str:
    return render_request(parse_template(source), MappingInput(**fields)).body  # type: ignore[arg-type]


def test_body_bytes_are_utf8() -> None:
    assert _render("$input.body|$input.path('$.c')", body='{"c":"é"}'.encode()) == '{"c":"é"}|é'


def test_body_that_is_not_json_is_one_string_for_the_path_functions() -> None:
    assert _render("$input.path('$')|$input.json('$')", body="plain text") == 'plain text|"plain text"'


def test_json_of_a_missing_path_is_an_empty_json_string() -> None:
    assert _render("$input.json('$.missing')", body='{"a":1}') == '""'


def test_json_keeps_numbers_as_they_are() -> None:
    assert _render("$input.json('$')", body='{"i":1,"f":1.5,"big":12345678901234567890}') == (
        '{"i":1,"f":1.5,"big":12345678901234567890}'
    )


def test_params_map_is_built_once_per_render_and_usable_as_a_map() -> None:
    source = "$input.params().querystring.q $input.params().header.size() $input.params('Q')"
    assert _render(source, query={"q": ["1"]}, headers={"Q": ["h"], "X": ["y"]}) == "1 2 h"


def test_empty_multi_value_list_reads_as_empty_string() -> None:
    assert _render("[$input.params('e')]", query={"e": []}) == "[]"


def test_util_functions_on_null_render_nothing_and_unknown_function_is_null() -> None:
    assert _render("[$util.urlEncode($x)][$util.noSuch('a')][$util.base64Encode()]") == "[][][]"


def test_util_base64_decode_rejects_garbage() -> None:
    with pytest.raises(VtlRenderError, match="base64"):
        _render("$util.base64Decode('***')")


def test_util_base64_decode_accepts_missing_padding() -> None:
    assert _render("$util.base64Decode('SGk')") == "Hi"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a'b\"c", "a\\'b\\\"c"),
        ("</script>", "<\\/script>"),
        ("\x1f\x7f\x80", "\\u001F\x7f\\u0080"),
        ("tab\there", "tab\\there"),
    ],
)
def test_escape_javascript(text: str, escaped: str) -> None:
    assert escape_javascript(text) == escaped


def test_context_map_has_every_documented_variable() -> None:
    tree = context_map({"identity.sourceIp": "1.2.3.4"})
    for name in CONTEXT_VARIABLES:
        node = tree
        for part in name.split("."):
            assert part in node, name
            node = node[part]
    assert tree["identity"]["sourceIp"] == "1.2.3.4"
    assert tree["identity"]["user"] is None


def test_context_maps_are_independent() -> None:
    first = context_map({})
    first["identity"]["sourceIp"] = "changed"
    assert context_map({})["identity"]["sourceIp"] is None


def test_request_override_values_are_java_strings() -> None:
    source = (
        "#set($context.requestOverride.header.n = 5)#set($context.requestOverride.querystring['a b'] = true)"
    )
    result = render_request(parse_template(source), MappingInput())
    assert result.request_override.header == {"n": "5"}
    assert result.request_override.querystring == {"a b": "true"}
    assert result.response_override.status is None


def test_response_status_override_from_a_string_and_a_bad_value() -> None:
    template = parse_template('#set($context.responseOverride.status = "418")')
    assert render_response(template, MappingInput()).response_override.status == 418
    bad = parse_template('#set($context.responseOverride.status = "teapot")')
    assert render_response(bad, MappingInput()).response_override.status is None


def test_overrides_are_per_render_even_with_a_shared_context_tree() -> None:
    context = context_map({"stage": "prod"})
    template = parse_template("#if($flag)#set($context.requestOverride.header.x = 'y')#end$context.stage")
    data = MappingInput(context=context, stage_variables={})
    first = render_request(template, data)
    assert first.body == "prod"
    assert first.request_override.header == {}


def test_override_map_reads_back_in_the_template() -> None:
    source = "#set($context.requestOverride.header.a = 'b')$context.requestOverride.header.a"
    source += " $context.requestOverride.header.keySet() $context.requestOverride.header.containsKey('a')"
    assert _render(source) == "b [a] true"


def test_seed_request_template_is_valid_json_for_get_and_post(seed_template: object) -> None:
    from pathlib import Path

    document = json.loads(Path(str(seed_template)).read_text())
    integration = document["Resources"]["ProxyApi"]["Properties"]["Body"]["paths"]["/"]["get"][
        "x-amazon-apigateway-integration"
    ]
    parts = integration["requestTemplates"]["application/json"]["Fn::Join"][1]
    values = {"BackendHost": "10.0.1.10", "BackendPort": "8080"}
    template = parse_template("".join(p if isinstance(p, str) else values[p["Ref"]] for p in parts))
    context = context_map({"httpMethod": "GET", "resourcePath": "/"})
    get = json.loads(render_request(template, MappingInput(body=b"", context=context)).body)
    assert get["bodyJson"] == {}
    assert get["requestParams"] == {"hostname": "10.0.1.10", "port": "8080", "path": "/", "method": "GET"}
    post = json.loads(render_request(template, MappingInput(body=b'{"a":1}', context=context)).body)
    assert post["bodyJson"] == {"a": 1}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", {"a": [{"b": 1}, {"b": 2}], "c": {"d": None}}),
        ("$.a[0].b", 1),
        ("a[1].b", 2),
        ("$.a[*].b", [1, 2]),
        ("$.a[5]", MISSING),
        ("$.c.d", None),
        ("$.c.x", MISSING),
        ("$..b", [1, 2]),
        ("$.a[?(@.b >= 2)]", [{"b": 2}]),
        ("$.a[?(@.b)]", [{"b": 1}, {"b": 2}]),
        ("$.a[?(@.b == 1 || @.b == 2)].b", [1, 2]),
        ("$.a.length()", 2),
        ("$.*", [[{"b": 1}, {"b": 2}], {"d": None}]),
        ("$['a','c']", [[{"b": 1}, {"b": 2}], {"d": None}]),
    ],
)
def test_jsonpath(path: str, expected: object) -> None:
    document = {"a": [{"b": 1}, {"b": 2}], "c": {"d": None}}
    assert evaluate(path, document) == expected or (
        expected is MISSING and evaluate(path, document) is MISSING
    )


@pytest.mark.parametrize("path", ["$.a[", "$.a[x]", "$[?(@.a ==)]", "$.", "$a"])
def test_bad_jsonpath(path: str) -> None:
    with pytest.raises(JsonPathError):
        evaluate(path, {})


def test_compile_template_names_the_location() -> None:
    from vpcgate.errors import TemplateError
    from vpcgate.gateway.mapping import compile_template

    with pytest.raises(TemplateError) as caught:
        compile_template(
            "{\n  #if($x)\n}",
            http_method="GET",
            resource_path="/pets",
            content_type="application/json",
            logical_id="ProxyApi",
            pointer="/Resources/ProxyApi/Properties/Body",
        )
    text = str(caught.value)
    assert "request template for GET /pets (application/json): line 2, column 3:" in text
    assert "ProxyApi" in text
    assert compile_template("ok", http_method="GET", resource_path="/", content_type="a/b").render({}) == "ok"
