"""Method response: the reply (or a rendered gateway error) → the HTTP response, with the headers
API Gateway puts on every response, error or not:

- ``x-amzn-RequestId``: ``$context.requestId`` (a UUID);
- ``x-amz-apigw-id``: ``$context.extendedRequestId`` (16 characters of base64, e.g. ``XxxXXXxx=``-like,
  https://repost.aws/knowledge-center/collect-api-gateway-extended-request-ids);
- ``X-Amzn-Trace-Id``: ``Root=1-{8 hex epoch seconds}-{24 hex}``, the X-Ray trace id format
  (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html).

A reply without a Content-Type gets ``application/json`` (API Gateway's default media type).
"""

from __future__ import annotations

from vpcgate.gateway.context import Invocation, Reply
from vpcgate.http.message import Headers, HttpResponse

__all__ = ["method_response"]


def method_response(inv: Invocation, reply: Reply) -> HttpResponse:
    headers = Headers(reply.headers)
    if "content-type" not in headers:
        headers.add("Content-Type", "application/json")
    ids = inv.ids
    headers.add("x-amzn-RequestId", ids.request_id)
    headers.add("x-amz-apigw-id", ids.extended_request_id)
    headers.add("X-Amzn-Trace-Id", ids.trace_id)
    return HttpResponse(reply.status, headers, reply.body)
