"""Several templates in one run: ``vpcgate up A B`` deploys A, then B.

- Stack name: the file name without ``.template.json`` / ``.json`` / ``.yaml`` / ``.yml`` (and
  ``.template``), made to fit CloudFormation's rule (``[a-zA-Z][-a-zA-Z0-9]*``, at most 128):
  other characters become ``-``, a name not starting with a letter gets ``stack-`` in front.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
- An Output of an earlier stack fills the same-named Parameter of a later one, unless overridden.
- Exports of earlier stacks are what ``Fn::ImportValue`` reads; an export name used twice is an error.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
- Every override must name a parameter of at least one template.
- All templates are read and checked before the first is deployed; any error → no stacks at all.

Errors::

    TemplateError     a template cannot be read or is wrong; two templates give the same stack name;
                      an export name is exported twice
    ParameterError    an override names no parameter; a parameter is missing or invalid
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from vpcgate.deploy.context import RunState
from vpcgate.deploy.parameters import parse_overrides
from vpcgate.deploy.pointer import child
from vpcgate.deploy.stack import Output, Stack, deploy_stack
from vpcgate.deploy.template import Template, load_template
from vpcgate.errors import ParameterError, TemplateError
from vpcgate.settings import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

__all__ = ["Output", "Stack", "deploy_stacks", "stack_name_for"]

_SUFFIXES = (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml", ".template")


def stack_name_for(path: Path) -> str:
    """``vpc-proxy.template.json`` → ``vpc-proxy``; ``my_app.yaml`` → ``my-app``."""
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    name = re.sub(r"[^A-Za-z0-9-]", "-", name)
    if not name[:1].isalpha():
        name = "stack-" + name
    return name[:128]


def deploy_stacks(
    paths: Sequence[Path],
    overrides: Mapping[str, str] | Sequence[str],
    *,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    strict: bool = False,
) -> list[Stack]:
    """Deploy the templates at ``paths`` in order and return their stacks."""
    if isinstance(overrides, str):  # one token, not a sequence of one-character tokens
        overrides = [overrides]
    given = dict(overrides) if isinstance(overrides, Mapping) else parse_overrides(overrides)
    templates = [load_template(Path(path)) for path in paths]
    names = _stack_names(templates)
    _check_override_keys(templates, given)
    run = RunState(region=region, account_id=account_id, strict=strict)
    stacks: list[Stack] = []
    passed: dict[str, str] = {}  # outputs of earlier stacks
    for template, name in zip(templates, names, strict=True):
        values = {k: v for k, v in passed.items() if k in template.parameters}
        values.update({k: v for k, v in given.items() if k in template.parameters})
        stack = deploy_stack(template, name=name, given=values, run=run)
        _record_exports(stack, run)
        passed.update({k: o.value for k, o in stack.outputs.items()})
        stacks.append(stack)
    return stacks


def _stack_names(templates: Sequence[Template]) -> list[str]:
    names: list[str] = []
    for template in templates:
        name = stack_name_for(template.path)
        if name in names:
            raise TemplateError(
                f"two templates give the stack name {name!r}; rename one file", file=template.path
            )
        names.append(name)
    return names


def _check_override_keys(templates: Sequence[Template], given: Mapping[str, str]) -> None:
    known = {name for template in templates for name in template.parameters}
    unknown = [key for key in given if key not in known]
    if unknown:
        files = ", ".join(str(t.path) for t in templates)
        raise ParameterError(f"Parameters: [{', '.join(unknown)}] do not exist in the template(s) {files}")


def _record_exports(stack: Stack, run: RunState) -> None:
    for output_name, output in stack.outputs.items():
        export = output.export_name
        if export is None:
            continue
        if export in run.exports:
            raise TemplateError(
                f"Export with name {export!r} is already exported by stack {run.exporters[export]}",
                file=stack.template_path,
                pointer=child("/Outputs", output_name, "Export", "Name"),
            )
        run.exports[export] = output.value
        run.exporters[export] = stack.name
