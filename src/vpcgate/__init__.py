"""vpcgate: API Gateway, Lambda and private VPC networks from one CloudFormation template, locally.

Map of the tree (see ../../DESIGN.md in shared/ for the request's way through it):

- ``cli``        the ``vpcgate`` command: argument parsing and human output only
- ``settings``   frozen Settings; the only reader of ``os.environ``
- ``errors``     the root of every error vpcgate raises on purpose
- ``deploy``     CloudFormation: load, resolve intrinsics, order, one provider per resource type
- ``spec``       Swagger/OpenAPI + ``x-amazon-apigateway-*`` and explicit resources → frozen API model
- ``vtl``        Velocity templates in API Gateway's dialect, compiled once
- ``functions``  Lambda-compatible functions in warm worker processes
- ``network``    VPCs, subnets, security groups; enforced with namespaces and nftables
- ``gateway``    the REST API request chain
"""

__version__ = "0.1.0"
