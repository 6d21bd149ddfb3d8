"""YAML templates: PyYAML's C loader plus CloudFormation's short-form tags. The only importer of yaml.

Short forms (``!Ref X``, ``!GetAtt A.B``, ``!Sub ...``) become the long forms (``{"Ref": "X"}``,
``{"Fn::GetAtt": ["A", "B"]}``), so the rest of the deployer only ever sees JSON-shaped data.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html

Quirks, and why:

- YAML 1.1 reads ``2010-09-09`` as a date; CloudFormation reads it as text. Timestamps stay strings.
- A mapping with the same key twice is an error (PyYAML silently keeps the last one).
- ``!GetAtt A.B.C`` splits at the first dot only: the attribute may contain dots (``Endpoint.Address``).

Errors::

    TemplateError        the text is not YAML, or a tag is used with the wrong kind of node (has the line)
"""

from __future__ import annotations

from typing import Any

import yaml

from vpcgate.errors import TemplateError

_BaseLoader: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# tag → long-form key; every tag accepts a scalar, a sequence or a mapping, as AWS does.
_TAGS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Not": "Fn::Not",
    "!FindInMap": "Fn::FindInMap",
    "!Base64": "Fn::Base64",
    "!GetAZs": "Fn::GetAZs",
    "!Cidr": "Fn::Cidr",
    "!ImportValue": "Fn::ImportValue",
    "!Transform": "Fn::Transform",
}


class _CfnLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The base loader with CloudFormation's tags and strict mappings."""


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _construct_any(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"line {_line(node)}: unsupported YAML node for tag {node.tag}")  # pragma: no cover


def _make_tag_constructor(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct_any(loader, node)}

    return construct


def _construct_getatt(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_any(loader, node)
    if isinstance(value, str):
        logical_id, dot, attribute = value.partition(".")
        if not dot or not logical_id or not attribute:
            raise TemplateError(
                f"line {_line(node)}: !GetAtt {value!r} must be written LogicalId.AttributeName"
            )
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {"Fn::GetAtt": value}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            raise TemplateError(f"line {_line(key_node)}: a mapping key must be a scalar")
        if key in result:
            raise TemplateError(f"line {_line(key_node)}: duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag, _key in _TAGS.items():
    if _tag != "!GetAtt":
        _CfnLoader.add_constructor(_tag, _make_tag_constructor(_key))
_CfnLoader.add_constructor("!GetAtt", _construct_getatt)
_CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(text: str) -> Any:
    """Parse ``text``; a TemplateError (without file) names the line and the parser's complaint."""
    try:
        return yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise TemplateError(f"{where}not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"not valid YAML: {exc}") from None
