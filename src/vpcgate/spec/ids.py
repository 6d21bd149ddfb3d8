"""Ids of the parts of a REST API, derived from what names them so both forms agree.

A resource's id comes from its API and path, an authorizer's and a request validator's from their
names: so an API written as a Swagger body and the same API written as explicit
AWS::ApiGateway::Resource/::Authorizer resources get the same ids, and ids survive a restart.
Shapes follow AWS: resource ids are 10 lowercase alphanumerics, authorizer and validator ids 6.
"""

from __future__ import annotations

from vpcgate.deploy.ids import alnum_id


def resource_id(rest_api_id: str, path: str) -> str:
    return alnum_id(10, "resource", rest_api_id, path)


def authorizer_id(rest_api_id: str, name: str) -> str:
    return alnum_id(6, "authorizer", rest_api_id, name)


def request_validator_id(rest_api_id: str, name: str) -> str:
    return alnum_id(6, "validator", rest_api_id, name)
