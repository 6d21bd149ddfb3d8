"""A Python function behind a Lambda proxy integration: greets whoever `?name=` names."""

import json


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"hello": name, "requestId": context.aws_request_id}),
    }
