"""AWS::Lambda::EventInvokeConfig → EventInvokeConfig, with errors at the property's pointer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcgate.errors import TemplateError
from vpcgate.functions.model import EventInvokeConfig

from .helpers import deploy

FUNCTION: dict[str, Any] = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "FunctionName": "worker",
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": "arn:aws:iam::000000000000:role/r",
        "Code": {"ZipFile": "def handler(e, c):\n    return e\n"},
    },
}


def template(**props: Any) -> dict[str, Any]:
    config = {"FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST", **props}
    return {
        "Resources": {
            "Fn": FUNCTION,
            "Cfg": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": config},
        }
    }


def config_error(tmp_path: Path, **props: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, template(**props))
    assert info.value.logical_id == "Cfg"
    assert info.value.file == str(tmp_path / "app.json")
    return info.value


def test_defaults_are_lambdas(tmp_path: Path) -> None:
    stack = deploy(tmp_path, template())
    deployed = stack.resources["Cfg"]
    assert deployed.model == EventInvokeConfig("Cfg", "worker", "$LATEST")
    assert (deployed.model.maximum_retry_attempts, deployed.model.maximum_event_age_seconds) == (2, 21600)
    assert deployed.physical_id.startswith("app-Cfg-") and deployed.attributes == {}
    assert not [w for w in stack.warnings if "Cfg" in w]  # no longer a skipped placeholder


def test_all_properties(tmp_path: Path) -> None:
    stack = deploy(
        tmp_path,
        template(
            FunctionName={"Fn::GetAtt": ["Fn", "Arn"]},
            Qualifier="live",
            MaximumRetryAttempts="0",
            MaximumEventAgeInSeconds=60,
            DestinationConfig={
                "OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:000000000000:done"},
                "OnFailure": {"Destination": {"Fn::GetAtt": ["Fn", "Arn"]}},
            },
        ),
    )
    assert stack.resources["Cfg"].model == EventInvokeConfig(
        "Cfg",
        "worker",
        "live",
        maximum_retry_attempts=0,
        maximum_event_age_seconds=60,
        on_success="arn:aws:sqs:us-east-1:000000000000:done",
        on_failure="arn:aws:lambda:us-east-1:000000000000:function:worker",
    )


@pytest.mark.parametrize(
    ("props", "pointer", "message"),
    [
        ({"MaximumRetryAttempts": 3}, "MaximumRetryAttempts", "between 0 and 2, not 3"),
        ({"MaximumRetryAttempts": "two"}, "MaximumRetryAttempts", "must be an integer"),
        ({"MaximumEventAgeInSeconds": 59}, "MaximumEventAgeInSeconds", "between 60 and 21600, not 59"),
        ({"MaximumEventAgeInSeconds": 21601}, "MaximumEventAgeInSeconds", "not 21601"),
        ({"Qualifier": "not valid!"}, "Qualifier", "$LATEST, a version number or an alias"),
        ({"DestinationConfig": []}, "DestinationConfig", "must be an object"),
        ({"DestinationConfig": {"OnFailure": "x"}}, "DestinationConfig/OnFailure", "with a Destination"),
        (
            {"DestinationConfig": {"OnFailure": {"Destination": "queue"}}},
            "DestinationConfig/OnFailure/Destination",
            "must be an ARN",
        ),
        (
            {"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}},
            "DestinationConfig/OnSuccess/Destination",
            "only be an OnFailure destination",
        ),
    ],
)
def test_bad_values_point_at_the_property(
    tmp_path: Path, props: dict[str, Any], pointer: str, message: str
) -> None:
    error = config_error(tmp_path, **props)
    assert error.pointer == f"/Resources/Cfg/Properties/{pointer}"
    assert message in str(error)


def test_qualifier_is_required_and_the_function_must_be_deployed(tmp_path: Path) -> None:
    body = template()
    del body["Resources"]["Cfg"]["Properties"]["Qualifier"]
    with pytest.raises(TemplateError, match="Qualifier is required") as info:
        deploy(tmp_path, body)
    assert info.value.pointer == "/Resources/Cfg/Properties/Qualifier"
    with pytest.raises(TemplateError, match="'ghost' is not deployed") as ghost:
        deploy(tmp_path, template(FunctionName="ghost"))
    assert ghost.value.pointer == "/Resources/Cfg/Properties/FunctionName"
