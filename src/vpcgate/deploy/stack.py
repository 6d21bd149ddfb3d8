"""Deploying one template as one stack: parameters, conditions, graph, providers, outputs.

The steps, in order (an error at any step stops everything; nothing is ever half-deployed because
deploying is pure: no processes, no files):

1. parameters resolved and checked (:mod:`vpcgate.deploy.parameters`);
2. every condition evaluated (:mod:`vpcgate.deploy.conditions`);
3. every resource type known (provider, or skipped with a warning / error with ``strict``);
4. every Ref / GetAtt / Sub / DependsOn target checked, the graph ordered (:mod:`vpcgate.deploy.graph`);
5. resources deployed in that order: properties resolved, then the type's provider;
6. Outputs (with Condition and Export.Name) resolved.

Outputs: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html
Resource Condition: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html

Errors (file, logical id and pointer filled in here)::

    TemplateError / ParameterError    from any step above
    └── a DeployError from a provider is reported as a TemplateError at the resource
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vpcgate.deploy import providers
from vpcgate.deploy.conditions import Conditions
from vpcgate.deploy.context import RunState, StackContext
from vpcgate.deploy.graph import check_reference, depends_on, deploy_order, references
from vpcgate.deploy.intrinsics import NO_VALUE, Evaluator, Scope, text_of
from vpcgate.deploy.parameters import MASK, ParameterValue, parse_specs, resolve_parameters
from vpcgate.deploy.pointer import child
from vpcgate.deploy.providers.base import Deployed, ResourceInput
from vpcgate.deploy.providers.skipped import SKIPPED, is_skipped
from vpcgate.deploy.pseudo import pseudo_values, stack_id_for
from vpcgate.deploy.template import Template
from vpcgate.errors import DeployError, TemplateError


@dataclass(frozen=True)
class Output:
    value: str
    description: str | None = None
    export_name: str | None = None


@dataclass(frozen=True, repr=False)
class Stack:
    """A deployed stack. ``parameters`` holds every value as CloudFormation shows it (lists
    comma-joined); names in ``no_echo`` must be shown as ``****`` (``repr`` does so)."""

    name: str
    stack_id: str
    template_path: Path
    parameters: Mapping[str, str]
    no_echo: frozenset[str]
    resources: Mapping[str, Deployed]  # deploy order
    outputs: Mapping[str, Output]
    warnings: tuple[str, ...] = ()

    def masked_parameters(self) -> dict[str, str]:
        return {k: (MASK if k in self.no_echo else v) for k, v in self.parameters.items()}

    def __repr__(self) -> str:
        return (
            f"Stack(name={self.name!r}, parameters={self.masked_parameters()!r}, "
            f"resources={list(self.resources)!r}, outputs={list(self.outputs)!r})"
        )


def deploy_stack(template: Template, *, name: str, given: Mapping[str, str], run: RunState) -> Stack:
    """Deploy ``template`` as stack ``name``; ``given`` are its parameter values (overrides and
    earlier outputs, already merged)."""
    try:
        return _Deployment(template, name, given, run).run()
    except TemplateError as exc:
        raise exc.located(file=template.path) from None


class _Deployment:
    def __init__(self, template: Template, name: str, given: Mapping[str, str], run: RunState) -> None:
        self.template = template
        self.run_state = run
        self.stack_id = stack_id_for(name, run.region, run.account_id)
        self.ctx = StackContext(run, stack_name=name, stack_id=self.stack_id, template_path=template.path)
        self.parameters: dict[str, ParameterValue] = resolve_parameters(
            parse_specs(template.parameters), given
        )
        names: dict[str, Any] = pseudo_values(
            stack_name=name, stack_id=self.stack_id, region=run.region, account_id=run.account_id
        )
        names.update({k: v.ref() for k, v in self.parameters.items()})
        self.conditions = Conditions(template.conditions)
        scope = Scope(run.region, names, template.mappings, run.exports, self.conditions, None)
        self.conditions.bind(Evaluator(scope))
        self.evaluator = Evaluator(dataclasses.replace(scope, resource=self._resource))
        self.inactive: dict[str, str] = {}  # logical id → its false condition

    def run(self) -> Stack:
        if self.template.body.get("Rules"):
            self.ctx.warn("Rules are not evaluated locally (their assertions are not checked)")
        self.conditions.evaluate_all()
        active = self._active_resources()
        self._check_types(active)
        order = deploy_order(self._edges(active))
        for logical_id in order:
            self._deploy(logical_id)
        outputs = self._outputs()
        self.run_state.deployed.extend(self.ctx.resources.values())
        return Stack(
            name=self.ctx.stack_name,
            stack_id=self.stack_id,
            template_path=self.template.path,
            parameters={k: _shown_value(v) for k, v in self.parameters.items()},
            no_echo=frozenset(k for k, v in self.parameters.items() if v.no_echo),
            resources=dict(self.ctx.resources),
            outputs=outputs,
            warnings=tuple(self.ctx.warnings),
        )

    # -------------------------------------------------------------------------------- resources

    def _active_resources(self) -> list[str]:
        active = []
        for logical_id, resource in self.template.resources.items():
            condition = resource.get("Condition")
            if condition is None:
                active.append(logical_id)
                continue
            pointer = child("/Resources", logical_id, "Condition")
            if not isinstance(condition, str):
                raise TemplateError(
                    "Condition must be a condition name", logical_id=logical_id, pointer=pointer
                )
            try:
                wanted = self.conditions(condition, pointer)
            except TemplateError as exc:
                raise exc.located(logical_id=logical_id) from None
            if wanted:
                active.append(logical_id)
            else:
                self.inactive[logical_id] = condition
        return active

    def _check_types(self, active: list[str]) -> None:
        for logical_id in active:
            rtype = self.template.resources[logical_id]["Type"]
            if providers.provider_for(rtype) is not None:
                continue
            pointer = child("/Resources", logical_id, "Type")
            if is_skipped(rtype):
                if self.run_state.strict:
                    raise TemplateError(
                        f"{rtype} does nothing locally and strict mode refuses to skip it",
                        logical_id=logical_id,
                        pointer=pointer,
                    )
                continue
            raise TemplateError(
                f"unsupported resource type {rtype}; supported: {', '.join(providers.supported_types())} "
                f"(skipped with a warning: {', '.join(providers.SKIPPED_PATTERNS)})",
                logical_id=logical_id,
                pointer=pointer,
            )

    def _edges(self, active: list[str]) -> dict[str, list[str]]:
        resources = self.template.resources
        params = set(self.parameters)
        edges: dict[str, list[str]] = {}
        for logical_id in active:
            resource = resources[logical_id]
            refs = [*depends_on(resource, logical_id)]
            refs += references(
                resource.get("Properties") or {}, child("/Resources", logical_id, "Properties")
            )
            needs = []
            for ref in refs:
                check_reference(ref, parameters=params, resources=resources, logical_id=logical_id)
                if ref.via == "DependsOn" and ref.target in self.inactive:
                    raise TemplateError(
                        f"DependsOn {ref.target}, which is not created (its Condition "
                        f"{self.inactive[ref.target]} is false)",
                        logical_id=logical_id,
                        pointer=ref.pointer,
                    )
                if ref.target in resources and ref.target not in self.inactive:
                    needs.append(ref.target)
            edges[logical_id] = needs
        for name, output in self.template.outputs.items():
            for ref in references(output, child("/Outputs", name)):
                check_reference(ref, parameters=params, resources=resources, logical_id=None)
        return edges

    def _resource(self, logical_id: str, pointer: str) -> Deployed:
        deployed = self.ctx.deployed(logical_id)
        if deployed is not None:
            return deployed
        if logical_id in self.inactive:
            raise TemplateError(
                f"{logical_id} is not created (its Condition {self.inactive[logical_id]} is false), "
                "so it cannot be referred to here",
                pointer=pointer,
            )
        raise TemplateError(
            f"Unresolved resource dependencies [{logical_id}] in the Resources block of the template",
            pointer=pointer,
        )

    def _deploy(self, logical_id: str) -> None:
        resource = self.template.resources[logical_id]
        rtype: str = resource["Type"]
        pointer = child("/Resources", logical_id)
        self._warn_unknown_properties(logical_id, rtype, resource.get("Properties") or {})
        try:
            properties = self.evaluator.resolve(
                resource.get("Properties") or {}, child(pointer, "Properties")
            )
            metadata = resource.get("Metadata") or {}
            res = ResourceInput(logical_id, rtype, properties, pointer, metadata)
            provider = providers.provider_for(rtype) or SKIPPED
            deployed = provider.deploy(res, self.ctx)
        except TemplateError as exc:
            raise exc.located(logical_id=logical_id, pointer=pointer) from None
        except DeployError as exc:
            raise TemplateError(exc.message, logical_id=logical_id, pointer=pointer) from None
        self.ctx.add(deployed)

    def _warn_unknown_properties(self, logical_id: str, rtype: str, properties: Mapping[str, Any]) -> None:
        known = providers.known_properties(rtype)
        if known is None:
            return
        for name in properties:
            if name not in known:
                self.ctx.warn(f"{logical_id}: {name} is not a property of {rtype} (ignored; AWS rejects it)")

    # -------------------------------------------------------------------------------- outputs

    def _outputs(self) -> dict[str, Output]:
        outputs: dict[str, Output] = {}
        for name, raw in self.template.outputs.items():
            pointer = child("/Outputs", name)
            if not isinstance(raw, dict) or "Value" not in raw:
                raise TemplateError("Every Outputs member must contain a Value object", pointer=pointer)
            condition = raw.get("Condition")
            if condition is not None and not self.conditions(str(condition), child(pointer, "Condition")):
                continue
            outputs[name] = Output(
                value=self._output_text(raw["Value"], child(pointer, "Value")),
                description=text_of(raw.get("Description")),
                export_name=self._export(raw, pointer),
            )
        return outputs

    def _output_text(self, node: Any, pointer: str) -> str:
        value = self.evaluator.resolve(node, pointer)
        if isinstance(value, list) and all(text_of(item) is not None for item in value):
            return ",".join(str(text_of(item)) for item in value)
        text = text_of(value) if value is not NO_VALUE else None
        if text is None:
            raise TemplateError("an Output's Value must evaluate to a string", pointer=pointer)
        return text

    def _export(self, raw: Mapping[str, Any], pointer: str) -> str | None:
        export = raw.get("Export")
        if export is None:
            return None
        if not isinstance(export, dict) or "Name" not in export:
            raise TemplateError("Export must be an object with a Name", pointer=child(pointer, "Export"))
        return self._output_text(export["Name"], child(pointer, "Export", "Name"))


def _shown_value(value: ParameterValue) -> str:
    raw = value.value
    return raw if isinstance(raw, str) else ",".join(raw)
