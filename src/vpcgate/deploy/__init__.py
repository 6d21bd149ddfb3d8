"""CloudFormation: load templates (JSON/YAML), resolve intrinsics, deploy resources in dependency order.

The public entry point is :func:`vpcgate.deploy.stacks.deploy_stacks` (several templates, in order);
:func:`vpcgate.deploy.parameters.parse_overrides` reads SAM-style ``--parameter-overrides`` tokens.
Each resource type has one provider module under ``providers/`` that turns resolved properties
into a typed, validated model; later layers (functions, network, gateway) run those models.
Deploying is pure: no processes are started and no files are written.

::

    stacks.py        deploy_stacks: several templates, stack names, outputs → parameters, exports
    stack.py         one stack: parameters → conditions → types → graph → providers → outputs; Stack
    template.py      read a file (JSON, or YAML via yaml_tags.py) and check its structure
    yaml_tags.py     the only importer of PyYAML: CSafeLoader + CloudFormation short-form tags
    parameters.py    overrides, the Parameters section, types, constraints, NoEcho
    pseudo.py        AWS::Region, ::Partition, ::StackId ... and the local Fn::GetAZs list
    intrinsics.py    Ref, Fn::GetAtt/Join/Sub/Select/Split/If/Equals/And/Or/Not/FindInMap/Base64/
                     GetAZs/Cidr/ImportValue; AWS::NoValue
    cidr.py          Fn::Cidr's arithmetic
    conditions.py    the Conditions section, memoised, cycles reported
    graph.py         references (Ref, GetAtt, Sub, DependsOn), checks, stable topological order
    context.py       the DeployContext given to providers; what stacks of one run share
    ids.py           stable physical ids and names derived from (stack, logical id)
    pointer.py       JSON pointers for error locations
    providers/       one module per resource type (family); registry in providers/__init__.py
"""
