"""Routing as REST APIs route: literal > {param} > {proxy+}, ANY, backtracking, 403 for the unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpcgate.errors import TemplateError
from vpcgate.gateway.errors import MissingAuthenticationTokenError
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.routing import Router, resource_router
from vpcgate.spec.openapi import ImportOptions, import_api

SEED: Router[str] = Router({"/": {"GET": "get-root", "POST": "post-root"}})


def test_seed_root_get_and_post() -> None:
    got = SEED.match("GET", "/")
    assert (got.resource_path, got.method, got.target, dict(got.path_parameters)) == (
        "/",
        "GET",
        "get-root",
        {},
    )
    assert SEED.match("POST", "/").target == "post-root"


@pytest.mark.parametrize(("method", "path"), [("PUT", "/"), ("GET", "/nowhere"), ("DELETE", "/")])
def test_seed_unknown_method_or_path_is_missing_authentication_token(method: str, path: str) -> None:
    with pytest.raises(MissingAuthenticationTokenError) as caught:
        SEED.match(method, path)
    rendered = GatewayResponses().render(caught.value)
    assert (rendered.status, rendered.body) == (403, b'{"message":"Missing Authentication Token"}')


ROUTER: Router[str] = Router(
    {
        "/": {"ANY": "root"},
        "/pets": {"GET": "list", "POST": "create"},
        "/pets/mine": {"GET": "mine"},
        "/pets/{petId}": {"GET": "one", "DELETE": "delete"},
        "/pets/{petId}/toys/{toyId}": {"GET": "toy"},
        "/files/{proxy+}": {"ANY": "files"},
        "/{proxy+}": {"GET": "catch-all"},
    }
)


@pytest.mark.parametrize(
    ("method", "path", "target", "params"),
    [
        ("GET", "/pets", "list", {}),
        ("GET", "/pets/", "list", {}),
        ("GET", "/pets/mine", "mine", {}),
        ("GET", "/pets/7", "one", {"petId": "7"}),
        ("DELETE", "/pets/mine", "delete", {"petId": "mine"}),
        ("GET", "/pets/7/toys/ball", "toy", {"petId": "7", "toyId": "ball"}),
        ("GET", "/files/a", "files", {"proxy": "a"}),
        ("PATCH", "/files/a/b/c.txt", "files", {"proxy": "a/b/c.txt"}),
        ("GET", "/files/a/b/", "files", {"proxy": "a/b"}),
        ("GET", "/elsewhere/deep/path", "catch-all", {"proxy": "elsewhere/deep/path"}),
        ("GET", "/pets/7/unknown", "catch-all", {"proxy": "pets/7/unknown"}),
        ("OPTIONS", "/", "root", {}),
        ("get", "/pets", "list", {}),
    ],
)
def test_precedence(method: str, path: str, target: str, params: dict[str, str]) -> None:
    got = ROUTER.match(method, path)
    assert (got.target, dict(got.path_parameters)) == (target, params)


def test_any_is_the_fallback_and_reported() -> None:
    got = ROUTER.match("PUT", "/files/x")
    assert (got.method, got.resource_path) == ("ANY", "/files/{proxy+}")


@pytest.mark.parametrize(("method", "path"), [("PUT", "/pets"), ("POST", "/anything"), ("POST", "/files")])
def test_unknown_is_403(method: str, path: str) -> None:
    with pytest.raises(MissingAuthenticationTokenError):
        ROUTER.match(method, path)


def test_greedy_proxy_needs_at_least_one_segment() -> None:
    router: Router[str] = Router({"/{proxy+}": {"ANY": "p"}})
    with pytest.raises(MissingAuthenticationTokenError):
        router.match("GET", "/")
    assert router.match("GET", "/x").path_parameters == {"proxy": "x"}


def test_backtracking_over_path_segments() -> None:
    router: Router[str] = Router({"/a/{x}/c": {"GET": "axc"}, "/{y}/b/d": {"GET": "ybd"}})
    got = router.match("GET", "/a/b/d")
    assert (got.target, dict(got.path_parameters)) == ("ybd", {"y": "a"})
    assert router.match("GET", "/a/b/c").path_parameters == {"x": "b"}


def test_backtracking_over_methods() -> None:
    router: Router[str] = Router({"/pets/dog": {"GET": "dog"}, "/pets/{name}": {"POST": "named"}})
    assert router.match("GET", "/pets/dog").target == "dog"
    got = router.match("POST", "/pets/dog")
    assert (got.target, dict(got.path_parameters)) == ("named", {"name": "dog"})


def test_aws_measured_resolution() -> None:
    """Real API Gateway, as recorded in ministackorg/ministack#1423 and floci-io/floci#3399/#3547."""
    jobs: Router[str] = Router(
        {
            "/{proxy+}": {"ANY": "proxy"},
            "/jobs": {},
            "/jobs/{operation_type}": {"GET": "jobs-op"},
            "/cors_only": {"OPTIONS": "cors"},
        }
    )
    assert jobs.match("GET", "/jobs/reboot").target == "jobs-op"
    assert jobs.match("GET", "/jobs").target == "proxy"
    assert jobs.match("POST", "/jobs").target == "proxy"
    assert jobs.match("POST", "/jobs/reboot").target == "proxy"
    assert jobs.match("GET", "/cors_only").target == "proxy"
    users: Router[str] = Router({"/users/{userId}": {"GET": "by-id"}, "/users/me": {"PATCH": "me"}})
    assert users.match("PATCH", "/users/me").target == "me"
    got = users.match("GET", "/users/me")
    assert (got.target, dict(got.path_parameters)) == ("by-id", {"userId": "me"})
    with pytest.raises(MissingAuthenticationTokenError):
        users.match("POST", "/users/me")


