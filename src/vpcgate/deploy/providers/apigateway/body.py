"""Where a RestApi's OpenAPI body comes from: inline, a local file, or (refused) S3.

- ``Body`` as an object: the document itself, intrinsics already resolved by the deployer;
- ``Body`` as a string: the document's JSON/YAML text when it looks like one (AWS accepts a JSON
  string), else a vpcgate extension: a path to a local ``.json``/``.yaml`` file, relative to the
  template;
- ``BodyS3Location`` as a string: a local path, as ``aws cloudformation package`` reads it before it
  uploads the file; as ``{Bucket, Key}``: refused, since vpcgate never reaches S3.

A body read from a file is used as written: CloudFormation does not resolve intrinsics inside it
either (that needs ``AWS::Include``).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vpcgate.deploy.providers.base import DeployContext
from vpcgate.deploy.template import parse_text
from vpcgate.errors import TemplateError
from vpcgate.spec.props import Props


def load_body(props: Props, ctx: DeployContext) -> tuple[Mapping[str, Any], str] | None:
    """The body document and the property it came from, or None if the API has no body."""
    if "Body" in props and "BodyS3Location" in props:
        raise props.fail("give Body or BodyS3Location, not both", "BodyS3Location")
    if "Body" in props:
        return _from_body(props, ctx), "Body"
    if "BodyS3Location" in props:
        location = props.raw("BodyS3Location")
        if isinstance(location, str):
            return _from_file(props, "BodyS3Location", location, ctx), "BodyS3Location"
        raise props.fail(
            "vpcgate reads API bodies locally and never from S3: write the body inline in Body, or give "
            "a path relative to the template as Body: api.yaml (or BodyS3Location: api.yaml)",
            "BodyS3Location",
        )
    return None


def _from_body(props: Props, ctx: DeployContext) -> Mapping[str, Any]:
    value = props.raw("Body")
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str):
        raise props.fail(
            "Body must be an OpenAPI document (an object), its text, or a local file path", "Body"
        )
    if value.lstrip().startswith("{") or "\n" in value:
        return _parsed(props, "Body", value, "")
    return _from_file(props, "Body", value, ctx)


def _from_file(props: Props, key: str, name: str, ctx: DeployContext) -> Mapping[str, Any]:
    path = Path(name)
    if not path.is_absolute():
        path = ctx.template_path.parent / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise props.fail(f"cannot read the API body file {str(path)!r}: {exc}", key) from None
    return _parsed(props, key, text, path.name)


def _parsed(props: Props, key: str, text: str, name: str) -> Mapping[str, Any]:
    try:
        document = parse_text(text, name)
    except TemplateError as exc:
        raise props.fail(f"the API body is not valid JSON/YAML: {exc.message}", key) from None
    if not isinstance(document, Mapping):
        raise props.fail("the API body must be an object", key)
    return document
