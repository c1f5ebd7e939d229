"""Stages side by side in one account, and the AWS China profile: each synthesized as the CLI would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra import constants
from infra.app import build_app
from infra.stack import JipingStack, check_gpu_instance_types, check_partition, check_stage

from .conftest import TEST_CONTEXT, Synth

# Properties that name a resource inside its parent (an inline policy, an API's stage or authorizer) or only
# label it: equal values in two stages do not collide.
SCOPED_NAMES = {
    ("AWS::IAM::Policy", "PolicyName"),
    ("AWS::ApiGatewayV2::Stage", "StageName"),
    ("AWS::ApiGatewayV2::Authorizer", "Name"),
    ("AWS::SNS::Topic", "DisplayName"),
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "PolicyName"),  # unique per scalable target (a service)
    ("AWS::ECS::TaskDefinition", "Family"),  # revisions of a family; each stage's task definition is its own
}

NOT_NAMES = {"MetricName", "AttributeName", "IndexName"}  # what a resource refers to, not what it is called


def _synth(tmp: Path, **context: Any) -> dict[str, Any]:
    app, _ = build_app(outdir=str(tmp), context={**TEST_CONTEXT, **context})
    app.synth()  # cdk-nag runs here as in every synth
    return json.loads((tmp / f"{constants.STACK_NAME}.template.json").read_text())


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth(tmp_path_factory.mktemp("prod"), **{"jiping:stage": "prod"})


def physical_names(template: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """Every name we give a resource (a string property ending in "Name"), and the WeCom secret it reads."""
    found: dict[tuple[str, str, str], str] = {}
    for logical_id, res in template["Resources"].items():
        for key, value in (res.get("Properties") or {}).items():
            if (
                key.endswith("Name")
                and key not in NOT_NAMES
                and isinstance(value, str)
                and (res["Type"], key) not in SCOPED_NAMES
            ):
                found[(res["Type"], key, logical_id)] = value
    for res in template["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy":
            for statement in res["Properties"]["PolicyDocument"]["Statement"]:
                if "secretsmanager:GetSecretValue" in json.dumps(statement["Action"]):
                    found[("Secret", "Name", "WecomSecret")] = json.dumps(statement["Resource"])
    return found


def test_two_stages_in_one_account_name_nothing_alike(synth: Synth, prod: dict[str, Any]) -> None:
    dev_names, prod_names = physical_names(synth.raw), physical_names(prod)
    assert ("Secret", "Name", "WecomSecret") in dev_names and len(dev_names) >= 4
    assert dev_names.keys() == prod_names.keys()  # the same resources, each named per stage
    clashes = {key: v for key, v in dev_names.items() if v in set(prod_names.values())}
    assert not clashes, clashes
    assert "jiping/wecom/prod" in prod_names[("Secret", "Name", "WecomSecret")]


def test_the_stack_is_named_by_its_stage_and_tagged_with_it(synth: Synth) -> None:
    assert synth.stack.stack_name == "Jiping-dev" and synth.stack.stage == "dev"
    assert synth.stack.node.id == constants.STACK_NAME  # the assembly artifact the local cloud reads
    _, fn = synth.resource("AWS::Lambda::Function", "ComputePersist")
    assert {"Key": "stage", "Value": "dev"} in fn["Properties"]["Tags"]


@pytest.mark.parametrize("bad", ["Prod", "prod_1", "", "-dev", "dev-", "a" * 13, "prod eu", "prød"])
def test_a_stage_that_cannot_name_resources_fails_the_synth_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match="jiping:stage must be"):
        check_stage(bad)
    with pytest.raises(ValueError, match="jiping:stage must be"):
        JipingStack(cdk.App(), "Jiping", stage=bad)


@pytest.mark.parametrize("good", ["dev", "prod", "staging-2", "a" * 12])
def test_stages_of_lowercase_letters_digits_and_hyphens_up_to_12_are_accepted(good: str) -> None:
    assert check_stage(good) == good and check_stage(None) == "dev"


def test_only_the_aws_and_aws_cn_partitions_are_known_and_a_region_must_match_its_partition() -> None:
    assert check_partition(None) == "aws" and check_partition("aws-cn") == "aws-cn"
    with pytest.raises(ValueError, match="jiping:partition"):
        check_partition("aws-us-gov")
    with pytest.raises(ValueError, match="cn-northwest-1 is in partition aws-cn"):
        JipingStack(cdk.App(), "Jiping", env=cdk.Environment(region="cn-northwest-1"))


# --- AWS China -------------------------------------------------------------------------------------


def test_china_functions_have_no_xray_tracing_and_a_quiet_tracer(china: dict[str, Any]) -> None:
    functions = {k: v for k, v in china["Resources"].items() if v["Type"] == "AWS::Lambda::Function"}
    ours = {k: v for k, v in functions.items() if k.startswith("Compute")}
    assert len(ours) >= len(constants.ZIP_FUNCTIONS)
    assert not [k for k, v in functions.items() if "TracingConfig" in v["Properties"]]
    for fn in ours.values():
        assert fn["Properties"]["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"
    function_policies = [
        v
        for k, v in china["Resources"].items()
        if v["Type"] == "AWS::IAM::Policy" and k.startswith("Compute")
    ]
    assert function_policies and "xray:" not in json.dumps(function_policies)
    # Step Functions keeps X-Ray: the China regions list no such gap for it (docs/operations.md)
    (machine,) = [v for v in china["Resources"].values() if v["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_china_zip_functions_run_python311_on_x86_64(china: dict[str, Any]) -> None:
    for logical_id, fn in china["Resources"].items():
        if (
            fn["Type"] == "AWS::Lambda::Function"
            and logical_id.startswith("Compute")
            and "Runtime" in fn["Properties"]
        ):
            assert fn["Properties"]["Runtime"] == "python3.11", logical_id
            assert fn["Properties"]["Architectures"] == ["x86_64"], logical_id


def test_china_gpu_instances_are_g5_and_g4dn_never_g6(china: dict[str, Any], synth: Synth) -> None:
    def types(template: dict[str, Any]) -> set[str]:
        return {
            t
            for v in template["Resources"].values()
            for t in json.dumps(v.get("Properties", {})).split('"')
            if t.startswith(("g4dn.", "g5.", "g6.", "g6e."))
        }

    assert types(china) == {"g5.xlarge", "g4dn.xlarge"}
    assert "g6.xlarge" in types(synth.raw)  # the commercial default keeps g6
    assert constants.gpu_instance_types("aws") == constants.DEFAULTS["jiping:gpuInstanceTypes"]


def test_a_g6_type_configured_for_china_fails_the_synth() -> None:
    with pytest.raises(ValueError, match="g6.xlarge.*not offered in partition aws-cn"):
        check_gpu_instance_types(["g6.xlarge", "g5.xlarge"], "aws-cn")
    assert check_gpu_instance_types(["p5.48xlarge"], "aws") == ["p5.48xlarge"]