def test_param_captures_are_not_leaked_by_abandoned_branches() -> None:
    router: Router[str] = Router({"/q/{b}/x": {"GET": "qbx"}, "/{a}/{rest+}": {"GET": "rest"}})
    assert dict(router.match("GET", "/q/2/3").path_parameters) == {"a": "q", "rest": "2/3"}
    assert dict(router.match("GET", "/q/2/x").path_parameters) == {"b": "2"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/users/user%40example.com", "user@example.com"),
        ("/users/a+b", "a+b"),
        ("/users/a%20b", "a b"),
        ("/users/a%2Fb", "a/b"),
        ("/users/caf%C3%A9", "café"),
        ("/users/100%", "100%"),
    ],
)
def test_path_parameters_are_percent_decoded(path: str, expected: str) -> None:
    router: Router[str] = Router({"/users/{id}": {"GET": "u"}})
    assert router.match("GET", path).path_parameters == {"id": expected}


def test_encoded_slash_does_not_split_but_proxy_decodes() -> None:
    router: Router[str] = Router({"/f/{proxy+}": {"GET": "f"}, "/g/{name}/x": {"GET": "x"}})
    assert router.match("GET", "/f/a%2Fb/c").path_parameters == {"proxy": "a/b/c"}
    assert router.match("GET", "/g/a%2Fb/x").path_parameters == {"name": "a/b"}


def test_literal_matching_is_case_sensitive_and_on_the_raw_path() -> None:
    router: Router[str] = Router({"/Pets": {"GET": "P"}, "/a b": {"GET": "space"}})
    assert router.match("GET", "/Pets").target == "P"
    with pytest.raises(MissingAuthenticationTokenError):
        router.match("GET", "/pets")
    with pytest.raises(MissingAuthenticationTokenError):
        router.match("GET", "/a%20b")


def test_empty_inner_segment_matches_only_a_proxy() -> None:
    router: Router[str] = Router({"/a/{x}": {"GET": "ax"}, "/b/{proxy+}": {"GET": "b"}})
    with pytest.raises(MissingAuthenticationTokenError):
        router.match("GET", "/a//")  # trailing slashes stripped: /a, which has no method
    assert router.match("GET", "/b//c").path_parameters == {"proxy": "/c"}


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ({"pets": {"GET": 1}}, "does not start"),
        ({"/{proxy+}/x": {"GET": 1}}, "greedy"),
        ({"/{a}": {"GET": 1}, "/{b}/c": {"GET": 1}}, "only one is allowed"),
        ({"/p/{proxy+}": {"GET": 1}, "/p/{child}/x": {"GET": 1}}, "only one is allowed"),
        ({"/p/{child}": {"GET": 1}, "/p/{rest+}": {"GET": 1}}, "only one is allowed"),
        ({"/{}": {"GET": 1}}, "bad path variable"),
    ],
)
def test_bad_resource_trees_are_refused(routes: dict[str, dict[str, int]], fragment: str) -> None:
    with pytest.raises(TemplateError, match=fragment):
        Router(routes)


segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=12)


@given(st.lists(segment, min_size=1, max_size=6))
def test_proxy_round_trips_any_encoded_path(parts: list[str]) -> None:
    from urllib.parse import quote

    router: Router[str] = Router({"/{proxy+}": {"ANY": "p"}})
    raw = "/" + "/".join(quote(p, safe="") for p in parts)
    assert router.match("GET", raw).path_parameters == {"proxy": "/".join(parts)}


def _resolve(value: Any) -> Any:
    """Just enough of CloudFormation's intrinsics to import the seed's Swagger body."""
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(_resolve(p) for p in parts)
        if "Ref" in value:
            return {"AWS::Region": "us-east-1", "BackendHost": "10.0.1.10"}.get(value["Ref"], "8080")
        if "Fn::GetAtt" in value:
            return "arn:aws:lambda:us-east-1:123456789012:function:ProxyFunction"
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def test_the_seed_api_routes_as_the_readme_says(seed_template: Path) -> None:
    template = json.loads(seed_template.read_text())
    body = _resolve(template["Resources"]["ProxyApi"]["Properties"]["Body"])
    api = import_api(body, ImportOptions(rest_api_id="a1b2c3d4e5"), lambda message, path: None)
    router = resource_router(api.resources)
    for method in ("GET", "POST"):
        got = router.match(method, "/")
        assert (got.resource_path, got.method, got.target.method.http_method) == ("/", method, method)
        assert got.target.resource.id == api.root_resource_id
    for method, path in (("PUT", "/"), ("GET", "/nowhere")):
        with pytest.raises(MissingAuthenticationTokenError):
            router.match(method, path)
