"""A template file read into JSON-shaped data, with its top-level structure checked.

Sections and resource attributes follow the template anatomy page:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
and the resource attribute reference (DependsOn, Condition, Metadata, ...):
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-product-attribute-reference.html

``.json`` files are JSON, ``.yaml``/``.yml`` are YAML; anything else is sniffed (``{`` first → JSON).
``Transform`` (the SAM transform, macros) is refused with a clear message: vpcgate deploys plain
CloudFormation and does not run the AWS::Serverless transform (yet).

Errors (all TemplateError, naming the file)::

    TemplateError
    ├── unreadable file, not JSON/YAML (with line), not an object, duplicate keys
    ├── unknown top-level section, no Resources, bad logical id, resource without a Type
    ├── unknown resource attribute, a name used both as Parameter and Resource
    └── Transform section or Fn::Transform anywhere (unsupported)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vpcgate.deploy.pointer import child
from vpcgate.deploy.yaml_tags import load_yaml
from vpcgate.errors import TemplateError

SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
        "Hooks",
    }
)
RESOURCE_ATTRIBUTES = frozenset(
    {
        "Type",
        "Properties",
        "DependsOn",
        "Condition",
        "Metadata",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "CreationPolicy",
        "UpdatePolicy",
    }
)
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Template:
    """One template: where it came from and its checked sections (raw: intrinsics unresolved)."""

    path: Path
    body: Mapping[str, Any]

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.body.get("Parameters") or {}

    @property
    def mappings(self) -> Mapping[str, Any]:
        return self.body.get("Mappings") or {}

    @property
    def conditions(self) -> Mapping[str, Any]:
        return self.body.get("Conditions") or {}

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.body["Resources"]
        return resources

    @property
    def outputs(self) -> Mapping[str, Any]:
        return self.body.get("Outputs") or {}


def load_template(path: Path) -> Template:
    """Read, parse and structurally check ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read template: {exc}", file=path) from None
    try:
        body = parse_text(text, path.name)
        check_structure(body)
    except TemplateError as exc:
        raise exc.located(file=path) from None
    return Template(path=path, body=body)


def parse_text(text: str, name: str = "") -> Any:
    """JSON or YAML by file name (sniffed when the name says neither)."""
    lower = name.lower()
    if lower.endswith(".json") or (not lower.endswith((".yaml", ".yml")) and text.lstrip().startswith("{")):
        return _load_json(text)
    return load_yaml(text)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TemplateError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None


def check_structure(body: Any) -> None:
    """Top-level sections, Transform, and each resource's attributes (not their properties)."""
    if not isinstance(body, dict):
        raise TemplateError("Template format error: the template must be a JSON or YAML object")
    unknown = [key for key in body if key not in SECTIONS]
    if unknown:
        raise TemplateError(
            f"Template format error: Invalid template property or properties {unknown}",
            pointer=child("", unknown[0]),
        )
    if "Transform" in body:
        raise TemplateError(
            f"Transform {body['Transform']!r} is not supported: vpcgate deploys plain CloudFormation and "
            "does not run the AWS::Serverless (SAM) transform or macros yet; write AWS::Lambda::Function "
            "and AWS::ApiGateway::* resources instead",
            pointer="/Transform",
        )
    _reject_transform_keys(body, "")
    for section in ("Parameters", "Mappings", "Conditions", "Outputs"):
        if section in body and not isinstance(body[section], dict):
            raise TemplateError(f"Template format error: {section} must be an object", pointer=f"/{section}")
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(
            "Template format error: At least one Resources member must be defined.", pointer="/Resources"
        )
    for logical_id, resource in resources.items():
        _check_resource(str(logical_id), resource)
    for name in body.get("Parameters") or {}:
        if name in resources:
            raise TemplateError(
                f"Template format error: {name!r} is both a Parameter and a Resource",
                logical_id=str(name),
                pointer=child("/Resources", name),
            )


def _reject_transform_keys(node: Any, pointer: str) -> None:
    """``Fn::Transform`` anywhere (AWS::Include, macros) is refused before anything is evaluated."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = child(pointer, key)
            if key == "Fn::Transform":
                raise TemplateError(
                    "Fn::Transform is not supported: no transforms or macros (AWS::Include, ...) run locally",
                    pointer=here,
                )
            _reject_transform_keys(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _reject_transform_keys(item, child(pointer, i))


def _check_resource(logical_id: str, resource: Any) -> None:
    pointer = child("/Resources", logical_id)
    if not _LOGICAL_ID.fullmatch(logical_id):
        raise TemplateError(
            "Template format error: logical ids must be alphanumeric (A-Za-z0-9)",
            logical_id=logical_id,
            pointer=pointer,
        )
    if not isinstance(resource, dict):
        raise TemplateError("a resource must be an object", logical_id=logical_id, pointer=pointer)
    rtype = resource.get("Type")
    if not isinstance(rtype, str) or not rtype:
        raise TemplateError(
            "Template format error: the resource has no Type", logical_id=logical_id, pointer=pointer
        )
    for key in resource:
        if key not in RESOURCE_ATTRIBUTES:
            raise TemplateError(
                f"Invalid template resource property {key!r}",
                logical_id=logical_id,
                pointer=child(pointer, key),
            )
    props = resource.get("Properties", {})
    if props is not None and not isinstance(props, dict):
        raise TemplateError(
            "Properties must be an object", logical_id=logical_id, pointer=child(pointer, "Properties")
        )
