"""The proxy function: the API's mapping template hands it where to go and what to send; it calls
the private backend and hands back status, headers and JSON body for the response templates.

A backend answer other than 200 is raised as an error whose message is that JSON in one line
(``{"status":403,"bodyJson":"..."}``): the API's integration responses pick the status code by a
regex on the message and render ``bodyJson`` with ``$util.parseJson``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# no proxy environment variables: the backend is in the subnet, reached directly
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_WITH_BODY = ("POST", "PUT", "PATCH")


def _one_line(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    target = event["requestParams"]
    url = f"http://{target['hostname']}:{target['port']}{target['path']}"
    query = (event.get("params") or {}).get("querystring") or {}
    if query:
        url += "?" + urllib.parse.urlencode(query)
    method = target["method"]
    body = json.dumps(event.get("bodyJson")).encode() if method in _WITH_BODY else None
    headers = {"Content-Type": "application/json", "X-Forwarded-For": event["context"]["source-ip"]}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=5) as response:
            text = response.read()
            return {
                "status": response.status,
                "bodyJson": json.loads(text) if text else None,
                "headers": {name.lower(): value for name, value in response.headers.items()},
            }
    except urllib.error.HTTPError as error:
        raise RuntimeError(_one_line({"status": error.code, "bodyJson": error.read().decode()})) from None
    except OSError as error:
        print(f"backend unreachable: {error}")
        failure = _one_line({"message": "Internal server error"})
        raise RuntimeError(_one_line({"status": 500, "bodyJson": failure})) from None
