"""Providers for the AWS::ApiGateway::* resource types (the registry imports ``PROVIDERS``).

Each provider validates its resolved properties and returns a :class:`Deployed` record whose model is
a frozen part of :mod:`vpcgate.spec.model`; :func:`vpcgate.spec.assemble.assemble_apis` joins them.
"""

from __future__ import annotations

from vpcgate.deploy.providers.base import Provider

PROVIDERS: tuple[Provider, ...] = ()
