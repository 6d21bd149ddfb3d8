"""The method ARN a request is authorized against, and the masked form AWS prints in messages.

``arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{HTTP verb}/{path}``: the verb is the one
the client sent (a method declared as ANY is still authorized as GET, POST, ...), the path is the
request path after the stage without its leading slash, so the root resource ends in ``/GET/``:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
(``"methodArn":"arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"``) and
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html

The path is used as the caller sent it (still percent-encoded); AWS's examples never show an encoded
character, so this is vpcgate's choice (said here, as the design asks).

Resource-policy denials print the ARN with the account id masked to its last four digits
(``arn:aws:execute-api:us-east-1:********1234:abc/dev/GET/bookmarks/1``), as captured AWS responses show.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MethodArn", "method_arn"]


@dataclass(frozen=True, slots=True)
class MethodArn:
    region: str
    account_id: str
    api_id: str
    stage: str
    http_method: str
    path: str  # after the stage, with its leading slash: "/pets/1", "/" for the root

    def __str__(self) -> str:
        return self.render(self.account_id)

    @property
    def masked(self) -> str:
        """The ARN with the account id shown as ``********`` plus its last four digits."""
        return self.render("********" + self.account_id[-4:])

    def render(self, account: str) -> str:
        path = self.path[1:] if self.path.startswith("/") else self.path
        where = f"{self.region}:{account}:{self.api_id}"
        return f"arn:aws:execute-api:{where}/{self.stage}/{self.http_method}/{path}"


def method_arn(
    *, region: str, account_id: str, api_id: str, stage: str, http_method: str, path: str
) -> MethodArn:
    """The method ARN of a request (``path`` is the path after the stage, e.g. ``/pets/1``)."""
    return MethodArn(region, account_id, api_id, stage, http_method.upper(), path or "/")
