"""The per-request shortcuts of the mapping layer give what the long way gives: the stage's
``$context`` base against ``context_map``, templates that never name a variable, JSONPath's
name-only walk against its steps, and JSON text of strings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vpcgate.gateway.mapping import ContextBase, MappingInput, context_map, render_request, render_response
from vpcgate.gateway.mapping.context import OverrideMap
from vpcgate.gateway.mapping.jsonpath import MISSING, compile_path, evaluate
from vpcgate.vtl import parse_template
from vpcgate.vtl.values import JsonList, json_text

STAGE = {"accountId": "123456789012", "apiId": "a1b2c3", "deploymentId": "d1", "stage": "prod"}


def _shape(tree: object) -> object:
    """Keys in order, values, and override maps by their printed form (they are fresh objects)."""
    if isinstance(tree, dict):
        return [(key, _shape(value)) for key, value in tree.items()]
    if isinstance(tree, OverrideMap):
        return ("override", tree.vtl_str())
    return tree


def test_context_base_copy_is_context_map_of_the_same_values() -> None:
    assert _shape(ContextBase(STAGE).new()) == _shape(context_map(STAGE))


def test_context_base_copies_are_independent_down_to_the_nested_maps() -> None:
    base = ContextBase(STAGE)
    first = base.new()
    first["identity"]["clientCert"]["validity"]["notAfter"] = "changed"
    first["identity"]["sourceIp"] = "1.2.3.4"
    first["stage"] = "other"
    first["requestOverride"].vtl_get("header").vtl_set("x", "1")
    second = base.new()
    assert second["identity"]["clientCert"]["validity"]["notAfter"] is None
    assert second["identity"]["sourceIp"] is None
    assert second["stage"] == "prod"
    assert second["requestOverride"].vtl_get("header").values == {}


def test_template_references_are_the_variables_it_reads() -> None:
    source = (
        "#set($x = $a.b)#foreach($i in $list)$i#end#macro(m $p)$p$inner#end#m($arg)"
        "#set($context.requestOverride.header.h = 'v')\"$quoted\" ${braced}"
    )
    assert parse_template(source).references == {
        "a",
        "list",
        "i",
        "p",
        "inner",
        "arg",
        "context",
        "quoted",
        "braced",
    }
    assert parse_template("plain text #set($only = 1)").references == frozenset()


def test_a_template_without_context_renders_the_same_and_overrides_nothing() -> None:
    data = MappingInput(body=b'{"bodyJson":{"a":1}}', context=context_map(STAGE), stage_variables={"v": "1"})
    result = render_response(parse_template("$input.json('$.bodyJson')"), data)
    assert result.body == '{"a":1}'
    assert result.response_override.status is None and result.response_override.header == {}
    request = render_request(parse_template("$stageVariables.v $util.escapeJavaScript('a\"b')"), data)
    assert request.body == '1 a\\"b'
    assert request.request_override.header == {}


def test_overrides_still_come_back_from_a_template_that_names_context() -> None:
    data = MappingInput(context=context_map(STAGE))
    result = render_response(
        parse_template("#set($context.responseOverride.status = 418)$context.stage"), data
    )
    assert (result.body, result.response_override.status) == ("prod", 418)


DOCUMENT: Any = {"a": {"b": JsonList([1, {"c": None}]), "": "empty", "d.e": 2}, "n": None, "s": "text"}


@pytest.mark.parametrize(
    "path",
    ["$", "$.a", "$.a.b", "$.a.b.c", "$['a']['']", "$.a['d.e']", "$.n", "$.n.x", "$.s.x", "$.missing", "a.b"],
)
def test_name_only_paths_walk_as_the_steps_do(path: str) -> None:
    compiled = compile_path(path)
    assert compiled.names is not None
    nodes = [DOCUMENT]
    for step in compiled.steps:
        nodes = step(nodes)
    expected = nodes[0] if nodes else MISSING
    assert evaluate(path, DOCUMENT) is expected


@pytest.mark.parametrize("path", ["$.a.b[0]", "$..c", "$.a.*", "$.a.b.length()", "$['a','s']"])
def test_other_paths_are_not_walked_by_name(path: str) -> None:
    assert compile_path(path).names is None


@pytest.mark.parametrize(
    "text", ["plain", "é\u2028\u2029", 'quote " and \\ backslash', "\x00\x1f\x7f", "\ud800"]
)
def test_json_text_of_strings_is_json_dumps_without_ascii_escapes(text: str) -> None:
    assert json_text(text) == json.dumps(text, ensure_ascii=False)
    assert json_text({text: text}) == json.dumps({text: text}, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$a #set($a = 2) $a", "A 2"),
        ('#set($x = "#set($a = 3)")$a', "3"),
        ("#macro(m $a)[$a $b]#end$a #m(5) $a", "A [5 B] A"),
        ("#define($d)$a#set($a = 9)#end$d $a $d", "A 9 9"),
        ("#foreach($a in [1,2])$a#end$a", "12A"),
        ("$ext.put('k', 1)$ext #set($ext.k = 2)$ext.k", "{q=1, k=1}2"),
        ("#macro(inner)$a$b#end#macro(outer)#inner()#end#outer()", "AB"),
    ],
)
def test_variables_read_once_per_render_still_see_every_rebinding(source: str, expected: str) -> None:
    variables: dict[str, object] = {"a": "A", "b": "B", "ext": {"q": 1}}
    assert parse_template(source).render(variables) == expected
