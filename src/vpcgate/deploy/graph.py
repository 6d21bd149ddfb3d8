"""The dependency graph: who refers to whom (Ref, Fn::GetAtt, Fn::Sub, DependsOn), and the order.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
Order is topological and stable: among resources that are ready together, template order wins.
Every target is checked before anything is deployed, so an unknown name is reported with the pointer
where it was written, even inside a branch of Fn::If that would not be taken.

Errors::

    TemplateError
    ├── Unresolved resource dependencies [X] (Ref / Sub / DependsOn to nothing), with the pointer
    ├── Fn::GetAtt of something that is not a resource
    ├── DependsOn a resource whose Condition is false
    └── Circular dependency between resources: [A, B, ...]
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vpcgate.deploy.intrinsics import sub_names
from vpcgate.deploy.pointer import child
from vpcgate.deploy.pseudo import PSEUDO_NAMES
from vpcgate.errors import TemplateError


@dataclass(frozen=True)
class Reference:
    target: str  # a logical id, parameter or pseudo parameter name
    pointer: str
    via: str  # "Ref", "Fn::GetAtt", "Fn::Sub", "DependsOn"


def references(node: Any, pointer: str) -> Iterator[Reference]:
    """Every name ``node`` refers to, with where it is written."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from references(item, child(pointer, i))
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        key, args = next(iter(node.items()))
        here = child(pointer, key)
        if key == "Ref" and isinstance(args, str):
            yield Reference(args, here, "Ref")
            return
        if key == "Fn::GetAtt":
            yield from _get_att_references(args, here)
            return
        if key == "Fn::Sub":
            yield from _sub_references(args, here)
            return
    for key, value in node.items():
        yield from references(value, child(pointer, key))


def _get_att_references(args: Any, pointer: str) -> Iterator[Reference]:
    if isinstance(args, str):
        yield Reference(args.split(".", 1)[0], pointer, "Fn::GetAtt")
    elif isinstance(args, list) and args and isinstance(args[0], str):
        yield Reference(args[0], pointer, "Fn::GetAtt")
        yield from references(args[1:], pointer)


def _sub_references(args: Any, pointer: str) -> Iterator[Reference]:
    variables: Mapping[str, Any] = {}
    source = args
    if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict):
        source, variables = args[0], args[1]
        yield from references(variables, child(pointer, 1))
    if isinstance(source, str):
        for name in sub_names(source):
            if name in variables or name in PSEUDO_NAMES:
                continue
            if "." in name:  # ${Res.Attr} is Fn::GetAtt
                yield Reference(name.split(".", 1)[0], pointer, "Fn::GetAtt")
            else:
                yield Reference(name, pointer, "Fn::Sub")


def depends_on(resource: Mapping[str, Any], logical_id: str) -> list[Reference]:
    """The DependsOn attribute (a name or a list of names) as references."""
    raw = resource.get("DependsOn")
    pointer = child("/Resources", logical_id, "DependsOn")
    if raw is None:
        return []
    if isinstance(raw, str):
        return [Reference(raw, pointer, "DependsOn")]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [Reference(item, child(pointer, i), "DependsOn") for i, item in enumerate(raw)]
    raise TemplateError(
        "DependsOn must be a logical id or a list of logical ids", logical_id=logical_id, pointer=pointer
    )


def check_reference(
    ref: Reference, *, parameters: Collection[str], resources: Collection[str], logical_id: str | None
) -> None:
    """Raise if ``ref`` names nothing it may name."""
    if ref.via == "Fn::GetAtt":
        if ref.target not in resources:
            raise TemplateError(
                f"Template error: instance of Fn::GetAtt references undefined resource {ref.target}",
                logical_id=logical_id,
                pointer=ref.pointer,
            )
        return
    if ref.via == "DependsOn":
        known = ref.target in resources
    else:
        known = ref.target in resources or ref.target in parameters or ref.target in PSEUDO_NAMES
    if not known:
        raise TemplateError(
            f"Unresolved resource dependencies [{ref.target}] in the Resources block of the template",
            logical_id=logical_id,
            pointer=ref.pointer,
        )


def deploy_order(edges: Mapping[str, Collection[str]]) -> list[str]:
    """``edges`` maps each logical id (in template order) to the ids it needs first."""
    position = {name: i for i, name in enumerate(edges)}
    waiting = {name: len(set(needs)) for name, needs in edges.items()}
    needed_by: dict[str, list[str]] = {name: [] for name in edges}
    for name, needs in edges.items():
        for need in set(needs):
            needed_by[need].append(name)
    ready = [position[name] for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    names = list(edges)
    order: list[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for dependent in needed_by[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, position[dependent])
    if len(order) != len(edges):
        cycle = find_cycle({n: [m for m in edges[n] if waiting.get(m, 0)] for n in edges if waiting[n]})
        raise TemplateError(
            f"Circular dependency between resources: [{', '.join(cycle)}]",
            logical_id=cycle[0],
            pointer=child("/Resources", cycle[0]),
        )
    return order


def find_cycle(edges: Mapping[str, Collection[str]]) -> list[str]:
    """One cycle among ``edges`` (every node here is on or behind a cycle), in walking order."""
    start = next(iter(edges))
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = sorted(edges[node], key=list(edges).index)[0]
    return path[seen[node] :]
