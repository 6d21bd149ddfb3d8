"""A plain, JSON-ready description of deployed stacks: what ``vpcgate validate`` prints.

Kept apart from the CLI so that the description (data) and its rendering (rich tables, or
``--json``) stay separate; tests assert on this data rather than on terminal output.
NoEcho parameters are masked here, once, so no printer can leak them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vpcgate.deploy.stacks import Stack
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.model import Instance, SecurityGroup, Subnet, Vpc
from vpcgate.spec.assemble import assemble_apis, routes

MASK = "****"


def describe(stacks: Sequence[Stack]) -> dict[str, Any]:
    """Stacks with their parameters, resources and outputs; functions; networks; APIs and routes."""
    all_resources = [d for s in stacks for d in s.resources.values()]
    apis = assemble_apis(all_resources)
    return {
        "stacks": [_stack(s) for s in stacks],
        "functions": [_function(d.model) for d in all_resources if isinstance(d.model, FunctionSpec)],
        "networks": [_network(d.model) for d in all_resources if _is_network(d.model)],
        "apis": [_api(api) for api in apis],
    }


def _stack(stack: Stack) -> dict[str, Any]:
    return {
        "name": stack.name,
        "stack_id": stack.stack_id,
        "template": str(stack.template_path),
        "parameters": {k: (MASK if k in stack.no_echo else v) for k, v in stack.parameters.items()},
        "resources": [
            {"logical_id": d.logical_id, "type": d.resource_type, "physical_id": d.physical_id}
            for d in stack.resources.values()
        ],
        "outputs": {k: {"value": o.value, "export": o.export_name} for k, o in stack.outputs.items()},
        "warnings": list(stack.warnings),
    }


def _function(spec: FunctionSpec) -> dict[str, Any]:
    vpc = spec.vpc_config
    return {
        "logical_id": spec.logical_id,
        "name": spec.name,
        "arn": spec.arn,
        "runtime": spec.runtime,
        "handler": spec.handler,
        "timeout": spec.timeout_seconds,
        "memory_mb": spec.memory_mb,
        "vpc_config": None
        if vpc is None
        else {"subnet_ids": list(vpc.subnet_ids), "security_group_ids": list(vpc.security_group_ids)},
    }


def _is_network(model: object) -> bool:
    return isinstance(model, Vpc | Subnet | SecurityGroup | Instance)


def _network(model: object) -> dict[str, Any]:
    if isinstance(model, Vpc):
        return {"kind": "vpc", "id": model.vpc_id, "cidr": str(model.cidr)}
    if isinstance(model, Subnet):
        return {"kind": "subnet", "id": model.subnet_id, "vpc": model.vpc_id, "cidr": str(model.cidr)}
    if isinstance(model, SecurityGroup):
        return {"kind": "security-group", "id": model.group_id, "vpc": model.vpc_id}
    assert isinstance(model, Instance)
    return {
        "kind": "instance",
        "id": model.instance_id,
        "subnet": model.subnet_id,
        "private_ip": str(model.private_ip),
    }


def _api(api: Any) -> dict[str, Any]:
    return {
        "id": api.id,
        "name": api.name,
        "routes": [
            {
                "stage": r.stage,
                "method": r.method,
                "path": r.path,
                "integration": r.integration_type,
                "target": r.target,
            }
            for r in routes(api)
        ],
    }
