"""CloudFormation: load templates (JSON/YAML), resolve intrinsics, deploy resources in dependency order.

The public entry point is :func:`vpcgate.deploy.stacks.deploy_stacks` (several templates, in order).
Each resource type has one provider module under ``providers/`` that turns resolved properties
into a typed, validated model; later layers (functions, network, gateway) run those models.
"""
